"""Turns a core `ListQuery` into SQL over one table: filters, order, grouping and paging.

Every value is coerced to its column's type here, so a bad filter is a 4xx
(`InvalidQuery`), never a database error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from customer_registry.core.clock import parse_timestamp
from customer_registry.core.errors import InvalidQuery
from customer_registry.core.query import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_DEPTH,
    MAX_IN_VALUES,
    BoolOp,
    Condition,
    Filter,
    ListQuery,
    Op,
    PageRequest,
)

_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True, slots=True)
class Listing:
    """What a table exposes to list queries: its key (the stable tie-break) and its fields."""

    table: sa.Table
    key: sa.Column[Any]
    fields: Mapping[str, sa.Column[Any]]

    def column(self, name: str) -> sa.Column[Any]:
        try:
            return self.fields[name]
        except KeyError:
            raise InvalidQuery(f"unknown field {name!r}") from None


# --- values ---------------------------------------------------------------------------------


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        value = int(value)
    if not isinstance(value, int) or not _INT64[0] <= value <= _INT64[1]:
        raise ValueError("not an integer")
    return value


def _to_str(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("not a string")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL is not allowed in text")
    return str(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise ValueError("not a boolean")


def _coercer(column: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return _to_bool
    if isinstance(kind, sa.Integer):
        return _to_int
    if isinstance(kind, sa.DateTime):
        return parse_timestamp
    if isinstance(kind, sa.Float):
        return lambda v: float(_to_str(v))
    return _to_str


def _coerce(column: sa.Column[Any], value: Any) -> Any:
    try:
        return _coercer(column)(value)
    except (ValueError, TypeError, OverflowError):
        raise InvalidQuery(f"bad value for {column.name!r}") from None


# --- filters --------------------------------------------------------------------------------

_COMPARE: dict[Op, Callable[[Any, Any], Any]] = {
    Op.EQ: lambda c, v: c == v,
    Op.NE: lambda c, v: c != v,
    Op.GT: lambda c, v: c > v,
    Op.LT: lambda c, v: c < v,
    Op.GE: lambda c, v: c >= v,
    Op.LE: lambda c, v: c <= v,
}


class _FilterCompiler:
    def __init__(self, listing: Listing) -> None:
        self._listing = listing
        self._count = 0

    def compile(self, item: Filter, depth: int = 0) -> sa.ColumnElement[bool]:
        self._count += 1
        if depth > MAX_FILTER_DEPTH or self._count > MAX_FILTER_CONDITIONS:
            raise InvalidQuery("filter too deep or too long")
        if isinstance(item, BoolOp):
            parts = [self.compile(sub, depth + 1) for sub in item.items]
            if not parts:
                return sa.true() if item.kind == "and" else sa.false()
            return sa.and_(*parts) if item.kind == "and" else sa.or_(*parts)
        return self._condition(item)

    def _condition(self, cond: Condition) -> sa.ColumnElement[bool]:
        column = self._listing.column(cond.field)
        if cond.op is Op.IS_NULL:
            return column.is_(None)
        if cond.op is Op.IS_NOT_NULL:
            return column.is_not(None)
        if cond.other_field is not None:
            other = self._listing.column(cond.other_field)
            if cond.op not in _COMPARE or _coercer(other) is not _coercer(column):
                raise InvalidQuery("fields cannot be compared")
            return _COMPARE[cond.op](column, other)  # type: ignore[no-any-return]
        if cond.op in (Op.IN, Op.NOT_IN):
            if not isinstance(cond.value, list) or len(cond.value) > MAX_IN_VALUES:
                raise InvalidQuery("in needs a list")
            values = [_coerce(column, v) for v in cond.value]
            return column.in_(values) if cond.op is Op.IN else column.not_in(values)
        if cond.op in (Op.LIKE, Op.ILIKE):
            if not isinstance(column.type, sa.String) or not isinstance(cond.value, str):
                raise InvalidQuery("like needs a text field and a text pattern")
            if "\x00" in cond.value:
                raise InvalidQuery("like needs a text field and a text pattern")
            return column.like(cond.value) if cond.op is Op.LIKE else column.ilike(cond.value)
        if cond.value is None:
            # `== null` is what a client means by "is null"; SQL's `= NULL` would match nothing.
            if cond.op is Op.EQ:
                return column.is_(None)
            if cond.op is Op.NE:
                return column.is_not(None)
            raise InvalidQuery("cannot order against null")
        return _COMPARE[cond.op](column, _coerce(column, cond.value))  # type: ignore[no-any-return]


def where_clause(listing: Listing, filters: tuple[Filter, ...]) -> sa.ColumnElement[bool]:
    compiler = _FilterCompiler(listing)
    return sa.and_(sa.true(), *(compiler.compile(f) for f in filters))


# --- whole queries --------------------------------------------------------------------------


def _ordering(listing: Listing, query: ListQuery) -> list[sa.ColumnElement[Any]]:
    order: list[sa.ColumnElement[Any]] = []
    for item in query.order_by:
        column = listing.column(item.field)
        order.append(column.desc() if item.descending else column.asc())
    order.append(listing.key.asc())  # a stable order, so pages never overlap
    return order


def matching(
    listing: Listing, query: ListQuery, scope: sa.ColumnElement[bool]
) -> sa.ColumnElement[bool]:
    """The condition a row must meet: the caller's scope, the filters, and grouping."""
    condition = sa.and_(scope, where_clause(listing, query.filters))
    if query.group_by:
        # One row per group (the one with the lowest key): portable, and well defined.
        groups = [listing.column(name) for name in query.group_by]
        first_of_group = sa.select(sa.func.min(listing.key)).where(condition).group_by(*groups)
        condition = listing.key.in_(first_of_group)
    return condition


def count_statement(
    listing: Listing, query: ListQuery, scope: sa.ColumnElement[bool]
) -> sa.Select[Any]:
    condition = matching(listing, query, scope)
    if query.limit is None and not query.offset:
        return sa.select(sa.func.count()).select_from(listing.table).where(condition)
    window = (
        sa.select(listing.key)
        .where(condition)
        .order_by(*_ordering(listing, query))
        .offset(query.offset)
        .limit(query.limit)
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(window)


def page_statement(
    listing: Listing,
    query: ListQuery,
    scope: sa.ColumnElement[bool],
    page: PageRequest,
) -> sa.Select[Any] | None:
    """The rows of one page, inside the query's own offset/limit window (None: no rows)."""
    start = (page.page - 1) * page.per_page
    size = page.per_page
    if query.limit is not None:
        size = min(size, query.limit - start)
        if size <= 0:
            return None
    return (
        sa.select(listing.table)
        .where(matching(listing, query, scope))
        .order_by(*_ordering(listing, query))
        .offset(query.offset + start)
        .limit(size)
    )
