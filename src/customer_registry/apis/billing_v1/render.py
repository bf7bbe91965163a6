"""How the billing API shows things: Laravel's records, paginator and error bodies."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec
from msgspec import NODEFAULT
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.billing_v1 import models
from customer_registry.apis.billing_v1.names import FIELD_NAMES, TIMES, is_flag
from customer_registry.apis.billing_v1.params import BadParameters, laravel_value, words
from customer_registry.apis.http import (
    ErrorHandler,
    json_response,
    link_before_page,
    message_error_handlers,
    url_without_query,
)
from customer_registry.apis.models import Key, attribute, dict_display, keys
from customer_registry.apis.times import to_the_second
from customer_registry.core import customers, errors
from customer_registry.core.brands import Brand
from customer_registry.core.contacts import Contact
from customer_registry.core.customers import Customer
from customer_registry.core.fields import Attribute
from customer_registry.core.query import Page, PageRequest

T = TypeVar("T")
Json = dict[str, Any]


# Laravel's JSON dates for a `timestamp` column: `2020-08-04T10:42:27.000000Z`. The column
# holds whole seconds, so the microseconds are always zero.
timestamp = to_the_second(".000000Z")


def _expression(key: Key, details: Mapping[str, Attribute]) -> str:
    """Where a kept key's value comes from: a time, the record, its details (a boolean shown
    as an integer: a flag)."""
    assert key.core is not None
    if key.core == "created_at":
        return "timestamp(record.created_at)"
    if key.core in TIMES:  # Laravel sets `updated_at` when it creates the row too
        return "timestamp(record.modified_at or record.created_at)"
    if key.core not in details:
        return attribute(key.core)
    field = attribute(key.core, of="record.details")
    return f"int({field})" if is_flag(key) else field


def _display(
    model: type[msgspec.Struct], details: Mapping[str, Attribute] = {}
) -> Callable[[Any], Json]:
    """`record -> {key: value, …}`, every key of `model` in its order: a copy of the keys'
    defaults (a key no core field fills shows its own), updated from the record by one
    `dict_display` of the kept keys."""
    found = keys(model)
    template = {key.name: None if key.default is NODEFAULT else key.default for key in found}
    kept = dict_display(
        ((key.name, _expression(key, details)) for key in found if key.core is not None),
        {"timestamp": timestamp},
    )

    def display(record: Any) -> Json:
        body = template.copy()
        body.update(kept(record))
        return body

    return display


customer_json: Callable[[Customer], Json] = _display(models.Customer, customers.DETAILS)
contact_json: Callable[[Contact], Json] = _display(models.Contact)
brand_json: Callable[[Brand], Json] = _display(models.Brand)


# Laravel's UrlWindow: pages on each side of the current one, and its lines for the ends.
ON_EACH_SIDE = 3
PREVIOUS_LABEL = "&laquo; Previous"
NEXT_LABEL = "Next &raquo;"


def url_window(current: int, last: int) -> list[range | None]:
    """The page numbers a Laravel 8 paginator links to, as UrlWindow and
    LengthAwarePaginator::elements() group them (None: a `...` between two groups)."""
    if last < ON_EACH_SIDE * 2 + 8:
        return [range(1, last + 1)]
    window = ON_EACH_SIDE + 4
    start, finish = range(1, 3), range(last - 1, last + 1)
    if current <= window:
        return [range(1, window + ON_EACH_SIDE + 1), None, finish]
    if current > last - window:
        return [start, None, range(last - (window + ON_EACH_SIDE - 1), last + 1)]
    slider = range(current - ON_EACH_SIDE, current + ON_EACH_SIDE + 1)
    return [start, None, slider, None, finish]


def page_links(
    current: int, last: int, url: Callable[[int], str], previous: str | None, next_: str | None
) -> list[Json]:
    """The paginator's `links`: previous, each page of the window (and `...`), next."""
    links: list[Json] = [{"url": previous, "label": PREVIOUS_LABEL, "active": False}]
    for group in url_window(current, last):
        if group is None:
            links.append({"url": None, "label": "...", "active": False})
            continue
        links += [{"url": url(n), "label": str(n), "active": n == current} for n in group]
    links.append({"url": next_, "label": NEXT_LABEL, "active": False})
    return links


