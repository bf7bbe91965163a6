"""Contacts and brands through the billing API, in process.

* `GET|POST /api/v1/contacts?contactable_type=App\\Customer&contactable_id={id}`: a paginator
  of the customer's contacts; a create (query, form or JSON) answers 201 `{"response": id}`.
  A customer that is missing or in another entity is 404; no `contactable_id` is 422.
* `/api/v1/brands`: list (paginator), get `{"brand": {...}}`, create (name required) 201,
  update 200, delete 200 `{"response": true}`. Brand 1 ("default") always exists and cannot be
  deleted (422); neither can a brand a customer uses (422).
* Reads need OVERVIEW, creates and updates ADMIN, deletes SYSTEM; errors in Laravel's form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from tests.apis.billing_v1 import laravel
from tests.conftest import MakeUser

Headers = dict[str, str]
Json = dict[str, Any]
MakeEntity = Callable[[str], Awaitable[int]]

CUSTOMERS = "/api/v1/customers"
CONTACTS = "/api/v1/contacts"
BRANDS = "/api/v1/brands"
CUSTOMER_TYPE = "App\\Customer"

CONTACT_KEYS = {
    "id",
    "contactable_type",
    "contactable_id",
    "firstName",
    "lastName",
    "phone",
    "mobilePhone",
    "emailAddress",
    "created_at",
    "updated_at",
}
CONTACT_FIELDS = ["firstName", "lastName", "phone", "mobilePhone", "emailAddress"]
BRAND_KEYS = {"id", "name", "created_at", "updated_at"}

# --- helpers ------------------------------------------------------------------------------------


def _response_id(r: httpx.Response, status: int) -> int:
    assert r.status_code == status, r.text
    body = r.json()
    assert list(body) == ["response"], body
    assert type(body["response"]) is int
    value: int = body["response"]
    return value


def _of(customer_id: int | str) -> dict[str, Any]:
    return {"contactable_type": CUSTOMER_TYPE, "contactable_id": customer_id}


async def _customer(client: httpx.AsyncClient, headers: Headers, **fields: Any) -> int:
    return _response_id(await client.post(CUSTOMERS, json=fields, headers=headers), 201)


async def _contacts(
    client: httpx.AsyncClient, headers: Headers, customer_id: int, **params: Any
) -> Json:
    r = await client.get(CONTACTS, params=_of(customer_id) | params, headers=headers)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    laravel.assert_page(body)
    for contact in body["data"]:
        assert set(contact) == CONTACT_KEYS, contact
        assert type(contact["id"]) is int
        assert contact["contactable_type"] == CUSTOMER_TYPE
        assert laravel.typed({"contactable_id": contact["contactable_id"]}) == laravel.typed(
            {"contactable_id": customer_id}
        )
        for field in CONTACT_FIELDS:
            assert contact[field] is None or isinstance(contact[field], str), (field, contact)
        laravel.when(contact["created_at"])
        laravel.when(contact["updated_at"])
    return body


async def _add_contact(
    client: httpx.AsyncClient, headers: Headers, customer_id: int, **fields: Any
) -> int:
    r = await client.post(CONTACTS, params=_of(customer_id), json=fields, headers=headers)
    return _response_id(r, 201)


async def _brand(client: httpx.AsyncClient, headers: Headers, brand_id: int | str) -> Json:
    r = await client.get(f"{BRANDS}/{brand_id}", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["brand"], body
    brand: Json = body["brand"]
    assert set(brand) == BRAND_KEYS, brand
    assert type(brand["id"]) is int
    assert isinstance(brand["name"], str)
    return brand


async def _brands(client: httpx.AsyncClient, headers: Headers, **params: Any) -> Json:
    r = await client.get(BRANDS, params=params, headers=headers)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    laravel.assert_page(body)
    for brand in body["data"]:
        assert set(brand) == BRAND_KEYS, brand
    return body


async def _new_brand(client: httpx.AsyncClient, headers: Headers, name: Any) -> int:
    return _response_id(await client.post(BRANDS, json={"name": name}, headers=headers), 201)


# --- contacts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["query", "form", "json"])
async def test_a_contact_is_created_and_listed(
    client: httpx.AsyncClient, admin: Headers, how: str
) -> None:
    customer_id = await _customer(client, admin, name="With contacts")
    fields = {
        "firstName": "Jeanne",
        "lastName": "Dupont",
        "phone": "+33494000000",
        "mobilePhone": "+33600000000",
        "emailAddress": "jeanne@example.com",
    }
    if how == "query":
        sent: dict[str, Any] = {"params": _of(customer_id) | fields}
    else:
        sent = {"params": _of(customer_id), ("data" if how == "form" else "json"): fields}

    r = await client.post(CONTACTS, headers=laravel.bearer(admin), **sent)

    contact_id = _response_id(r, 201)
    listed = await _contacts(client, admin, customer_id)
    assert (listed["total"], len(listed["data"])) == (1, 1)
    contact = listed["data"][0]
    assert contact["id"] == contact_id
    assert {key: contact[key] for key in fields} == fields


async def test_contact_fields_are_loosely_typed_and_optional(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    customer_id = await _customer(client, admin, name="Loose contacts")
    await _add_contact(
        client, admin, customer_id, firstName="Paul", phone=494000000, mobilePhone=None
    )
    await _add_contact(client, admin, customer_id, lastName=12345)

    data = (await _contacts(client, admin, customer_id))["data"]

    values = sorted(({key: contact[key] for key in CONTACT_FIELDS} for contact in data), key=repr)
    assert values == sorted(
        [
            {
                "firstName": "Paul",
                "lastName": None,
                "phone": "494000000",
                "mobilePhone": None,
                "emailAddress": None,
            },
            {
                "firstName": None,
                "lastName": "12345",
                "phone": None,
                "mobilePhone": None,
                "emailAddress": None,
            },
        ],
        key=repr,
    )


async def test_each_customer_lists_its_own_contacts(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    first = await _customer(client, admin, name="First")
    second = await _customer(client, admin, name="Second")
    mine = [await _add_contact(client, admin, first, firstName=f"F{n}") for n in range(3)]
    theirs = await _add_contact(client, admin, second, firstName="S")

    assert sorted(
        c["id"] for c in (await _contacts(client, admin, first, per_page=100))["data"]
    ) == sorted(mine)
    assert [c["id"] for c in (await _contacts(client, admin, second))["data"]] == [theirs]

    paged = await _contacts(client, admin, first, per_page=2, page=2)
    assert (paged["total"], paged["per_page"], paged["current_page"], paged["last_page"]) == (
        3,
        2,
        2,
        2,
    )
    assert len(paged["data"]) == 1


async def test_a_contact_needs_a_customer_in_reach(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    customer_id = await _customer(client, admin, name="Own")
    await _add_contact(client, admin, customer_id, firstName="Kept")

    for params in (_of(999_999), _of(customer_id + 1000)):
        laravel.assert_message(await client.get(CONTACTS, params=params, headers=admin), 404)
        r = await client.post(CONTACTS, params=params, json={"firstName": "x"}, headers=admin)
        laravel.assert_message(r, 404)

    other_entity = await make_entity("other")
    for visibility in Visibility:
        stranger = await make_user(Level.SYSTEM, visibility, other_entity)
        laravel.assert_message(
            await client.get(CONTACTS, params=_of(customer_id), headers=stranger), 404
        )
        r = await client.post(
            CONTACTS, params=_of(customer_id), json={"firstName": "Intruder"}, headers=stranger
        )
        laravel.assert_message(r, 404)

    listed = await _contacts(client, admin, customer_id)
    assert [c["firstName"] for c in listed["data"]] == ["Kept"]


async def test_a_deleted_customer_has_no_contacts_to_list(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    customer_id = await _customer(client, admin, name="Doomed")
    await _add_contact(client, admin, customer_id, firstName="Gone")
    assert (await client.delete(f"{CUSTOMERS}/{customer_id}", headers=admin)).status_code == 200
    laravel.assert_message(await client.get(CONTACTS, params=_of(customer_id), headers=admin), 404)


@pytest.mark.parametrize(
    "params",
    [{"contactable_type": CUSTOMER_TYPE}, {}],
    ids=["type-only", "nothing"],
)
async def test_a_contact_without_contactable_id_is_422(
    client: httpx.AsyncClient, admin: Headers, params: dict[str, str]
) -> None:
    await _customer(client, admin, name="Someone")
    laravel.assert_422(await client.get(CONTACTS, params=params, headers=admin), "contactable_id")
    laravel.assert_422(
        await client.post(CONTACTS, params=params, json={"firstName": "x"}, headers=admin),
        "contactable_id",
    )


async def test_bad_contact_input_is_never_a_500(client: httpx.AsyncClient, admin: Headers) -> None:
    customer_id = await _customer(client, admin, name="Robust")
    r = await client.post(CONTACTS, params=_of("abc"), json={"firstName": "x"}, headers=admin)
    assert r.status_code in (404, 422), r.text
    r = await client.post(
        CONTACTS, params=_of(customer_id), json={"firstName": {"an": "object"}}, headers=admin
    )
    laravel.assert_422(r, "firstName")
    r = await client.post(
        CONTACTS,
        params=_of(customer_id),
        content=b'{"firstName": ',
        headers=admin | {"Content-Type": "application/json"},
    )
    assert r.status_code in (400, 422), r.text
    assert isinstance(r.json()["message"], str)
    for params in ({"per_page": "0"}, {"per_page": "abc"}):
        laravel.assert_422(
            await client.get(CONTACTS, params=_of(customer_id) | params, headers=admin), *params
        )
    assert (await _contacts(client, admin, customer_id))["total"] == 0


@pytest.mark.parametrize("level", list(Level), ids=lambda level: level.name)
async def test_contact_permissions(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, level: Level
) -> None:
    customer_id = await _customer(client, admin, name="Guarded")
    caller = laravel.bearer(await make_user(level, Visibility.ENTITY))

    listed = await client.get(CONTACTS, params=_of(customer_id), headers=caller)
    created = await client.post(
        CONTACTS, params=_of(customer_id), json={"firstName": "x"}, headers=caller
    )

    assert listed.status_code == 200, listed.text
    if level >= Level.ADMIN:
        _response_id(created, 201)
        assert (await _contacts(client, admin, customer_id))["total"] == 1
    else:
        laravel.assert_message(created, 403, laravel.UNAUTHORIZED)
        assert (await _contacts(client, admin, customer_id))["total"] == 0


async def test_contacts_without_a_token_are_401(client: httpx.AsyncClient, admin: Headers) -> None:
    customer_id = await _customer(client, admin, name="Guarded")
    for headers in ({}, {"Authorization": "Bearer nope"}):
        laravel.assert_message(
            await client.get(CONTACTS, params=_of(customer_id), headers=headers),
            401,
            laravel.UNAUTHENTICATED,
        )
        r = await client.post(
            CONTACTS, params=_of(customer_id), json={"firstName": "x"}, headers=headers
        )
        laravel.assert_message(r, 401, laravel.UNAUTHENTICATED)
    assert (await _contacts(client, admin, customer_id))["total"] == 0


# --- brands -------------------------------------------------------------------------------------


async def test_brand_1_is_the_default_brand(client: httpx.AsyncClient, admin: Headers) -> None:
    brand = await _brand(client, laravel.bearer(admin), 1)
    assert (brand["id"], brand["name"]) == (1, "default")
    for key in ("created_at", "updated_at"):
        assert brand[key] is None or laravel.TIMESTAMP.fullmatch(brand[key]), brand

    listed = await _brands(client, admin)
    assert listed["total"] == 1
    assert listed["data"] == [brand]


@pytest.mark.parametrize("how", ["query", "form", "json"])
async def test_a_brand_is_created_read_updated_and_deleted(
    client: httpx.AsyncClient, admin: Headers, how: str
) -> None:
    def sent(fields: Json) -> dict[str, Any]:
        return {{"query": "params", "form": "data"}.get(how, "json"): fields}

    brand_id = _response_id(await client.post(BRANDS, headers=admin, **sent({"name": "Acme"})), 201)
    created = await _brand(client, admin, brand_id)
    assert (created["id"], created["name"]) == (brand_id, "Acme")
    laravel.when(created["created_at"])
    laravel.when(created["updated_at"])
    assert sorted(b["id"] for b in (await _brands(client, admin))["data"]) == [1, brand_id]

    r = await client.put(f"{BRANDS}/{brand_id}", headers=admin, **sent({"name": "Acme Telecom"}))
    assert r.status_code == 200, r.text
    assert r.json() == {"response": brand_id}
    updated = await _brand(client, admin, brand_id)
    assert updated["name"] == "Acme Telecom"
    assert updated["created_at"] == created["created_at"]
    assert laravel.when(updated["updated_at"]) >= laravel.when(created["updated_at"])

    r = await client.delete(f"{BRANDS}/{brand_id}", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"response": True}
    laravel.assert_message(await client.get(f"{BRANDS}/{brand_id}", headers=admin), 404)
    assert [b["id"] for b in (await _brands(client, admin))["data"]] == [1]


async def test_a_brand_name_is_loosely_typed(client: httpx.AsyncClient, admin: Headers) -> None:
    brand_id = await _new_brand(client, admin, 2024)
    assert (await _brand(client, admin, brand_id))["name"] == "2024"


@pytest.mark.parametrize(
    "sent",
    [
        {"json": {}},
        {"json": {"name": None}},
        {"json": {"name": ""}},
        {"json": {"name": ["x"]}},
        {"content": b""},
    ],
    ids=["empty", "null", "empty-string", "list", "no-body"],
)
async def test_a_brand_needs_a_name(client: httpx.AsyncClient, admin: Headers, sent: Json) -> None:
    laravel.assert_422(await client.post(BRANDS, headers=admin, **sent), "name")
    assert (await _brands(client, admin))["total"] == 1


async def test_a_brand_update_with_a_bad_name_is_422(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    brand_id = await _new_brand(client, admin, "Kept")
    for name in (None, "", {"an": "object"}):
        laravel.assert_422(
            await client.put(f"{BRANDS}/{brand_id}", json={"name": name}, headers=admin), "name"
        )
    assert (await _brand(client, admin, brand_id))["name"] == "Kept"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", BRANDS + "/999"),
        ("GET", BRANDS + "/abc"),
        ("PUT", BRANDS + "/999"),
        ("DELETE", BRANDS + "/999"),
        ("DELETE", BRANDS + "/abc"),
    ],
)
async def test_a_missing_brand_is_404(
    client: httpx.AsyncClient, admin: Headers, method: str, path: str
) -> None:
    r = await client.request(
        method, path, json={"name": "x"} if method == "PUT" else None, headers=admin
    )
    laravel.assert_message(r, 404)
    assert (await _brands(client, admin))["total"] == 1


async def test_brand_1_cannot_be_deleted(client: httpx.AsyncClient, admin: Headers) -> None:
    laravel.assert_422(await client.delete(f"{BRANDS}/1", headers=admin))
    assert (await _brand(client, admin, 1))["name"] == "default"


async def test_a_brand_in_use_cannot_be_deleted(client: httpx.AsyncClient, admin: Headers) -> None:
    brand_id = await _new_brand(client, admin, "Used")
    customer_id = await _customer(client, admin, name="Branded", brand_id=str(brand_id))
    customer = (await client.get(f"{CUSTOMERS}/{customer_id}", headers=admin)).json()["customer"]
    assert laravel.typed({"brand_id": customer["brand_id"]}) == laravel.typed(
        {"brand_id": brand_id}
    )

    laravel.assert_422(await client.delete(f"{BRANDS}/{brand_id}", headers=admin))
    assert (await _brand(client, admin, brand_id))["name"] == "Used"

    r = await client.put(f"{CUSTOMERS}/{customer_id}", json={"brand_id": 1}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.delete(f"{BRANDS}/{brand_id}", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"response": True}
    laravel.assert_422(
        await client.post(CUSTOMERS, json={"name": "Late", "brand_id": brand_id}, headers=admin),
        "brand_id",
    )


async def test_brands_are_paged(client: httpx.AsyncClient, admin: Headers) -> None:
    made = [await _new_brand(client, admin, f"Brand {n}") for n in range(3)]
    first = await _brands(client, admin, per_page=2)
    second = await _brands(client, admin, per_page=2, page=2)
    assert (first["total"], first["per_page"], first["last_page"], len(first["data"])) == (
        4,
        2,
        2,
        2,
    )
    assert (second["current_page"], len(second["data"]), second["next_page_url"]) == (2, 2, None)
    assert sorted(b["id"] for b in first["data"] + second["data"]) == sorted([1, *made])
    laravel.assert_422(
        await client.get(BRANDS, params={"per_page": "x"}, headers=admin), "per_page"
    )


BRAND_ENDPOINTS = [
    ("GET", BRANDS, Level.OVERVIEW, 200, None),
    ("GET", BRANDS + "/{id}", Level.OVERVIEW, 200, None),
    ("POST", BRANDS, Level.ADMIN, 201, {"name": "New"}),
    ("PUT", BRANDS + "/{id}", Level.ADMIN, 200, {"name": "Renamed"}),
    ("DELETE", BRANDS + "/{id}", Level.SYSTEM, 200, None),
]


@pytest.mark.parametrize(
    ("method", "path", "needs", "success", "body"),
    BRAND_ENDPOINTS,
    ids=[f"{method}-{path.rsplit('/', 1)[-1]}" for method, path, *_ in BRAND_ENDPOINTS],
)
@pytest.mark.parametrize("level", list(Level), ids=lambda level: level.name)
async def test_each_brand_endpoint_needs_its_level(
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
    brand_id = await _new_brand(client, admin, "Guarded")
    caller = laravel.bearer(await make_user(level, Visibility.ENTITY))

    r = await client.request(method, path.format(id=brand_id), json=body, headers=caller)

    if level >= needs:
        assert r.status_code == success, r.text
    else:
        laravel.assert_message(r, 403, laravel.UNAUTHORIZED)
        assert (await _brand(client, admin, brand_id))["name"] == "Guarded"
        assert (await _brands(client, admin))["total"] == 2

    for headers in ({}, {"Authorization": "Bearer nope"}):
        r = await client.request(method, path.format(id=brand_id), json=body, headers=headers)
        laravel.assert_message(r, 401, laravel.UNAUTHENTICATED)
