"""Every query on entities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import InUse, NotUnique
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import ENTITIES as LISTING
from customer_registry.storage.rows import delete_row, insert_row, locking, update_row
from customer_registry.storage.schema import entities

_UNIQUE_FIELDS = {"uq_entities_name": "name", "uq_entities_geic": "geic"}


async def get(conn: Connection, scope: Scope, entity_id: int, *, lock: bool = False) -> Row | None:
    statement = sa.select(entities).where(
        entities.c.entity_id == entity_id, LISTING.scope(scope, entities)
    )
    return await conn.fetch_one(locking(conn, statement, entities, lock))


async def page(
    conn: Connection, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, scope, query, page)


def _not_unique(error: UniqueViolation, values: Mapping[str, Any]) -> NotUnique:
    field = _UNIQUE_FIELDS.get(error.constraint or "")
    if field is None:
        raise error
    return NotUnique(field, values.get(field))


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    """A new entity (the core lets only a scope over every entity make one)."""
    return await insert_row(conn, entities, values, not_unique=_not_unique)


async def update(
    conn: Connection, scope: Scope, entity_id: int, values: Mapping[str, Any]
) -> Row | None:
    return await update_row(conn, LISTING, scope, entity_id, values, not_unique=_not_unique)


async def delete(conn: Connection, scope: Scope, entity_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    try:
        return await delete_row(conn, LISTING, scope, entity_id)
    except ForeignKeyViolation as error:
        in_use = "cannot be deleted while customers, products or users are linked to it."
        raise InUse(f"Entity #{entity_id} {in_use}") from error
