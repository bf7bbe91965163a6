"""Customers through the billing API (seed 003, `customers.md`, `api.md`), in process.

The contract, Laravel style:

* `POST /api/login` (form or JSON; never the query string) answers a 64-character token usable
  as `Bearer`;
  `GET /api/version` needs no token.
* Everything under `/api/v1` works inside the caller's own entity, whatever the visibility:
  another entity's customer answers 404 exactly like a missing one.
* Reads need OVERVIEW, creates and updates ADMIN, deletes SYSTEM (403 below that).
* Parameters come as query string, form fields or JSON (merged), loosely typed as Laravel
  validates them; errors are `{"message": ...}` (401/403/404) and
  `{"message": <first error>, "errors": {field: [text, ...]}}` (422), never a 500.
* A customer is shown as `{"customer": {...}}` with exactly the keys of the documented object,
  booleans as 0/1 and timestamps like `2020-08-04T10:42:27.000000Z`.
* `customerAccount` is generated when absent (`CL0001`, `CL0002`, ...), unique in the entity.
* Lists are Laravel paginators with `filter[...]`, `sort` and a `search` endpoint.
* One registry: the partner API shows the same customers (`external_customer_code` is the
  `customerAccount`).

Users come from `make_user`; their argon2 hash is computed once for this module (hashing is
not what these tests are about). Logins still verify the password for real.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers as core_customers
from customer_registry.core import users
from customer_registry.core.permissions import Level, Visibility
from tests.apis.billing_v1 import laravel
from tests.conftest import PASSWORD, MakeUser

Headers = dict[str, str]
Json = dict[str, Any]
MakeEntity = Callable[[str], Awaitable[int]]


class Body(TypedDict, total=False):
    """A request's fields in its body, as a form or as JSON (httpx's keywords)."""

    data: dict[str, str]
    json: dict[str, str]


class Sent(TypedDict, total=False):
    """A request's fields in its query string or as a form in its body (httpx's keywords)."""

    params: dict[str, str]
    data: dict[str, str]


LOGIN = "/api/login"
VERSION = "/api/version"
CUSTOMERS = "/api/v1/customers"
SEARCH = "/api/v1/customers/search"
ACCOUNTS = "/api/v1/customerAccounts"
PARTNER_CUSTOMERS = "/v1/customers"
PARTNER_CREATE = "/v1/customers/create_customer"

TOKEN = re.compile(r"^[A-Za-z0-9]{64}$")
GENERATED_ACCOUNT = re.compile(r"^CL\d{4,}$")
BAD_CREDENTIALS = {"message": "These credentials do not match our records."}

# The text parameters of "Store a new customer" (plus those the contract adds).
TEXT_FIELDS = [
    "accountsReference",
    "brand",
    "registrationNumber",
    "taxRegistrationNumber",
    "type",
    "mainAddressLine1",
    "mainAddressLine2",
    "mainAddressPostalCode",
    "mainAddressCity",
    "mainAddressCountry",
    "website",
    "emailAddress",
    "phone",
    "mobilePhone",
    "fax",
    "comment",
]
BOOLEAN_DEFAULTS = {
    "active": 1,
    "isReseller": 0,
    "chargeVAT": 1,
    "applyVATAutoReverseOperators": 0,
    "onCallDuty": 0,
    "vip": 0,
}
# Keys the contract governs; the others are documented but unknown to the registry.
GOVERNED = {
    "id",
    "brand_id",
    "representative_id",
    "customerAccount",
    "name",
    "capital",
    "resellerLevel",
    "created_at",
    "updated_at",
    *TEXT_FIELDS,
    *BOOLEAN_DEFAULTS,
}

# --- helpers ------------------------------------------------------------------------------------


def _assert_customer(customer: Json) -> None:
    """Exactly the documented keys; booleans as 0/1; timestamps in Laravel's form."""
    assert set(customer) == set(laravel.DOCUMENTED), (
        f"missing {set(laravel.DOCUMENTED) - set(customer)}, extra {set(customer) - set(laravel.DOCUMENTED)}"
    )
    assert type(customer["id"]) is int
    assert type(customer["brand_id"]) is int
    assert customer["representative_id"] is None or type(customer["representative_id"]) is int
    assert isinstance(customer["customerAccount"], str)
    assert isinstance(customer["name"], str)
    assert type(customer["resellerLevel"]) is int
    for field in BOOLEAN_DEFAULTS:
        assert type(customer[field]) is int, (field, customer[field])
        assert customer[field] in (0, 1), (field, customer[field])
    for field in TEXT_FIELDS:
        assert customer[field] is None or isinstance(customer[field], str), (
            field,
            customer[field],
        )
    laravel.when(customer["created_at"])
    laravel.when(customer["updated_at"])
    for key in set(laravel.DOCUMENTED) - GOVERNED:  # unknown values: null, or the documented value
        if customer[key] is not None:
            assert laravel.typed({key: customer[key]}) == laravel.typed(
                {key: laravel.DOCUMENTED[key]}
            )


def _page_of(url: str | None) -> int | None:
    if url is None:
        return None
    pages = parse_qs(urlsplit(url).query)["page"]
    return int(pages[0])


async def _create(client: httpx.AsyncClient, headers: Headers, **fields: Any) -> int:
    r = await client.post(CUSTOMERS, json=fields, headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert list(body) == ["response"], body
    assert type(body["response"]) is int
    customer_id: int = body["response"]
    return customer_id


async def _get(client: httpx.AsyncClient, headers: Headers, customer_id: int) -> Json:
    r = await client.get(f"{CUSTOMERS}/{customer_id}", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["customer"], body
    customer: Json = body["customer"]
    _assert_customer(customer)
    return customer


async def _list(
    client: httpx.AsyncClient, headers: Headers, path: str = CUSTOMERS, **params: Any
) -> Json:
    r = await client.get(path, params=params, headers=headers)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    laravel.assert_page(body)
    return body


async def _ids(
    client: httpx.AsyncClient, headers: Headers, path: str = CUSTOMERS, **params: Any
) -> list[int]:
    body = await _list(client, headers, path, per_page=100, **params)
    assert body["total"] == len(body["data"]), "more than one page"
    return [customer["id"] for customer in body["data"]]


async def _user_id(ctx: Context, username: str) -> int:
    async with ctx.db.read() as conn:
        return next(u.user_id for u in await users.list_all(conn) if u.username == username)


# --- POST /api/login ----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["data", "json"])
async def test_login_answers_a_token_usable_as_bearer(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context, how: str
) -> None:
    email = "billing.overview@example.com"
    await make_user(Level.OVERVIEW, Visibility.ENTITY, username=email)
    sent: dict[str, Any] = {how: {"email": email, "password": PASSWORD}}

    r = await client.post(LOGIN, **sent)

    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"token", "user"}
    assert TOKEN.fullmatch(body["token"]), body["token"]
    assert set(body["user"]) == {"id", "name", "email"}
    assert type(body["user"]["id"]) is int
    assert body["user"]["id"] == await _user_id(ctx, email)
    assert body["user"]["email"] == email
    assert isinstance(body["user"]["name"], str)
    bearer = {"Authorization": f"Bearer {body['token']}"}
    listed = await client.get(CUSTOMERS, headers=bearer)
    assert listed.status_code == 200, listed.text
    # The token is this OVERVIEW user's: reading is allowed, creating is not.
    created = await client.post(CUSTOMERS, json={"name": "x"}, headers=bearer)
    laravel.assert_message(created, 403, laravel.UNAUTHORIZED)
    token_form = await client.get(
        CUSTOMERS, headers={"Authorization": f"Token token={body['token']}"}
    )
    assert token_form.status_code == 200, token_form.text


async def test_two_logins_answer_two_tokens(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user(Level.ADMIN, Visibility.ENTITY, username="twice@example.com")
    credentials = {"email": "twice@example.com", "password": PASSWORD}
    first = await client.post(LOGIN, json=credentials)
    second = await client.post(LOGIN, json=credentials)
    assert first.status_code == second.status_code == 200
    assert first.json()["token"] != second.json()["token"]


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("known@example.com", "not the password"),
        ("unknown@example.com", PASSWORD),
        ("KNOWN@example.com ", "not the password"),
    ],
)
async def test_login_with_wrong_credentials_is_401(
    client: httpx.AsyncClient, make_user: MakeUser, email: str, password: str
) -> None:
    await make_user(Level.SYSTEM, Visibility.GLOBAL, username="known@example.com")
    r = await client.post(LOGIN, json={"email": email, "password": password})
    laravel.assert_message(r, 401, BAD_CREDENTIALS)
    assert "token" not in r.text


