"""ETag, If-None-Match and If-Match on every record of the three APIs besides the customer
(tests/apis/test_conditional_requests.py): entities, products, links and history rows
(partner), contacts, catalogue objects, the organisation and users (sales), brands
(billing). A GET carries the tag and answers 304 to it; a write or delete with a stale tag
is the API's 412 and changes nothing; one with the current tag goes through."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

Headers = dict[str, str]
Make = Callable[[httpx.AsyncClient, Headers], Awaitable[str]]  # a record's URL


@dataclass(frozen=True)
class Record:
    name: str
    make: Make
    change: tuple[str, dict[str, Any]] | None  # method and how a change is sent
    deletes: bool = True


def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


async def _customer(client: httpx.AsyncClient, admin: Headers, code: str) -> int:
    body = {"entity_id": 1, "name": code, "external_customer_code": code}
    found = _ok(await client.put("/v1/customers/create_customer", json=body, headers=admin))
    customer_id: int = found["data"]["customer_id"]
    return customer_id


async def _entity(client: httpx.AsyncClient, admin: Headers) -> str:
    found = _ok(await client.post("/v1/entities", json={"name": "Tagged"}, headers=admin))
    return f"/v1/entities/{found['entity_id']}"


async def _product(client: httpx.AsyncClient, admin: Headers) -> str:
    imei = "356938035643809"
    sent = {"product_imei": imei, "entity_id": 1}  # linked to the entity
    _ok(await client.post("/v1/products", json=sent, headers=admin))
    return f"/v1/products/{imei}"


async def _customer_link(client: httpx.AsyncClient, admin: Headers) -> str:
    customer_id = await _customer(client, admin, "Linked")
    links = _ok(await client.get("/v1/customer_entity_linker", headers=admin))["objects"]
    (link,) = [found for found in links if found["customer_id"] == customer_id]
    return f"/v1/customer_entity_linker/{link['customer_entity_linker_id']}"


async def _product_link(client: httpx.AsyncClient, admin: Headers) -> str:
    await _product(client, admin)
    (link,) = _ok(await client.get("/v1/product_entity_linker", headers=admin))["objects"]
    return f"/v1/product_entity_linker/{link['product_entity_linker_id']}"


async def _history_row(client: httpx.AsyncClient, admin: Headers) -> str:
    product = await _product(client, admin)
    await _customer(client, admin, "Holder")
    move = {"entity_id": 1, "external_customer_code": "Holder"}
    _ok(await client.put(f"{product}/change_customer", json=move, headers=admin))
    (row,) = _ok(await client.get("/v1/customer_product_history", headers=admin))["objects"]
    return f"/v1/customer_product_history/{row['customer_product_history_id']}"


async def _contact(client: httpx.AsyncClient, admin: Headers) -> str:
    customer_id = await _customer(client, admin, "Owner")
    sent = {"customerId": str(customer_id), "firstName": "Ada"}
    found = _ok(await client.post("/api/v1.0/contacts", data=sent, headers=admin))
    return f"/api/v1.0/contacts/{found['id']}"


async def _payment_type(client: httpx.AsyncClient, admin: Headers) -> str:
    sent = {"reference": "CASH", "name": "Cash"}
    found = _ok(await client.post("/api/v1.0/paymentTypes", data=sent, headers=admin))
    return f"/api/v1.0/paymentTypes/{found['id']}"


async def _organization(client: httpx.AsyncClient, admin: Headers) -> str:
    return "/api/v1.0/organization"


async def _user(client: httpx.AsyncClient, admin: Headers) -> str:
    (user, *_) = _ok(await client.get("/api/v1.0/users", headers=admin))["data"]
    return f"/api/v1.0/users/{user['id']}"


async def _brand(client: httpx.AsyncClient, admin: Headers) -> str:
    found = _ok(await client.post("/api/v1/brands", data={"name": "Tagged"}, headers=admin))
    return f"/api/v1/brands/{found['response']}"


RECORDS = [
    Record("partner entity", _entity, ("PUT", {"json": {"name": "Renamed"}})),
    Record("partner product", _product, ("PUT", {"json": {"serial_number": "SN-2"}})),
    Record(
        "partner customer link",
        _customer_link,
        ("PUT", {"json": {"date_added": "2016-07-01 12:34:45"}}),
    ),
    Record(
        "partner product link",
        _product_link,
        ("PUT", {"json": {"date_added": "2016-07-01 12:34:45"}}),
    ),
    Record("partner history row", _history_row, None),
    Record("sales contact", _contact, ("PUT", {"data": {"phone": "+250 7"}})),
    Record("sales payment type", _payment_type, ("PATCH", {"data": {"name": "Card"}})),
    Record(
        "sales organization",
        _organization,
        ("PUT", {"data": {"geographicalLocations": "true"}}),
        deletes=False,
    ),
    Record("sales user", _user, None, deletes=False),
    Record("billing brand", _brand, ("PATCH", {"data": {"name": "Renamed"}})),
]


@pytest.fixture(params=RECORDS, ids=[record.name for record in RECORDS])
def record(request: pytest.FixtureRequest) -> Record:
    found: Record = request.param
    return found


def _refused(record: Record, r: httpx.Response) -> None:
    """The API's own 412."""
    assert r.status_code == 412, r.text
    body = r.json()
    if record.name.startswith("sales"):
        assert body["error"] == "precondition_failed"
    else:
        assert "If-Match" in body["message"]


