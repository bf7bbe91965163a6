"""Customers through the sales API at `/api/v1.0` (seed 002, issue 4), in process.

The contract pinned here:

* `POST /api/v1.0/customers` takes the seed's parameters as a form, as multipart (with
  `imageFile`) or as JSON and answers 201 with the seed's record: the example's keys in the
  example's order, nested `customerCategory`, `customerSegmentation`, `paymentTypes`,
  `region`, `createdBy` in the example's shapes, each `href` resolving on this service,
  `organization` the entity's name, timestamps like `2015-12-17T23:00:00Z`,
  `dueDateConfigType` 1/2 as `daysAfterInvoiceDate`/`daysAfterEndOfInvoiceMonth`,
  countries stored as ISO codes, `paymentTypes` in the seed's `[{"id"=7},{"id"=8}]` form
  or as JSON.
* Failures answer the seed's status and `{"error", "error_description"}` body exactly
  (`missing_param`, `not_unique`, `invalid_param_type`, `not_found`) and write nothing: no
  customer, no payment-type link. The reference is unique per entity even under 20
  concurrent creates.
* Booleans accept true/false in any case and 1/0; defaults are isActive true, onHold false,
  billWithParent false, isSameAddress true (the billing address copied to the shipping
  one), the root category, the entity's default currency, the caller as creator.
* `useExternalId=true` reads every id parameter (and the path) as a reference.
* Reads, lists (`max` 10 by default and at most 100, `offset`, `sort`/`order`, exact
  filters, unknown parameters refused), partial PUT/PATCH, parent cycles refused, DELETE
  for SYSTEM only and refused while sub-customers exist.
* Permissions and isolation: 401 without a token, OVERVIEW reads only, every user (ENTITY
  or GLOBAL) works inside their own entity: another entity's customers and catalogue
  objects answer 404.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from customer_registry.apis.context import Context
from customer_registry.core.permissions import Level, Visibility
from customer_registry.storage.schema import (
    customer_payment_types,
    customers,
)
from tests.conftest import MakeUser

Headers = dict[str, str]
Json = dict[str, Any]
MakeEntity = Callable[[str], Awaitable[int]]

API = "/api/v1.0"
CUSTOMERS = f"{API}/customers"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# The seed's success example, verbatim: its keys (in order) and nested shapes are the contract.
SEED_EXAMPLE: Json = json.loads(
    """
{
  "id": 256, "reference": "NC-3", "reference2": null, "name": "Marie's Jewelry",
  "categoryReference": "jewelry",
  "customerCategory": {"id": 2, "reference": "jewelry", "name": "Jewelry and accessories",
                       "href": "/api/v1.0/customerCategories/2"},
  "isSubCustomer": false, "parentCustomer": null, "billWithParent": true,
  "customerSegmentationReference": "seg_a",
  "customerSegmentation": {"id": 1, "reference": "seg_a", "name": "Segmentation A",
                           "href": "/api/v1.0/customerSegmentations/1"},
  "pocTenus": null, "email": null,
  "logo": "BASE_URL/entity1-1450169988465/photoCustomer/1471338230737_logo_color_272x92dp.png",
  "phone": null, "mobile": null, "fax": null, "comment": null, "barcode": null,
  "isSameAddress": true, "billingCountry": "FR", "billingCity": "Nice",
  "billingPostalCode": null, "billingAddress": null, "billingLat": null, "billingLng": null,
  "country": null, "city": null, "postalCode": null, "address": null, "latitude": null,
  "longitude": null, "isCredit": null, "creditLimit": 5000, "balance": null,
  "maxChequePeriod": null, "maxChequeValue": null, "appliedCashBackOutput": null,
  "returnDiscount": null, "invoicesPerRoute": null, "isActive": true, "onHold": false,
  "onHoldReason": null, "paymentTerm": null,
  "createdBy": {"userId": 2, "reference": "emp-002", "href": "/api/v1.0/users/2"},
  "dueDateConfigNumber": 7, "dueDateConfigType": "daysAfterInvoiceDate",
  "paymentTypes": [
    {"id": 7, "reference": "cash", "name": "cash", "href": "/api/v1.0/paymentTypes/7"},
    {"id": 8, "reference": "cheque", "name": "cheque", "href": "/api/v1.0/paymentTypes/8"}
  ],
  "website": null, "taxNumber": null, "companyRegistrationNumber": null, "contacts": [],
  "currency": "USD", "customerRisk": null, "customerRiskColor": null,
  "organization": "entity1", "dateCreated": "2015-12-17T23:00:00Z",
  "lastUpdated": "2015-12-17T23:00:00Z",
  "region": {"id": 3, "name": "New York", "href": "/api/v1.0/regions/3"}
}
"""
)
SEED_KEYS = list(SEED_EXAMPLE)
NESTED = ("customerCategory", "customerSegmentation", "createdBy", "region")


# --- helpers ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Catalogues:
    """Entity 1's catalogue objects, made through the API."""

    category: Json
    segmentation: Json
    cash: Json
    cheque: Json
    region: Json
    usd: Json
    eur: Json


async def _post_catalogue(
    client: httpx.AsyncClient, headers: Headers, collection: str, **fields: str
) -> Json:
    r = await client.post(f"{API}/{collection}", data=fields, headers=headers)
    assert r.status_code == 201, r.text
    body: Json = r.json()
    return body


async def _make_catalogues(client: httpx.AsyncClient, headers: Headers) -> Catalogues:
    post = _post_catalogue
    return Catalogues(
        category=await post(
            client, headers, "customerCategories", reference="jewelry", name="Jewelry"
        ),
        segmentation=await post(
            client, headers, "customerSegmentations", reference="seg_a", name="Segmentation A"
        ),
        cash=await post(client, headers, "paymentTypes", reference="cash", name="cash"),
        cheque=await post(client, headers, "paymentTypes", reference="cheque", name="cheque"),
        region=await post(client, headers, "regions", reference="ny", name="New York"),
        # The first currency configured is the entity's default.
        usd=await post(client, headers, "currencies", code="USD", exchangeRate="1"),
        eur=await post(client, headers, "currencies", code="EUR", exchangeRate="0.9"),
    )


@pytest.fixture
async def cats(client: httpx.AsyncClient, admin: Headers) -> Catalogues:
    return await _make_catalogues(client, admin)


