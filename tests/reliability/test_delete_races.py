"""Concurrent deletes of one object, through every DELETE route of the three APIs.

Each round makes one object, then sends BURST deletes of it at the same moment, each on a
connection of its own (concurrent tasks over the ASGI app: on PostgreSQL every request holds
its own pooled connection and transaction; on SQLite writers queue on the write lock). Exactly
one delete may succeed; every other one must get the answer the API gives for an object that
does not exist (status and body, the missing id put in place of the object's). On PostgreSQL
a read before the DELETE let several transactions see the row, and the later DELETEs, which
waited for the first to commit and then deleted nothing, answered success too.

The same bursts mix deletes with updates on every route that has both: an update that read
the object before a delete committed finds no row to write, and must answer as for a missing
object (it answered 500 on PostgreSQL), or succeed if it ran first.

The routes come from the applications' route tables: a new DELETE route fails
`test_every_delete_route_is_raced` until this module knows how to make its object.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from customer_registry.apis.sales_v1_0.catalogues import COLLECTIONS
from customer_registry.core.catalogues import CUSTOMER_CURRENCIES
from tests.security.test_entity_isolation import endpoints

Headers = dict[str, str]
# Makes one object to delete (round `n`); answers the value of its path parameter.
Make = Callable[[httpx.AsyncClient, Headers, int], Awaitable[Any]]
RecordProperty = Callable[[str, object], None]

ROUNDS = 10
BURST = 8  # below the pool's ten connections, so every delete holds one at once
GHOST = 987_654_321  # no object has this id (nor this IMEI with the prefix below)
GHOST_IMEI = "555000000000001"
ENTITY = 1
# Real currencies, one per round (an entity configures each code once).
CURRENCY_CODES = ("EUR", "JPY", "CHF", "GBP", "USD", "SEK", "NOK", "DKK", "PLN", "CZK")


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, (r.request.method, str(r.request.url), r.text)
    return r.json()


def _q(name: str, value: Any) -> dict[str, str]:
    return {"q": json.dumps({"filters": [{"name": name, "op": "eq", "val": value}]})}


# --- making one object per route ------------------------------------------------------------


async def _partner_customer(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    body = {"name": f"del-{n}", "external_customer_id": 500_000 + n, "entity_id": ENTITY}
    made = _ok(await client.put("/v1/customers/create_customer", json=body, headers=admin), 201)
    customer_id: int = made["data"]["customer_id"]
    return customer_id


async def _product(client: httpx.AsyncClient, admin: Headers, n: int) -> str:
    imei = f"{700_000_000_000_000 + n}"
    body = {"product_imei": imei, "entity_id": ENTITY}
    _ok(await client.post("/v1/products", json=body, headers=admin), 201)
    return imei


async def _entity(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    made = _ok(await client.post("/v1/entities", json={"name": f"del-{n}"}, headers=admin), 201)
    entity_id: int = made["entity_id"]
    return entity_id


async def _only(client: httpx.AsyncClient, admin: Headers, resource: str, name: str, v: Any) -> Any:
    found = _ok(await client.get(f"/v1/{resource}", params=_q(name, v), headers=admin))
    assert len(found["objects"]) == 1, found
    return found["objects"][0][f"{resource}_id"]


async def _customer_link(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    customer_id = await _partner_customer(client, admin, n)
    link: int = await _only(client, admin, "customer_entity_linker", "customer_id", customer_id)
    return link


async def _product_link(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    imei = await _product(client, admin, n)
    link: int = await _only(client, admin, "product_entity_linker", "product_imei", imei)
    return link


async def _history(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    await _partner_customer(client, admin, n)
    imei = await _product(client, admin, n)
    move = {"entity_id": ENTITY, "external_customer_id": 500_000 + n, "reason": "test"}
    _ok(await client.put(f"/v1/products/{imei}/change_customer", json=move, headers=admin))
    row: int = await _only(client, admin, "customer_product_history", "product_imei", imei)
    return row


async def _sales_customer(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    body = {"reference": f"DEL-{n}", "name": f"del-{n}"}
    customer_id: int = _ok(await client.post("/api/v1.0/customers", json=body, headers=admin), 201)[
        "id"
    ]
    return customer_id


async def _contact(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    body = {"customerId": await _sales_customer(client, admin, n), "firstName": f"del-{n}"}
    contact_id: int = _ok(await client.post("/api/v1.0/contacts", json=body, headers=admin), 201)[
        "id"
    ]
    return contact_id


def _catalogue_item(path: str, currency: bool) -> Make:
    async def make(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
        if currency:
            body = {"code": CURRENCY_CODES[n % len(CURRENCY_CODES)], "exchangeRate": "1.5"}
        else:
            body = {"reference": f"del-{path}-{n}", "name": f"del {path} {n}"}
        key: int = _ok(await client.post(f"/api/v1.0/{path}", json=body, headers=admin), 201)["id"]
        return key

    return make


async def _billing_customer(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    body = {"name": f"del-{n}", "customerAccount": f"DELACC-{n}"}
    made = _ok(await client.post("/api/v1/customers", json=body, headers=admin), 201)
    customer_id: int = made["response"]
    return customer_id


async def _brand(client: httpx.AsyncClient, admin: Headers, n: int) -> int:
    made = _ok(await client.post("/api/v1/brands", json={"name": f"del-{n}"}, headers=admin), 201)
    brand_id: int = made["response"]
    return brand_id


MAKERS: dict[str, Make] = {
    "/v1/customers/{customer_id}": _partner_customer,
    "/v1/entities/{entity_id}": _entity,
    "/v1/products/{product_imei}": _product,
    "/v1/customer_entity_linker/{customer_entity_linker_id}": _customer_link,
    "/v1/product_entity_linker/{product_entity_linker_id}": _product_link,
    "/v1/customer_product_history/{customer_product_history_id}": _history,
    "/api/v1.0/customers/{customer}": _sales_customer,
    "/api/v1.0/contacts/{key}": _contact,
    **{
        f"/api/v1.0/{c.path}/{{key}}": _catalogue_item(c.path, c.catalogue is CUSTOMER_CURRENCIES)
        for c in COLLECTIONS
    },
    "/api/v1/customers/{customer}": _billing_customer,
    "/api/v1/brands/{brand}": _brand,
}


def delete_routes(app: Any) -> list[str]:
    return [e.path for e in endpoints(app) if "DELETE" in e.methods]


def test_every_delete_route_is_raced(app: Any) -> None:
    assert sorted(delete_routes(app)) == sorted(MAKERS)


# --- the bursts -----------------------------------------------------------------------------


def _url(template: str, value: Any) -> str:
    return template[: template.index("{")] + str(value)


def _answer(r: httpx.Response, ghost: Any = None, real: Any = None) -> tuple[int, str]:
    """Status and body, with the missing object's id replaced by the real one's."""
    body = r.text
    if ghost is not None:
        body = body.replace(str(ghost), str(real))
    return r.status_code, body


async def _burst(client: httpx.AsyncClient, admin: Headers, url: str) -> list[httpx.Response]:
    """BURST deletes of one object, released together."""
    go = asyncio.Event()

    async def delete() -> httpx.Response:
        await go.wait()
        return await client.delete(url, headers=admin)

    tasks = [asyncio.ensure_future(delete()) for _ in range(BURST)]
    await asyncio.sleep(0.01)  # every task waiting on the event
    go.set()
    return list(await asyncio.gather(*tasks))


@pytest.mark.parametrize("route", sorted(MAKERS))
async def test_concurrent_deletes_of_one_object_succeed_once(
    app: Any, client: httpx.AsyncClient, admin: Headers, route: str, record_property: RecordProperty
) -> None:
    # A client of its own, whose exceptions are answers: a 500 is counted, not raised.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as racing:
        ghost = GHOST_IMEI if "product_imei" in route else GHOST
        missing = await racing.delete(_url(route, ghost), headers=admin)
        assert 400 <= missing.status_code < 500, missing.text
        statuses: Counter[str] = Counter()
        problems = []
        for n in range(ROUNDS):
            value = await MAKERS[route](client, admin, n)
            answers = await _burst(racing, admin, _url(route, value))
            won = [r for r in answers if r.status_code < 300]
            expected = _answer(missing, ghost, value)
            others = [_answer(r) for r in answers if r.status_code >= 300]
            statuses.update(str(r.status_code) for r in answers)
            if len(won) != 1 or any(other != expected for other in others):
                problems.append(
                    f"round {n}: {len(won)} successes; answers {sorted(set(others))}, "
                    f"expected {expected}"
                )
            gone = await racing.get(_url(route, value), headers=admin)
            if gone.status_code not in (404, 405):  # 405: the route has no GET
                problems.append(f"round {n}: still there after the burst: {gone.text[:200]}")
    summary = (
        f"delete races, DELETE {route}: {ROUNDS} rounds of {BURST} concurrent deletes, "
        f"answers {dict(sorted(statuses.items()))}, {len(problems)} rounds wrong"
    )
    record_property("delete_race", summary)
    print("\n" + summary)
    assert not problems, summary + "\n" + "\n".join(problems)


# --- deletes racing updates -------------------------------------------------------------------

# A body each route's PUT accepts (an update of a field no other object holds).
UPDATES: dict[str, dict[str, Any]] = {
    "/v1/customers/{customer_id}": {"name": "renamed"},
    "/v1/entities/{entity_id}": {"tariff": "renamed"},
    "/v1/products/{product_imei}": {"assembler": "renamed"},
    "/v1/customer_entity_linker/{customer_entity_linker_id}": {"date_added": "2020-01-02T03:04:05"},
    "/v1/product_entity_linker/{product_entity_linker_id}": {"date_added": "2020-01-02T03:04:05"},
    "/api/v1.0/customers/{customer}": {"name": "renamed"},
    "/api/v1.0/contacts/{key}": {"firstName": "renamed"},
    **{
        f"/api/v1.0/{c.path}/{{key}}": (
            {"exchangeRate": "2.5"} if c.catalogue is CUSTOMER_CURRENCIES else {"name": "renamed"}
        )
        for c in COLLECTIONS
    },
    "/api/v1/customers/{customer}": {"name": "renamed"},
    "/api/v1/brands/{brand}": {"name": "renamed"},
}


def test_every_route_with_put_and_delete_is_raced(app: Any) -> None:
    both = [e.path for e in endpoints(app) if {"PUT", "DELETE"} <= set(e.methods)]
    assert sorted(both) == sorted(UPDATES)


async def _mixed_burst(
    client: httpx.AsyncClient, admin: Headers, url: str, body: dict[str, Any]
) -> list[httpx.Response]:
    """BURST // 2 deletes and as many updates of one object, released together."""
    go = asyncio.Event()

    async def send(method: str) -> httpx.Response:
        await go.wait()
        json_body = body if method == "PUT" else None
        return await client.request(method, url, json=json_body, headers=admin)

    methods = ["DELETE", "PUT"] * (BURST // 2)
    tasks = [asyncio.ensure_future(send(method)) for method in methods]
    await asyncio.sleep(0.01)
    go.set()
    return list(await asyncio.gather(*tasks))


@pytest.mark.parametrize("route", sorted(UPDATES))
async def test_updates_racing_a_delete_succeed_or_find_nothing(
    app: Any, client: httpx.AsyncClient, admin: Headers, route: str, record_property: RecordProperty
) -> None:
    """An update that read the object before a concurrent delete committed finds no row to
    write: it answers as for a missing object (it answered 500 on PostgreSQL)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    body = UPDATES[route]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as racing:
        ghost = GHOST_IMEI if "product_imei" in route else GHOST
        missing = {
            method: await racing.request(method, _url(route, ghost), json=json_body, headers=admin)
            for method, json_body in (("DELETE", None), ("PUT", body))
        }
        statuses: Counter[str] = Counter()
        problems = []
        for n in range(ROUNDS):
            value = await MAKERS[route](client, admin, 100 + n)
            answers = await _mixed_burst(racing, admin, _url(route, value), body)
            statuses.update(f"{r.request.method} {r.status_code}" for r in answers)
            deleted = [r for r in answers if r.request.method == "DELETE" and r.status_code < 300]
            wrong = [
                f"{r.request.method} {r.status_code} {r.text[:200]}"
                for r in answers
                if r.status_code >= 300
                and _answer(r) != _answer(missing[r.request.method], ghost, value)
            ]
            if len(deleted) != 1 or wrong:
                problems.append(f"round {n}: {len(deleted)} deletes succeeded; {wrong}")
    summary = (
        f"delete races, DELETE and PUT {route}: {ROUNDS} rounds of {BURST // 2} deletes and "
        f"{BURST // 2} updates, answers {dict(sorted(statuses.items()))}, "
        f"{len(problems)} rounds wrong"
    )
    record_property("delete_update_race", summary)
    print("\n" + summary)
    assert not problems, summary + "\n" + "\n".join(problems)
