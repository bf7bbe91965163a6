"""Writing one row and reading it back, as every repository's plain insert and update do.

A unique index that refuses the write is turned into the repository's own NotUnique by
`not_unique`, which names the field from the index (or re-raises an index it does not know).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import NotUnique
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.errors import UniqueViolation

NotUniqueNamer = Callable[[UniqueViolation, Mapping[str, Any]], NotUnique]


async def _written(
    conn: Connection,
    statement: sa.Insert | sa.Update,
    values: Mapping[str, Any],
    not_unique: NotUniqueNamer | None,
) -> Row:
    try:
        row = await conn.fetch_one(statement)
    except UniqueViolation as error:
        if not_unique is None:
            raise
        raise not_unique(error, values) from error
    assert row is not None  # RETURNING of a written row
    return row


async def insert_row(
    conn: Connection,
    table: sa.Table,
    values: Mapping[str, Any],
    *,
    not_unique: NotUniqueNamer | None = None,
) -> Row:
    statement = sa.insert(table).values(**values).returning(table)
    return await _written(conn, statement, values, not_unique)


async def update_row(
    conn: Connection,
    table: sa.Table,
    key: sa.ColumnElement[Any],
    key_value: Any,
    values: Mapping[str, Any],
    *,
    not_unique: NotUniqueNamer | None = None,
) -> Row:
    """Update the row whose `key` is `key_value` (it must exist) and answer it."""
    statement = sa.update(table).where(key == key_value).values(**values).returning(table)
    return await _written(conn, statement, values, not_unique)
