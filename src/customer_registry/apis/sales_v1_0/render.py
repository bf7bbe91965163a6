"""How the sales API shows things: the full customer record of the original, catalogue objects
with their `href`, lists, and `{"error", "error_description"}` errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.http import (
    ErrorHandler,
    absolute_url,
    json_response,
    message_error_handlers,
)
from customer_registry.apis.models import attribute, core_names, dict_display, keys
from customer_registry.apis.sales_v1_0 import models
from customer_registry.apis.sales_v1_0.names import CORE_TO_SALES
from customer_registry.apis.sales_v1_0.params import (
    DUE_DATE_TYPES,
    InvalidParamType,
    MissingParam,
)
from customer_registry.apis.times import to_the_second
from customer_registry.core import errors
from customer_registry.core.catalogues import Item
from customer_registry.core.contacts import Contact
from customer_registry.core.customer_details import CustomerDetails
from customer_registry.core.fields import FLOAT_LIMIT
from customer_registry.core.query import Page, PageRequest
from customer_registry.core.records import Record, Ref
from customer_registry.core.users import User
from customer_registry.storage.errors import IntegrityViolation

Json = dict[str, Any]


timestamp = to_the_second("Z")  # `2015-12-17T23:00:00Z`


def href(request: Request, collection: str, key: int) -> str:
    """A path on this service, under the sales API's mount (`/api/v1.0/…`)."""
    return f"{request.scope.get('root_path', '')}/{collection}/{key}"


def media_url(request: Request, relative: str | None) -> str | None:
    """The image's public URL; its copies are the same with `small_`/`medium_` before the
    file name, as the document shows."""
    if relative is None:
        return None
    root = request.scope.get("app_root_path", "")
    return absolute_url(request, f"{root}/media/{relative}")


def _number(value: float | None) -> float | int | None:
    """5000, not 5000.0, as the document shows whole amounts (within FLOAT_LIMIT, which every
    stored float is: a larger whole float would be an integer past JSON's 64 bits)."""
    if value is not None and value.is_integer() and abs(value) <= FLOAT_LIMIT:
        return int(value)
    return value


def _ref(root: str, collection: str, ref: Ref | None) -> Json | None:
    """`ref` as a link, `root` the sales API's mount (`href`)."""
    if ref is None:
        return None
    return {
        "id": ref.id,
        "reference": ref.reference,
        "name": ref.name,
        "href": f"{root}/{collection}/{ref.id}",
    }


def _region(root: str, region: Ref | None) -> Json | None:
    """The document's region shows id, name and href (no reference)."""
    if region is None:
        return None
    return {"id": region.id, "name": region.name, "href": f"{root}/regions/{region.id}"}


def _getter(pairs: Iterable[tuple[str, str]]) -> Callable[[object], Json]:
    """A function answering `{key: record.<attribute>}` for `pairs` (`dict_display`)."""
    return dict_display((key, attribute(name)) for key, name in pairs)


# Every key of the record, in the model's order, in one dict display: a detail shown as
# stored as its attribute, any other key null, for `record_json` to set (setting a key
# already there keeps its place, so the order stays the model's).
_DETAILS_SHOWN = {
    name: core
    for name, core in core_names(models.Customer).items()
    if core in CustomerDetails.__struct_fields__
}
_details = dict_display(
    (key.name, attribute(_DETAILS_SHOWN[key.name]) if key.name in _DETAILS_SHOWN else "None")
    for key in keys(models.Customer)
)


def record_json(request: Request, record: Record) -> Json:
    """Every key of the document's example, in its order: those this registry does not keep
    null, a detail as stored unless shown otherwise here (an URL, a whole amount, a name)."""
    customer, d = record.customer, record.customer.details
    root = request.scope.get("root_path", "")
    shown = _details(d)
    shown["id"] = customer.customer_id
    shown["reference"] = customer.code
    shown["name"] = customer.name
    category, segmentation = record.category, record.segmentation
    if category is not None:
        shown["categoryReference"] = category.reference
        shown["customerCategory"] = _ref(root, "customerCategories", category)
    else:
        shown["customerCategory"] = None  # not the stored id the display put there
    shown["isSubCustomer"] = record.parent is not None
    shown["parentCustomer"] = _ref(root, "customers", record.parent)
    if segmentation is not None:
        shown["customerSegmentationReference"] = segmentation.reference
        shown["customerSegmentation"] = _ref(root, "customerSegmentations", segmentation)
    else:
        shown["customerSegmentation"] = None
    if d.logo is not None:
        shown["logo"] = media_url(request, d.logo)
    if d.credit_limit is not None:
        shown["creditLimit"] = _number(d.credit_limit)
    creator = record.creator
    shown["createdBy"] = (
        None
        if creator is None
        else {
            "userId": creator.id,
            "reference": creator.reference,
            "href": f"{root}/users/{creator.id}",
        }
    )
    due_type = d.due_date_config_type
    shown["dueDateConfigType"] = DUE_DATE_TYPES.get(due_type) if due_type else None
    # Most records name none: no comprehension to run for an empty list.
    shown["paymentTypes"] = (
        [_ref(root, "paymentTypes", ref) for ref in record.payment_types]
        if record.payment_types
        else []
    )
    shown["contacts"] = (
        [_contact(root, contact) for contact in record.contacts] if record.contacts else []
    )
    shown["currency"] = record.currency
    shown["organization"] = record.organization
    shown["dateCreated"] = timestamp(customer.created_at)
    shown["lastUpdated"] = timestamp(customer.modified_at or customer.created_at)
    shown["region"] = _region(root, record.region)
    return shown