@pytest.mark.parametrize(
    ("sent", "fields"),
    [
        ({"password": PASSWORD}, ["email"]),
        ({"email": "known@example.com"}, ["password"]),
        ({"email": "", "password": PASSWORD}, ["email"]),
        ({}, ["email", "password"]),
    ],
    ids=["no-email", "no-password", "empty-email", "nothing"],
)
async def test_login_without_email_or_password_is_422(
    client: httpx.AsyncClient, make_user: MakeUser, sent: Json, fields: list[str]
) -> None:
    await make_user(Level.SYSTEM, Visibility.GLOBAL, username="known@example.com")
    for r in (
        await client.post(LOGIN, json=sent),
        await client.post(LOGIN, data=sent),
        await client.post(LOGIN, params=sent),
    ):
        laravel.assert_422(r, *fields)


async def test_login_takes_credentials_from_the_body_only(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    """A password in the URL would be written to access logs: as if the body lacked it, the
    login answers Laravel's 422 for a missing field, however the rest is sent."""
    email = "known@example.com"
    await make_user(Level.SYSTEM, Visibility.GLOBAL, username=email)
    both = {"email": email, "password": PASSWORD}
    laravel.assert_422(await client.post(LOGIN, params=both), "email", "password")
    bodies: tuple[Body, ...] = ({"data": {"email": email}}, {"json": {"email": email}})
    for body in bodies:
        r = await client.post(LOGIN, params={"password": PASSWORD}, **body)
        assert laravel.assert_422(r, "password")["errors"] == {
            "password": ["The password field is required."]
        }
    assert (await client.post(LOGIN, params={"password": "x"}, data=both)).status_code == 200


async def test_login_with_a_broken_json_body_is_not_a_500(client: httpx.AsyncClient) -> None:
    r = await client.post(
        LOGIN, content=b'{"email": "x', headers={"Content-Type": "application/json"}
    )
    assert r.status_code in (400, 422), r.text
    assert "message" in r.json()


# --- GET /api/version ---------------------------------------------------------------------------


async def test_version_needs_no_token(client: httpx.AsyncClient, admin: Headers) -> None:
    for headers in ({}, laravel.bearer(admin)):
        r = await client.get(VERSION, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"version", "status", "vendor", "url"}
        assert isinstance(body["version"], str)
        assert body["version"]
        assert body["status"] == "ok"
        assert body["vendor"] == "Customer Registry"
        assert isinstance(body["url"], str)


# --- 401 and 403 --------------------------------------------------------------------------------


ENDPOINTS = [
    ("GET", CUSTOMERS, Level.OVERVIEW, 200, None),
    ("GET", SEARCH + "?term=perm", Level.OVERVIEW, 200, None),
    ("GET", CUSTOMERS + "/{id}", Level.OVERVIEW, 200, None),
    ("GET", ACCOUNTS + "/PERM-1", Level.OVERVIEW, 200, None),
    ("POST", CUSTOMERS, Level.ADMIN, 201, {"name": "made here"}),
    ("PUT", CUSTOMERS + "/{id}", Level.ADMIN, 200, {"comment": "changed"}),
    ("DELETE", CUSTOMERS + "/{id}", Level.SYSTEM, 200, None),
]
by_endpoint = pytest.mark.parametrize(
    ("method", "path", "needs", "success", "body"),
    ENDPOINTS,
    ids=[f"{method}-{path.rsplit('/', 1)[-1]}" for method, path, *_ in ENDPOINTS],
)


@by_endpoint
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Token token=not-a-token", "Bearer ", "Basic dXNlcjpwYXNz"],
    ids=["none", "bad-bearer", "bad-token", "empty-bearer", "basic"],
)
async def test_no_valid_token_is_401(
    client: httpx.AsyncClient,
    admin: Headers,
    method: str,
    path: str,
    needs: Level,
    success: int,
    body: Json | None,
    authorization: str | None,
) -> None:
    customer_id = await _create(client, admin, name="Protected", customerAccount="PERM-1")
    headers = {} if authorization is None else {"Authorization": authorization}

    r = await client.request(method, path.format(id=customer_id), json=body, headers=headers)

    laravel.assert_message(r, 401, laravel.UNAUTHENTICATED)
    assert (await _get(client, admin, customer_id))["comment"] is None
    assert (await _list(client, admin))["total"] == 1


@by_endpoint
@pytest.mark.parametrize("level", list(Level), ids=lambda level: level.name)
async def test_each_endpoint_needs_its_level(
    client: httpx.AsyncClient,
    admin: Headers,
    make_user: MakeUser,
    method: str,
    path: str,
    needs: Level,
    success: int,
    body: Json | None,
    level: Level,
) -> None:
    customer_id = await _create(client, admin, name="Protected", customerAccount="PERM-1")
    before = await _get(client, admin, customer_id)
    caller = laravel.bearer(await make_user(level, Visibility.ENTITY))

    r = await client.request(method, path.format(id=customer_id), json=body, headers=caller)

    if level >= needs:
        assert r.status_code == success, r.text
    else:
        laravel.assert_message(r, 403, laravel.UNAUTHORIZED)
        assert await _get(client, admin, customer_id) == before
        assert await _ids(client, admin) == [customer_id]


# --- POST /api/v1/customers ---------------------------------------------------------------------


