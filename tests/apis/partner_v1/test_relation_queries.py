"""Filters across relations (`has`, `any`, `<relation>__<field>`) on `/v1/customers`.

The world: customer 1 in entity A, customers 2 and 3 in entity B. Customer 3 used to belong
to A: besides its current link to B (link 3) it has a removed link to A (link 4, dated
2020). Links 1 and 2 are the current links of customers 1 and 2.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.permissions import COMMAND_LINE, Level, Visibility
from customer_registry.storage import customers as customer_storage
from tests.conftest import MakeUser

Headers = dict[str, str]
Json = dict[str, Any]
MakeEntity = Callable[[str], Awaitable[int]]
LINKER = "customer_entity_linker"


@dataclass(frozen=True)
class World:
    a: int
    b: int


@pytest.fixture
async def world(ctx: Context, make_entity: MakeEntity) -> World:
    a, b = await make_entity("alpha"), await make_entity("beta")
    async with ctx.db.write() as conn:
        for entity, name in ((a, "One"), (b, "Two"), (b, "Three")):
            await customers.create(
                conn, COMMAND_LINE, customers.NewCustomer(entity, name, None, name)
            )
        await customer_storage.insert_link(
            conn,
            COMMAND_LINE.scope.for_entity(a),
            {
                "customer_id": 3,
                "entity_id": a,
                "date_added": datetime(2020, 1, 1),
                "date_removed": datetime(2020, 6, 1),
                "created_at": datetime(2020, 1, 1),
                "created_by": "test",
            },
        )
    return World(a, b)


async def _query(client: httpx.AsyncClient, headers: Headers, q: Json) -> httpx.Response:
    return await client.get("/v1/customers", params={"q": json.dumps(q)}, headers=headers)


async def _ids(client: httpx.AsyncClient, headers: Headers, *filters: Json) -> list[int]:
    r = await _query(client, headers, {"filters": list(filters)})
    assert r.status_code == 200, r.text
    ids = [o["customer_id"] for o in r.json()["objects"]]
    assert r.json()["num_results"] == len(ids)  # EXISTS never repeats a customer
    return ids


def _any(val: Any) -> Json:
    return {"name": LINKER, "op": "any", "val": val}


def _link(field: str, op: str, val: Any = "") -> Json:
    return {"name": field, "op": op, "val": val}


async def test_any_over_the_entity_links(
    client: httpx.AsyncClient, admin: Headers, world: World
) -> None:
    assert await _ids(client, admin, _any(_link("entity_id", "==", world.a))) == [1, 3]
    current_in_a = {"and": [_link("entity_id", "==", world.a), _link("date_removed", "is_null")]}
    assert await _ids(client, admin, _any(current_in_a)) == [1]
    assert await _ids(client, admin, _any(_link("entity_id", "==", 999))) == []


async def test_relation_field_in_a_filter(
    client: httpx.AsyncClient, admin: Headers, world: World
) -> None:
    assert await _ids(client, admin, _link(f"{LINKER}__entity_id", "==", world.a)) == [1, 3]
    both = _link(f"{LINKER}__entity_id", "in", [world.a, world.b])
    assert await _ids(client, admin, both) == [1, 2, 3]  # customer 3 matches twice, shown once
    # Combined with the customer's own fields and with the second filter form, whose field is
    # the customer's: links added before the customer was created (the back-dated one).
    named = _link("name", "like", "T%")
    assert await _ids(client, admin, named, _link(f"{LINKER}__entity_id", "==", world.a)) == [3]
    earlier = {"name": f"{LINKER}__date_added", "op": "<", "field": "created_at"}
    assert await _ids(client, admin, earlier) == [3]


async def test_relation_field_with_any_has_and_null_reads_as_flask_restless_0_17(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, world: World
) -> None:
    """0.17 applies these operators to the relation itself: `any` with `<relation>__<field>`
    and a value is "some related row's field equals it"; `is_null` / `is_not_null` are "no
    related row" / "some", whatever the field (even one the related rows lack)."""
    assert await _ids(client, admin, _link(f"{LINKER}__entity_id", "any", world.a)) == [1, 3]
    assert await _ids(client, admin, _link(f"{LINKER}__entity_id", "any", "999")) == []
    by_filter = _link(f"{LINKER}__entity_id", "any", _link("date_removed", "is_not_null"))
    assert await _ids(client, admin, by_filter) == [3]  # a filter object as the value wins
    r = await client.get("/v1/customer_entity_linker", headers=admin)
    for link in r.json()["objects"]:
        if link["customer_id"] == 2:
            deleted = await client.delete(
                f"/v1/customer_entity_linker/{link['customer_entity_linker_id']}", headers=admin
            )
            assert deleted.status_code == 204
    for name in (f"{LINKER}__date_removed", f"{LINKER}__nothing", LINKER):
        assert await _ids(client, admin, _link(name, "is_null")) == [2]
        assert await _ids(client, admin, _link(name, "is_not_null")) == [1, 3]
    # An ENTITY user of B sees customer 3's link to B only: it has links all the same.
    user = await make_user(Level.OVERVIEW, Visibility.ENTITY, entity_id=world.b)
    assert await _ids(client, user, _link(LINKER, "is_not_null")) == [3]
    assert await _ids(client, user, _link(LINKER, "is_null")) == [2]
    # `has` is for to-one relations, and a value needs a field to compare it with.
    for bad in (_link(f"{LINKER}__entity_id", "has", 1), _link(LINKER, "any", 1)):
        r = await _query(client, admin, {"filters": [bad]})
        assert (r.status_code, r.json()) == (400, {"message": "Unable to construct query"})


