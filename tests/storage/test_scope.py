"""The scope's entity in statements compiled once (storage/scope.py, `Prepared`).

A statement compiled once serves every scope of its kind, so it must never keep the entity
it was built with: each run binds its own, and a run that forgets it fails rather than
answering another entity's rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.permissions import COMMAND_LINE
from customer_registry.core.scope import Scope
from customer_registry.storage import customers as repository
from customer_registry.storage.database import Prepared
from customer_registry.storage.schema import (
    contacts,
    customer_product_history,
    metadata,
    products,
)
from customer_registry.storage.schema import customers as customers_table
from customer_registry.storage.scope import SCOPE_ENTITY, entity_scope, scope_values, through


def test_a_prepared_statement_keeps_no_scope_entity() -> None:
    statement = Prepared(
        sa.select(customers_table.c.customer_id).where(
            entity_scope(Scope(5, all_entities=False), customers_table.c.entity_id)
        )
    )
    for dialect in ("sqlite", "postgresql"):
        compiled = statement.compiled(dialect)
        assert SCOPE_ENTITY in compiled.names
        assert SCOPE_ENTITY not in compiled.values


async def test_one_get_statement_answers_each_entity_its_own_customer(
    ctx: Context, make_entity: Callable[[str], Awaitable[int]]
) -> None:
    a, b = await make_entity("alpha"), await make_entity("beta")
    async with ctx.db.write() as conn:
        own_a = await customers.create(conn, COMMAND_LINE, customers.NewCustomer(a, "In A"))
        own_b = await customers.create(conn, COMMAND_LINE, customers.NewCustomer(b, "In B"))
    in_a, in_b = Scope(a, all_entities=False), Scope(b, all_entities=False)
    id_a, id_b = own_a.customer.customer_id, own_b.customer.customer_id
    async with ctx.db.read() as conn:
        assert _entity_of(await repository.get(conn, in_a, id_a)) == a
        assert await repository.get(conn, in_b, id_a) is None
        assert _entity_of(await repository.get(conn, in_b, id_b)) == b
        assert await repository.get(conn, in_a, id_b) is None
        # The statement both ran is one object; run without a scope's entity, it fails.
        statement = repository._get(in_a, False)
        assert statement is repository._get(in_b, False)
        with pytest.raises(KeyError):
            await conn.fetch_one(statement, customer_id=id_a)
        row = await conn.fetch_one(statement, customer_id=id_b, **scope_values(in_b))
        assert row is not None


def _entity_of(values: Sequence[Any] | None) -> int | None:
    """The entity of a customer read by `get` (its values, by position)."""
    return None if values is None else customers.Customer.from_values(values).entity_id


@pytest.mark.parametrize(
    ("column", "owner_key"),
    [
        (contacts.c.customer_id, customers_table.c.customer_id),
        (customer_product_history.c.customer_id, customers_table.c.customer_id),
        (customer_product_history.c.product_imei, products.c.product_imei),
    ],
    ids=["contacts of customers", "history of customers", "history of products"],
)
def test_rows_seen_through_their_owner_look_it_up_by_its_key(
    column: sa.Column[Any], owner_key: sa.Column[Any]
) -> None:
    """SQLite runs an uncorrelated `key IN (SELECT key FROM owners WHERE entity_id = ?)` in
    full before the first row: written that way, each page of a sales list read every
    customer of the entity (170 ms at a million customers). The owner is looked up by its
    key, once per row."""
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    table = column.table
    query = sa.select(table).where(
        column.in_(["1", "2"]), through(Scope(1, all_entities=False), column, owner_key)
    )
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = [str(row[3]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    assert not [step for step in plan if "LIST SUBQUERY" in step or step.startswith("SCAN")], plan
    assert [step for step in plan if "CORRELATED" in step], plan