async def test_the_documented_request_gives_the_documented_customer(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    r = await client.post(
        "/api/v1/customers?name=Soci%C3%A9t%C3%A9&customerAccount=123456",
        content=b"",
        headers=laravel.bearer(admin),
    )

    assert r.status_code == 201, r.text
    customer_id = r.json()["response"]
    assert r.json() == {"response": customer_id}
    customer = await _get(client, admin, customer_id)
    # Every key as the seed prints it, the defaults of keys the registry does not keep
    # included; only the id and the clock are this run's.
    expected = laravel.DOCUMENTED | {"id": customer_id}
    expected |= {"created_at": customer["created_at"], "updated_at": customer["updated_at"]}
    assert laravel.typed(customer) == laravel.typed(expected)
    assert customer["created_at"].endswith(".000000Z"), "whole seconds, as Laravel stores them"


async def test_a_name_alone_takes_every_default(client: httpx.AsyncClient, admin: Headers) -> None:
    customer_id = await _create(client, admin, name="Defaults")

    customer = await _get(client, admin, customer_id)

    assert customer["id"] == customer_id
    assert customer["name"] == "Defaults"
    assert laravel.typed(
        {key: customer[key] for key in (*BOOLEAN_DEFAULTS, "brand_id", "resellerLevel")}
    ) == (laravel.typed({**BOOLEAN_DEFAULTS, "brand_id": 1, "resellerLevel": 0}))
    assert customer["customerAccount"] == "CL0001"
    assert customer["representative_id"] is None
    assert customer["capital"] is None
    assert {field: customer[field] for field in TEXT_FIELDS} == dict.fromkeys(TEXT_FIELDS)


@pytest.mark.parametrize("how", ["query", "form", "json", "query+json", "query+form"])
async def test_parameters_come_as_query_form_or_json(
    client: httpx.AsyncClient, admin: Headers, how: str
) -> None:
    head = {"name": "Encoded", "customerAccount": "ENC-1"}
    rest = {
        "brand": "Trade name",
        "resellerLevel": "3",
        "vip": "1",
        "mainAddressPostalCode": "83210",
    }
    sent: dict[str, Any] = {
        "query": {"params": head | rest},
        "form": {"data": head | rest},
        "json": {"json": head | rest},
        "query+json": {"params": head, "json": rest},
        "query+form": {"params": head, "data": rest},
    }[how]

    r = await client.post(CUSTOMERS, headers=admin, **sent)

    assert r.status_code == 201, r.text
    customer = await _get(client, admin, r.json()["response"])
    assert laravel.typed({key: customer[key] for key in [*head, *rest]}) == laravel.typed(
        head | rest | {"resellerLevel": 3, "vip": 1}
    )


async def test_every_field_loosely_typed_then_updated(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, ctx: Context
) -> None:
    await make_user(Level.OVERVIEW, Visibility.ENTITY, username="rep@example.com")
    representative = await _user_id(ctx, "rep@example.com")
    sent = {
        "brand_id": "1",  # a string for a number
        "representative_id": str(representative),
        "customerAccount": 987654,  # numbers for text fields
        "accountsReference": 411987654,
        "name": "Société Générale des Tests",
        "brand": "SGT",
        "registrationNumber": 12345678900012,
        "taxRegistrationNumber": 123456123456,
        "type": "SAS",
        "capital": 10000,
        "mainAddressLine1": "1 rue de la Paix",
        "mainAddressLine2": None,  # null for an optional field
        "mainAddressPostalCode": 83210,
        "mainAddressCity": "Solliès-Pont",
        "mainAddressCountry": "France",
        "website": "https://example.com",
        "emailAddress": "contact@example.com",
        "phone": 33494000000,
        "mobilePhone": "+33600000000",
        "fax": 33494000001,
        "comment": "Créé par l'API",
        "active": "0",  # every boolean away from its default, each spelled differently
        "isReseller": "true",
        "resellerLevel": "2",
        "chargeVAT": False,
        "applyVATAutoReverseOperators": 1,
        "onCallDuty": "1",
        "vip": True,
    }
    customer_id = await _create(client, admin, **sent)

    created = await _get(client, admin, customer_id)

    stored = {key: created[key] for key in sent if key != "capital"}
    assert laravel.typed(stored) == laravel.typed(
        {
            "brand_id": 1,
            "representative_id": representative,
            "customerAccount": "987654",
            "accountsReference": "411987654",
            "name": "Société Générale des Tests",
            "brand": "SGT",
            "registrationNumber": "12345678900012",
            "taxRegistrationNumber": "123456123456",
            "type": "SAS",
            "mainAddressLine1": "1 rue de la Paix",
            "mainAddressLine2": None,
            "mainAddressPostalCode": "83210",
            "mainAddressCity": "Solliès-Pont",
            "mainAddressCountry": "France",
            "website": "https://example.com",
            "emailAddress": "contact@example.com",
            "phone": "33494000000",
            "mobilePhone": "+33600000000",
            "fax": "33494000001",
            "comment": "Créé par l'API",
            "active": 0,
            "isReseller": 1,
            "resellerLevel": 2,
            "chargeVAT": 0,
            "applyVATAutoReverseOperators": 1,
            "onCallDuty": 1,
            "vip": 1,
        }
    )
    assert isinstance(created["capital"], int | float | str), created["capital"]
    assert float(created["capital"]) == 10000

    update = {
        "mainAddressLine1": "2 avenue des Tests",
        "mainAddressLine2": "Bâtiment B",
        "mainAddressPostalCode": 75001,
        "mainAddressCity": "Paris",
        "mainAddressCountry": "FR",
        "website": "https://example.org",
        "emailAddress": "billing@example.org",
        "phone": "+33100000000",
        "mobilePhone": 33611111111,
        "fax": None,
    }
    r = await client.put(f"{CUSTOMERS}/{customer_id}", json=update, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"response": customer_id}

    updated = await _get(client, admin, customer_id)
    assert laravel.typed({key: updated[key] for key in update}) == laravel.typed(
        update | {"mainAddressPostalCode": "75001", "mobilePhone": "33611111111"}
    )
    unchanged = set(laravel.DOCUMENTED) - set(update) - {"updated_at"}
    assert {key: updated[key] for key in unchanged} == {key: created[key] for key in unchanged}
    assert laravel.when(updated["updated_at"]) >= laravel.when(updated["created_at"])


BOOLEAN_SPELLINGS = [
    (True, 1),
    (False, 0),
    (1, 1),
    (0, 0),
    ("1", 1),
    ("0", 0),
    ("true", 1),
    ("false", 0),
]


@pytest.mark.parametrize(("spelling", "stored"), BOOLEAN_SPELLINGS, ids=repr)
async def test_booleans_spelled_as_laravel_accepts_them_in_json(
    client: httpx.AsyncClient, admin: Headers, spelling: Any, stored: int
) -> None:
    customer_id = await _create(
        client, admin, name="Flags", **dict.fromkeys(BOOLEAN_DEFAULTS, spelling)
    )
    customer = await _get(client, admin, customer_id)
    assert laravel.typed({key: customer[key] for key in BOOLEAN_DEFAULTS}) == laravel.typed(
        dict.fromkeys(BOOLEAN_DEFAULTS, stored)
    )


@pytest.mark.parametrize(
    ("spelling", "stored"), [(s, v) for s, v in BOOLEAN_SPELLINGS if isinstance(s, str)], ids=repr
)
@pytest.mark.parametrize("how", ["query", "form"])
async def test_booleans_spelled_as_laravel_accepts_them_in_query_and_form(
    client: httpx.AsyncClient, admin: Headers, spelling: str, stored: int, how: str
) -> None:
    fields = {"name": "Flags", **dict.fromkeys(BOOLEAN_DEFAULTS, spelling)}
    sent: Sent = {"params": fields} if how == "query" else {"data": fields}
    r = await client.post(CUSTOMERS, headers=admin, **sent)
    assert r.status_code == 201, r.text
    customer = await _get(client, admin, r.json()["response"])
    assert laravel.typed({key: customer[key] for key in BOOLEAN_DEFAULTS}) == laravel.typed(
        dict.fromkeys(BOOLEAN_DEFAULTS, stored)
    )


async def test_null_for_every_optional_text_field(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    customer_id = await _create(
        client,
        admin,
        name="Nulls",
        representative_id=None,
        capital=None,
        **dict.fromkeys(TEXT_FIELDS),
    )
    customer = await _get(client, admin, customer_id)
    assert {key: customer[key] for key in [*TEXT_FIELDS, "representative_id", "capital"]} == (
        dict.fromkeys([*TEXT_FIELDS, "representative_id", "capital"])
    )
    assert customer["customerAccount"] == "CL0001"


async def test_an_account_of_digits_keeps_its_leading_zeros(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    r = await client.post(
        CUSTOMERS, params={"name": "Zeros", "customerAccount": "007"}, headers=admin
    )
    assert r.status_code == 201, r.text
    customer = await _get(client, admin, r.json()["response"])
    assert customer["customerAccount"] == "007"
    by_account = await client.get(f"{ACCOUNTS}/007", headers=admin)
    assert by_account.status_code == 200, by_account.text
    assert by_account.json() == {"customer": customer}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("resellerLevel", "high"),
        ("resellerLevel", 1.5),
        ("resellerLevel", [1]),
        ("active", "maybe"),
        ("isReseller", 2),
        ("chargeVAT", "yes please"),
        ("vip", {"x": 1}),
        ("onCallDuty", [True]),
        ("brand_id", "abc"),
        ("representative_id", "abc"),
        ("name", ["a list"]),
        ("name", {"an": "object"}),
        ("phone", {"an": "object"}),
        ("mainAddressPostalCode", [83210]),
        ("customerAccount", ["CL9"]),
    ],
    ids=repr,
)
async def test_a_wrong_type_is_422_naming_the_field(
    client: httpx.AsyncClient, admin: Headers, field: str, value: Any
) -> None:
    r = await client.post(CUSTOMERS, json={"name": "Typed", field: value}, headers=admin)

    body = laravel.assert_422(r, field)
    assert list(body["errors"]) == [field]
    assert await _ids(client, admin) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("resellerLevel", "high"), ("active", "maybe"), ("brand_id", "x")],
)
@pytest.mark.parametrize("how", ["query", "form"])
async def test_a_wrong_type_in_query_or_form_is_422(
    client: httpx.AsyncClient, admin: Headers, field: str, value: str, how: str
) -> None:
    fields = {"name": "Typed", field: value}
    sent: Sent = {"params": fields} if how == "query" else {"data": fields}
    r = await client.post(CUSTOMERS, headers=admin, **sent)
    laravel.assert_422(r, field)
    assert await _ids(client, admin) == []