def paginator(
    request: Request, page: Page[T], asked: PageRequest, render: Callable[[T], Json]
) -> Response:
    """Laravel's LengthAwarePaginator as JSON, `withQueryString()`: the links keep the other
    query parameters as Laravel's middleware left them (trimmed; empty ones dropped), the
    last value of each, encoded as PHP's http_build_query does (RFC 3986)."""
    last_page = max(1, math.ceil(page.total / asked.per_page))
    start = asked.start
    path = url_without_query(request)
    kept = [
        (name, value)
        for name, raw in request.query_params.items()
        if name != "page" and (value := laravel_value(raw)) is not None
    ]
    before_page = link_before_page(request, kept, rfc3986=True)

    def url(number: int) -> str:
        return f"{before_page}page={number}"

    current = asked.page
    previous = url(current - 1) if current > 1 else None
    next_ = url(current + 1) if current < last_page else None
    return json_response(
        {
            "current_page": current,
            "data": [render(item) for item in page.items],
            "first_page_url": url(1),
            "from": start + 1 if page.items else None,
            "last_page": last_page,
            "last_page_url": url(last_page),
            "links": page_links(current, last_page, url, previous, next_),
            "next_page_url": next_,
            "path": path,
            "per_page": asked.per_page,
            "prev_page_url": previous,
            "to": start + len(page.items) if page.items else None,
            "total": page.total,
        }
    )


# --- errors ---------------------------------------------------------------------------------


def _message(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return json_response({"message": message}, status, headers)


Answer = tuple[int, Json, Mapping[str, str] | None]  # status, body, headers


def _said(status: int, message: str, headers: Mapping[str, str] | None = None) -> Answer:
    return status, {"message": message}, headers


def _unprocessable(problems: dict[str, str]) -> Answer:
    """422 as Laravel's validator answers: the first message, and every field's messages."""
    messages = list(problems.values())
    summary = messages[0]
    if len(messages) > 1:
        more = len(messages) - 1
        summary += f" (and {more} more error{'s' if more > 1 else ''})"
    return 422, {"message": summary, "errors": {k: [v] for k, v in problems.items()}}, None


def unprocessable(problems: dict[str, str]) -> Response:
    status, body, _ = _unprocessable(problems)
    return json_response(body, status)


def error_answer(exc: errors.DomainError) -> Answer:
    """What the API answers `exc` with (also the words of an import's report)."""
    match exc:
        case BadParameters():
            return _unprocessable(exc.worded({}))
        case errors.NotUnique():
            # A race the checks before the write could not see: the same words.
            name = FIELD_NAMES.get(exc.field, exc.field)
            return _unprocessable({name: f"The {words(name)} has already been taken."})
        case errors.Invalid():
            return _unprocessable(exc.worded(FIELD_NAMES))
        case errors.Outdated():
            return _said(412, exc.message)
        case errors.KeyReused():
            return _unprocessable({"Idempotency-Key": exc.message})
        case errors.NotFound():
            return _said(404, exc.message)
        case errors.Unauthenticated():
            return _said(401, "Unauthenticated.")
        case errors.Forbidden():
            return _said(403, "This action is unauthorized.")
        case errors.Throttled():
            return _said(429, "Too Many Attempts.", {"Retry-After": str(exc.retry_after)})
        case errors.Unavailable():
            return _said(503, exc.message, {"Retry-After": "5"})
        case errors.InUse():
            return _unprocessable({"id": exc.message})
    return _said(400, exc.message)


def domain_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, errors.DomainError):
        raise exc
    status, body, headers = error_answer(exc)
    return json_response(body, status, headers)


# Laravel's router tries the other methods in this order (Router::$verbs) and lists those a
# route of the path takes, whatever order the routes were declared in: the 405's `Allow`.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def routing_error(request: Request, exc: Exception) -> Response:
    """An unknown route (Laravel's NotFoundHttpException has no message) or a method the
    path does not take, with the `Allow` the router built: Laravel's
    MethodNotAllowedHttpException, every method listed; OPTIONS, which Laravel's router
    answers itself for any path it routes (200, no body, the methods without spaces)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code != 405:
        return _message(exc.status_code, "" if exc.status_code == 404 else str(exc.detail))
    methods = (exc.headers or {})["Allow"]
    if request.method == "OPTIONS":
        return Response(status_code=200, headers={"Allow": methods.replace(", ", ",")})
    message = (
        f"The {request.method} method is not supported for this route. "
        f"Supported methods: {methods}."
    )
    return _message(405, message, {"Allow": methods})


EXCEPTION_HANDLERS: dict[type[Exception], ErrorHandler] = {
    errors.DomainError: domain_error,
    **message_error_handlers(_message, {}, "Server Error"),
    HTTPException: routing_error,
}