async def test_and_or_nested_inside_val(
    client: httpx.AsyncClient, admin: Headers, world: World
) -> None:
    removed_from_a = {
        "and": [_link("entity_id", "==", world.a), _link("date_removed", ">", "2020-01-01")]
    }
    either = {"or": [removed_from_a, _link("customer_entity_linker_id", "==", 2)]}
    assert await _ids(client, admin, _any(either)) == [2, 3]
    # The relation inside an or, next to a plain condition.
    outer = {"or": [_link("name", "==", "Two"), _any(_link("date_removed", "is_not_null"))]}
    assert await _ids(client, admin, outer) == [2, 3]


async def test_val_may_be_a_list_that_must_all_hold(
    client: httpx.AsyncClient, admin: Headers, world: World
) -> None:
    both = [_link("entity_id", "==", world.a), _link("date_removed", "is_null")]
    assert await _ids(client, admin, _any(both)) == [1]
    assert await _ids(client, admin, _any([])) == [1, 2, 3]  # some link exists


@pytest.mark.parametrize(
    "q",
    [
        # `has` is for to-one relations; customer_entity_linker is to-many.
        {
            "filters": [
                {"name": LINKER, "op": "has", "val": {"name": "entity_id", "op": "==", "val": 1}}
            ]
        },
        {"filters": [{"name": LINKER, "op": "has", "val": []}]},
        # Unknown relations and fields, at every place a name can appear.
        {
            "filters": [
                {"name": "nope", "op": "any", "val": {"name": "entity_id", "op": "==", "val": 1}}
            ]
        },
        {"filters": [{"name": LINKER, "op": "any", "val": {"name": "nope", "op": "==", "val": 1}}]},
        {
            "filters": [
                {"name": LINKER, "op": "any", "val": {"name": "name", "op": "==", "val": "x"}}
            ]
        },
        {"filters": [{"name": f"{LINKER}__nope", "op": "==", "val": 1}]},
        {"filters": [{"name": "nope__entity_id", "op": "==", "val": 1}]},
        {"filters": [{"name": f"{LINKER}__{LINKER}__entity_id", "op": "==", "val": 1}]},
        {"filters": [{"name": "name__entity_id", "op": "==", "val": 1}]},
        {
            "filters": [
                {"name": "name", "op": "any", "val": {"name": "entity_id", "op": "==", "val": 1}}
            ]
        },
        {"filters": [{"name": f"{LINKER}__entity_id", "op": "any", "val": {}}]},
        # A relation is not a field, and has/any need a filter.
        {"filters": [{"name": LINKER, "op": "==", "val": 1}]},
        {"filters": [{"name": LINKER, "op": "any", "val": 1}]},
        {"filters": [{"name": LINKER, "op": "any"}]},
        {"filters": [{"name": LINKER, "op": "any", "val": [1]}]},
        {
            "filters": [
                {"name": LINKER, "op": "any", "val": {"name": "entity_id", "op": "==", "val": "x"}}
            ]
        },
        {"filters": [{"name": f"{LINKER}__date_added", "op": ">", "val": "yesterday"}]},
        {"filters": [{"name": f"{LINKER}__entity_id", "op": "==", "field": f"{LINKER}__nope"}]},
        # Ordering and grouping need one value per customer: not through a to-many relation.
        {"order_by": [{"field": f"{LINKER}__entity_id"}]},
        {"group_by": [{"field": f"{LINKER}__entity_id"}]},
        {"order_by": [{"field": LINKER}]},
    ],
)
async def test_bad_relation_queries_cannot_be_constructed(
    client: httpx.AsyncClient, admin: Headers, world: World, q: Json
) -> None:
    r = await _query(client, admin, q)
    assert (r.status_code, r.json()) == (400, {"message": "Unable to construct query"})