@pytest.mark.parametrize(
    "sent",
    [
        {"json": {}},
        {"json": {"name": None}},
        {"json": {"name": ""}},
        {"content": b""},
        {"data": {"brand": "x"}},
    ],
    ids=["empty-json", "null", "empty-string", "no-body", "form-without-name"],
)
async def test_a_missing_name_is_422(client: httpx.AsyncClient, admin: Headers, sent: Json) -> None:
    r = await client.post(CUSTOMERS, headers=admin, **sent)
    body = laravel.assert_422(r, "name")
    assert list(body["errors"]) == ["name"]
    assert await _ids(client, admin) == []


async def test_a_broken_json_body_is_not_a_500(client: httpx.AsyncClient, admin: Headers) -> None:
    for content in (b'{"name": "x', b"[1, 2]", b'"just a string"', b"\xff\xfe"):
        r = await client.post(
            CUSTOMERS, content=content, headers=admin | {"Content-Type": "application/json"}
        )
        assert r.status_code in (400, 422), (content, r.status_code, r.text)
        assert isinstance(r.json()["message"], str)
    assert await _ids(client, admin) == []


async def test_a_brand_and_a_representative_must_exist_in_reach(
    client: httpx.AsyncClient,
    admin: Headers,
    make_user: MakeUser,
    make_entity: MakeEntity,
    ctx: Context,
) -> None:
    other_entity = await make_entity("elsewhere")
    await make_user(Level.ADMIN, Visibility.GLOBAL, other_entity, username="far@example.com")
    await make_user(Level.OVERVIEW, Visibility.ENTITY, username="near@example.com")
    far, near = await _user_id(ctx, "far@example.com"), await _user_id(ctx, "near@example.com")

    laravel.assert_422(
        await client.post(CUSTOMERS, json={"name": "x", "brand_id": 999}, headers=admin), "brand_id"
    )
    laravel.assert_422(
        await client.post(
            CUSTOMERS, json={"name": "x", "representative_id": 999_999}, headers=admin
        ),
        "representative_id",
    )
    laravel.assert_422(
        await client.post(CUSTOMERS, json={"name": "x", "representative_id": far}, headers=admin),
        "representative_id",
    )
    assert await _ids(client, admin) == []

    customer_id = await _create(client, admin, name="x", representative_id=near)
    assert (await _get(client, admin, customer_id))["representative_id"] == near


async def test_a_taken_account_is_422_within_the_entity_only(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    first = await _create(client, admin, name="First", customerAccount="DUP-1")
    await _create(client, admin, name="Numeric", customerAccount="1001")

    laravel.assert_422(
        await client.post(
            CUSTOMERS, json={"name": "Second", "customerAccount": "DUP-1"}, headers=admin
        ),
        "customerAccount",
    )
    # Loose typing: the number 1001 is the text "1001", already taken.
    laravel.assert_422(
        await client.post(
            CUSTOMERS, json={"name": "Third", "customerAccount": 1001}, headers=admin
        ),
        "customerAccount",
    )
    assert len(await _ids(client, admin)) == 2
    assert (await _get(client, admin, first))["name"] == "First"

    elsewhere = laravel.bearer(
        await make_user(Level.ADMIN, Visibility.ENTITY, await make_entity("other"))
    )
    other = await _create(
        client, elsewhere, name="Same account, other entity", customerAccount="DUP-1"
    )
    assert other != first


async def test_twenty_concurrent_creates_get_twenty_accounts(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(CUSTOMERS, json={"name": f"Concurrent {n}"}, headers=admin)
            for n in range(20)
        )
    )

    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
    ids = [r.json()["response"] for r in responses]
    assert len(set(ids)) == 20
    listed = await _list(client, admin, per_page=100)
    assert listed["total"] == 20
    assert sorted(c["id"] for c in listed["data"]) == sorted(ids)
    assert sorted(c["customerAccount"] for c in listed["data"]) == [
        f"CL{n:04d}" for n in range(1, 21)
    ]


