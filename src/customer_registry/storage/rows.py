"""Writing one row and reading it back, as every repository's plain insert and update do.

Every write of this package first checks its values against their columns
(`core.fields.check_storable`), so no client value reaches the database that it would refuse
or that an API could not show back.

A unique index that refuses the write is turned into the repository's own NotUnique by
`not_unique`, which names the field from the index (or re-raises an index it does not know).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import NotUnique
from customer_registry.core.fields import check_storable
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Prepared, Row, Statement
from customer_registry.storage.errors import UniqueViolation
from customer_registry.storage.listing import Listing

NotUniqueNamer = Callable[[UniqueViolation, Mapping[str, Any]], NotUnique]


def bound(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` as the parameters of a statement that writes them (see `written_values`)."""
    return {f"v_{name}": value for name, value in values.items()}


def written_values(columns: tuple[str, ...]) -> dict[str, Any]:
    """A bind parameter for each column written, named apart from the columns themselves
    (SQLAlchemy keeps a column's own name for the values it binds)."""
    return {name: sa.bindparam(f"v_{name}") for name in columns}


async def _written(
    conn: Connection,
    statement: Statement,
    values: Mapping[str, Any],
    not_unique: NotUniqueNamer | None,
    **params: Any,
) -> Row | None:
    try:
        return await conn.fetch_one(statement, **params)
    except UniqueViolation as error:
        if not_unique is None:
            raise
        raise not_unique(error, values) from error


async def insert_row(
    conn: Connection,
    table: sa.Table,
    values: Mapping[str, Any],
    *,
    not_unique: NotUniqueNamer | None = None,
) -> Row:
    check_storable(table, values)
    statement = _insert_statement(table, tuple(sorted(values)))
    row = await _written(conn, statement, values, not_unique, **bound(values))
    assert row is not None  # RETURNING of the inserted row
    return row


# Compiled once per table and set of columns: building and compiling the statement at every
# insert cost more of a create than its SQL (profile of a billing create).
@functools.lru_cache(maxsize=64)
def _insert_statement(table: sa.Table, columns: tuple[str, ...]) -> Prepared:
    return Prepared(sa.insert(table).values(written_values(columns)).returning(table))


async def update_row(
    conn: Connection,
    listing: Listing,
    scope: Scope,
    key_value: Any,
    values: Mapping[str, Any],
    *,
    not_unique: NotUniqueNamer | None = None,
) -> Row | None:
    """Update the row of `listing` whose key is `key_value`, if the scope sees it, and answer
    it; None when there was no row to update. That happens although the core read it first:
    on PostgreSQL a delete may commit between the read and the UPDATE, which then finds
    nothing (as `deleted` says)."""
    check_storable(listing.table, values)
    statement = (
        sa.update(listing.table)
        .where(listing.key == key_value, listing.scope(scope, listing.table))
        .values(**values)
        .returning(listing.table)
    )
    return await _written(conn, statement, values, not_unique)


async def delete_row(conn: Connection, listing: Listing, scope: Scope, key_value: Any) -> bool:
    """Delete the row of `listing` whose key is `key_value`, if the scope sees it: whether it
    was there to delete (see `deleted`). A foreign key that refuses it raises
    ForeignKeyViolation, for the repository to name what holds it back."""
    statement = sa.delete(listing.table).where(
        listing.key == key_value, listing.scope(scope, listing.table)
    )
    return deleted(await conn.execute(statement))


def deleted(count: int) -> bool:
    """Whether a DELETE of one row found it. The statement's own row count decides, never a
    read before it: on PostgreSQL two transactions may both read the row, and the second
    DELETE then waits for the first to commit and deletes nothing."""
    return count > 0
