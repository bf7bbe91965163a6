"""Products, their entity links, and the customer-product history (issue 3's first part)."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.core.permissions import Level, Visibility
from customer_registry.storage.schema import customer_product_history
from tests.conftest import MakeEntity, MakeUser

Headers = dict[str, str]
A, B, C = "000000000000000", "111111111111111", "222222222222222"


async def _product(
    client: httpx.AsyncClient, headers: Headers, imei: str, entity_id: int = 1
) -> None:
    r = await client.post(
        "/v1/products", json={"product_imei": imei, "entity_id": entity_id}, headers=headers
    )
    assert r.status_code == 201, r.text


async def _customer(client: httpx.AsyncClient, headers: Headers, n: int, entity_id: int = 1) -> int:
    body = {
        "name": f"Customer-{n}",
        "external_customer_id": n,
        "external_customer_code": f"tc_{n}",
        "entity_id": entity_id,
    }
    r = await client.put("/v1/customers/create_customer", json=body, headers=headers)
    assert r.status_code == 201, r.text
    customer_id: int = r.json()["data"]["customer_id"]
    return customer_id


async def _current(ctx: Context) -> list[tuple[int, str]]:
    async with ctx.db.read() as conn:
        rows = await conn.fetch_all(
            sa.select(
                customer_product_history.c.customer_id, customer_product_history.c.product_imei
            )
            .where(customer_product_history.c.date_removed.is_(None))
            .order_by(customer_product_history.c.customer_id)
        )
    return [(r["customer_id"], r["product_imei"]) for r in rows]


@pytest.mark.parametrize(
    "imei", ["12345", "1234567890123456", "abcdefghijklmno", 123456789012345, None]
)
async def test_product_imei_is_fifteen_digits(
    client: httpx.AsyncClient, admin: Headers, imei: Any
) -> None:
    r = await client.post("/v1/products", json={"product_imei": imei}, headers=admin)
    assert r.status_code == 400
    assert "product_imei" in r.json()["validation_errors"]


async def test_product_lifecycle(
    client: httpx.AsyncClient, admin: Headers, make_entity: MakeEntity
) -> None:
    await _product(client, admin, A)
    r = await client.post("/v1/products", json={"product_imei": A}, headers=admin)
    assert r.json() == {
        "validation_errors": {"product_imei": f"The product_imei({A}) is not unique."}
    }
    assert (await client.get(f"/v1/products/{A}", headers=admin)).json()["entity_id"] == 1
    other = await make_entity("other")
    r = await client.put(f"/v1/products/{A}", json={"entity_id": other}, headers=admin)
    assert r.json()["entity_id"] == other
    links = (await client.get("/v1/product_entity_linker", headers=admin)).json()["objects"]
    assert [(link["entity_id"], link["date_removed"] is None) for link in links] == [
        (1, False),
        (other, True),
    ]
    assert (
        await client.post("/v1/product_entity_linker", json={}, headers=admin)
    ).status_code == 405
    r = await client.delete(f"/v1/products/{A}", headers=admin)
    assert (r.status_code, r.text) == (204, "")
    assert (await client.get(f"/v1/products/{A}", headers=admin)).status_code == 404
    assert (await client.get("/v1/product_entity_linker", headers=admin)).json()["num_results"] == 0


async def test_change_customer_as_documented(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    await _product(client, admin, A)
    await _product(client, admin, B)
    customer_id = await _customer(client, admin, 1234)
    body = {"entity_id": 1, "external_customer_id": 1234, "reason": "broken unit"}
    r = await client.put(f"/v1/products/{A}/change_customer", json=body, headers=admin)
    assert r.status_code == 200
    # The customer's unit is swapped: product A is released with the reason, B is now theirs.
    body = {"entity_id": 1, "external_customer_code": "tc_1234", "reason": "broken unit"}
    r = await client.put(f"/v1/products/{B}/change_customer", json=body, headers=admin)
    assert r.status_code == 200
    assert r.json() == {
        "status": "success",
        "message": f"Customer Customer-1234 ({customer_id}) changed to {B}",
        "data": {
            "name": "Customer-1234",
            "customer_id": customer_id,
            "external_customer_id": 1234,
            "external_customer_code": "tc_1234",
            "new_product_imei": B,
            "removal_reason": None,
        },
    }
    assert await _current(ctx) == [(customer_id, B)]
    rows = (await client.get("/v1/customer_product_history", headers=admin)).json()["objects"]
    assert [
        (row["product_imei"], row["removal_reason"], row["date_removed"] is None) for row in rows
    ] == [
        (A, "broken unit", False),
        (B, None, True),
    ]
    r = await client.put(
        f"/v1/products/{B}/expire_customer", json={"reason": "repossessed"}, headers=admin
    )
    assert r.json() == {
        "status": "success",
        "message": f"Product {B} removed from customer",
        "data": None,
    }
    assert await _current(ctx) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"entity_id": 1}, 400),
        ({"external_customer_id": 1}, 400),
        ({"entity_id": 1, "external_customer_id": 999}, 404),
        ({"entity_id": 1, "external_customer_id": 1, "external_customer_code": "tc_2"}, 404),
        ({"entity_id": 1, "external_customer_id": "x"}, 400),
        ({"entity_id": 1, "external_customer_id": 1, "reason": ["r"]}, 400),
    ],
)
async def test_change_customer_refusals(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, body: dict[str, Any], status: int
) -> None:
    await _product(client, admin, A)
    await _customer(client, admin, 1)
    await _customer(client, admin, 2)
    r = await client.put(f"/v1/products/{A}/change_customer", json=body, headers=admin)
    assert r.status_code == status
    assert await _current(ctx) == []
    r = await client.put(
        f"/v1/products/{C}/change_customer",
        json={"entity_id": 1, "external_customer_id": 1},
        headers=admin,
    )
    assert (r.status_code, r.json()) == (404, {"message": "No result found"})


async def test_missing_data_message(client: httpx.AsyncClient, admin: Headers) -> None:
    await _product(client, admin, A)
    r = await client.put(f"/v1/products/{A}/change_customer", json={"entity_id": 1}, headers=admin)
    assert r.json() == {
        "validation_errors": {
            "missing_data": "Missing external_customer_id and external_customer_code."
        }
    }


async def test_concurrent_moves_keep_one_holder_each(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    imeis = [f"{n:015d}" for n in range(1, 11)]
    for imei in imeis:
        await _product(client, admin, imei)
    for n in range(1, 11):
        await _customer(client, admin, n)
    rng = random.Random(7)
    calls = [
        client.put(
            f"/v1/products/{rng.choice(imeis)}/change_customer",
            json={
                "entity_id": 1,
                "external_customer_id": rng.randint(1, 10),
                "reason": f"move {i}",
            },
            headers=admin,
        )
        for i in range(50)
    ]
    answers = await asyncio.gather(*calls)
    assert [r.status_code for r in answers] == [200] * 50
    current = await _current(ctx)
    assert len({c for c, _ in current}) == len(current)  # a customer holds at most one product
    assert len({p for _, p in current}) == len(current)  # a product has at most one customer
    async with ctx.db.read() as conn:
        rows = await conn.fetch_all(
            sa.select(customer_product_history).order_by(
                customer_product_history.c.customer_product_history_id
            )
        )
    assert len(rows) >= len(current) > 0
    # The history of each product and of each customer is a chain: every row but the last is
    # closed, and closed no later than the next one opened. A lost or doubled row breaks it.
    for key in ("product_imei", "customer_id"):
        chains: dict[Any, list[Any]] = {}
        for row in rows:
            chains.setdefault(row[key], []).append(row)
        for chain in chains.values():
            assert all(row["date_removed"] is not None for row in chain[:-1])
            for before, after in itertools.pairwise(chain):
                assert before["date_removed"] <= after["date_added"]
            assert all(row["removal_reason"] for row in chain if row["date_removed"] is not None)


async def test_customer_links(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    other = await make_entity("other")
    customer_id = await _customer(client, admin, 1)
    links = (await client.get("/v1/customer_entity_linker", headers=admin)).json()["objects"]
    assert len(links) == 1
    link_id = links[0]["customer_entity_linker_id"]
    assert (
        await client.post("/v1/customer_entity_linker", json={}, headers=admin)
    ).status_code == 405
    # Moving the current link moves the customer.
    r = await client.put(
        f"/v1/customer_entity_linker/{link_id}",
        json={"entity_id": other, "date_added": "2016-07-01 12:34:45"},
        headers=admin,
    )
    assert r.status_code == 200
    assert r.json()["date_added"] == "2016-07-01T12:34:45.000000"
    q = '{"filters": [{"name": "external_customer_id", "op": "==", "val": 1}], "single": true}'
    assert (await client.get("/v1/customers", params={"q": q}, headers=admin)).json()[
        "customer_id"
    ] == customer_id
    # Ending or deleting the last link leaves the customer where it was: it always has an entity.
    r = await client.put(
        f"/v1/customer_entity_linker/{link_id}",
        json={"date_removed": "2016-07-02T00:00:00"},
        headers=admin,
    )
    assert r.status_code == 200
    assert r.json()["date_removed"] == "2016-07-02T00:00:00.000000"
    r = await client.delete(f"/v1/customer_entity_linker/{link_id}", headers=admin)
    assert r.status_code == 204
    other_user = await make_user(Level.OVERVIEW, Visibility.ENTITY, entity_id=other)
    r = await client.get(f"/v1/customers/{customer_id}", headers=other_user)
    assert r.status_code == 200  # still in the entity its last link named


async def test_product_fields_of_the_document(client: httpx.AsyncClient, admin: Headers) -> None:
    await _product(client, admin, A)
    r = await client.get(f"/v1/products/{A}", headers=admin)
    body = r.json()
    assert body["current_enable_flag"] is False
    assert body["serial_number"] is None
    changed = {
        "analysis_timestamp": "2016-07-01 12:34:45",
        "current_enable_flag": True,
        "device_key": "awjs875jg7thskr9485984rf",
        "hub_id": 2,
        "imsi": "999999999999999",
        "iccid": "8944500102198304826",
        "serial_number": "changed",
        "gps_lat": 2.0,
        "gps_lon": 2,
    }
    r = await client.put(f"/v1/products/{A}", json=changed, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["analysis_timestamp"] == "2016-07-01T12:34:45.000000"
    assert body["gps_lon"] == 2.0
    assert body["hub_id"] == 2
    assert body["modified_at"] is not None
    await _product(client, admin, B)
    r = await client.put(f"/v1/products/{B}", json={"imsi": "999999999999999"}, headers=admin)
    assert r.json() == {"validation_errors": {"imsi": "The imsi(999999999999999) is not unique."}}
    for bad in (
        {"hub_id": "two"},
        {"current_enable_flag": None},
        {"device_key": "x" * 25},
        {"gps_lat": "north"},
    ):
        r = await client.put(f"/v1/products/{B}", json=bad, headers=admin)
        assert r.status_code == 400, bad
        assert list(r.json()["validation_errors"]) == list(bad), bad
    r = await client.post(
        "/v1/products", json={"product_imei": C, "serial_number": "changed"}, headers=admin
    )
    assert r.json() == {
        "validation_errors": {"serial_number": "The serial_number(changed) is not unique."}
    }
    assert (await client.get(f"/v1/products/{C}", headers=admin)).status_code == 404


async def test_entity_users_see_their_own_products_and_history(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    other = await make_entity("other")
    await _product(client, admin, A, entity_id=1)
    await _product(client, admin, B, entity_id=other)
    await _customer(client, admin, 1, entity_id=other)
    r = await client.put(
        f"/v1/products/{B}/change_customer",
        json={"entity_id": other, "external_customer_id": 1},
        headers=admin,
    )
    assert r.status_code == 200
    mine = await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=1)
    assert [
        p["product_imei"]
        for p in (await client.get("/v1/products", headers=mine)).json()["objects"]
    ] == [A]
    for path in (
        f"/v1/products/{B}",
        "/v1/customer_product_history/1",
        "/v1/product_entity_linker/2",
        "/v1/customer_entity_linker/1",
    ):
        assert (await client.get(path, headers=mine)).status_code == 404, path
        assert (await client.delete(path, headers=mine)).status_code == 404, path
    for path in (
        "/v1/customer_product_history",
        "/v1/product_entity_linker",
        "/v1/customer_entity_linker",
    ):
        body = (await client.get(path, headers=mine)).json()
        assert all(o.get("entity_id", 1) == 1 for o in body["objects"]), path
    assert (await client.get("/v1/customer_product_history", headers=mine)).json()[
        "num_results"
    ] == 0
    r = await client.put(f"/v1/products/{B}/expire_customer", json={}, headers=mine)
    assert r.status_code == 404
    r = await client.post(
        "/v1/products", json={"product_imei": C, "entity_id": other}, headers=mine
    )
    assert r.status_code == 403
    r = await client.post("/v1/products", json={"product_imei": C}, headers=mine)
    assert r.json()["entity_id"] == 1


async def test_the_issue_examples_across_relations(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    import json

    for imei in (A, B):
        await _product(client, admin, imei)
    first = await _customer(client, admin, 1)
    await _customer(client, admin, 2)
    for imei, n in ((A, 1), (B, 2)):
        body = {"entity_id": 1, "external_customer_id": n}
        assert (
            await client.put(f"/v1/products/{imei}/change_customer", json=body, headers=admin)
        ).status_code == 200
    current = {"name": "date_removed", "op": "is_null", "val": ""}
    holds_a = {"and": [current, {"name": "product_imei", "op": "==", "val": A}]}
    q = {"filters": [{"name": "customer_product_history", "op": "any", "val": holds_a}]}
    r = await client.get("/v1/customers", params={"q": json.dumps(q)}, headers=admin)
    assert [o["customer_id"] for o in r.json()["objects"]] == [first]
    code_tc1 = {"name": "external_customer_code", "op": "like", "val": "tc_1%"}
    held_by_tc = {"and": [current, {"name": "customer", "op": "has", "val": code_tc1}]}
    q = {"filters": [{"name": "customer_product_history", "op": "any", "val": held_by_tc}]}
    r = await client.get("/v1/products", params={"q": json.dumps(q)}, headers=admin)
    assert [o["product_imei"] for o in r.json()["objects"]] == [A]
    # An ENTITY user of another entity learns nothing through the same filters.
    stranger = await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=await make_entity("x"))
    r = await client.get("/v1/products", params={"q": json.dumps(q)}, headers=stranger)
    assert r.json()["num_results"] == 0


async def test_entities_filter_through_their_product_links(
    client: httpx.AsyncClient, admin: Headers, make_entity: MakeEntity
) -> None:
    import json

    other = await make_entity("other")
    await _product(client, admin, A, entity_id=other)
    q: dict[str, Any] = {
        "filters": [{"name": "product_entity_linker__product_imei", "op": "==", "val": A}]
    }
    r = await client.get("/v1/entities", params={"q": json.dumps(q)}, headers=admin)
    assert [o["entity_id"] for o in r.json()["objects"]] == [other]
    inner = {"name": "product_imei", "op": "==", "val": A}
    q = {"filters": [{"name": "product_entity_linker", "op": "any", "val": inner}]}
    r = await client.get("/v1/entities", params={"q": json.dumps(q)}, headers=admin)
    assert [o["entity_id"] for o in r.json()["objects"]] == [other]
    q = {"filters": [{"name": "product_entity_linker", "op": "has", "val": inner}]}
    r = await client.get("/v1/entities", params={"q": json.dumps(q)}, headers=admin)
    assert r.status_code == 400  # `has` is for to-one relations


async def test_boolean_fields_read_values_as_postgresql_does(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    """0.17 hands a filter's value to PostgreSQL as it came: a boolean field takes a boolean,
    or a word PostgreSQL reads as one (any start of true/false/yes/no, on, off, 1, 0; any
    case, spaces around), with every comparison (false < true). A number is no boolean to
    PostgreSQL (ProgrammingError), nor is another word (DataError); SQLAlchemy compares a
    boolean itself with = and != only."""
    for imei, flag in ((A, True), (B, False)):
        body = {"product_imei": imei, "current_enable_flag": flag}
        assert (await client.post("/v1/products", json=body, headers=admin)).status_code == 201

    async def found(op: str, val: Any) -> httpx.Response:
        q = {"filters": [{"name": "current_enable_flag", "op": op, "val": val}]}
        return await client.get("/v1/products", params={"q": json.dumps(q)}, headers=admin)

    def imeis(r: httpx.Response) -> list[str]:
        assert r.status_code == 200, r.text
        return [o["product_imei"] for o in r.json()["objects"]]

    for word in (True, "t", " YES ", "On", "1", "tru"):
        assert imeis(await found("==", word)) == [A], word
    for word in (False, "f", "no", "OFF", "of", "0"):
        assert imeis(await found("==", word)) == [B], word
    assert imeis(await found("<", "true")) == [B]
    assert imeis(await found(">=", "n")) == [A, B]
    assert imeis(await found("in", ["y", "no"])) == [A, B]
    for val, error in (
        (1, "ProgrammingError"),
        (0.5, "ProgrammingError"),
        ("maybe", "DataError"),
        ("o", "DataError"),
        (True, "Unable to construct query"),
    ):
        r = await found("<", val)
        assert (r.status_code, r.json()) == (400, {"message": error}), val


# The longest texts JSON numbers have once read (Python's `str`): 24 and 20 characters.
LONGEST_NUMBERS = [-1.7976931348623157e308, -2.2250738585072014e-308, -(2**63), 2**64 - 1, -0.5]


@pytest.mark.parametrize("number", LONGEST_NUMBERS, ids=repr)
async def test_a_number_for_a_text_field_that_holds_any_numbers_text_is_stored_as_text(
    client: httpx.AsyncClient, admin: Headers, number: float
) -> None:
    """`device_key` holds 24 characters: every number's text fits, so the document allows a
    number there (a fuzz run sent -0.5, accepted, where the document refused numbers)."""
    document = (await client.get("/v1/openapi.json")).json()
    body = document["paths"]["/products"]["post"]["requestBody"]["content"]["application/json"]
    branches = body["schema"]["properties"]["device_key"]["anyOf"]
    assert {"type": "number"} in branches

    response = await client.post(
        "/v1/products", json={"product_imei": A, "device_key": number}, headers=admin
    )

    assert response.status_code == 201, response.text
    assert response.json()["device_key"] == str(number)