async def test_generated_accounts_never_collide_with_a_taken_one(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    await _create(client, admin, name="Manual", customerAccount="CL0002")

    sequential = [await _create(client, admin, name=f"Generated {n}") for n in range(3)]
    concurrent = await asyncio.gather(
        *(client.post(CUSTOMERS, json={"name": f"Concurrent {n}"}, headers=admin) for n in range(5))
    )

    assert [r.status_code for r in concurrent] == [201] * 5, [r.text for r in concurrent]
    made = sequential + [r.json()["response"] for r in concurrent]
    accounts = [(await _get(client, admin, customer_id))["customerAccount"] for customer_id in made]
    assert len(set(accounts)) == 8, accounts
    assert "CL0002" not in accounts
    assert all(GENERATED_ACCOUNT.fullmatch(account) for account in accounts), accounts
    assert len(await _ids(client, admin)) == 9


async def test_generated_accounts_are_numbered_per_entity(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    own = [await _create(client, admin, name=f"Own {n}") for n in range(2)]
    elsewhere = await make_user(Level.ADMIN, Visibility.ENTITY, await make_entity("other"))
    other = await _create(client, elsewhere, name="Other")

    assert [(await _get(client, admin, c))["customerAccount"] for c in own] == ["CL0001", "CL0002"]
    assert (await _get(client, elsewhere, other))["customerAccount"] == "CL0001"


# --- GET, PUT, DELETE ---------------------------------------------------------------------------


async def test_by_id_and_by_account_answer_the_same_customer(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    customer_id = await _create(client, admin, name="Twice", customerAccount="ACC-42", vip=1)
    by_id = await client.get(f"{CUSTOMERS}/{customer_id}", headers=laravel.bearer(admin))
    by_account = await client.get(f"{ACCOUNTS}/ACC-42", headers=laravel.bearer(admin))
    assert by_id.status_code == by_account.status_code == 200
    assert by_id.json() == by_account.json()
    assert by_account.json()["customer"]["id"] == customer_id
    _assert_customer(by_account.json()["customer"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", CUSTOMERS + "/999999"),
        ("GET", CUSTOMERS + "/abc"),
        ("GET", CUSTOMERS + "/0"),
        ("GET", CUSTOMERS + "/-1"),
        ("GET", ACCOUNTS + "/NOPE"),
        ("PUT", CUSTOMERS + "/999999"),
        ("PUT", CUSTOMERS + "/abc"),
        ("DELETE", CUSTOMERS + "/999999"),
        ("DELETE", CUSTOMERS + "/abc"),
    ],
)
async def test_a_missing_customer_is_404(
    client: httpx.AsyncClient, admin: Headers, method: str, path: str
) -> None:
    await _create(client, admin, name="Present", customerAccount="HERE")
    r = await client.request(
        method, path, json={"name": "x"} if method == "PUT" else None, headers=admin
    )
    laravel.assert_message(r, 404)
    assert len(await _ids(client, admin)) == 1


async def test_an_update_changes_only_what_is_sent(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    customer_id = await _create(
        client, admin, name="Before", brand="Brand", phone="0101", resellerLevel=1, vip=1
    )
    before = await _get(client, admin, customer_id)

    r = await client.put(f"{CUSTOMERS}/{customer_id}", json={"name": "After"}, headers=admin)

    assert r.status_code == 200, r.text
    assert r.json() == {"response": customer_id}
    after = await _get(client, admin, customer_id)
    assert after == before | {"name": "After", "updated_at": after["updated_at"]}
    assert after["created_at"] == before["created_at"]
    assert laravel.when(after["updated_at"]) >= laravel.when(before["updated_at"])


@pytest.mark.parametrize("how", ["query", "form", "json"])
async def test_an_update_takes_query_form_or_json(
    client: httpx.AsyncClient, admin: Headers, how: str
) -> None:
    customer_id = await _create(client, admin, name="Loose")
    fields = {
        "resellerLevel": "4",
        "vip": "true",
        "chargeVAT": "0",
        "mainAddressPostalCode": "06000",
    }
    sent: dict[str, Any] = {"query": {"params": fields}, "form": {"data": fields}}.get(
        how, {"json": fields}
    )

    r = await client.put(f"{CUSTOMERS}/{customer_id}", headers=admin, **sent)

    assert r.status_code == 200, r.text
    assert r.json() == {"response": customer_id}
    customer = await _get(client, admin, customer_id)
    assert laravel.typed({key: customer[key] for key in fields}) == laravel.typed(
        {"resellerLevel": 4, "vip": 1, "chargeVAT": 0, "mainAddressPostalCode": "06000"}
    )
    assert customer["name"] == "Loose"


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_a_multipart_update_is_not_read_but_still_limited(
    client: httpx.AsyncClient, admin: Headers, method: str
) -> None:
    """PHP parses a multipart body for POST only, so Laravel never sees an update's multipart
    fields: the query string's are read, the body's are not; its size is still limited."""
    customer_id = await _create(client, admin, name="Kept")
    before = await _get(client, admin, customer_id)
    url = f"{CUSTOMERS}/{customer_id}"

    r = await client.request(
        method,
        url,
        params={"comment": "from the query"},
        files={"name": (None, "x" * 300), "vip": (None, "maybe")},
        headers=admin,
    )

    assert r.status_code == 200, r.text
    after = await _get(client, admin, customer_id)
    assert after == {**before, "comment": "from the query", "updated_at": after["updated_at"]}
    too_large = await client.request(
        method, url, files={"name": (None, "x" * 1_100_000)}, headers=admin
    )
    assert too_large.status_code == 413, too_large.text


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"resellerLevel": "high"}, "resellerLevel"),
        ({"active": "maybe"}, "active"),
        ({"brand_id": 999}, "brand_id"),
        ({"representative_id": 999_999}, "representative_id"),
        ({"customerAccount": "TAKEN"}, "customerAccount"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
    ],
    ids=repr,
)
async def test_a_refused_update_is_422_and_changes_nothing(
    client: httpx.AsyncClient, admin: Headers, sent: Json, field: str
) -> None:
    await _create(client, admin, name="Holder", customerAccount="TAKEN")
    customer_id = await _create(client, admin, name="Target", customerAccount="MINE")
    before = await _get(client, admin, customer_id)

    r = await client.put(
        f"{CUSTOMERS}/{customer_id}", json={"comment": "not saved", **sent}, headers=admin
    )

    laravel.assert_422(r, field)
    assert await _get(client, admin, customer_id) == before


async def test_an_update_may_resend_its_own_account(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    customer_id = await _create(client, admin, name="Same", customerAccount="MINE")
    r = await client.put(
        f"{CUSTOMERS}/{customer_id}",
        json={"customerAccount": "MINE", "name": "Same again"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        f"{CUSTOMERS}/{customer_id}", json={"customerAccount": "OTHER"}, headers=admin
    )
    assert r.status_code == 200, r.text
    customer = await _get(client, admin, customer_id)
    assert (customer["name"], customer["customerAccount"]) == ("Same again", "OTHER")
    laravel.assert_message(await client.get(f"{ACCOUNTS}/MINE", headers=admin), 404)
    assert (await client.get(f"{ACCOUNTS}/OTHER", headers=admin)).json()["customer"][
        "id"
    ] == customer_id


async def test_delete_answers_true_then_the_customer_is_gone(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    kept = await _create(client, admin, name="Kept")
    customer_id = await _create(client, admin, name="Doomed", customerAccount="GONE")

    r = await client.delete(f"{CUSTOMERS}/{customer_id}", headers=laravel.bearer(admin))

    assert r.status_code == 200, r.text
    assert r.json() == {"response": True}
    laravel.assert_message(await client.get(f"{CUSTOMERS}/{customer_id}", headers=admin), 404)
    laravel.assert_message(await client.get(f"{ACCOUNTS}/GONE", headers=admin), 404)
    laravel.assert_message(await client.delete(f"{CUSTOMERS}/{customer_id}", headers=admin), 404)
    laravel.assert_message(
        await client.put(f"{CUSTOMERS}/{customer_id}", json={"name": "x"}, headers=admin), 404
    )
    assert await _ids(client, admin) == [kept]


# --- one entity per caller ----------------------------------------------------------------------


@pytest.mark.parametrize("visibility", list(Visibility), ids=lambda v: v.value)
async def test_another_entity_never_sees_the_customer(
    client: httpx.AsyncClient,
    admin: Headers,
    make_user: MakeUser,
    make_entity: MakeEntity,
    visibility: Visibility,
) -> None:
    customer_id = await _create(
        client, admin, name="Isolated", customerAccount="ISO-1", emailAddress="iso@example.com"
    )
    before = await _get(client, admin, customer_id)
    stranger = laravel.bearer(await make_user(Level.SYSTEM, visibility, await make_entity("other")))
    missing_id = customer_id + 1000

    def same_as_missing(
        r: httpx.Response, missing: httpx.Response, value: str, absent: str
    ) -> None:
        laravel.assert_message(r, 404)
        laravel.assert_message(missing, 404)
        assert r.json()["message"].replace(value, "?") == missing.json()["message"].replace(
            absent, "?"
        )

    same_as_missing(
        await client.get(f"{CUSTOMERS}/{customer_id}", headers=stranger),
        await client.get(f"{CUSTOMERS}/{missing_id}", headers=stranger),
        str(customer_id),
        str(missing_id),
    )
    same_as_missing(
        await client.get(f"{ACCOUNTS}/ISO-1", headers=stranger),
        await client.get(f"{ACCOUNTS}/ISO-9", headers=stranger),
        "ISO-1",
        "ISO-9",
    )
    same_as_missing(
        await client.put(f"{CUSTOMERS}/{customer_id}", json={"name": "Stolen"}, headers=stranger),
        await client.put(f"{CUSTOMERS}/{missing_id}", json={"name": "Stolen"}, headers=stranger),
        str(customer_id),
        str(missing_id),
    )
    same_as_missing(
        await client.delete(f"{CUSTOMERS}/{customer_id}", headers=stranger),
        await client.delete(f"{CUSTOMERS}/{missing_id}", headers=stranger),
        str(customer_id),
        str(missing_id),
    )
    assert await _ids(client, stranger) == []
    assert await _ids(client, stranger, SEARCH, term="iso") == []
    for name, value in [
        ("customerAccount", "ISO-1"),
        ("id", str(customer_id)),
        ("term_match", "iso"),
    ]:
        assert await _ids(client, stranger, **{f"filter[{name}]": value}) == []
    assert await _get(client, admin, customer_id) == before

    # The same account is free in the stranger's entity, and each sees its own.
    theirs = await _create(client, stranger, name="Theirs", customerAccount="ISO-1")
    mine = await client.get(f"{ACCOUNTS}/ISO-1", headers=admin)
    their_view = await client.get(f"{ACCOUNTS}/ISO-1", headers=stranger)
    assert mine.json()["customer"]["id"] == customer_id
    assert their_view.json()["customer"]["id"] == theirs
    assert await _ids(client, admin) == [customer_id]
    laravel.assert_message(await client.get(f"{CUSTOMERS}/{theirs}", headers=admin), 404)


# --- lists --------------------------------------------------------------------------------------


async def test_the_list_is_a_laravel_paginator(client: httpx.AsyncClient, admin: Headers) -> None:
    made = [await _create(client, admin, name=f"page {n:02d}") for n in range(23)]

    first = await _list(client, admin)
    assert (first["current_page"], first["per_page"], first["total"], first["last_page"]) == (
        1,
        15,
        23,
        2,
    )
    assert (first["from"], first["to"], len(first["data"])) == (1, 15, 15)
    assert first["prev_page_url"] is None
    assert _page_of(first["next_page_url"]) == 2
    for customer in first["data"]:
        _assert_customer(customer)

    second = await _list(client, admin, page=2, per_page=10)
    assert (second["current_page"], second["per_page"], second["last_page"]) == (2, 10, 3)
    assert (second["from"], second["to"], len(second["data"])) == (11, 20, 10)
    assert _page_of(second["first_page_url"]) == 1
    assert _page_of(second["last_page_url"]) == 3
    assert _page_of(second["prev_page_url"]) == 1
    assert _page_of(second["next_page_url"]) == 3
    assert urlsplit(second["path"]).path == CUSTOMERS

    last = await _list(client, admin, page=3, per_page=10)
    assert (last["from"], last["to"], len(last["data"]), last["next_page_url"]) == (21, 23, 3, None)

    seen = [
        c["id"]
        for page in (1, 2, 3)
        for c in (await _list(client, admin, page=page, per_page=10))["data"]
    ]
    assert sorted(seen) == sorted(made)

    beyond = await _list(client, admin, page=9, per_page=10)
    assert (beyond["data"], beyond["total"], beyond["current_page"]) == ([], 23, 9)
    assert (beyond["from"], beyond["to"]) == (None, None)

    capped = await _list(client, admin, per_page=1000)
    assert (capped["per_page"], len(capped["data"]), capped["last_page"]) == (100, 23, 1)


async def test_an_empty_list(client: httpx.AsyncClient, admin: Headers) -> None:
    body = await _list(client, admin)
    assert (body["data"], body["total"], body["current_page"], body["last_page"]) == ([], 0, 1, 1)
    assert (body["from"], body["to"], body["next_page_url"], body["prev_page_url"]) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("page", "shown"),
    [("abc", 1), ("0", 1), ("-1", 1), ("1.5", 1), ("", 1), ("+2", 2), (" 2", 2), ("05", 1)],
    ids=repr,
)
@pytest.mark.parametrize("path", [CUSTOMERS, SEARCH])
async def test_page_is_read_as_laravels_paginator_reads_it(
    client: httpx.AsyncClient, admin: Headers, page: str, shown: int, path: str
) -> None:
    """Anything but an integer from 1 (PHP's FILTER_VALIDATE_INT: a sign, no leading zero)
    is page 1."""
    for n in range(3):
        await _create(client, admin, name=f"Listed {n}")
    term = {"term": "list"} if path == SEARCH else {}
    r = await client.get(path, params=term | {"page": page, "per_page": "2"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["current_page"] == shown


@pytest.mark.parametrize(
    ("per_page", "message"),
    [
        ("abc", "The per page must be an integer."),
        ("1.5", "The per page must be an integer."),
        ("0", "The per page must be at least 1."),
        ("-5", "The per page must be at least 1."),
    ],
    ids=repr,
)
@pytest.mark.parametrize("path", [CUSTOMERS, SEARCH])
async def test_a_bad_per_page_is_422(
    client: httpx.AsyncClient, admin: Headers, per_page: str, message: str, path: str
) -> None:
    await _create(client, admin, name="Listed")
    term = {"term": "list"} if path == SEARCH else {}
    r = await client.get(path, params=term | {"per_page": per_page}, headers=admin)
    assert laravel.assert_422(r, "per_page")["errors"] == {"per_page": [message]}


@pytest.fixture
async def four(client: httpx.AsyncClient, admin: Headers) -> dict[str, int]:
    """Four customers with distinct levels, flags, e-mails and phones."""
    return {
        "a": await _create(
            client,
            admin,
            name="alpha one",
            customerAccount="F-A",
            emailAddress="a@x.io",
            phone="0101",
            resellerLevel=0,
        ),
        "b": await _create(
            client,
            admin,
            name="beta two",
            customerAccount="F-B",
            emailAddress="B@Example.com",
            resellerLevel=1,
            active=0,
        ),
        "c": await _create(
            client,
            admin,
            name="gamma three",
            customerAccount="F-C",
            phone="+33 6 12",
            resellerLevel=2,
        ),
        "d": await _create(
            client,
            admin,
            name="delta four",
            customerAccount="F-D",
            accountsReference="REF-XYZ",
            resellerLevel=3,
        ),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"filter[name]": "beta two"}, "b"),
        ({"filter[name]": "beta"}, ""),
        ({"filter[customerAccount]": "F-C"}, "c"),
        ({"filter[accountsReference]": "REF-XYZ"}, "d"),
        ({"filter[resellerLevel]": "2"}, "c"),
        ({"filter[resellerLevel]": ">1,<=2"}, "c"),
        ({"filter[resellerLevel]": ">=1"}, "bcd"),
        ({"filter[resellerLevel]": "<1"}, "a"),
        ({"filter[resellerLevel]": ">0,<3"}, "bc"),
        ({"filter[active]": "0"}, "b"),
        ({"filter[active]": "1", "filter[resellerLevel]": ">=2"}, "cd"),
        ({"filter[term_match]": "ALPHA"}, "a"),
        ({"filter[term_match]": "f-b"}, "b"),
        ({"filter[term_match]": "example.COM"}, "b"),
        ({"filter[term_match]": "6 12"}, "c"),
        ({"filter[term_match]": "xyz"}, ""),
        ({"filter[term_match]": "%"}, ""),
        ({"filter[term_match]": "_"}, ""),
        ({"filter[term_match]": "o", "filter[resellerLevel]": "<=1"}, "ab"),
    ],
    ids=repr,
)
async def test_filters(
    client: httpx.AsyncClient,
    admin: Headers,
    four: dict[str, int],
    filters: dict[str, str],
    expected: str,
) -> None:
    found = await _ids(client, admin, **filters)
    assert sorted(found) == sorted(four[key] for key in expected)


async def test_a_filter_on_the_id(
    client: httpx.AsyncClient, admin: Headers, four: dict[str, int]
) -> None:
    assert await _ids(client, admin, **{"filter[id]": str(four["b"])}) == [four["b"]]
    above = await _ids(client, admin, **{"filter[id]": f">{four['b']}"})
    assert sorted(above) == sorted([four["c"], four["d"]])


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", "abdc"),
        ("-name", "cdba"),
        ("-resellerLevel", "dcba"),
        ("resellerLevel", "abcd"),
        ("active,-name", "bcda"),
        ("-active,name", "adcb"),
        ("customerAccount", "abcd"),
    ],
)
async def test_sort(
    client: httpx.AsyncClient, admin: Headers, four: dict[str, int], sort: str, expected: str
) -> None:
    assert await _ids(client, admin, sort=sort) == [four[key] for key in expected]


