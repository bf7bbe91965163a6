"""Writing one row and reading it back, as every repository's plain insert and update do.

Every write of this package first checks its values against their columns
(`core.fields.check_storable`), so no client value reaches the database that it would refuse
or that an API could not show back.

A unique index that refuses the write is turned into the repository's own NotUnique by
`not_unique`, which names the field from the index (or re-raises an index it does not know).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

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


async def write_many(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: tuple[str, ...] = (),
    skip_conflicts: bool = False,
) -> list[Row]:
    """Insert `rows`, already checked by `check_storable`, in a few statements, and answer
    the `returning` columns of the rows written (in no promised order). Rows with the same
    columns in the same order share a statement. With `skip_conflicts`, a row a unique
    index refuses is left out (ON CONFLICT DO NOTHING), and so from the answer."""
    # Grouped by their keys in the order they have (a batch's rows are built alike), sorted
    # once a group: sorting each row's sixty keys cost twice as much as taking them.
    shapes: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for values in rows:
        shapes.setdefault(tuple(values), []).append(values)
    written: list[Row] = []
    for keys, group in shapes.items():
        columns = tuple(sorted(keys))
        if conn.dialect_name == "postgresql":
            written.extend(await _unnested(conn, table, columns, group, returning, skip_conflicts))
            continue
        for part in _parts(group, columns):
            statement, order = _values_statement(
                table, columns, len(part), returning, skip_conflicts
            )
            args = [values[name] for values in part for name in order]
            if returning:
                written.extend(await conn.fetch_all_in_order(statement, args))
            else:
                await conn.execute_in_order(statement, args)
    return written


async def _unnested(
    conn: Connection,
    table: sa.Table,
    columns: tuple[str, ...],
    rows: list[Mapping[str, Any]],
    returning: tuple[str, ...],
    skip: bool,
) -> list[Row]:
    """PostgreSQL: one statement, each column's values in one array (`unnest`), one shape
    whatever the count. Measured in an import of 20,000 customers: their INSERTs took 2.8 s
    as VALUES lists of up to 256 rows (planned again at each run), 1.8 s as arrays."""
    statement = _unnest_statement(table, columns, returning, skip)
    arrays = {f"a_{name}": [values[name] for values in rows] for name in columns}
    if returning:
        return list(await conn.fetch_all(statement, **arrays))
    await conn.execute(statement, **arrays)
    return []


def _parts(
    rows: list[Mapping[str, Any]], columns: tuple[str, ...]
) -> Iterator[list[Mapping[str, Any]]]:
    """SQLite: `rows` in VALUES lists of a power of two of rows (a few shapes compiled and
    cached), under its limit of 32,766 parameters a statement."""
    most = 1 << (min(_MOST_ROWS, _SQLITE_PARAMETERS // len(columns)).bit_length() - 1)
    start = 0
    while start < len(rows):
        count = min(most, 1 << ((len(rows) - start).bit_length() - 1))
        yield rows[start : start + count]
        start += count


_SQLITE_PARAMETERS = 32_766
_MOST_ROWS = 256  # one statement's rows: past this, longer SQL saves no round trip worth it


@functools.lru_cache(maxsize=64)
def _unnest_statement(
    table: sa.Table, columns: tuple[str, ...], returning: tuple[str, ...], skip: bool
) -> Prepared:
    arrays = [sa.cast(sa.bindparam(f"a_{name}"), _array_of(table.c[name])) for name in columns]
    source = sa.func.unnest(*arrays).table_valued(*columns).render_derived()
    select = sa.select(*(source.c[name] for name in columns))
    statement = postgresql.insert(table).from_select(columns, select)
    return _finished(statement.on_conflict_do_nothing() if skip else statement, returning)


def _array_of(column: sa.Column[Any]) -> postgresql.ARRAY[Any]:
    # Text unbounded: a cast to VARCHAR(n) would cut a longer value short without a word
    # (check_storable refuses one first; the column would then refuse it too).
    return postgresql.ARRAY(sa.Text() if isinstance(column.type, sa.String) else column.type)


@functools.lru_cache(maxsize=128)
def _values_statement(
    table: sa.Table,
    columns: tuple[str, ...],
    count: int,
    returning: tuple[str, ...],
    skip: bool,
) -> tuple[Prepared, tuple[str, ...]]:
    """`count` rows of `columns`, and the order of the columns in each row's parameters
    (the table's): `write_many` passes them so, by position, row after row. Naming each
    (`r{n}_{column}`: a 256-row statement has 14,000) and looking each name up took a tenth
    of a SQLite import's main thread (py-spy)."""
    values: list[dict[str, Any]] = [
        {name: sa.bindparam(f"r{n}_{name}") for name in columns} for n in range(count)
    ]
    statement = sqlite.insert(table).values(values)
    prepared = _finished(statement.on_conflict_do_nothing() if skip else statement, returning)
    names = prepared.compiled("sqlite").names
    order = tuple(name.removeprefix("r0_") for name in names[: len(columns)])
    if names != tuple(f"r{n}_{name}" for n in range(count) for name in order):
        raise AssertionError("SQLite's VALUES list binds its parameters out of row order")
    return prepared, order


def _finished(statement: Any, returning: tuple[str, ...]) -> Prepared:
    if returning:
        statement = statement.returning(*(statement.table.c[name] for name in returning))
    return Prepared(statement)


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


def locking(
    conn: Connection, statement: sa.Select[Any], table: sa.Table, lock: bool
) -> sa.Select[Any]:
    """`statement`, which reads one row of `table`; with `lock`, the row stays locked until
    the transaction ends (PostgreSQL's FOR UPDATE; SQLite's writers already take turns), so
    that what a write checks it against (an `If-Match`, a history's old values) stays true."""
    if lock and conn.dialect_name == "postgresql":
        return statement.with_for_update(of=table)
    return statement


def deleted(count: int) -> bool:
    """Whether a DELETE of one row found it. The statement's own row count decides, never a
    read before it: on PostgreSQL two transactions may both read the row, and the second
    DELETE then waits for the first to commit and deletes nothing."""
    return count > 0
