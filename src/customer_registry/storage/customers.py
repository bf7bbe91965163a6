"""Every query on customers and their entity links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import NotUnique
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.storage.database import (
    Connection,
    Prepared,
    Row,
    insert_ignoring_conflicts,
)
from customer_registry.storage.errors import UniqueViolation
from customer_registry.storage.listing import count_statement, page_statement
from customer_registry.storage.listings import CUSTOMERS as LISTING
from customer_registry.storage.schema import customer_entity_linker as links
from customer_registry.storage.schema import customers

# Which identifier a unique index protects.
_UNIQUE_FIELDS = {
    "ix_customers_entity_id_external_id": "external_id",
    "ix_customers_entity_id_code": "code",
}

# The hot path (GET by id): compiled once, one round trip.
_GET_ANY = Prepared(
    sa.select(customers).where(customers.c.customer_id == sa.bindparam("customer_id"))
)
_GET_IN_ENTITY = Prepared(
    sa.select(customers).where(
        customers.c.customer_id == sa.bindparam("customer_id"),
        customers.c.entity_id == sa.bindparam("entity_id"),
    )
)


async def get(conn: Connection, caller: Caller, customer_id: int) -> Row | None:
    if caller.sees_all_entities:
        return await conn.fetch_one(_GET_ANY, customer_id=customer_id)
    return await conn.fetch_one(_GET_IN_ENTITY, customer_id=customer_id, entity_id=caller.entity_id)


async def count(conn: Connection, caller: Caller, query: ListQuery) -> int:
    return int(await conn.fetch_value(count_statement(LISTING, query, caller)))


async def page(conn: Connection, caller: Caller, query: ListQuery, page: PageRequest) -> list[Row]:
    statement = page_statement(LISTING, query, caller, page)
    return [] if statement is None else await conn.fetch_all(statement)


def _not_unique(error: UniqueViolation, values: Mapping[str, Any], entity_id: int) -> NotUnique:
    field = _UNIQUE_FIELDS.get(error.constraint or "")
    if field is None:
        raise error
    return NotUnique(field, values.get(field), entity_id)


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    """Insert, or NotUnique naming the identifier already used in the entity.

    The unique indexes decide (no check before the write). On a conflict the row that holds
    the identifier is looked up, so the answer is the same on both databases and the
    external id is named first when both are taken, as the partner document shows.
    """
    statement = insert_ignoring_conflicts(conn, customers).values(**values).returning(customers)
    row = await conn.fetch_one(statement)
    if row is not None:
        return row
    entity_id = values["entity_id"]
    for field in ("external_id", "code"):
        column = customers.c[field]
        if values.get(field) is not None and await conn.fetch_value(
            sa.select(sa.func.count())
            .select_from(customers)
            .where(customers.c.entity_id == entity_id, column == values[field])
        ):
            raise NotUnique(field, values[field], entity_id)
    # The holder was deleted since: still a conflict, and the client may simply retry.
    field = "external_id" if values.get("external_id") is not None else "code"
    raise NotUnique(field, values.get(field), entity_id)


async def update(
    conn: Connection, customer_id: int, entity_id: int, values: Mapping[str, Any]
) -> Row:
    statement = (
        sa.update(customers)
        .where(customers.c.customer_id == customer_id)
        .values(**values)
        .returning(customers)
    )
    try:
        row = await conn.fetch_one(statement)
    except UniqueViolation as error:
        raise _not_unique(error, values, entity_id) from error
    assert row is not None
    return row


async def delete(conn: Connection, customer_id: int) -> None:
    await conn.execute(sa.delete(customers).where(customers.c.customer_id == customer_id))


async def insert_link(conn: Connection, values: Mapping[str, Any]) -> Row:
    row = await conn.fetch_one(sa.insert(links).values(**values).returning(links))
    assert row is not None
    return row


async def by_identifier(
    conn: Connection, caller: Caller, entity_id: int, external_id: int | None, code: str | None
) -> Row | None:
    """The customer a partner names by (entity, external id and/or code), if visible."""
    statement = sa.select(customers).where(
        customers.c.entity_id == entity_id, LISTING.scope(caller, customers)
    )
    if external_id is not None:
        statement = statement.where(customers.c.external_id == external_id)
    if code is not None:
        statement = statement.where(customers.c.code == code)
    if conn.dialect_name == "postgresql":
        statement = statement.with_for_update()
    return await conn.fetch_one(statement)