def _seed_pairs(*ids: int | str) -> str:
    """`[{"id"=7},{"id"=8}]`, the seed's own notation."""
    return "[" + ",".join(f'{{"id"={json.dumps(i)}}}' for i in ids) + "]"


def _form(values: Json) -> dict[str, str]:
    """JSON-typed parameters as form fields."""
    found = {}
    for name, value in values.items():
        if isinstance(value, bool):
            found[name] = "true" if value else "false"
        elif name == "paymentTypes":
            found[name] = _seed_pairs(*(item["id"] for item in value))
        else:
            found[name] = str(value)
    return found


async def _create(
    client: httpx.AsyncClient, headers: Headers, *, as_json: bool = False, **fields: Any
) -> Json:
    if as_json:
        r = await client.post(CUSTOMERS, json=fields, headers=headers)
    else:
        r = await client.post(CUSTOMERS, data=_form(fields), headers=headers)
    assert r.status_code == 201, r.text
    body: Json = r.json()
    return body


async def _get(client: httpx.AsyncClient, headers: Headers, customer_id: int | str) -> Json:
    r = await client.get(f"{CUSTOMERS}/{customer_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


async def _list(client: httpx.AsyncClient, headers: Headers, query: str = "") -> Json:
    r = await client.get(f"{CUSTOMERS}{query}", headers=headers)
    assert r.status_code == 200, r.text
    body: Json = r.json()
    assert list(body) == ["total", "offset", "max", "data"], body
    return body


async def _user_id(client: httpx.AsyncClient, headers: Headers, username: str) -> int:
    """The id of a user of the caller's entity, from `/users` (what `createdBy` links to)."""
    r = await client.get(f"{API}/users", params={"max": "100"}, headers=headers)
    assert r.status_code == 200, r.text
    [found] = [user["id"] for user in r.json()["data"] if user["reference"] == username]
    assert type(found) is int
    return found


def _error(code: str, description: str) -> Json:
    return {"error": code, "error_description": description}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _payment_links(ctx: Context) -> int:
    async with ctx.db.read() as conn:
        count = await conn.fetch_value(
            sa.select(sa.func.count()).select_from(customer_payment_types)
        )
    return int(count)


async def _stored_customers(ctx: Context) -> int:
    async with ctx.db.read() as conn:
        count = await conn.fetch_value(sa.select(sa.func.count()).select_from(customers))
    return int(count)


@dataclass(frozen=True, slots=True)
class Snapshot:
    listed: int
    stored: int
    links: int


async def _snapshot(client: httpx.AsyncClient, headers: Headers, ctx: Context) -> Snapshot:
    return Snapshot(
        listed=(await _list(client, headers))["total"],
        stored=await _stored_customers(ctx),
        links=await _payment_links(ctx),
    )


def _assert_seed_shape(record: Json) -> None:
    """The seed's keys in its order, its nested shapes, its timestamps."""
    assert list(record) == SEED_KEYS
    for key in NESTED:
        if record[key] is not None:
            assert list(record[key]) == list(SEED_EXAMPLE[key]), key
    for item in record["paymentTypes"]:
        assert list(item) == list(SEED_EXAMPLE["paymentTypes"][0])
    assert type(record["id"]) is int
    assert TIMESTAMP.match(record["dateCreated"]), record["dateCreated"]
    assert TIMESTAMP.match(record["lastUpdated"]), record["lastUpdated"]


def _ref(item: Json, collection: str) -> Json:
    return {
        "id": item["id"],
        "reference": item["reference"],
        "name": item["name"],
        "href": f"{API}/{collection}/{item['id']}",
    }


def _hrefs(record: Json) -> list[tuple[str, int]]:
    """Every (href, id) of the record's nested objects."""
    found = []
    for key in ("customerCategory", "customerSegmentation", "region", "parentCustomer"):
        if record[key] is not None:
            found.append((record[key]["href"], record[key]["id"]))
    if record["createdBy"] is not None:
        found.append((record["createdBy"]["href"], record["createdBy"]["userId"]))
    found += [(item["href"], item["id"]) for item in record["paymentTypes"]]
    return found


# --- create: the seed's request -----------------------------------------------------------------


def _seed_request(cats: Catalogues, parent: Json, creator_id: int) -> Json:
    """Every parameter of the seed's table (but `imageFile`), JSON-typed."""
    return {
        "reference": "NC-3",
        "name": "Marie's Jewelry",
        "reference2": "NC-3-B",
        "barcode": "3760000000017",
        "isActive": True,
        "categoryId": cats.category["id"],
        "isSubCustomer": True,
        "parentCustomerId": parent["id"],
        "billWithParent": True,
        "customerSegmentationId": cats.segmentation["id"],
        "userId": creator_id,
        "isSameAddress": False,
        "billingCountry": "France",
        "billingCity": "Nice",
        "billingPostalCode": "06000",
        "billingAddress": "1 promenade des Anglais",
        "billingLat": 43.7,
        "billingLng": 7.25,
        "country": "Germany",
        "city": "Berlin",
        "postalCode": "10117",
        "address": "Unter den Linden 1",
        "latitude": 52.5,
        "longitude": 13.375,
        "email": "marie@example.com",
        "phone": "+33 4 93 00 00 00",
        "mobile": "+33 6 00 00 00 00",
        "fax": "+33 4 93 00 00 01",
        "comment": "The seed's customer",
        "website": "https://jewelry.example.com",
        "creditLimit": 5000,
        "dueDateConfigNumber": 7,
        "dueDateConfigType": 1,
        "taxNumber": "FR40303265045",
        "companyRegistrationNumber": "303 265 045 R.C.S. Nice",
        "currency": "EUR",
        "paymentTypes": [{"id": cats.cash["id"]}, {"id": cats.cheque["id"]}],
        "regionId": cats.region["id"],
        "customerRisk": "low",
        "customerRiskColor": "#1BE9D8",
        "onHold": True,
        "onHoldReason": "Awaiting documents",
        "useExternalId": False,
    }


def _seed_expected(cats: Catalogues, parent: Json, creator_id: int, creator: str) -> Json:
    """What the record of `_seed_request` shows (all but id, logo and timestamps)."""
    return {
        "reference": "NC-3",
        "reference2": "NC-3-B",
        "name": "Marie's Jewelry",
        "categoryReference": "jewelry",
        "customerCategory": _ref(cats.category, "customerCategories"),
        "isSubCustomer": True,
        "parentCustomer": _ref(parent, "customers"),
        "billWithParent": True,
        "customerSegmentationReference": "seg_a",
        "customerSegmentation": _ref(cats.segmentation, "customerSegmentations"),
        "pocTenus": None,
        "email": "marie@example.com",
        "phone": "+33 4 93 00 00 00",
        "mobile": "+33 6 00 00 00 00",
        "fax": "+33 4 93 00 00 01",
        "comment": "The seed's customer",
        "barcode": "3760000000017",
        "isSameAddress": False,
        "billingCountry": "FR",
        "billingCity": "Nice",
        "billingPostalCode": "06000",
        "billingAddress": "1 promenade des Anglais",
        "billingLat": 43.7,
        "billingLng": 7.25,
        "country": "DE",
        "city": "Berlin",
        "postalCode": "10117",
        "address": "Unter den Linden 1",
        "latitude": 52.5,
        "longitude": 13.375,
        "isCredit": None,
        "creditLimit": 5000,
        "balance": None,
        "maxChequePeriod": None,
        "maxChequeValue": None,
        "appliedCashBackOutput": None,
        "returnDiscount": None,
        "invoicesPerRoute": None,
        "isActive": True,
        "onHold": True,
        "onHoldReason": "Awaiting documents",
        "paymentTerm": None,
        "createdBy": {
            "userId": creator_id,
            "reference": creator,
            "href": f"{API}/users/{creator_id}",
        },
        "dueDateConfigNumber": 7,
        "dueDateConfigType": "daysAfterInvoiceDate",
        "paymentTypes": [_ref(cats.cash, "paymentTypes"), _ref(cats.cheque, "paymentTypes")],
        "website": "https://jewelry.example.com",
        "taxNumber": "FR40303265045",
        "companyRegistrationNumber": "303 265 045 R.C.S. Nice",
        "contacts": [],
        "currency": "EUR",
        "customerRisk": "low",
        "customerRiskColor": "#1BE9D8",
        "organization": "default",
        "region": {
            "id": cats.region["id"],
            "name": "New York",
            "href": f"{API}/regions/{cats.region['id']}",
        },
    }


@pytest.mark.parametrize("encoding", ["form", "multipart", "json"])
async def test_the_seed_create_answers_the_seed_record(
    client: httpx.AsyncClient,
    admin: Headers,
    make_user: MakeUser,
    cats: Catalogues,
    encoding: str,
) -> None:
    creator_name = "emp-002@example.com"
    await make_user(Level.ADMIN, Visibility.ENTITY, username=creator_name)
    creator_id = await _user_id(client, admin, creator_name)
    parent = await _create(client, admin, reference="PARENT-1", name="Parent company")
    request = _seed_request(cats, parent, creator_id)

    if encoding == "json":
        r = await client.post(CUSTOMERS, json=request, headers=admin)
    elif encoding == "form":
        r = await client.post(CUSTOMERS, data=_form(request), headers=admin)
    else:
        files = {"imageFile": ("logo_color.png", _png(), "image/png")}
        r = await client.post(CUSTOMERS, data=_form(request), files=files, headers=admin)

    assert r.status_code == 201, r.text
    record = r.json()
    _assert_seed_shape(record)
    expected = _seed_expected(cats, parent, creator_id, creator_name)
    assert {key: record[key] for key in expected} == expected
    assert set(expected) | {"id", "logo", "dateCreated", "lastUpdated"} == set(SEED_KEYS)
    assert await _get(client, admin, record["id"]) == record


async def test_the_seed_create_with_an_image_serves_the_logo_and_its_copies(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    files = {"imageFile": ("logo_color.png", _png(), "image/png")}
    r = await client.post(
        CUSTOMERS, data={"reference": "IMG-1", "name": "With logo"}, files=files, headers=admin
    )
    assert r.status_code == 201, r.text
    logo = r.json()["logo"]
    assert isinstance(logo, str)
    assert logo.endswith(".png"), logo
    served = await client.get(logo)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (32, 24)
    folder, _, name = logo.rpartition("/")
    for prefix in ("small_", "medium_"):
        copy = await client.get(f"{folder}/{prefix}{name}")
        assert copy.status_code == 200, prefix


async def test_every_href_of_the_record_resolves_on_this_service(
    client: httpx.AsyncClient, admin: Headers, cats: Catalogues
) -> None:
    parent = await _create(client, admin, reference="P", name="Parent")
    creator_id = await _user_id(client, admin, "root@example.com")
    record = await _create(
        client, admin, **_seed_request(cats, parent, creator_id) | {"reference": "HREF"}
    )
    hrefs = _hrefs(record)
    assert len(hrefs) == 7  # category, segmentation, region, parent, creator, 2 payment types
    for href, key in hrefs:
        assert href.startswith(f"{API}/"), href
        r = await client.get(href, headers=admin)
        assert r.status_code == 200, (href, r.text)
        assert r.json()["id"] == key, href


@pytest.mark.parametrize(
    ("raw", "shown"), [(1, "daysAfterInvoiceDate"), (2, "daysAfterEndOfInvoiceMonth")]
)
async def test_due_date_types_are_named(
    client: httpx.AsyncClient, admin: Headers, raw: int, shown: str
) -> None:
    record = await _create(
        client, admin, reference="D", name="Due", dueDateConfigType=raw, dueDateConfigNumber=30
    )
    assert record["dueDateConfigType"] == shown
    assert record["dueDateConfigNumber"] == 30


@pytest.mark.parametrize("as_json", [False, True])
async def test_payment_types_in_the_seed_form_and_as_json(
    client: httpx.AsyncClient, admin: Headers, cats: Catalogues, as_json: bool
) -> None:
    ids = [cats.cash["id"], cats.cheque["id"]]
    if as_json:
        r = await client.post(
            CUSTOMERS,
            json={"reference": "PT", "name": "Pays", "paymentTypes": [{"id": i} for i in ids]},
            headers=admin,
        )
    else:
        form = {"reference": "PT", "name": "Pays", "paymentTypes": _seed_pairs(*ids)}
        assert form["paymentTypes"] == f'[{{"id"={ids[0]}}},{{"id"={ids[1]}}}]'
        r = await client.post(CUSTOMERS, data=form, headers=admin)
    assert r.status_code == 201, r.text
    assert [item["id"] for item in r.json()["paymentTypes"]] == ids


async def test_payment_types_null_or_empty_are_none(
    client: httpx.AsyncClient, admin: Headers, cats: Catalogues
) -> None:
    """JSON's null is no payment type, as an empty value is; a form's `null` is four letters,
    not a list of ids."""
    created = await _create(
        client, admin, as_json=True, reference="PN", name="N", paymentTypes=None
    )
    assert created["paymentTypes"] == []
    cash = [{"id": cats.cash["id"]}]
    url = f"{CUSTOMERS}/{created['id']}"
    for method, clearing in (
        ("PUT", {"json": {"paymentTypes": None}}),
        ("PATCH", {"data": {"paymentTypes": ""}}),
    ):
        r = await client.patch(url, json={"paymentTypes": cash}, headers=admin)
        assert [item["id"] for item in r.json()["paymentTypes"]] == [cats.cash["id"]]
        r = await client.request(method, url, headers=admin, **clearing)
        assert r.status_code == 200, r.text
        assert r.json()["paymentTypes"] == []

    r = await client.patch(url, data={"paymentTypes": "null"}, headers=admin)
    assert r.status_code == 400, r.text
    assert r.json() == _bad_type("payment type id")


async def test_country_names_are_stored_as_iso_codes(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    record = await _create(client, admin, reference="C", name="FR", billingCountry="France")
    assert record["billingCountry"] == "FR"
    assert (await _get(client, admin, record["id"]))["billingCountry"] == "FR"
    record = await _create(client, admin, reference="C2", name="FR", billingCountry="FR")
    assert record["billingCountry"] == "FR"


async def test_organization_is_the_entity_name(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    assert (await _create(client, admin, reference="O", name="O"))["organization"] == "default"
    other = await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=await make_entity("acme"))
    assert (await _create(client, other, reference="O", name="O"))["organization"] == "acme"


# --- create: failures write nothing -------------------------------------------------------------


BAD_TYPE = "The type of parameter {} you provided is not valid for this request."


def _bad_type(label: str) -> Json:
    return _error("invalid_param_type", BAD_TYPE.format(label))


def _not_found(description: str) -> Json:
    return _error("not_found", description)


# (changes to a valid request (None: leave the parameter out; a callable: computed from the
# catalogues), status, body).
FAILURES: list[tuple[Json, int, Json]] = [
    ({"reference": None}, 400, _error("missing_param", "reference parameter is missing")),
    ({"reference": ""}, 400, _error("missing_param", "reference parameter is missing")),
    ({"name": None}, 400, _error("missing_param", "name parameter is missing")),
    ({"paymentTypes": '[{"id"="seven"}]'}, 400, _bad_type("payment type id")),
    ({"paymentTypes": "cash"}, 400, _bad_type("payment type id")),
    ({"categoryId": "abc"}, 400, _bad_type("customer category id")),
    ({"customerSegmentationId": "x1"}, 400, _bad_type("customer segmentation id")),
    ({"regionId": "r"}, 400, _bad_type("region id")),
    ({"parentCustomerId": "p"}, 400, _bad_type("parent customer id")),
    ({"userId": "me"}, 400, _bad_type("user id")),
    ({"isActive": "maybe"}, 400, _bad_type("isActive")),
    ({"onHold": "maybe"}, 400, _bad_type("onHold")),
    ({"isSubCustomer": "maybe"}, 400, _bad_type("isSubCustomer")),
    ({"creditLimit": "abc"}, 400, _bad_type("creditLimit")),
    (
        {"paymentTypes": lambda cats: _seed_pairs(cats.cash["id"], 999)},
        404,
        _not_found("The payment type with the id 999 doesn't exist."),
    ),
    ({"currency": "GmBP"}, 404, _not_found("The currency with name GmBP doesn't exist.")),
    ({"currency": "GBP"}, 404, _not_found("The currency with name GBP is not configured.")),
    (
        {"parentCustomerId": "188911"},
        404,
        _not_found("The parent customer with the id 188911 doesn't exist."),
    ),
    (
        {"isSubCustomer": "true", "parentCustomerId": "188911"},
        404,
        _not_found("The parent customer with the id 188911 doesn't exist."),
    ),
    (
        {"categoryId": "999"},
        404,
        _not_found("The customer category with the id 999 doesn't exist."),
    ),
    (
        {"customerSegmentationId": "999"},
        404,
        _not_found("The customer segmentation with the id 999 doesn't exist."),
    ),
    ({"regionId": "999"}, 404, _not_found("The region with the id 999 doesn't exist.")),
    (
        {"categoryId": "9" * 20},  # beyond any key: not found, not a database error
        404,
        _not_found(f"The customer category with the id {'9' * 20} doesn't exist."),
    ),
    ({"userId": "999"}, 404, _not_found("The user with the id 999 doesn't exist.")),
    (
        {"isSubCustomer": "true"},
        400,
        _error("missing_param", "parentCustomerId parameter is missing"),
    ),
    (
        {"dueDateConfigType": "1"},
        400,
        _error("missing_param", "dueDateConfigNumber parameter is missing"),
    ),
]


@pytest.mark.parametrize(
    ("changes", "status", "body"),
    FAILURES,
    ids=[
        "&".join(f"{k}={'<computed>' if callable(v) else v}" for k, v in changes.items())
        for changes, _, _ in FAILURES
    ],
)
async def test_a_failed_create_answers_its_body_and_writes_nothing(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    cats: Catalogues,
    changes: Json,
    status: int,
    body: Json,
) -> None:
    await _create(client, admin, reference="KEEP", name="Kept", paymentTypes=[cats.cash])
    before = await _snapshot(client, admin, ctx)
    assert before == Snapshot(listed=1, stored=1, links=1)
    valid = {"reference": "NEW-1", "name": "New", "paymentTypes": _seed_pairs(cats.cash["id"])}
    form = {**valid, **{k: v(cats) if callable(v) else v for k, v in changes.items()}}
    sent = {k: v for k, v in form.items() if v is not None}

    r = await client.post(CUSTOMERS, data=sent, headers=admin)

    assert r.status_code == status, r.text
    assert r.json() == body
    assert await _snapshot(client, admin, ctx) == before
    # The valid request itself succeeds: the failure is caused by the change alone.
    r = await client.post(CUSTOMERS, data=valid, headers=admin)
    assert r.status_code == 201, r.text


async def test_a_duplicate_reference_is_not_unique_and_writes_nothing(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, cats: Catalogues
) -> None:
    await _create(client, admin, reference="NC-3", name="First", paymentTypes=[cats.cash])
    before = await _snapshot(client, admin, ctx)
    for as_json in (False, True):
        fields = {"reference": "NC-3", "name": "Second", "paymentTypes": [cats.cheque]}
        if as_json:
            r = await client.post(CUSTOMERS, json=fields, headers=admin)
        else:
            r = await client.post(CUSTOMERS, data=_form(fields), headers=admin)
        assert r.status_code == 400, r.text
        assert r.json() == _error("not_unique", "reference already used")
        assert await _snapshot(client, admin, ctx) == before


async def test_concurrent_creates_of_one_reference_make_exactly_one_customer(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, cats: Catalogues
) -> None:
    form = {"reference": "RACE", "name": "Racer", "paymentTypes": _seed_pairs(cats.cash["id"])}
    answers = await asyncio.gather(
        *(client.post(CUSTOMERS, data=form, headers=admin) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [400] * 19, [r.text for r in answers]
    for r in answers:
        if r.status_code == 400:
            assert r.json() == _error("not_unique", "reference already used")
    assert await _snapshot(client, admin, ctx) == Snapshot(listed=1, stored=1, links=1)


# --- booleans and defaults ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("TRUE", True), ("False", False), ("1", True), ("0", False)]
)
async def test_booleans_accept_any_case_and_1_0(
    client: httpx.AsyncClient, admin: Headers, raw: str, value: bool
) -> None:
    flags = ("isActive", "onHold", "billWithParent", "isSameAddress")
    form = {"reference": "B", "name": "Bools", **dict.fromkeys(flags, raw)}
    r = await client.post(CUSTOMERS, data=form, headers=admin)
    assert r.status_code == 201, r.text
    assert {flag: r.json()[flag] for flag in flags} == dict.fromkeys(flags, value)


async def test_json_booleans(client: httpx.AsyncClient, admin: Headers) -> None:
    record = await _create(
        client, admin, as_json=True, reference="J", name="J", isActive=False, onHold=True
    )
    assert (record["isActive"], record["onHold"]) == (False, True)


async def test_defaults(client: httpx.AsyncClient, admin: Headers, cats: Catalogues) -> None:
    record = await _create(client, admin, reference="MIN", name="Minimal")
    _assert_seed_shape(record)
    admin_id = await _user_id(client, admin, "root@example.com")
    root = (await _list_catalogue(client, admin, "customerCategories", "?reference=root"))[0]
    assert {
        key: record[key]
        for key in (
            "isActive",
            "onHold",
            "billWithParent",
            "isSameAddress",
            "isSubCustomer",
            "parentCustomer",
            "categoryReference",
            "customerCategory",
            "customerSegmentation",
            "region",
            "paymentTypes",
            "contacts",
            "currency",
            "createdBy",
            "organization",
            "logo",
        )
    } == {
        "isActive": True,
        "onHold": False,
        "billWithParent": False,
        "isSameAddress": True,
        "isSubCustomer": False,
        "parentCustomer": None,
        "categoryReference": "root",
        "customerCategory": _ref(root, "customerCategories"),
        "customerSegmentation": None,
        "region": None,
        "paymentTypes": [],
        "contacts": [],
        "currency": "USD",  # the entity's default: its first configured currency
        "createdBy": {
            "userId": admin_id,
            "reference": "root@example.com",
            "href": f"{API}/users/{admin_id}",
        },
        "organization": "default",
        "logo": None,
    }


async def _list_catalogue(
    client: httpx.AsyncClient, headers: Headers, collection: str, query: str = ""
) -> list[Json]:
    r = await client.get(f"{API}/{collection}{query}", headers=headers)
    assert r.status_code == 200, r.text
    data: list[Json] = r.json()["data"]
    return data


async def test_the_default_currency_follows_the_entity_default(
    client: httpx.AsyncClient, admin: Headers, cats: Catalogues
) -> None:
    r = await client.put(
        f"{API}/currencies/{cats.eur['id']}", data={"isDefault": "true"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert (await _create(client, admin, reference="EUR", name="E"))["currency"] == "EUR"
    given = await _create(client, admin, reference="USD", name="U", currency="USD")
    assert given["currency"] == "USD"


async def test_same_address_copies_billing_to_shipping(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    billing: Json = {
        "billingCountry": "FR",
        "billingCity": "Nice",
        "billingPostalCode": "06000",
        "billingAddress": "1 promenade des Anglais",
        "billingLat": 43.7,
        "billingLng": 7.25,
    }
    flags: list[tuple[str, Json]] = [("SAME-DEFAULT", {}), ("SAME-TRUE", {"isSameAddress": True})]
    for reference, flag in flags:
        record = await _create(client, admin, reference=reference, name="S", **billing, **flag)
        assert record["isSameAddress"] is True
        shipping = {
            "country": record["country"],
            "city": record["city"],
            "postalCode": record["postalCode"],
            "address": record["address"],
            "latitude": record["latitude"],
            "longitude": record["longitude"],
        }
        assert shipping == {
            "country": "FR",
            "city": "Nice",
            "postalCode": "06000",
            "address": "1 promenade des Anglais",
            "latitude": 43.7,
            "longitude": 7.25,
        }


async def test_separate_shipping_address_is_kept(client: httpx.AsyncClient, admin: Headers) -> None:
    record = await _create(
        client,
        admin,
        reference="SEP",
        name="S",
        isSameAddress=False,
        billingCountry="FR",
        billingCity="Nice",
        billingLat=43.7,
        country="Italy",
        city="Genova",
        postalCode="16121",
        address="Via Roma 1",
        latitude=44.4,
        longitude=8.9,
    )
    assert (record["billingCountry"], record["billingCity"], record["billingLat"]) == (
        "FR",
        "Nice",
        43.7,
    )
    assert (
        record["country"],
        record["city"],
        record["postalCode"],
        record["address"],
        record["latitude"],
        record["longitude"],
    ) == ("IT", "Genova", "16121", "Via Roma 1", 44.4, 8.9)


async def test_user_id_sets_another_user_of_the_entity(
    client: httpx.AsyncClient,
    admin: Headers,
    make_user: MakeUser,
    make_entity: MakeEntity,
    ctx: Context,
) -> None:
    await make_user(Level.OVERVIEW, Visibility.ENTITY, username="clerk@example.com")
    clerk = await _user_id(client, admin, "clerk@example.com")
    record = await _create(client, admin, reference="U", name="U", userId=clerk)
    assert record["createdBy"] == {
        "userId": clerk,
        "reference": "clerk@example.com",
        "href": f"{API}/users/{clerk}",
    }
    entity = await make_entity("other")
    stranger_headers = await make_user(
        Level.SYSTEM, Visibility.ENTITY, entity_id=entity, username="stranger@example.com"
    )
    stranger = await _user_id(client, stranger_headers, "stranger@example.com")
    before = await _snapshot(client, admin, ctx)
    r = await client.post(
        CUSTOMERS, data={"reference": "U2", "name": "U", "userId": str(stranger)}, headers=admin
    )
    assert r.status_code == 404, r.text
    assert r.json() == _error("not_found", f"The user with the id {stranger} doesn't exist.")
    assert await _snapshot(client, admin, ctx) == before


# --- useExternalId ------------------------------------------------------------------------------


async def test_external_ids_name_objects_by_reference(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, cats: Catalogues
) -> None:
    await make_user(Level.ADMIN, Visibility.ENTITY, username="emp-002")
    employee = await _user_id(client, admin, "emp-002")
    parent = await _create(client, admin, reference="PARENT-EXT", name="Parent")
    form = {
        "reference": "EXT-1",
        "name": "External",
        "useExternalId": "true",
        "categoryId": "jewelry",
        "customerSegmentationId": "seg_a",
        "isSubCustomer": "true",
        "parentCustomerId": "PARENT-EXT",
        "userId": "emp-002",
        "regionId": "ny",
        "paymentTypes": _seed_pairs("cash", "cheque"),
    }
    r = await client.post(CUSTOMERS, data=form, headers=admin)
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["customerCategory"]["id"] == cats.category["id"]
    assert record["customerSegmentation"]["id"] == cats.segmentation["id"]
    assert record["parentCustomer"]["id"] == parent["id"]
    assert record["isSubCustomer"] is True
    assert record["createdBy"]["userId"] == employee
    assert record["region"]["id"] == cats.region["id"]
    assert [item["id"] for item in record["paymentTypes"]] == [cats.cash["id"], cats.cheque["id"]]

    as_json = {
        "reference": "EXT-2",
        "name": "External JSON",
        "useExternalId": True,
        "categoryId": "jewelry",
        "paymentTypes": [{"id": "cheque"}],
    }
    r = await client.post(CUSTOMERS, json=as_json, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["customerCategory"]["id"] == cats.category["id"]
    assert [item["id"] for item in r.json()["paymentTypes"]] == [cats.cheque["id"]]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("categoryId", "The customer category with the reference nope doesn't exist."),
        (
            "customerSegmentationId",
            "The customer segmentation with the reference nope doesn't exist.",
        ),
        ("parentCustomerId", "The parent customer with the reference nope doesn't exist."),
        ("userId", "The user with the reference nope doesn't exist."),
        ("regionId", "The region with the reference nope doesn't exist."),
        ("paymentTypes", "The payment type with the reference nope doesn't exist."),
    ],
)
async def test_an_unknown_external_id_is_not_found_by_reference(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    cats: Catalogues,
    name: str,
    message: str,
) -> None:
    before = await _snapshot(client, admin, ctx)
    value = _seed_pairs("nope") if name == "paymentTypes" else "nope"
    form = {"reference": "X", "name": "X", "useExternalId": "true", name: value}
    if name == "parentCustomerId":
        form["isSubCustomer"] = "true"
    r = await client.post(CUSTOMERS, data=form, headers=admin)
    assert r.status_code == 404, r.text
    assert r.json() == _error("not_found", message)
    assert await _snapshot(client, admin, ctx) == before


async def test_get_put_delete_by_reference(client: httpx.AsyncClient, admin: Headers) -> None:
    created = await _create(client, admin, reference="REF-9", name="By reference")
    path = f"{CUSTOMERS}/REF-9?useExternalId=true"
    assert await _get(client, admin, "REF-9?useExternalId=true") == created
    r = await client.get(f"{CUSTOMERS}/REF-9", headers=admin)
    assert r.status_code == 404, r.text
    r = await client.put(path, data={"name": "Renamed"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["name"]) == (created["id"], "Renamed")
    r = await client.delete(path, headers=admin)
    assert r.status_code == 204, r.text
    r = await client.get(path, headers=admin)
    assert r.status_code == 404
    assert r.json() == _error("not_found", "The customer with the reference REF-9 doesn't exist.")


# --- read, list ---------------------------------------------------------------------------------


async def test_get_by_id_and_unknown_ids(client: httpx.AsyncClient, admin: Headers) -> None:
    created = await _create(client, admin, reference="G", name="Get me")
    got = await _get(client, admin, created["id"])
    assert got == created
    _assert_seed_shape(got)
    r = await client.get(f"{CUSTOMERS}/999", headers=admin)
    assert r.status_code == 404
    assert r.json() == _error("not_found", "The customer with the id 999 doesn't exist.")
    for raw in ("abc", "1.5", "-1", "9" * 30):
        r = await client.get(f"{CUSTOMERS}/{raw}", headers=admin)
        assert r.status_code == 404, raw
        assert r.json()["error"] == "not_found", raw


async def test_list_paging(client: httpx.AsyncClient, admin: Headers) -> None:
    for number in range(101):
        await _create(client, admin, reference=f"C-{number:03d}", name=f"Customer {number}")
    first = await _list(client, admin)
    assert (first["total"], first["offset"], first["max"], len(first["data"])) == (101, 0, 10, 10)
    _assert_seed_shape(first["data"][0])
    hundred = await _list(client, admin, "?max=100")
    assert (hundred["max"], len(hundred["data"])) == (100, 100)
    capped = await _list(client, admin, "?max=500")
    assert (capped["max"], len(capped["data"])) == (100, 100)
    last = await _list(client, admin, "?max=10&offset=95&sort=reference&order=asc")
    assert last["offset"] == 95
    assert [c["reference"] for c in last["data"]] == [f"C-{n:03d}" for n in range(95, 101)]
    beyond = await _list(client, admin, "?offset=200")
    assert (beyond["total"], beyond["data"]) == (101, [])


async def test_list_sorting(client: httpx.AsyncClient, admin: Headers) -> None:
    for reference, name in (("B", "Zed"), ("A", "Mid"), ("C", "Alpha")):
        await _create(client, admin, reference=reference, name=name)
    by_reference = await _list(client, admin, "?sort=reference&order=desc")
    assert [c["reference"] for c in by_reference["data"]] == ["C", "B", "A"]
    by_name = await _list(client, admin, "?sort=name&order=asc")
    assert [c["name"] for c in by_name["data"]] == ["Alpha", "Mid", "Zed"]
    by_name = await _list(client, admin, "?sort=name")
    assert [c["name"] for c in by_name["data"]] == ["Alpha", "Mid", "Zed"]


async def test_list_filters(client: httpx.AsyncClient, admin: Headers, cats: Catalogues) -> None:
    await _create(client, admin, reference="ACT", name="Active")
    await _create(client, admin, reference="OFF", name="Inactive", isActive=False)
    await _create(client, admin, reference="JEW", name="Jeweller", categoryId=cats.category["id"])

    inactive = await _list(client, admin, "?isActive=false")
    assert [c["reference"] for c in inactive["data"]] == ["OFF"]
    assert inactive["total"] == 1
    in_category = await _list(client, admin, f"?categoryId={cats.category['id']}")
    assert [c["reference"] for c in in_category["data"]] == ["JEW"]
    one = await _list(client, admin, "?reference=ACT")
    assert [c["reference"] for c in one["data"]] == ["ACT"]
    both = await _list(client, admin, "?isActive=true&sort=reference")
    assert [c["reference"] for c in both["data"]] == ["ACT", "JEW"]


async def test_list_refuses_unknown_parameters(client: httpx.AsyncClient, admin: Headers) -> None:
    for query in ("?bogus=1", "?sort=bogus"):
        r = await client.get(f"{CUSTOMERS}{query}", headers=admin)
        assert r.status_code == 400, query
        assert r.json()["error"] == "invalid_param", query
        assert set(r.json()) == {"error", "error_description"}


# --- update -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_update_changes_only_what_is_sent(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, cats: Catalogues, method: str
) -> None:
    created = await _create(
        client,
        admin,
        reference="UPD",
        name="Before",
        email="a@example.com",
        phone="+33 1",
        billingCity="Nice",
        categoryId=cats.category["id"],
        paymentTypes=[cats.cash],
        creditLimit=100,
    )
    r = await client.request(
        method, f"{CUSTOMERS}/{created['id']}", data={"email": "b@example.com"}, headers=admin
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    _assert_seed_shape(updated)
    assert updated["email"] == "b@example.com"
    unchanged = {k: v for k, v in created.items() if k not in ("email", "lastUpdated")}
    assert {k: updated[k] for k in unchanged} == unchanged
    assert updated["lastUpdated"] >= created["dateCreated"]
    async with ctx.db.read() as conn:
        modified = await conn.fetch_value(
            sa.select(customers.c.modified_at).where(customers.c.customer_id == created["id"])
        )
    assert modified is not None
    assert await _get(client, admin, created["id"]) == updated

    r = await client.request(
        method,
        f"{CUSTOMERS}/{created['id']}",
        json={"paymentTypes": [{"id": cats.cheque["id"]}], "isActive": False},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert [item["id"] for item in r.json()["paymentTypes"]] == [cats.cheque["id"]]
    assert (r.json()["isActive"], r.json()["email"], r.json()["name"]) == (
        False,
        "b@example.com",
        "Before",
    )
    assert await _payment_links(ctx) == 1


async def test_update_refuses_parent_cycles(client: httpx.AsyncClient, admin: Headers) -> None:
    a = await _create(client, admin, reference="A", name="A")
    b = await _create(
        client, admin, reference="B", name="B", isSubCustomer=True, parentCustomerId=a["id"]
    )
    assert b["parentCustomer"]["id"] == a["id"]

    r = await client.put(
        f"{CUSTOMERS}/{a['id']}",
        data={"isSubCustomer": "true", "parentCustomerId": str(b["id"])},
        headers=admin,
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_param"
    assert set(r.json()) == {"error", "error_description"}

    r = await client.put(
        f"{CUSTOMERS}/{a['id']}", data={"parentCustomerId": str(a["id"])}, headers=admin
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_param"

    assert (await _get(client, admin, a["id"]))["parentCustomer"] is None


@pytest.mark.parametrize("parent", ["", None])
async def test_update_keeps_a_sub_customer_with_a_parent(
    client: httpx.AsyncClient, admin: Headers, parent: str | None
) -> None:
    """`isSubCustomer=true` with an empty parent is refused on update as on create (it
    cleared the parent, and the record said it was no sub-customer)."""
    a = await _create(client, admin, reference="A", name="A")
    b = await _create(
        client, admin, reference="B", name="B", isSubCustomer=True, parentCustomerId=a["id"]
    )
    body = {"isSubCustomer": True, "parentCustomerId": parent}

    r = await client.patch(f"{CUSTOMERS}/{b['id']}", json=body, headers=admin)

    assert r.status_code == 400, r.text
    assert r.json() == _error("missing_param", "parentCustomerId parameter is missing")
    assert (await _get(client, admin, b["id"]))["parentCustomer"]["id"] == a["id"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("name", ["reference", "name"])
@pytest.mark.parametrize(
    "send", ["form", "json", "json null"], ids=["form empty", "json empty", "json null"]
)
async def test_update_cannot_empty_a_required_field(
    client: httpx.AsyncClient, admin: Headers, method: str, name: str, send: str
) -> None:
    created = await _create(client, admin, reference="REQ", name="Required")
    url = f"{CUSTOMERS}/{created['id']}"
    if send == "form":
        r = await client.request(method, url, data={name: ""}, headers=admin)
    else:
        value = None if send == "json null" else ""
        r = await client.request(method, url, json={name: value}, headers=admin)

    assert r.status_code == 400, r.text
    assert r.json() == _error("invalid_param", f"{name} may not be null.")
    assert await _get(client, admin, created["id"]) == created


async def test_update_of_an_unknown_customer_is_not_found(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    r = await client.put(f"{CUSTOMERS}/4242", data={"name": "x"}, headers=admin)
    assert r.status_code == 404
    assert r.json() == _error("not_found", "The customer with the id 4242 doesn't exist.")


# --- delete -------------------------------------------------------------------------------------


async def test_delete_needs_system_and_answers_204(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, ctx: Context, cats: Catalogues
) -> None:
    created = await _create(client, admin, reference="DEL", name="D", paymentTypes=[cats.cash])
    manager = await make_user(Level.ADMIN, Visibility.GLOBAL)
    r = await client.delete(f"{CUSTOMERS}/{created['id']}", headers=manager)
    assert r.status_code == 403, r.text
    assert set(r.json()) == {"error", "error_description"}
    assert await _get(client, admin, created["id"]) == created

    r = await client.delete(f"{CUSTOMERS}/{created['id']}", headers=admin)
    assert r.status_code == 204, r.text
    assert r.content == b""
    r = await client.get(f"{CUSTOMERS}/{created['id']}", headers=admin)
    assert r.status_code == 404
    assert await _payment_links(ctx) == 0
    r = await client.delete(f"{CUSTOMERS}/{created['id']}", headers=admin)
    assert r.status_code == 404


async def test_delete_is_refused_while_sub_customers_exist(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    parent = await _create(client, admin, reference="P", name="Parent")
    child = await _create(
        client, admin, reference="K", name="Kid", isSubCustomer=True, parentCustomerId=parent["id"]
    )
    r = await client.delete(f"{CUSTOMERS}/{parent['id']}", headers=admin)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "in_use"
    assert set(r.json()) == {"error", "error_description"}
    assert (await _get(client, admin, parent["id"]))["id"] == parent["id"]
    r = await client.delete(f"{CUSTOMERS}/{child['id']}", headers=admin)
    assert r.status_code == 204
    r = await client.delete(f"{CUSTOMERS}/{parent['id']}", headers=admin)
    assert r.status_code == 204


# --- permissions and isolation ------------------------------------------------------------------


async def test_no_token_is_401(client: httpx.AsyncClient, admin: Headers) -> None:
    created = await _create(client, admin, reference="T", name="T")
    for method, path in (
        ("GET", CUSTOMERS),
        ("POST", CUSTOMERS),
        ("GET", f"{CUSTOMERS}/{created['id']}"),
        ("PUT", f"{CUSTOMERS}/{created['id']}"),
        ("DELETE", f"{CUSTOMERS}/{created['id']}"),
    ):
        for headers in ({}, {"Authorization": "Token token=not-a-real-token"}):
            r = await client.request(method, path, headers=headers)
            assert r.status_code == 401, (method, path, r.text)
            body = r.json()
            assert set(body) == {"error", "error_description"}
            assert body["error"] == "unauthorized"
    assert await _get(client, admin, created["id"]) == created


async def test_overview_reads_but_cannot_write(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, ctx: Context
) -> None:
    created = await _create(client, admin, reference="V", name="Viewed")
    viewer = await make_user(Level.OVERVIEW, Visibility.ENTITY)
    assert await _get(client, viewer, created["id"]) == created
    assert (await _list(client, viewer))["total"] == 1
    before = await _snapshot(client, admin, ctx)
    r = await client.post(CUSTOMERS, data={"reference": "W", "name": "W"}, headers=viewer)
    assert r.status_code == 403, r.text
    assert set(r.json()) == {"error", "error_description"}
    r = await client.put(f"{CUSTOMERS}/{created['id']}", data={"name": "x"}, headers=viewer)
    assert r.status_code == 403, r.text
    assert await _snapshot(client, admin, ctx) == before
    assert await _get(client, admin, created["id"]) == created


@pytest.mark.parametrize("visibility", [Visibility.ENTITY, Visibility.GLOBAL])
async def test_every_user_works_inside_their_entity(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_entity: MakeEntity,
    visibility: Visibility,
) -> None:
    entity1_user = await make_user(Level.SYSTEM, visibility, entity_id=1)
    entity2 = await make_entity("second")
    entity2_user = await make_user(Level.SYSTEM, visibility, entity_id=entity2)

    mine = await _create(client, entity1_user, reference="SAME", name="Entity one's")
    theirs = await _create(client, entity2_user, reference="SAME", name="Entity two's")
    assert (mine["organization"], theirs["organization"]) == ("default", "second")

    for headers, own, other in ((entity1_user, mine, theirs), (entity2_user, theirs, mine)):
        assert await _get(client, headers, own["id"]) == own
        listed = await _list(client, headers)
        assert [c["id"] for c in listed["data"]] == [own["id"]]
        assert listed["total"] == 1
        assert (await _list(client, headers, "?reference=SAME"))["total"] == 1
        path = f"{CUSTOMERS}/{other['id']}"
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            r = await client.request(method, path, data={"name": "taken"}, headers=headers)
            assert r.status_code == 404, (method, r.text)
            assert r.json() == _error(
                "not_found", f"The customer with the id {other['id']} doesn't exist."
            )
        r = await client.get(f"{CUSTOMERS}/SAME?useExternalId=true", headers=headers)
        assert r.json()["id"] == own["id"]
    assert await _get(client, entity2_user, theirs["id"]) == theirs


async def test_another_entitys_catalogue_objects_are_not_found(
    client: httpx.AsyncClient,
    admin: Headers,
    make_user: MakeUser,
    make_entity: MakeEntity,
    ctx: Context,
    cats: Catalogues,
) -> None:
    entity1_customer = await _create(client, admin, reference="ONE", name="One")
    admin_id = await _user_id(client, admin, "root@example.com")
    other = await make_user(Level.SYSTEM, Visibility.GLOBAL, entity_id=await make_entity("two"))
    before = await _snapshot(client, admin, ctx)
    cases = [
        (
            {"categoryId": cats.category["id"]},
            f"The customer category with the id {cats.category['id']} doesn't exist.",
        ),
        (
            {"customerSegmentationId": cats.segmentation["id"]},
            f"The customer segmentation with the id {cats.segmentation['id']} doesn't exist.",
        ),
        (
            {"regionId": cats.region["id"]},
            f"The region with the id {cats.region['id']} doesn't exist.",
        ),
        (
            {"paymentTypes": _seed_pairs(cats.cash["id"])},
            f"The payment type with the id {cats.cash['id']} doesn't exist.",
        ),
        (
            {"isSubCustomer": "true", "parentCustomerId": entity1_customer["id"]},
            f"The parent customer with the id {entity1_customer['id']} doesn't exist.",
        ),
        ({"userId": admin_id}, f"The user with the id {admin_id} doesn't exist."),
        ({"currency": "EUR"}, "The currency with name EUR is not configured."),
    ]
    for changes, message in cases:
        form = {"reference": "TWO", "name": "Two", **{k: str(v) for k, v in changes.items()}}
        r = await client.post(CUSTOMERS, data=form, headers=other)
        assert r.status_code == 404, (changes, r.text)
        assert r.json() == _error("not_found", message), changes
    assert await _snapshot(client, admin, ctx) == before
    assert (await _list(client, other))["total"] == 0
