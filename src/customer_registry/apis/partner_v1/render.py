"""How the partner API shows things: records, pages with a Link header, and its errors."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi
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
from customer_registry.apis.models import attribute, dict_display, keys
from customer_registry.apis.partner_v1 import models
from customer_registry.apis.partner_v1.names import PARTNER_NAMES
from customer_registry.core import errors
from customer_registry.core.customer_details import CustomerDetails
from customer_registry.core.customers import Customer
from customer_registry.core.entities import Entity
from customer_registry.core.fields import INT64
from customer_registry.core.history import HistoryRow
from customer_registry.core.links import Link, LinkTable
from customer_registry.core.products import ATTRIBUTES, Product
from customer_registry.core.query import Page, PageRequest

T = TypeVar("T")
Json = dict[str, Any]


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601, UTC, no zone designator (`_meta_data.md`)."""
    return None if value is None else value.isoformat(timespec="microseconds")


def renderer(model: type[msgspec.Struct], read: Callable[[str], str]) -> Callable[[T], Json]:
    """Records shown as `model` declares: its keys, in its order, times as `timestamp` writes
    them; `read(core)` is the expression reading a core field of `record`.

    Compiled once from the model (`dict_display`): every object of every answer goes
    through it."""
    shown = []
    for key in keys(model):
        value = read(str(key.core))
        if isinstance(key.type, mi.DateTimeType):
            value = f"timestamp({value})"
        shown.append((key.name, value))
    return dict_display(shown, {"timestamp": timestamp})


def _customer_attribute(name: str) -> str:
    """A customer's own field, or one of its commercial details (`Customer.details`)."""
    if name in CustomerDetails.__struct_fields__:
        return attribute(name, of="record.details")
    return attribute(name)


customer_json: Callable[[Customer], Json] = renderer(models.Customer, _customer_attribute)
entity_json: Callable[[Entity], Json] = renderer(models.Entity, attribute)
history_json: Callable[[HistoryRow], Json] = renderer(models.CustomerProductHistory, attribute)


def link_renderer(model: type[msgspec.Struct], links: LinkTable) -> Callable[[Link], Json]:
    """customer_entity_linker / product_entity_linker objects: a `Link` holds the link's id
    and its owner's under names of its own."""
    renamed = {str(links.key.name): "link_id", str(links.owner.name): "owner"}
    return renderer(model, lambda core: attribute(renamed.get(core, core)))


def _product_field(core: str) -> str:
    """A product's device fields are in its `attributes`."""
    return attribute(core, of="record.attributes") if core in ATTRIBUTES else attribute(core)


product_json: Callable[[Product], Json] = renderer(models.Product, _product_field)


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


Answer = tuple[int, Json, Mapping[str, str] | None]  # status, body, headers


def _said(status: int, message: str, headers: Mapping[str, str] | None = None) -> Answer:
    return status, {"message": message}, headers


def error_answer(exc: errors.DomainError) -> Answer:
    """What the API answers `exc` with (also the words of an import's report)."""
    match exc:
        case errors.NotUnique():
            name = PARTNER_NAMES.get(exc.field, exc.field)
            return 400, {"validation_errors": {name: _not_unique_message(exc, name)}}, None
        case errors.Invalid():
            return 400, {"validation_errors": exc.worded(PARTNER_NAMES)}, None
        case errors.Outdated():
            return _said(412, exc.message)
        case errors.KeyReused():
            return _said(422, exc.message)
        case errors.NotFound():
            return _said(404, "No result found")
        case errors.Unauthenticated():
            return _said(401, exc.message)
        case errors.Forbidden():
            return _said(403, exc.message)
        case errors.Throttled():
            return _said(429, exc.message, {"Retry-After": str(exc.retry_after)})
        case errors.Unavailable():
            return _said(503, exc.message, {"Retry-After": "5"})
        case errors.InvalidQuery():
            # Flask-Restless answers a query its database refuses with the driver's error.
            return _said(400, exc.refusal or "Unable to construct query")
    return _said(400, exc.message)  # UnknownField, InUse: their text is the answer


def domain_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, errors.DomainError):
        raise exc
    status, body, headers = error_answer(exc)
    return json_response(body, status, headers)


EXCEPTION_HANDLERS: dict[type[Exception], ErrorHandler] = {
    errors.DomainError: domain_error,
    **message_error_handlers(
        _message, {404: "Not found", 405: "Method not allowed"}, "Internal server error"
    ),
}