async def test_nested_filters_count_towards_the_limits(
    client: httpx.AsyncClient, admin: Headers, world: World
) -> None:
    deep: Json = _link("entity_id", "==", 1)
    for _ in range(20):
        deep = {"and": [deep]}
    r = await _query(client, admin, {"filters": [_any(deep)]})
    assert r.status_code == 400
    r = await _query(client, admin, {"filters": [_any([_link("entity_id", "==", 1)] * 250)]})
    assert r.status_code == 400


async def test_entity_users_cannot_probe_other_entities_links(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, world: World
) -> None:
    """Customer 3 (in B) has a removed link to A. A user of B must not learn that."""
    user = await make_user(Level.OVERVIEW, Visibility.ENTITY, entity_id=world.b)
    matches_nothing = await _query(client, user, {"filters": [_any(_link("entity_id", "==", 999))]})
    assert matches_nothing.status_code == 200
    assert matches_nothing.json()["num_results"] == 0
    probes = [
        _any(_link("entity_id", "==", world.a)),
        _link(f"{LINKER}__entity_id", "==", world.a),
        _any(_link("date_removed", "is_not_null")),
        _any([_link("date_added", "<", "2021-01-01")]),
    ]
    for probe in probes:
        r = await _query(client, user, {"filters": [probe]})
        assert (r.status_code, r.json()) == (200, matches_nothing.json()), probe
        # The administrator sees customer 3 through the link: the probe would have found it.
        assert 3 in await _ids(client, admin, probe)
    # Their own entity's links work as usual.
    assert await _ids(client, user, _any(_link("entity_id", "==", world.b))) == [2, 3]


OPERATOR_CASES = [
    ("customer_entity_linker_id", "==", 4),
    ("customer_entity_linker_id", "!=", 3),
    ("customer_entity_linker_id", ">", 2),
    ("customer_entity_linker_id", ">=", 3),
    ("customer_entity_linker_id", "<", 3),
    ("customer_entity_linker_id", "<=", 1),
    ("customer_entity_linker_id", "in", [1, 4]),
    ("customer_entity_linker_id", "not_in", [1, 2]),
    ("created_by", "like", "te%"),
    ("created_by", "ilike", "TE%"),
    ("date_added", "<", "2021-01-01T00:00:00"),
]


@pytest.mark.parametrize("visibility", [Visibility.GLOBAL, Visibility.ENTITY])
@pytest.mark.parametrize(("field", "op", "val"), OPERATOR_CASES)
async def test_every_operator_through_the_relation(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    world: World,
    visibility: Visibility,
    field: str,
    op: str,
    val: Any,
) -> None:
    """`<relation>__<field> op val` on customers and `any` with the same condition both give
    exactly the customers of the links that `field op val` selects on the linker resource
    itself, as the same caller sees them (an ENTITY user of A never reaches B's links)."""
    headers = await make_user(Level.OVERVIEW, visibility, entity_id=world.a)
    condition = _link(field, op, val)
    r = await client.get(
        "/v1/customer_entity_linker",
        params={"q": json.dumps({"filters": [condition]}), "results_per_page": 100},
        headers=headers,
    )
    expected = sorted({o["customer_id"] for o in r.json()["objects"]})
    visible = set(await _ids(client, headers))
    expected = [c for c in expected if c in visible]
    through = _link(f"{LINKER}__{field}", op, val)
    assert await _ids(client, headers, through) == expected
    assert await _ids(client, headers, _any(condition)) == expected