# A contact's keys that show its fields as they are (the model's first), then the others.
_contact_fields = _getter(core_names(models.Contact).items())


def contact_json(request: Request, contact: Contact) -> Json:
    return _contact(request.scope.get("root_path", ""), contact)


def _contact(root: str, contact: Contact) -> Json:
    shown = _contact_fields(contact)
    shown["dateCreated"] = timestamp(contact.created_at)
    shown["lastUpdated"] = timestamp(contact.modified_at or contact.created_at)
    shown["href"] = f"{root}/contacts/{contact.contact_id}"
    return shown


def user_json(request: Request, user: User) -> Json:
    return {
        "id": user.user_id,
        "reference": user.username,
        "name": user.display_name,
        "href": href(request, "users", user.user_id),
    }


def item_json(request: Request, collection: str, item: Item[Any], extra: Json) -> Json:
    return {
        "id": item.id,
        "reference": item.reference,
        "name": item.name,
        **extra,
        "dateCreated": timestamp(item.created_at),
        "lastUpdated": timestamp(item.modified_at or item.created_at),
        "href": href(request, collection, item.id),
    }


def list_json(items: list[Json], page: Page[Any], asked: PageRequest) -> Response:
    """One convention for every sales list: `max`, `offset`, the `total`, the `data`."""
    return json_response(
        {"total": page.total, "offset": asked.start, "max": asked.per_page, "data": items}
    )


# --- errors ---------------------------------------------------------------------------------


def error(
    status: int, code: str, description: str, headers: Mapping[str, str] | None = None
) -> Response:
    return json_response({"error": code, "error_description": description}, status, headers)


def _first(exc: errors.Invalid) -> str:
    return next(iter(exc.worded(CORE_TO_SALES).values()))


Answer = tuple[int, Json, Mapping[str, str] | None]  # status, body, headers


def _said(
    status: int, code: str, description: str, headers: Mapping[str, str] | None = None
) -> Answer:
    return status, {"error": code, "error_description": description}, headers


def error_answer(exc: errors.DomainError) -> Answer:
    """What the API answers `exc` with (also the words of an import's report)."""
    match exc:
        case MissingParam():
            return _said(400, "missing_param", exc.message)
        case InvalidParamType():
            return _said(400, "invalid_param_type", exc.message)
        case errors.Required():
            name = CORE_TO_SALES.get(next(iter(exc.errors)), next(iter(exc.errors)))
            return _said(400, "missing_param", f"{name} parameter is missing")
        case errors.NotUnique():
            name = CORE_TO_SALES.get(exc.field, exc.field)
            if exc.field == "code":
                name = "reference"
            return _said(400, "not_unique", f"{name} already used")
        case errors.Invalid():
            return _said(400, "invalid_param", _first(exc))
        case errors.FileTooLarge():
            return _said(400, "exceeded_file_size", exc.message)
        case errors.UnsupportedFile():
            return _said(400, "unsupported_file_type", exc.message)
        case errors.Outdated():
            return _said(412, "precondition_failed", exc.message)
        case errors.KeyReused():
            return _said(422, "idempotency_key_reused", exc.message)
        case errors.NotFound():
            return _said(404, "not_found", exc.message)
        case errors.Unauthenticated():
            return _said(
                401, "unauthorized", "Full authentication is required to access this resource."
            )
        case errors.Forbidden():
            return _said(403, "access_denied", exc.message)
        case errors.InUse():
            return _said(400, "in_use", exc.message)
        case errors.Throttled():
            return _said(
                429, "too_many_requests", exc.message, {"Retry-After": str(exc.retry_after)}
            )
        case errors.Unavailable():
            return _said(503, "service_unavailable", exc.message, {"Retry-After": "5"})
    return _said(400, "invalid_param", exc.message)  # UnknownField, InvalidQuery


def domain_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, errors.DomainError):
        raise exc
    status, body, headers = error_answer(exc)
    return json_response(body, status, headers)


def save_failed(request: Request, exc: Exception) -> Response:
    """What the database refused that no rule foresaw (an object deleted meanwhile)."""
    return error(400, "save_failed", "Failed to save instance.")


def _message(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    codes = {
        400: "invalid_request",
        404: "not_found",
        405: "method_not_allowed",
        408: "request_timeout",
        413: "request_too_large",
        415: "unsupported_media_type",
        500: "server_error",
    }
    return error(status, codes.get(status, "invalid_request"), message, headers)


EXCEPTION_HANDLERS: dict[type[Exception], ErrorHandler] = {
    errors.DomainError: domain_error,
    IntegrityViolation: save_failed,
    **message_error_handlers(
        _message,
        {404: "The resource doesn't exist.", 405: "Method not allowed."},
        "Oops! Something went wrong...",
    ),
}
