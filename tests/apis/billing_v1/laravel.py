"""What a Laravel API's answers look like: shared by the billing API's tests."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx

Json = dict[str, Any]
Headers = dict[str, str]

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
UNAUTHENTICATED = {"message": "Unauthenticated."}
UNAUTHORIZED = {"message": "This action is unauthorized."}
PAGE_KEYS = {
    "current_page",
    "data",
    "first_page_url",
    "from",
    "last_page",
    "last_page_url",
    "links",
    "next_page_url",
    "path",
    "per_page",
    "prev_page_url",
    "to",
    "total",
}


def typed(values: Json) -> dict[str, tuple[str, Any]]:
    """Values with their JSON type, so that `1` and `true`, `"1"` and `1` differ."""
    return {key: (type(value).__name__, value) for key, value in values.items()}


def when(value: Any) -> dt.datetime:
    """A Laravel timestamp (`2020-08-04T10:42:27.000000Z`), set moments ago."""
    assert isinstance(value, str), value
    assert TIMESTAMP.fullmatch(value), value
    parsed = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    assert abs(dt.datetime.now(dt.UTC) - parsed) < dt.timedelta(minutes=5), value
    return parsed


def bearer(headers: Headers) -> Headers:
    """The same token, as `Authorization: Bearer <token>` (the documents' form)."""
    token = headers["Authorization"].removeprefix("Token token=")
    return {"Authorization": f"Bearer {token}"}


def assert_message(r: httpx.Response, status: int, body: Json | None = None) -> None:
    assert r.status_code == status, r.text
    got = r.json()
    if body is not None:
        assert got == body
    assert list(got) == ["message"], got
    assert isinstance(got["message"], str)
    assert got["message"]


def assert_422(r: httpx.Response, *fields: str) -> Json:
    """Laravel's validation error: the first message, and the errors by field."""
    assert r.status_code == 422, r.text
    body: Json = r.json()
    assert set(body) == {"message", "errors"}, body
    errors = body["errors"]
    assert isinstance(errors, dict)
    assert errors
    for name, texts in errors.items():
        assert isinstance(texts, list), (name, texts)
        assert texts
        assert all(isinstance(text, str) and text for text in texts), (name, texts)
    for field in fields:
        assert field in errors, f"{field!r} not in {errors}"
    # Laravel's summary: the first message, and how many more (Laravel 9 and later).
    first = next(iter(errors.values()))[0]
    more = sum(len(texts) for texts in errors.values()) - 1
    suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    assert body["message"] == first + suffix
    return body


def assert_page(body: Json) -> None:
    assert set(body) == PAGE_KEYS, f"missing {PAGE_KEYS - set(body)}, extra {set(body) - PAGE_KEYS}"
    assert isinstance(body["data"], list)
    for key in ("current_page", "last_page", "per_page", "total"):
        assert type(body[key]) is int, (key, body[key])


# The response of "Get a customer (from customer id)" in customers.md, as printed.
DOCUMENTED: Json = {
    "id": 113,
    "brand_id": 1,
    "representative_id": None,
    "customerAccount": "123456",
    "accountsReference": None,
    "name": "Société",
    "brand": None,
    "registrationNumber": None,
    "taxRegistrationNumber": None,
    "mainContactFirstName": None,
    "mainContactLastName": None,
    "type": None,
    "capital": None,
    "activityCode": None,
    "sector_id": None,
    "origin_id": None,
    "mainAddressLine1": None,
    "mainAddressLine2": None,
    "mainAddressPostalCode": None,
    "mainAddressCity": None,
    "mainAddressCountry": None,
    "emailAddress": None,
    "accountEmailAddress": None,
    "website": None,
    "phone": None,
    "mobilePhone": None,
    "fax": None,
    "logo": None,
    "active": 1,
    "activity": None,
    "category": None,
    "qualification": None,
    "prospection_code_id": 1,
    "isReseller": 0,
    "resellerLevel": 0,
    "language_id": 1,
    "acceptEmails": 1,
    "acceptCalls": 1,
    "supplier": 0,
    "chargeVAT": 1,
    "applyVATAutoReverseOperators": 0,
    "language": None,
    "comment": None,
    "mergeInvoices": 1,
    "isGroupingAccount": 0,
    "chargeGroupingAccount": None,
    "isPayer": 0,
    "ftp": 0,
    "ftpServer": None,
    "ftpUsername": None,
    "ftpPassword": None,
    "ftpHomeDirectory": None,
    "ftpAccountId": None,
    "ftpAssociatedEmail": None,
    "quickSearch": None,
    "suppliers": None,
    "onCallDuty": 0,
    "vip": 0,
    "canSendSms": 0,
    "smsAuthorisation": None,
    "numberOfInvoices": 0,
    "lastInvoice": None,
    "quickSearchLabel": None,
    "quickSearchIndex": 0,
    "created_at": "2020-08-04T10:42:27.000000Z",
    "updated_at": "2020-08-04T10:42:27.000000Z",
}