@pytest.mark.parametrize(
    "params",
    [
        {"filter[nope]": "1"},
        {"filter[password]": "x"},
        {"sort": "nope"},
        {"sort": "-nope"},
        {"sort": "name,nope"},
    ],
    ids=repr,
)
async def test_an_unknown_filter_or_sort_field_is_400(
    client: httpx.AsyncClient, admin: Headers, four: dict[str, int], params: dict[str, str]
) -> None:
    laravel.assert_message(await client.get(CUSTOMERS, params=params, headers=admin), 400)


async def test_search_matches_name_account_and_accounts_reference(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    by_name = await _create(client, admin, name="Acme Telecom", customerAccount="S-1")
    by_account = await _create(client, admin, name="Second", customerAccount="ACME-2")
    by_reference = await _create(client, admin, name="Third", accountsReference="acme-ref")
    await _create(client, admin, name="By e-mail only", emailAddress="acme@example.com")
    await _create(client, admin, name="By phone only", phone="ACME 0101")
    await _create(client, admin, name="Unrelated", customerAccount="ZZZ")

    found = await _ids(client, admin, SEARCH, term="aCmE")
    assert sorted(found) == sorted([by_name, by_account, by_reference])
    assert await _ids(client, admin, SEARCH, term="telecom") == [by_name]
    assert await _ids(client, admin, SEARCH, term="nothing like it") == []
    assert await _ids(client, admin, SEARCH, term="%") == []

    paged = await _list(client, admin, SEARCH, term="acme", per_page=2)
    assert (paged["total"], paged["per_page"], paged["last_page"], len(paged["data"])) == (
        3,
        2,
        2,
        2,
    )
    assert urlsplit(paged["path"]).path == SEARCH
    for customer in paged["data"]:
        _assert_customer(customer)


# --- one registry with the partner API ----------------------------------------------------------


async def test_one_registry_with_the_partner_api(
    client: httpx.AsyncClient, admin: Headers, make_entity: MakeEntity
) -> None:
    billing_id = await _create(client, admin, name="Shared", customerAccount="SH-1")
    generated_id = await _create(client, admin, name="Generated")

    seen = await client.get(f"{PARTNER_CUSTOMERS}/{billing_id}", headers=admin)
    assert seen.status_code == 200, seen.text
    assert (
        seen.json()["customer_id"],
        seen.json()["name"],
        seen.json()["external_customer_code"],
    ) == (
        billing_id,
        "Shared",
        "SH-1",
    )
    generated = await client.get(f"{PARTNER_CUSTOMERS}/{generated_id}", headers=admin)
    assert generated.json()["external_customer_code"] == "CL0001"

    created = await client.put(
        PARTNER_CREATE,
        json={"name": "From partner", "external_customer_code": "X1", "entity_id": 1},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    partner_id = created.json()["data"]["customer_id"]
    by_account = await client.get(f"{ACCOUNTS}/X1", headers=admin)
    assert by_account.status_code == 200, by_account.text
    customer = by_account.json()["customer"]
    _assert_customer(customer)
    assert (customer["id"], customer["name"], customer["customerAccount"]) == (
        partner_id,
        "From partner",
        "X1",
    )

    # A code the partner took is not generated again.
    taken = await client.put(
        PARTNER_CREATE,
        json={"name": "Partner CL0002", "external_customer_code": "CL0002", "entity_id": 1},
        headers=admin,
    )
    assert taken.status_code == 201, taken.text
    laravel.assert_422(
        await client.post(
            CUSTOMERS, json={"name": "Clash", "customerAccount": "CL0002"}, headers=admin
        ),
        "customerAccount",
    )
    next_generated = await _create(client, admin, name="Next")
    assert (await _get(client, admin, next_generated))["customerAccount"] not in (
        "CL0001",
        "CL0002",
        "X1",
        "SH-1",
    )

    # Updates through either API are seen through the other.
    r = await client.put(
        f"{CUSTOMERS}/{partner_id}", json={"name": "Renamed by billing"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert (await client.get(f"{PARTNER_CUSTOMERS}/{partner_id}", headers=admin)).json()[
        "name"
    ] == ("Renamed by billing")
    r = await client.put(
        f"{PARTNER_CUSTOMERS}/{billing_id}", json={"name": "Renamed by partner"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert (await _get(client, admin, billing_id))["name"] == "Renamed by partner"

    # A partner customer of another entity is out of the billing API's reach.
    other_entity = await make_entity("partner entity")
    elsewhere = await client.put(
        PARTNER_CREATE,
        json={"name": "Elsewhere", "external_customer_code": "X2", "entity_id": other_entity},
        headers=admin,
    )
    assert elsewhere.status_code == 201, elsewhere.text
    laravel.assert_message(await client.get(f"{ACCOUNTS}/X2", headers=admin), 404)
    laravel.assert_message(
        await client.get(f"{CUSTOMERS}/{elsewhere.json()['data']['customer_id']}", headers=admin),
        404,
    )

    # A delete through the partner API is a delete here.
    assert (
        await client.delete(f"{PARTNER_CUSTOMERS}/{partner_id}", headers=admin)
    ).status_code == 204
    laravel.assert_message(await client.get(f"{ACCOUNTS}/X1", headers=admin), 404)


@pytest.mark.parametrize(
    ("page", "labels"),
    [
        (1, "1 2 3 4 5 6 7 8 9 10 ... 19 20"),
        (8, "1 2 ... 5 6 7 8 9 10 11 ... 19 20"),
        (13, "1 2 ... 10 11 12 13 14 15 16 ... 19 20"),
        (14, "1 2 ... 11 12 13 14 15 16 17 18 19 20"),
    ],
)
async def test_the_links_are_laravels_url_window(
    client: httpx.AsyncClient, admin: Headers, page: int, labels: str
) -> None:
    for n in range(20):
        await _create(client, admin, name=f"Windowed {n}")

    r = await client.get(CUSTOMERS, params={"per_page": "1", "page": str(page)}, headers=admin)

    links = r.json()["links"]
    assert [link["label"] for link in links] == [
        "&laquo; Previous",
        *labels.split(),
        "Next &raquo;",
    ]
    assert [link["label"] for link in links if link["active"]] == [str(page)]
    assert links[0]["url"] == r.json()["prev_page_url"]
    assert links[-1]["url"] == r.json()["next_page_url"]
    path = r.json()["path"]
    assert all(
        link["url"] == f"{path}?per_page=1&page={link['label']}"
        for link in links[1:-1]
        if link["label"] != "..."
    )
    assert all(link["url"] is None for link in links if link["label"] == "...")


async def test_not_found_and_wrong_method_are_worded_as_laravel_words_them(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    headers = laravel.bearer(admin)
    for path in ("/99999", "/abc", "/0"):
        missing = await client.get(f"{CUSTOMERS}{path}", headers=headers)
        message = f"No query results for model [App\\Customer] {path[1:]}"
        laravel.assert_message(missing, 404, {"message": message})
    for method in ("PUT", "DELETE"):
        missing = await client.request(method, f"{CUSTOMERS}/99999", headers=headers)
        body = {"message": "No query results for model [App\\Customer] 99999"}
        laravel.assert_message(missing, 404, body)
    no_account = await client.get(f"{ACCOUNTS}/NOPE", headers=headers)
    laravel.assert_message(
        no_account, 404, {"message": "No query results for model [App\\Customer]."}
    )
    unknown = await client.get("/api/v1/nothing")
    assert (unknown.status_code, unknown.json()) == (404, {"message": ""})  # Laravel's, empty

    wrong = await client.post(f"{CUSTOMERS}/1", headers=headers)

    supported = "GET, HEAD, PUT, PATCH, DELETE"
    message = f"The POST method is not supported for this route. Supported methods: {supported}."
    laravel.assert_message(wrong, 405, {"message": message})
    assert wrong.headers["allow"] == supported


async def test_form_input_is_trimmed_and_empty_strings_are_null(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    """Laravel's TrimStrings and ConvertEmptyStringsToNull: a spreadsheet's empty column is
    "not given", not a value to refuse."""
    await _create(client, admin, name="Taken", customerAccount="T2X")
    form = {"name": " x ", "brand": "", "website": "", "accountsReference": "", "phone": " \t"}

    empty = await client.post(CUSTOMERS, data=form, headers=admin)
    generated = await client.post(
        CUSTOMERS, data={"name": "Generated", "customerAccount": ""}, headers=admin
    )
    trimmed = await client.post(
        CUSTOMERS, data={"name": "Trimmed", "customerAccount": " T2 ", "vip": " 1 "}, headers=admin
    )
    blank = await client.post(CUSTOMERS, data={"name": "   "}, headers=admin)

    assert (empty.status_code, generated.status_code, trimmed.status_code) == (201, 201, 201)
    stored = await _get(client, admin, empty.json()["response"])
    assert (stored["name"], stored["brand"], stored["website"]) == ("x", None, None)
    assert (stored["accountsReference"], stored["phone"]) == (None, None)
    account = (await _get(client, admin, generated.json()["response"]))["customerAccount"]
    assert GENERATED_ACCOUNT.fullmatch(account)
    by_account = await client.get(f"{ACCOUNTS}/T2", headers=admin)
    assert by_account.json()["customer"]["id"] == trimmed.json()["response"]
    assert by_account.json()["customer"]["vip"] == 1
    body = laravel.assert_422(blank, "name")
    assert body["errors"] == {"name": ["The name field is required."]}


async def test_every_problem_is_answered_at_once_in_laravels_words(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    await _create(client, admin, name="Holder", customerAccount="HELD", accountsReference="REF")
    params = {
        "brand_id": "99999",
        "customerAccount": "HELD",
        "accountsReference": "REF",
        "name": "y" * 256,
        "capital": "1" * 51,
        "resellerLevel": "05",
        "applyVATAutoReverseOperators": "maybe",
    }

    r = await client.post(CUSTOMERS, data=params, headers=admin)

    assert laravel.assert_422(r)["errors"] == {
        "brand_id": ["The selected brand id is invalid."],
        "customerAccount": ["The customer account has already been taken."],
        "accountsReference": ["The accounts reference has already been taken."],
        "name": ["The name must not be greater than 255 characters."],
        "capital": ["The capital must not be greater than 50 characters."],
        "resellerLevel": ["The reseller level must be an integer."],
        "applyVATAutoReverseOperators": [
            "The apply v a t auto reverse operators field must be true or false."
        ],
    }
    assert (await _list(client, admin))["total"] == 1  # nothing written


async def test_an_update_with_problems_is_told_them_all_unless_the_customer_is_missing(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    await _create(client, admin, name="Holder", customerAccount="HELD")
    mine = await _create(client, admin, name="Mine", customerAccount="MINE")
    changes = {"name": "", "customerAccount": "HELD", "vip": "2"}

    r = await client.put(f"{CUSTOMERS}/{mine}", data=changes, headers=admin)
    missing = await client.put(f"{CUSTOMERS}/99999", data=changes, headers=admin)
    own = await client.put(f"{CUSTOMERS}/{mine}", data={"customerAccount": " MINE "}, headers=admin)

    assert laravel.assert_422(r)["errors"] == {
        "customerAccount": ["The customer account has already been taken."],
        "name": ["The name field is required."],
        "vip": ["The vip field must be true or false."],
    }
    body = {"message": "No query results for model [App\\Customer] 99999"}
    laravel.assert_message(missing, 404, body)
    assert own.status_code == 200, own.text


@pytest.mark.parametrize("value", ["yes", "no", "on", "off", "2", "1.0"])
async def test_booleans_are_laravels_and_true_or_false(
    client: httpx.AsyncClient, admin: Headers, value: str
) -> None:
    refused = await client.post(CUSTOMERS, data={"name": "x", "vip": value}, headers=admin)
    spelled = await client.post(CUSTOMERS, data={"name": "y", "vip": "TRUE"}, headers=admin)

    body = laravel.assert_422(refused, "vip")
    assert body["errors"] == {"vip": ["The vip field must be true or false."]}
    assert spelled.status_code == 201, spelled.text
    assert (await _get(client, admin, spelled.json()["response"]))["vip"] == 1


async def test_a_race_the_checks_cannot_see_is_answered_in_the_same_words(
    client: httpx.AsyncClient, admin: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unique index decides when two creates pass the checks together: the answer is
    the one the check gives."""
    await _create(client, admin, name="Holder", customerAccount="HELD")
    checked = await client.post(
        CUSTOMERS, data={"name": "x", "customerAccount": "HELD"}, headers=admin
    )

    async def nothing_seen(*args: Any, **kwargs: Any) -> dict[str, str]:
        return {}

    monkeypatch.setattr(core_customers, "rule_problems", nothing_seen)
    raced = await client.post(
        CUSTOMERS, data={"name": "x", "customerAccount": "HELD"}, headers=admin
    )

    assert (raced.status_code, raced.json()) == (checked.status_code, checked.json())
    assert checked.json()["errors"] == {
        "customerAccount": ["The customer account has already been taken."]
    }