async def test_a_record_has_a_tag_and_a_get_that_holds_it_is_not_modified(
    client: httpx.AsyncClient, admin: Headers, record: Record
) -> None:
    url = await record.make(client, admin)
    first = await client.get(url, headers=admin)
    assert first.status_code == 200, first.text
    tag = first.headers["ETag"]
    assert (await client.get(url, headers=admin)).headers["ETag"] == tag
    held = await client.get(url, headers={**admin, "If-None-Match": tag})
    assert (held.status_code, held.content, held.headers["ETag"]) == (304, b"", tag)
    assert (await client.get(url, headers={**admin, "If-None-Match": '"x"'})).status_code == 200


async def test_a_stale_if_match_changes_nothing_and_the_current_one_goes_through(
    client: httpx.AsyncClient, admin: Headers, record: Record
) -> None:
    url = await record.make(client, admin)
    before = await client.get(url, headers=admin)
    tag = before.headers["ETag"]
    stale = {**admin, "If-Match": '"stale"'}
    if record.change is not None:
        method, sent = record.change
        _refused(record, await client.request(method, url, headers=stale, **sent))
        if record.deletes:
            _refused(record, await client.delete(url, headers=stale))
        after = await client.get(url, headers=admin)
        assert (after.content, after.headers["ETag"]) == (before.content, tag)
        changed = await client.request(method, url, headers={**admin, "If-Match": tag}, **sent)
        assert changed.status_code == 200, changed.text
        now = (await client.get(url, headers=admin)).headers["ETag"]
        assert now != tag
        assert changed.headers["ETag"] == now  # the answer carries the new tag
        tag = now
    if record.deletes:
        _refused(record, await client.delete(url, headers=stale))
        assert (await client.get(url, headers=admin)).status_code == 200
        gone = await client.delete(url, headers={**admin, "If-Match": tag})
        assert gone.status_code in (200, 204), gone.text


@pytest.mark.parametrize("name", ["sales contact", "billing brand", "partner entity"])
async def test_many_writes_with_one_tag_make_one_change(
    client: httpx.AsyncClient, admin: Headers, name: str
) -> None:
    (record,) = [found for found in RECORDS if found.name == name]
    assert record.change is not None
    url = await record.make(client, admin)
    tag = (await client.get(url, headers=admin)).headers["ETag"]
    method, sent = record.change
    answers = await asyncio.gather(
        *(
            client.request(method, url, headers={**admin, "If-Match": tag}, **sent)
            for _ in range(20)
        )
    )
    assert sorted(r.status_code for r in answers) == [200] + [412] * 19
