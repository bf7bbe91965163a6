"""A row's related rows as one JSON array in the row's own statement: how a customer comes
with its payment types and contacts in one round trip, on both databases.

`JsonRows` is a column holding a correlated subquery: one JSON object per related row (keyed
by the columns' names), in a given order. The two databases spell it differently, so it is
compiled per dialect, and one statement serves both (built once, compiled for each):

- PostgreSQL: `json_agg(json_build_object(…) ORDER BY …)`, the order guaranteed by the
  aggregate itself; NULL when there is no row.
- SQLite: `json_group_array(json_object(…))` over an ordered subquery (SQLite takes ORDER BY
  inside an aggregate from 3.44 only, and Debian 12's is 3.40): a subquery that has an ORDER BY
  is never merged into an aggregate query, so its rows reach the aggregate in its order; `[]`
  when there is no row.

`JsonReader` reads the arrays back into the values a query of the same columns answers: in
JSON a timestamp is text (PostgreSQL's `2021-01-04T08:00:00.5`, SQLite's stored
`2021-01-04 08:00:00.500000`) and a flag a number on SQLite, so those columns are typed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class JsonRows(sa.ColumnElement[str]):
    """The rows of `rows` (a select correlated to the enclosing statement's row, with
    `.correlate(…)`), in `order`, as a JSON array of objects."""

    inherit_cache = True
    # What SQLAlchemy's statement cache keys read: two statements of one shape share SQL.
    _traverse_internals = [
        ("rows", InternalTraversal.dp_clauseelement),
        ("order", InternalTraversal.dp_clauseelement_tuple),
    ]
    type = sa.String()

    def __init__(self, rows: sa.Select[Any], order: Sequence[sa.ColumnElement[Any]]) -> None:
        self.rows = rows
        self.order = tuple(order)


def _pairs(columns: Iterable[sa.ColumnElement[Any]]) -> list[sa.ColumnElement[Any]]:
    """`'name', value, …` for a JSON object: the keys are the columns' own names."""
    pairs: list[sa.ColumnElement[Any]] = []
    for column in columns:
        key = str(getattr(column, "key", None))
        assert key.isidentifier(), key  # written into the SQL as a literal
        pairs += [sa.literal_column(f"'{key}'"), column]
    return pairs


@compiles(JsonRows, "postgresql")
def _postgresql(element: JsonRows, compiler: SQLCompiler, **kw: Any) -> str:
    objects = sa.func.json_build_object(*_pairs(element.rows.selected_columns))
    aggregate = sa.func.json_agg(aggregate_order_by(objects, *element.order))
    return compiler.process(element.rows.with_only_columns(aggregate).scalar_subquery(), **kw)


@compiles(JsonRows)  # SQLite's, and what `str(statement)` shows
def _sqlite(element: JsonRows, compiler: SQLCompiler, **kw: Any) -> str:
    ordered = element.rows.order_by(*element.order).subquery()
    objects = sa.func.json_object(*_pairs(ordered.c))
    aggregate = sa.select(sa.func.json_group_array(objects)).select_from(ordered)
    return compiler.process(aggregate.scalar_subquery(), **kw)


class JsonReader:
    """Reads a `JsonRows` array of `columns` back into one dict per row, each value as a
    query of those columns answers it."""

    __slots__ = ("_flags", "_times")

    def __init__(self, columns: Iterable[sa.ColumnElement[Any]]) -> None:
        columns = list(columns)
        self._times = tuple(str(c.key) for c in columns if isinstance(c.type, sa.DateTime))
        self._flags = tuple(str(c.key) for c in columns if isinstance(c.type, sa.Boolean))

    def __call__(self, value: str | bytes | None) -> list[dict[str, Any]]:
        if value is None:  # PostgreSQL's aggregate of no row
            return []
        rows: list[dict[str, Any]] = orjson.loads(value)
        for row in rows:
            for name in self._times:
                if row[name] is not None:
                    row[name] = datetime.fromisoformat(row[name])
            for name in self._flags:
                if row[name] is not None:
                    row[name] = bool(row[name])
        return rows
