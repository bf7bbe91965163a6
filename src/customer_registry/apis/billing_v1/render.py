"""How the billing API shows things: Laravel's records, paginator and error bodies."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.billing_v1.names import CORE_TO_BILLING, FIELD_NAMES
from customer_registry.apis.billing_v1.params import BadParameters, laravel_value, words
from customer_registry.apis.http import (
    ErrorHandler,
    json_response,
    link_before_page,
    message_error_handlers,
    url_without_query,
)
from customer_registry.core import errors
from customer_registry.core.brands import Brand
from customer_registry.core.contacts import Contact
from customer_registry.core.customers import Customer
from customer_registry.core.query import Page, PageRequest

T = TypeVar("T")
Json = dict[str, Any]


def timestamp(value: datetime | None) -> str | None:
    """Laravel's JSON dates for a `timestamp` column: `2020-08-04T10:42:27.000000Z`. The
    column holds whole seconds, so the microseconds are always zero."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


# The documented key order (customers.md), every key present.
CUSTOMER_KEYS = [
    "id",
    "brand_id",
    "representative_id",
    "customerAccount",
    "accountsReference",
    "name",
    "brand",
    "registrationNumber",
    "taxRegistrationNumber",
    "mainContactFirstName",
    "mainContactLastName",
    "type",
    "capital",
    "activityCode",
    "sector_id",
    "origin_id",
    "mainAddressLine1",
    "mainAddressLine2",
    "mainAddressPostalCode",
    "mainAddressCity",
    "mainAddressCountry",
    "emailAddress",
    "accountEmailAddress",
    "website",
    "phone",
    "mobilePhone",
    "fax",
    "logo",
    "active",
    "activity",
    "category",
    "qualification",
    "prospection_code_id",
    "isReseller",
    "resellerLevel",
    "language_id",
    "acceptEmails",
    "acceptCalls",
    "supplier",
    "chargeVAT",
    "applyVATAutoReverseOperators",
    "language",
    "comment",
    "mergeInvoices",
    "isGroupingAccount",
    "chargeGroupingAccount",
    "isPayer",
    "ftp",
    "ftpServer",
    "ftpUsername",
    "ftpPassword",
    "ftpHomeDirectory",
    "ftpAccountId",
    "ftpAssociatedEmail",
    "quickSearch",
    "suppliers",
    "onCallDuty",
    "vip",
    "canSendSms",
    "smsAuthorisation",
    "numberOfInvoices",
    "lastInvoice",
    "quickSearchLabel",
    "quickSearchIndex",
    "created_at",
    "updated_at",
]


# Keys this registry does not keep whose column has a default in the original: the values the
# seed's example shows for a customer created with a name and an account.
NOT_KEPT_DEFAULTS: dict[str, int] = {
    "prospection_code_id": 1,
    "language_id": 1,
    "acceptEmails": 1,
    "acceptCalls": 1,
    "supplier": 0,
    "mergeInvoices": 1,
    "isGroupingAccount": 0,
    "isPayer": 0,
    "ftp": 0,
    "canSendSms": 0,
    "numberOfInvoices": 0,
    "quickSearchIndex": 0,
}

# Each key of the customer object, in order, with the core detail it shows (None: a key this
# registry does not keep, or one customer_json fills itself).
_BILLING_TO_CORE = {name: core for core, name in CORE_TO_BILLING.items()}
_SOURCES = tuple((key, _BILLING_TO_CORE.get(key)) for key in CUSTOMER_KEYS)


def customer_json(customer: Customer) -> Json:
    details = customer.details
    body: Json = {}
    for key, core in _SOURCES:
        value = NOT_KEPT_DEFAULTS.get(key) if core is None else getattr(details, core, None)
        body[key] = _flag(value) if isinstance(value, bool) else value
    # Already in place above (None), so the order stays the document's.
    body["id"] = customer.customer_id
    body["customerAccount"] = customer.code
    body["name"] = customer.name
    body["created_at"] = timestamp(customer.created_at)
    body["updated_at"] = timestamp(customer.modified_at or customer.created_at)
    return body


def contact_json(contact: Contact) -> Json:
    return {
        "id": contact.contact_id,
        "contactable_type": "App\\Customer",
        "contactable_id": contact.customer_id,
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "phone": contact.phone,
        "mobilePhone": contact.mobile,
        "emailAddress": contact.email,
        "created_at": timestamp(contact.created_at),
        "updated_at": timestamp(contact.modified_at or contact.created_at),
    }


def brand_json(brand: Brand) -> Json:
    return {
        "id": brand.brand_id,
        "name": brand.name,
        "created_at": timestamp(brand.created_at),
        "updated_at": timestamp(brand.modified_at or brand.created_at),
    }


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


def unprocessable(problems: dict[str, str]) -> Response:
    """422 as Laravel's validator answers: the first message, and every field's messages."""
    messages = list(problems.values())
    summary = messages[0]
    if len(messages) > 1:
        more = len(messages) - 1
        summary += f" (and {more} more error{'s' if more > 1 else ''})"
    return json_response({"message": summary, "errors": {k: [v] for k, v in problems.items()}}, 422)


def domain_error(request: Request, exc: Exception) -> Response:
    match exc:
        case BadParameters():
            return unprocessable(exc.worded({}))
        case errors.NotUnique():
            # A race the checks before the write could not see: the same words.
            name = FIELD_NAMES.get(exc.field, exc.field)
            return unprocessable({name: f"The {words(name)} has already been taken."})
        case errors.Invalid():
            return unprocessable(exc.worded(FIELD_NAMES))
        case errors.NotFound():
            return _message(404, exc.message)
        case errors.Unauthenticated():
            return _message(401, "Unauthenticated.")
        case errors.Forbidden():
            return _message(403, "This action is unauthorized.")
        case errors.Throttled():
            return _message(429, "Too Many Attempts.", {"Retry-After": str(exc.retry_after)})
        case errors.Unavailable():
            return _message(503, exc.message, {"Retry-After": "5"})
        case errors.InUse():
            return unprocessable({"id": exc.message})
        case errors.DomainError():
            return _message(400, exc.message)
    raise exc


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
