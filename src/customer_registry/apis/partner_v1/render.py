"""How the partner API shows things: records, pages with a Link header, and its errors."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.http import (
    ErrorHandler,
    HttpError,
    json_response,
    link_before_page,
    message_error_handlers,
)
from customer_registry.apis.partner_v1.names import PARTNER_NAMES
from customer_registry.core import errors
from customer_registry.core.customers import Customer
from customer_registry.core.entities import Entity
from customer_registry.core.fields import INT64
from customer_registry.core.history import HistoryRow
from customer_registry.core.links import Link, LinkTable
from customer_registry.core.products import Product
from customer_registry.core.query import Page, PageRequest

T = TypeVar("T")
Json = dict[str, Any]


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601, UTC, no zone designator (`_meta_data.md`)."""
    return None if value is None else value.isoformat(timespec="microseconds")


def customer_json(customer: Customer) -> Json:
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "external_customer_id": customer.external_id,
        "external_customer_code": customer.code,
        **_audit(customer),
    }


def entity_json(entity: Entity) -> Json:
    return {
        "entity_id": entity.entity_id,
        "name": entity.name,
        "bboxx_company_flag": entity.bboxx_company_flag,
        "tariff": entity.tariff,
        "financier": entity.financier,
        "geic": entity.geic,
        **_audit(entity),
    }


def _audit(record: Customer | Entity | Product | Link | HistoryRow) -> Json:
    return {
        "created_at": timestamp(record.created_at),
        "created_by": record.created_by,
        "modified_at": timestamp(record.modified_at),
        "modified_by": record.modified_by,
    }


def product_json(product: Product) -> Json:
    attributes = {
        name: timestamp(value) if isinstance(value, datetime) else value
        for name, value in product.attributes.items()
    }
    return {
        "product_imei": product.product_imei,
        **attributes,
        "entity_id": product.entity_id,
        **_audit(product),
    }


def link_renderer(links: LinkTable) -> Callable[[Link], Json]:
    """customer_entity_linker / product_entity_linker objects, named as the documents do."""
    key, owner = str(links.key.name), str(links.owner.name)  # SQLAlchemy names are a str subclass

    def render(link: Link) -> Json:
        return {
            key: link.link_id,
            owner: link.owner,
            "entity_id": link.entity_id,
            "date_added": timestamp(link.date_added),
            "date_removed": timestamp(link.date_removed),
            **_audit(link),
        }

    return render


def history_json(row: HistoryRow) -> Json:
    return {
        "customer_product_history_id": row.customer_product_history_id,
        "customer_id": row.customer_id,
        "product_imei": row.product_imei,
        "date_added": timestamp(row.date_added),
        "date_removed": timestamp(row.date_removed),
        "removal_reason": row.removal_reason,
        **_audit(row),
    }


def page_response(request: Request, page: Page[Json], asked: PageRequest) -> Response:
    """Flask-Restless's page body (its objects rendered), with a Link header to the next and
    last pages."""
    total_pages = math.ceil(page.total / asked.per_page)
    page_url = _page_urls(request, asked.per_page)
    links = []
    if asked.page < total_pages:
        links.append(f'<{page_url(asked.page + 1)}>; rel="next"')
    links.append(f'<{page_url(max(total_pages, 1))}>; rel="last"')
    body = {
        "num_results": page.total,
        "objects": page.items,
        "page": _json_integer(asked.page),
        "total_pages": total_pages,
    }
    return json_response(body, headers={"Link": ", ".join(links)})


def _json_integer(number: int) -> int | orjson.Fragment:
    """An integer for the JSON body. The page number is echoed as Python's int() read it,
    which may be past the 64 bits orjson writes: such a number is written as its digits."""
    if INT64[0] <= number <= INT64[1]:
        return number
    return orjson.Fragment(str(number).encode())


def _page_urls(request: Request, per_page: int) -> Callable[[int], str]:
    """The request's URL for another page: its other parameters as they came (encoded once,
    not once per link), then the page's own."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in _PAGE_PARAMETERS]
    prefix = link_before_page(request, kept)
    return lambda number: f"{prefix}page={number}&results_per_page={per_page}"


_PAGE_PARAMETERS = ("page", "results_per_page")


class MultipleResults(HttpError):
    pass


def single_response(page: Page[T], render: Callable[[T], Json]) -> Response:
    """`"single": true`: the one matching object, or the library's two errors."""
    if page.total == 0:
        raise errors.NotFound("No result found")
    if page.total > 1:
        raise MultipleResults("Multiple results found")
    return json_response(render(page.items[0]))


# --- errors ---------------------------------------------------------------------------------


def _message(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return json_response({"message": message}, status, headers)


def _not_unique_message(error: errors.NotUnique, name: str) -> str:
    if error.entity_id is None:
        return f"The {name}({error.value}) is not unique."
    return f"The pairing of {name}({error.value}) and entity_id #{error.entity_id} is not unique."


def domain_error(request: Request, exc: Exception) -> Response:
    match exc:
        case errors.NotUnique():
            name = PARTNER_NAMES.get(exc.field, exc.field)
            return json_response({"validation_errors": {name: _not_unique_message(exc, name)}}, 400)
        case errors.Invalid():
            return json_response({"validation_errors": exc.worded(PARTNER_NAMES)}, 400)
        case errors.NotFound():
            return _message(404, "No result found")
        case errors.Unauthenticated():
            return _message(401, exc.message)
        case errors.Forbidden():
            return _message(403, exc.message)
        case errors.Throttled():
            return _message(429, exc.message, {"Retry-After": str(exc.retry_after)})
        case errors.Unavailable():
            return _message(503, exc.message, {"Retry-After": "5"})
        case errors.InvalidQuery():
            # Flask-Restless answers a query its database refuses with the driver's error.
            return _message(400, exc.refusal or "Unable to construct query")
        case errors.DomainError():
            return _message(400, exc.message)  # UnknownField, InUse: their text is the answer
    raise exc


EXCEPTION_HANDLERS: dict[type[Exception], ErrorHandler] = {
    errors.DomainError: domain_error,
    **message_error_handlers(
        _message, {404: "Not found", 405: "Method not allowed"}, "Internal server error"
    ),
}
