"""Relations in storage/listing.py beyond what the partner API declares today.

Test-only listings add a to-one relation (a link's customer) next to the to-many one, so
`has`, ordering and grouping through a to-one relation, nested relations and a table that
recurs inside its own subquery (links -> customer -> links) are checked on the database.

Customers 1 ("One", entity A) and 2 ("Two", entity B), each with its current link (1, 2);
customer 2 also has a removed link to A (link 3).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.errors import InvalidQuery
from customer_registry.core.permissions import COMMAND_LINE, Caller, Level, Visibility
from customer_registry.core.query import BoolOp, Condition, ListQuery, Op, Order, PageRequest
from customer_registry.storage import customers as customer_storage
from customer_registry.storage import schema
from customer_registry.storage.listing import (
    Listing,
    Relation,
    count_statement,
    page_statement,
    same,
)
from customer_registry.storage.scope import by_entity

LINKS = Listing(
    table=schema.customer_entity_linker,
    key=schema.customer_entity_linker.c.customer_entity_linker_id,
    fields=dict(schema.customer_entity_linker.c.items()),
    scope=by_entity("entity_id"),
)
CUSTOMERS = Listing(
    table=schema.customers,
    key=schema.customers.c.customer_id,
    fields=dict(schema.customers.c.items()),
    scope=by_entity("entity_id"),
)
LINKS.relate(
    Relation(
        "customer", CUSTOMERS, same("customer_id", "customer_id"), False, by_entity("entity_id")
    )
)
CUSTOMERS.relate(
    Relation("links", LINKS, same("customer_id", "customer_id"), True, by_entity("entity_id"))
)


@pytest.fixture
async def entities(ctx: Context, make_entity: Callable[[str], Awaitable[int]]) -> tuple[int, int]:
    a, b = await make_entity("alpha"), await make_entity("beta")
    async with ctx.db.write() as conn:
        for entity, name in ((a, "One"), (b, "Two")):
            await customers.create(
                conn, COMMAND_LINE, customers.NewCustomer(entity, name, None, name)
            )
        await customer_storage.insert_link(
            conn,
            COMMAND_LINE.scope.for_entity(a),
            {
                "customer_id": 2,
                "entity_id": a,
                "date_added": datetime(2020, 1, 1),
                "date_removed": datetime(2020, 6, 1),
                "created_at": datetime(2020, 1, 1),
            },
        )
    return a, b


def _caller(entity_id: int | None = None) -> Caller:
    if entity_id is None:
        return COMMAND_LINE
    return Caller(None, "probe", entity_id, Level.OVERVIEW, Visibility.ENTITY)


async def _keys(ctx: Context, listing: Listing, query: ListQuery, caller: Caller) -> list[Any]:
    statement = page_statement(listing, query, caller.scope, PageRequest(1, 100))
    assert statement is not None
    async with ctx.db.read() as conn:
        rows = await conn.fetch_all(statement)
        total = await conn.fetch_value(count_statement(listing, query, caller.scope))
    keys = [row[listing.key.name] for row in rows]
    assert total == len(keys)
    return keys


def _where(*filters: Condition | BoolOp, **rest: Any) -> ListQuery:
    return ListQuery(filters=filters, **rest)


async def test_has_and_paths_through_a_to_one_relation(
    ctx: Context, entities: tuple[int, int]
) -> None:
    two = _where(Condition("customer", Op.HAS, Condition("name", Op.EQ, "Two")))
    assert await _keys(ctx, LINKS, two, _caller()) == [2, 3]
    path = _where(Condition("customer.name", Op.EQ, "One"))
    assert await _keys(ctx, LINKS, path, _caller()) == [1]


async def test_nested_relations_and_a_recurring_table(
    ctx: Context, entities: tuple[int, int]
) -> None:
    a, _ = entities
    removed_from_a = BoolOp(
        "and", (Condition("entity_id", Op.EQ, a), Condition("date_removed", Op.IS_NOT_NULL))
    )
    nested = Condition("customer", Op.HAS, Condition("links", Op.ANY, removed_from_a))
    assert await _keys(ctx, LINKS, _where(nested), _caller()) == [2, 3]
    # The same through a dotted path: links whose customer has some link to A.
    path = _where(Condition("customer.links.entity_id", Op.EQ, a))
    assert await _keys(ctx, LINKS, path, _caller()) == [1, 2, 3]


async def test_has_and_any_must_fit_the_relation(ctx: Context, entities: tuple[int, int]) -> None:
    name = Condition("name", Op.EQ, "One")
    for listing, wrong in (
        (LINKS, Condition("customer", Op.ANY, name)),
        (CUSTOMERS, Condition("links", Op.HAS, Condition("entity_id", Op.EQ, 1))),
    ):
        with pytest.raises(InvalidQuery):
            await _keys(ctx, listing, _where(wrong), _caller())


async def test_order_and_group_through_a_to_one_relation(
    ctx: Context, entities: tuple[int, int]
) -> None:
    by_name = ListQuery(order_by=(Order("customer.name", descending=True),))
    assert await _keys(ctx, LINKS, by_name, _caller()) == [2, 3, 1]
    grouped = ListQuery(group_by=("customer.name",), order_by=(Order("customer_id"),))
    assert await _keys(ctx, LINKS, grouped, _caller()) == [1, 2]
    for bad in (
        ListQuery(order_by=(Order("customer.links.entity_id"),)),
        ListQuery(group_by=("links.entity_id",)),
    ):
        listing = LINKS if bad.order_by else CUSTOMERS
        with pytest.raises(InvalidQuery):
            await _keys(ctx, listing, bad, _caller())


async def test_related_rows_are_limited_to_the_callers_scope(
    ctx: Context, entities: tuple[int, int]
) -> None:
    a, b = entities
    # Customer 1 (entity A) does not exist for a user of B: its link 1 is not reachable...
    one = _where(Condition("customer", Op.HAS, Condition("name", Op.EQ, "One")))
    assert await _keys(ctx, LINKS, one, _caller(a)) == [1]
    assert await _keys(ctx, LINKS, one, _caller(b)) == []
    # ...nor is customer 2's link to A, through the customer or directly.
    to_a = _where(Condition("links", Op.ANY, Condition("entity_id", Op.EQ, a)))
    assert await _keys(ctx, CUSTOMERS, to_a, _caller()) == [1, 2]
    assert await _keys(ctx, CUSTOMERS, to_a, _caller(b)) == []
    # Link 3 (to A) is visible to a user of A, but its customer (in B) is not.
    named = _where(Condition("customer.name", Op.IS_NOT_NULL))
    assert await _keys(ctx, LINKS, named, _caller(a)) == [1]
    assert await _keys(ctx, LINKS, ListQuery(), _caller(a)) == [1, 3]
