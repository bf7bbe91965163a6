"""Turns a core `ListQuery` into SQL over one table: filters, order, grouping and paging.

Every value is coerced to its column's type here, so a bad filter is a 4xx
(`InvalidQuery`), never a database error.

Relations are declared per Listing. A filter through a relation (`has`, `any`, or a dotted
field) is a correlated `EXISTS` over an alias of the related table, limited by the
relation's scope, so a caller can never test rows they may not see. Ordering through a
relation joins it (limited by its scope too), as an ORM query does; grouping through a to-one
relation uses a correlated scalar subquery.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import math
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.util import LRUCache

from customer_registry.core.clock import parse_timestamp, utcnow
from customer_registry.core.errors import DatabaseRefusal, InvalidQuery
from customer_registry.core.fields import FLOAT_LIMIT, INT32, INT64, parse_integer, parse_number
from customer_registry.core.query import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_DEPTH,
    MAX_IN_VALUES,
    PATH_SEPARATOR,
    BoolOp,
    Condition,
    Filter,
    ListQuery,
    Op,
    Order,
    PageRequest,
    split_path,
)
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Prepared, Row, Statement
from customer_registry.storage.scope import ScopeRule, Visible, narrowed, scope_values

# Joins a row of the outer table (first) to its related rows in the target table (second).
Link = Callable[[sa.FromClause, sa.FromClause], sa.ColumnElement[bool]]


def same(outer_column: str, target_column: str) -> Link:
    """Rows are related when `outer.<outer_column> = target.<target_column>`."""

    def link(outer: sa.FromClause, target: sa.FromClause) -> sa.ColumnElement[bool]:
        return outer.c[outer_column] == target.c[target_column]

    return link


@dataclass(frozen=True, slots=True)
class Relation:
    """A named way from one Listing's rows to another's; `many`: to-many (else to-one).

    `scope` limits the related rows to those the caller may see, whatever the outer rows.
    """

    name: str
    target: Listing
    link: Link
    many: bool
    scope: ScopeRule


@dataclass(frozen=True, slots=True)
class Listing:
    """What a table exposes to list queries: its key (the stable tie-break), its fields, the
    rows a caller may see, and its relations to other listings."""

    table: sa.Table
    key: sa.Column[Any]
    fields: Mapping[str, sa.Column[Any]]
    scope: ScopeRule
    relations: dict[str, Relation] = field(default_factory=dict)
    # The statements of the common list shapes, built once per kind of scope and shape (see
    # _plan).
    built: LRUCache[Any, Any] = field(
        default_factory=lambda: LRUCache(128), repr=False, compare=False
    )
    # Totals past the exact limit, remembered for a moment (see _total), and those being
    # counted right now (one count at a time per query: the others wait for its result).
    large_totals: LRUCache[Any, tuple[int, float]] = field(
        default_factory=lambda: LRUCache(1024), repr=False, compare=False
    )
    counting: dict[Any, asyncio.Future[int | None]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def column(self, name: str) -> sa.Column[Any]:
        try:
            return self.fields[name]
        except KeyError:
            raise InvalidQuery(f"unknown field {name!r}") from None

    def relation(self, name: str) -> Relation:
        try:
            return self.relations[name]
        except KeyError:
            raise InvalidQuery(f"unknown relation {name!r}") from None

    def relate(self, *relations: Relation) -> None:
        """Declares relations once every listing exists, so relations may run both ways."""
        for relation in relations:
            self.relations[relation.name] = relation


@dataclass(frozen=True, slots=True)
class _Source:
    """A listing as seen through one FROM item: its own table, or an alias inside a subquery."""

    listing: Listing
    table: sa.FromClause

    @classmethod
    def root(cls, listing: Listing) -> _Source:
        return cls(listing, listing.table)

    def column(self, name: str) -> sa.ColumnElement[Any]:
        return self.table.c[self.listing.column(name).name]

    def enter(self, name: str) -> tuple[Relation, _Source]:
        """The relation `name`, and its target under a fresh alias (a table may recur)."""
        relation = self.listing.relation(name)
        return relation, _Source(relation.target, relation.target.table.alias())

    def related(self, scope: Scope, relation: Relation, target: _Source) -> sa.Select[Any]:
        """The target's rows linked to the current outer row and visible to the scope."""
        return (
            sa.select(sa.literal_column("1"))
            .select_from(target.table)
            .where(relation.link(self.table, target.table), relation.scope(scope, target.table))
            # Everything but the alias comes from the enclosing query (the outer row).
            .correlate_except(target.table)
        )


# --- values ---------------------------------------------------------------------------------


def _to_int(value: Any, low: int = INT64[0], high: int = INT64[1]) -> int:
    found = parse_integer(value, whole_floats=True)
    if found is None or not low <= found <= high:
        raise ValueError(f"not an integer from {low} to {high}")
    return found


# How PostgreSQL reads text as an integer (int4in, int8in before version 16): digits, a sign
# first, spaces around.
_POSTGRESQL_INTEGER = re.compile(r"[ \t\n\r\f\v]*[+-]?[0-9]+[ \t\n\r\f\v]*")


def _postgresql_int(value: Any, low: int = INT64[0], high: int = INT64[1]) -> int:
    """An integer as PostgreSQL reads a value handed to it (text with a `+` or spaces too)."""
    if not isinstance(value, str) or not _POSTGRESQL_INTEGER.fullmatch(value):
        return _to_int(value, low, high)
    found = int(value)
    if not low <= found <= high:
        raise ValueError(f"not an integer from {low} to {high}")
    return found


def _to_number(value: Any) -> int | float:
    """A number compared with a number column: any integer (however large) or a finite
    float; a comparison with one an integer column cannot hold is decided without asking the
    database (see _integer_comparison). Text is not a number here: as PostgreSQL reads a
    quoted value for an integer column, it must be an integer the column can hold (_to_int)."""
    if isinstance(value, bool | str):
        raise ValueError("not a number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValueError("not a number")


def _to_float(value: Any) -> float:
    # Text as the one number parser reads it (no `nan`, `1_0`, other scripts' digits).
    number = parse_number(value) if isinstance(value, str) else float(_to_number(value))
    # Past FLOAT_LIMIT no column holds it (core.fields.check_storable), as the documents say.
    if number is None or not abs(number) <= FLOAT_LIMIT:
        raise ValueError("not a number a column holds")
    return number


def _to_str(value: Any) -> str:
    # A number is not text: PostgreSQL refuses to compare a text column with one.
    if not isinstance(value, str):
        raise ValueError("not a string")
    if "\x00" in value:
        raise ValueError("NUL is not allowed in text")
    return value


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise ValueError("not a boolean")


def _postgresql_bool(value: Any) -> bool:
    """A boolean as PostgreSQL reads a value handed to it: a boolean, or text that is a
    boolean word (any start of `true`, `false`, `yes`, `no`; `on`, `of[f]`, `1`, `0`; any
    case, spaces around). A number is no boolean to it (`boolean = integer` has no operator)."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise TypeError("not a boolean")
    word = value.strip(" \t\n\r\f\v").lower()
    for words, meaning in ((("true", "yes"), True), (("false", "no"), False)):
        if word and any(full.startswith(word) for full in words):
            return meaning
    if word in ("on", "1", "of", "off", "0"):
        return word in ("on", "1")
    raise ValueError("not a boolean")


# SQL's names for "now", which clients may send for a time (Flask-Restless passes them to
# the database); the registry's times are UTC.
_NOW_MARKERS = ("CURRENT_TIMESTAMP", "LOCALTIMESTAMP")
_TODAY_MARKER = "CURRENT_DATE"


def _to_time(value: Any) -> datetime:
    if isinstance(value, datetime):  # already read by the API, as its original read it
        return value
    if value in _NOW_MARKERS:
        return utcnow()
    if value == _TODAY_MARKER:
        return utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return parse_timestamp(value)


def _range(column: sa.ColumnElement[Any]) -> tuple[int, int] | None:
    """The values an integer column can hold (None: not an integer column)."""
    kind = column.type
    if isinstance(kind, sa.BigInteger):
        return INT64
    if isinstance(kind, sa.Integer):  # 32 bits
        return INT32
    return None


def _coercer(column: sa.ColumnElement[Any], as_postgresql: bool) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return _postgresql_bool if as_postgresql else _to_bool
    limits = _range(column)
    if limits is not None:  # a larger value would fail in the database
        read = _postgresql_int if as_postgresql else _to_int
        return functools.partial(read, low=limits[0], high=limits[1])
    if isinstance(kind, sa.DateTime):
        return _to_time
    if isinstance(kind, sa.Float):
        return _to_float
    return _to_str


def _coerce(
    column: sa.ColumnElement[Any], value: Any, label: str, as_postgresql: bool = False
) -> Any:
    """`value` as `column`'s type (see ListQuery.as_postgresql); `label` names the field in
    the message as the client named it (never the column, whose table name is no client's
    business)."""
    try:
        return _coercer(column, as_postgresql)(value)
    except (ValueError, TypeError, OverflowError):
        raise InvalidQuery(f"bad value for {label}", _refusal(column, value)) from None


def _refusal(column: sa.ColumnElement[Any], value: Any) -> DatabaseRefusal | None:
    """How PostgreSQL refuses a value sent for `column`: text is read as the column's type (a
    DataError when it cannot be), any other value is sent typed, and comparing two types is
    an operator that does not exist (a ProgrammingError). None where no database would be
    asked: times are read here (`_to_time`, which differs from PostgreSQL's reading), and text
    holding NUL cannot even be sent."""
    if isinstance(column.type, sa.DateTime) or (isinstance(value, str) and "\x00" in value):
        return None
    return DatabaseRefusal.DATA if isinstance(value, str) else DatabaseRefusal.PROGRAMMING


def _family(column: sa.ColumnElement[Any]) -> str:
    """What two fields must share to be compared: numbers with numbers, and so on."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return "boolean"
    if isinstance(kind, sa.Integer | sa.Float):
        return "number"
    if isinstance(kind, sa.DateTime):
        return "time"
    return "text"


# --- filters --------------------------------------------------------------------------------

_COMPARE: dict[Op, Callable[[Any, Any], Any]] = {
    Op.EQ: lambda c, v: c == v,
    Op.NE: lambda c, v: c != v,
    Op.GT: lambda c, v: c > v,
    Op.LT: lambda c, v: c < v,
    Op.GE: lambda c, v: c >= v,
    Op.LE: lambda c, v: c <= v,
}
_LIKE = (Op.LIKE, Op.ILIKE)
_OPERATION = DatabaseRefusal.PROGRAMMING  # PostgreSQL has no such operator for the types

# Builds a condition on a source reached through relations, at a given depth.
_Build = Callable[["_Source", int], sa.ColumnElement[bool]]


def _label(cond: Condition) -> str:
    return cond.label or cond.field


def _integer_comparison(
    column: sa.ColumnElement[Any], op: Op, value: int | float, limits: tuple[int, int]
) -> sa.ColumnElement[bool]:
    """`column op value` for an integer column, where the value may be a fraction or beyond
    what the column holds: the comparison is made with the nearest integer bound that means
    the same, and decided here when no stored value can (or every one does) meet it."""
    low, high = limits
    whole = isinstance(value, int)
    if op in (Op.EQ, Op.NE):
        if whole and low <= value <= high:
            return _COMPARE[op](column, value)  # type: ignore[no-any-return]
        return sa.false() if op is Op.EQ else column.is_not(None)
    # `< 5.5` is `<= 5`, `> 5.5` is `>= 6`: the comparison's own bound, as an integer.
    bound = math.ceil(value) if op in (Op.LT, Op.GE) else math.floor(value)
    below = op in (Op.LT, Op.LE)  # true for the column's values below the bound
    if bound > high or (bound == high and op is Op.LE):
        return column.is_not(None) if below else sa.false()
    if bound < low or (bound == low and op is Op.LT):
        return sa.false() if below else column.is_not(None)
    return _COMPARE[op](column, bound)  # type: ignore[no-any-return]


def _integer_value(
    column: sa.ColumnElement[Any], value: Any, as_postgresql: bool, label: str
) -> int | float:
    """What an integer column is compared with: a value of the column's own type, or with
    `as_postgresql` (ListQuery.as_postgresql) a number as it is (see _to_number); text is
    always read as the column's type, as PostgreSQL reads a quoted value."""
    if not as_postgresql or isinstance(value, str):
        return int(_coerce(column, value, label, as_postgresql))
    try:
        return _to_number(value)
    except (ValueError, TypeError):
        raise InvalidQuery(f"bad value for {label}", _refusal(column, value)) from None


def _membership(
    column: sa.ColumnElement[Any], cond: Condition, as_postgresql: bool
) -> sa.ColumnElement[bool]:
    """`in` / `not in` a list, as SQL has it: a NULL in the list matches nothing, and makes
    `not in` match nothing either; values an integer column cannot hold match nothing."""
    if not isinstance(cond.value, list) or len(cond.value) > MAX_IN_VALUES:
        raise InvalidQuery("in needs a list")
    values = [v for v in cond.value if v is not None]
    if cond.op is Op.NOT_IN and len(values) < len(cond.value):
        return sa.false()
    limits = _range(column)
    if limits is not None:
        numbers = [_integer_value(column, v, as_postgresql, _label(cond)) for v in values]
        values = [n for n in numbers if isinstance(n, int) and limits[0] <= n <= limits[1]]
    else:
        values = [_coerce(column, v, _label(cond), as_postgresql) for v in values]
    return column.in_(values) if cond.op is Op.IN else column.not_in(values)


def _like(column: sa.ColumnElement[Any], cond: Condition) -> sa.ColumnElement[bool]:
    if isinstance(column.type, sa.DateTime):  # a time is read here (see _refusal)
        raise InvalidQuery("like needs a text field and a text pattern")
    if not isinstance(column.type, sa.String) or not isinstance(cond.value, str):
        # PostgreSQL has no LIKE for other types.
        raise InvalidQuery("like needs a text field and a text pattern", _OPERATION)
    if "\x00" in cond.value:
        raise InvalidQuery("like needs a text field and a text pattern")
    # Backslash escapes `%` and `_` on both databases (PostgreSQL's default; SQLite has none).
    escape = "\\"
    if (len(cond.value) - len(cond.value.rstrip(escape))) % 2:
        # A pattern ending in a lone escape matches nothing (PostgreSQL refuses it only once
        # a value matches up to that point; SQLite never matches it).
        return sa.false()
    if cond.op is Op.LIKE:
        return column.like(cond.value, escape=escape)
    return column.ilike(cond.value, escape=escape)


def _fields_compared(
    column: sa.ColumnElement[Any], op: Op, other: sa.ColumnElement[Any]
) -> sa.ColumnElement[bool]:
    """The second filter form: two fields of the same family (numbers of any size, times,
    text, booleans)."""
    if _family(other) != _family(column):  # PostgreSQL has no operator for the two types
        raise InvalidQuery("fields cannot be compared", _OPERATION)
    if op in _COMPARE:
        return _COMPARE[op](column, other)  # type: ignore[no-any-return]
    if op in _LIKE:
        if _family(column) != "text":
            raise InvalidQuery("fields cannot be compared", _OPERATION)
        return column.like(other) if op is Op.LIKE else column.ilike(other)
    raise InvalidQuery("fields cannot be compared")


def _comparison(
    column: sa.ColumnElement[Any],
    cond: Condition,
    other: sa.ColumnElement[Any] | None,
    as_postgresql: bool = False,
) -> sa.ColumnElement[bool]:
    """`column op value` (or `op other`), the value coerced to the column's type (see
    _integer_value for `as_postgresql`)."""
    if cond.op is Op.IS_NULL:
        return column.is_(None)
    if cond.op is Op.IS_NOT_NULL:
        return column.is_not(None)
    if other is not None:
        return _fields_compared(column, cond.op, other)
    if cond.op in (Op.IN, Op.NOT_IN):
        return _membership(column, cond, as_postgresql)
    if cond.op in _LIKE:
        return _like(column, cond)
    if cond.op not in _COMPARE:
        raise InvalidQuery(f"{cond.op} needs a relation")
    if cond.value is None:
        # `== null` is what a client means by "is null"; SQL's `= NULL` would match nothing.
        if cond.op is Op.EQ:
            return column.is_(None)
        if cond.op is Op.NE:
            return column.is_not(None)
        raise InvalidQuery("cannot order against null")
    limits = _range(column)
    if limits is not None:
        value = _integer_value(column, cond.value, as_postgresql, _label(cond))
        return _integer_comparison(column, cond.op, value, limits)
    coerced: Any = _coerce(column, cond.value, _label(cond), as_postgresql)
    if isinstance(coerced, bool):  # SQLAlchemy takes a Python boolean with = and != only
        coerced = sa.literal(coerced, sa.Boolean)
    return _COMPARE[cond.op](column, coerced)  # type: ignore[no-any-return]


class _FilterCompiler:
    """Compiles filters for one scope; counts conditions across nested filters too."""

    def __init__(self, scope: Scope, as_postgresql: bool = False) -> None:
        self._scope = scope
        self._as_postgresql = as_postgresql
        self._count = 0

    def compile(self, source: _Source, item: Filter, depth: int = 0) -> sa.ColumnElement[bool]:
        self._count += 1
        if depth > MAX_FILTER_DEPTH or self._count > MAX_FILTER_CONDITIONS:
            raise InvalidQuery("filter too deep or too long")
        if isinstance(item, BoolOp):
            parts = [self.compile(source, sub, depth + 1) for sub in item.items]
            if not parts:
                return sa.true() if item.kind == "and" else sa.false()
            return sa.and_(*parts) if item.kind == "and" else sa.or_(*parts)
        return self._condition(source, item, depth)

    def _condition(self, source: _Source, cond: Condition, depth: int) -> sa.ColumnElement[bool]:
        relations, name = split_path(cond.field)
        if cond.op in (Op.HAS, Op.ANY):
            return self._through(
                source, relations, depth, lambda s, d: self._has_or_any(s, name, cond, d)
            )
        if cond.op in (Op.IS_NULL, Op.IS_NOT_NULL):
            return self._through(
                source, relations, depth, lambda s, _: self._null(s, name, cond.op)
            )
        # The other field is on the filter's own model: the subqueries correlate to it.
        other = None if cond.other_field is None else source.column(cond.other_field)
        return self._through(
            source,
            relations,
            depth,
            lambda s, _: _comparison(s.column(name), cond, other, self._as_postgresql),
        )

    def _through(
        self, source: _Source, relations: list[str], depth: int, build: _Build
    ) -> sa.ColumnElement[bool]:
        """`build` on the rows reached through `relations`: one EXISTS per hop."""
        if not relations:
            return build(source, depth)
        if depth >= MAX_FILTER_DEPTH:
            raise InvalidQuery("filter too deep")
        relation, target = source.enter(relations[0])
        inner = self._through(target, relations[1:], depth + 1, build)
        return source.related(self._scope, relation, target).where(inner).exists()

    def _null(self, source: _Source, name: str, op: Op) -> sa.ColumnElement[bool]:
        """`is_null` / `is_not_null` on a field, or on a relation: it has no related row (that
        the caller may see) / some."""
        if name not in source.listing.relations:
            return _comparison(source.column(name), Condition(name, op), None)
        relation, target = source.enter(name)
        exists = source.related(self._scope, relation, target).exists()
        return ~exists if op is Op.IS_NULL else exists

    def _has_or_any(
        self, source: _Source, name: str, cond: Condition, depth: int
    ) -> sa.ColumnElement[bool]:
        relation, target = source.enter(name)
        # Flask-Restless tells them apart: `has` for to-one relations, `any` for to-many.
        if relation.many != (cond.op is Op.ANY):
            raise InvalidQuery(f"{cond.op} does not fit relation {name!r}")
        if not isinstance(cond.value, Condition | BoolOp):
            raise InvalidQuery(f"{cond.op} needs a filter")
        inner = self.compile(target, cond.value, depth + 1)
        return source.related(self._scope, relation, target).where(inner).exists()


def where_clause(
    listing: Listing, filters: tuple[Filter, ...], scope: Scope, *, as_postgresql: bool = False
) -> sa.ColumnElement[bool]:
    compiler = _FilterCompiler(scope, as_postgresql)
    source = _Source.root(listing)
    return sa.and_(sa.true(), *(compiler.compile(source, f) for f in filters))


# --- whole queries --------------------------------------------------------------------------


def _value(source: _Source, name: str, scope: Scope, hops: int = 0) -> sa.ColumnElement[Any]:
    """A field to group by: its own, or through to-one relations only (one value)."""
    relations, last = split_path(name)
    if not relations:
        return source.column(last)
    if hops >= MAX_FILTER_DEPTH:
        raise InvalidQuery("field path too long")
    relation, target = source.enter(relations[0])
    if relation.many:
        raise InvalidQuery(f"cannot group by to-many relation {relation.name!r}")
    rest = PATH_SEPARATOR.join([*relations[1:], last])
    inner = _value(target, rest, scope, hops + 1)
    related = source.related(scope, relation, target)
    return related.with_only_columns(inner).scalar_subquery()


@dataclass(frozen=True, slots=True)
class _Sorting:
    """The rows a query lists, and their order. Ordering by a related row's field joins the
    relation, as an ORM query does (Flask-Restless's): a row is listed once per related row
    it has that the scope may see, and not at all without one."""

    rows: sa.FromClause  # the listing's table, joined to the relations the order goes through
    order: list[sa.ColumnElement[Any]]
    joined: bool  # whether a row may be listed more than once

    @classmethod
    def of(cls, listing: Listing, query: ListQuery, scope: Scope) -> _Sorting:
        root = _Source.root(listing)
        rows: sa.FromClause = listing.table
        joins: dict[tuple[str, ...], _Source] = {}  # one join per relation path, shared
        order: list[sa.ColumnElement[Any]] = []
        for item in query.order_by:
            relations, last = split_path(item.field)
            if len(relations) > MAX_FILTER_DEPTH:
                raise InvalidQuery("field path too long")
            source = root
            for hop in range(len(relations)):
                path = tuple(relations[: hop + 1])
                if path not in joins:
                    relation, joins[path] = source.enter(relations[hop])
                    target = joins[path].table
                    linked = relation.link(source.table, target)
                    rows = rows.join(target, sa.and_(linked, relation.scope(scope, target)))
                source = joins[path]
            order.append(_ordered(source.column(last), item.descending))
        order.append(listing.key.asc())  # a stable order, so pages never overlap
        return cls(rows, order, joined=bool(joins))


def _ordered(value: sa.ColumnElement[Any], descending: bool) -> sa.ColumnElement[Any]:
    ordered = value.desc() if descending else value.asc()
    # NULLs sort as PostgreSQL sorts them on both databases: last ascending, first
    # descending (SQLite's own way is the reverse). Said only where NULLs can occur, so
    # SQLite can still walk an index of a NOT NULL column.
    if getattr(value, "nullable", True):
        ordered = ordered.nulls_first() if descending else ordered.nulls_last()
    return ordered


def matching(listing: Listing, query: ListQuery, scope: Scope) -> Visible:
    """The condition a row must meet: the scope, the filters, and grouping."""
    visible = listing.scope(scope, listing.table)
    filters = where_clause(listing, query.filters, scope, as_postgresql=query.as_postgresql)
    condition = narrowed(visible, filters)
    if query.group_by:
        # One row per group (the one with the lowest key): portable, and well defined.
        source = _Source.root(listing)
        groups = [_value(source, name, scope) for name in query.group_by]
        first_of_group = sa.select(sa.func.min(listing.key)).where(condition).group_by(*groups)
        condition = narrowed(visible, listing.key.in_(first_of_group))
    return condition


def _keys(
    listing: Listing, query: ListQuery, sorting: _Sorting, condition: Visible
) -> sa.Select[Any]:
    """The keys of the rows the query finds (joined ones once per related row), inside its
    own offset/limit window if it has one."""
    keys = sa.select(listing.key).select_from(sorting.rows).where(condition)
    if query.limit is None and not query.offset:
        return keys
    window = keys.order_by(*sorting.order).offset(query.offset).limit(query.limit).subquery()
    return sa.select(window.c[listing.key.name])


def _counted(keys: sa.Select[Any], cap: Any) -> sa.Select[Any]:
    """How many rows `keys` answers, counting no further than `cap` (None: to the end)."""
    if cap is not None:
        keys = keys.limit(cap)
    return sa.select(sa.func.count()).select_from(keys.subquery())


def count_statement(listing: Listing, query: ListQuery, scope: Scope) -> Statement:
    return _AdHoc.of(listing, query, scope).count(None)[0]


def _rows(
    listing: Listing,
    sorting: _Sorting,
    condition: Visible,
    skip: Any,
    size: Any,
) -> sa.Select[Any]:
    """The rows meeting `condition` in the query's order, `skip`ped and `size`d: values, or
    bind parameters in statements built once."""
    return (
        sa.select(listing.table)
        .select_from(sorting.rows)
        .where(condition)
        .order_by(*sorting.order)
        .offset(skip)
        .limit(size)
    )


def _page(
    listing: Listing,
    query: ListQuery,
    sorting: _Sorting,
    condition: Visible,
    page: PageRequest,
) -> sa.Select[Any] | None:
    start = page.start
    size = page.per_page
    if query.limit is not None:
        size = min(size, query.limit - start)
        if size <= 0:
            return None
    skip = query.offset + start
    if skip > INT64[1]:  # past what OFFSET takes, and past any table's rows
        return None
    return _rows(listing, sorting, condition, skip, size)


def page_statement(
    listing: Listing,
    query: ListQuery,
    scope: Scope,
    page: PageRequest,
) -> Statement | None:
    """The rows of one page, inside the query's own offset/limit window (None: no rows)."""
    found = _AdHoc.of(listing, query, scope).page(page)
    return None if found is None else found[0]


def _first_places(
    listing: Listing, query: ListQuery, sorting: _Sorting, condition: Visible
) -> sa.Subquery:
    """For a `distinct` query whose rows may recur: each row's key and the place it first
    takes in the query's order (counted over every listed row, inside the query's own
    offset/limit window)."""
    place = sa.func.row_number().over(order_by=sorting.order)
    listed = (
        sa.select(listing.key.label("key"), place.label("place"))
        .select_from(sorting.rows)
        .where(condition)
        .subquery()
    )
    window = [listed.c.place > query.offset]
    if query.limit is not None:
        window.append(listed.c.place <= min(query.offset + query.limit, INT64[1]))
    first = sa.func.min(listed.c.place).label("first")
    return sa.select(listed.c.key, first).where(*window).group_by(listed.c.key).subquery()


def _distinct_page(listing: Listing, firsts: sa.Subquery, page: PageRequest) -> sa.Select[Any]:
    return (
        sa.select(listing.table)
        .join(firsts, listing.key == firsts.c.key)
        .order_by(firsts.c.first)
        .offset(page.start)
        .limit(page.per_page)
    )


# --- the statements of one request ----------------------------------------------------------

Bound = tuple[Statement, dict[str, Any]]  # a statement and the values it is run with


class _Plan(ABC):
    """The statements one list request may run."""

    @property
    @abstractmethod
    def memo(self) -> Any:
        """What tells this query's rows from any other's: the rows its scope sees (its
        `visible_entity`), the query's shape and its values."""

    @property
    @abstractmethod
    def global_scope(self) -> bool:
        """Whether the scope sees every entity's rows (so an estimate over the whole table
        tells them nothing they may not know)."""

    @abstractmethod
    def page(self, page: PageRequest) -> Bound | None:
        """The page's rows (None: the query's own window leaves none)."""

    @abstractmethod
    def count(self, cap: int | None) -> Bound:
        """How many rows match, counting no further than `cap` (None: to the end)."""

    @abstractmethod
    def keys(self) -> Bound:
        """The matching rows' keys (to estimate how many there are)."""


@dataclass(frozen=True, slots=True)
class _AdHoc(_Plan):
    """Any query: its statements are built for this request (and compiled once per shape)."""

    listing: Listing
    query: ListQuery
    scope: Scope
    condition: Visible
    sorting: _Sorting

    @classmethod
    def of(cls, listing: Listing, query: ListQuery, scope: Scope) -> _AdHoc:
        condition = matching(listing, query, scope)
        return cls(listing, query, scope, condition, _Sorting.of(listing, query, scope))

    @property
    def memo(self) -> Any:
        # A digest: a query may hold a thousand `in` values, and a thousand are remembered.
        digest = hashlib.blake2b(repr(self.query).encode(), digest_size=16).digest()
        return self.scope.visible_entity, digest

    @property
    def global_scope(self) -> bool:
        return self.scope.all_entities

    def page(self, page: PageRequest) -> Bound | None:
        if self._distinct:
            return _distinct_page(self.listing, self._firsts(), page), {}
        statement = _page(self.listing, self.query, self.sorting, self.condition, page)
        return None if statement is None else (statement, {})

    def count(self, cap: int | None) -> Bound:
        return _counted(self._keys(), cap), {}

    def keys(self) -> Bound:
        return self._keys(), {}

    @property
    def _distinct(self) -> bool:
        return self.query.distinct and self.sorting.joined

    def _firsts(self) -> sa.Subquery:
        return _first_places(self.listing, self.query, self.sorting, self.condition)

    def _keys(self) -> sa.Select[Any]:
        if self._distinct:
            return sa.select(self._firsts().c.key)
        return _keys(self.listing, self.query, self.sorting, self.condition)


# The shape most list requests take: no filter or one equality, on the listing's own fields,
# ordered by its own fields, no grouping and no window of its own.
_Shape = tuple[str | None, tuple[tuple[str, bool], ...]]  # (field compared, order)


def _shape(listing: Listing, query: ListQuery) -> _Shape | None:
    if query.group_by or query.limit is not None or query.offset or len(query.filters) > 1:
        return None
    order = tuple((item.field, item.descending) for item in query.order_by)
    if not all(name in listing.fields for name, _ in order):
        return None
    if not query.filters:
        return None, order
    cond = query.filters[0]
    if (
        not isinstance(cond, Condition)
        or cond.op is not Op.EQ
        or cond.other_field is not None
        or cond.value is None  # `== null` is IS NULL: the general path knows it
        or cond.field not in listing.fields
    ):
        return None
    return cond.field, order


@dataclass(frozen=True, slots=True)
class _Built:
    """A shape's statements, built and compiled once; a request binds only its values."""

    page: Prepared  # binds list_start and list_size
    count: Prepared
    capped_count: Prepared  # binds list_cap
    keys: Prepared

    @classmethod
    def build(cls, listing: Listing, scope: Scope, shape: _Shape) -> _Built:
        name, order = shape
        query = ListQuery(order_by=tuple(Order(field, desc) for field, desc in order))
        condition = listing.scope(scope, listing.table)
        if name is not None:
            column = listing.column(name)
            condition = narrowed(condition, column == sa.bindparam("list_value", type_=column.type))
        sorting = _Sorting.of(listing, query, scope)
        keys = _keys(listing, query, sorting, condition)
        start = sa.bindparam("list_start", type_=sa.BigInteger)
        size = sa.bindparam("list_size", type_=sa.BigInteger)
        return cls(
            page=Prepared(_rows(listing, sorting, condition, start, size)),
            count=Prepared(_counted(keys, None)),
            capped_count=Prepared(_counted(keys, sa.bindparam("list_cap", type_=sa.BigInteger))),
            keys=Prepared(keys),
        )


@dataclass(frozen=True, slots=True)
class _Shaped(_Plan):
    built: _Built
    values: dict[str, Any]  # the compared value, if any, and the scope's entity
    key: tuple[Any, ...]  # the rows the scope sees, the shape, and the value if any
    sees_all: bool

    @property
    def memo(self) -> Any:
        return self.key

    @property
    def global_scope(self) -> bool:
        return self.sees_all

    def page(self, page: PageRequest) -> Bound:
        window = {"list_start": page.start, "list_size": page.per_page}
        return self.built.page, {**self.values, **window}

    def count(self, cap: int | None) -> Bound:
        if cap is None:
            return self.built.count, self.values
        return self.built.capped_count, {**self.values, "list_cap": cap}

    def keys(self) -> Bound:
        return self.built.keys, self.values


def _plan(listing: Listing, scope: Scope, query: ListQuery) -> _Plan:
    shape = _shape(listing, query)
    values: dict[str, Any] = {}
    if shape is not None and shape[0] is not None:
        try:
            first: Condition = query.filters[0]  # type: ignore[assignment]
            column = listing.column(shape[0])
            values["list_value"] = _coerce(column, first.value, _label(first), query.as_postgresql)
        except InvalidQuery:
            if not query.as_postgresql:
                raise
            # A number the column cannot hold (a fraction, an integer past its range): the
            # general path decides such comparisons.
            shape = None
    if shape is None:
        return _AdHoc.of(listing, query, scope)
    # Keyed by the kind of scope, not by who asks: the scope's entity is bound at each run
    # (`scope_values`), so the callers of every entity share a shape's statements.
    key = (scope.all_entities, shape)
    built = listing.built.get(key)
    if built is None:
        built = listing.built[key] = _Built.build(listing, scope, shape)
    memo = (scope.visible_entity, shape, *values.values())
    return _Shaped(built, {**values, **scope_values(scope)}, memo, scope.all_entities)


async def fetch_page(
    conn: Connection, listing: Listing, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """How many rows the query finds among those the scope sees, and the asked page of
    them. A page that is not full tells the total by itself (a lookup by an identifier, a
    short list, the last page): the count is asked only when it cannot be known otherwise."""
    plan = _plan(listing, scope, query)
    found = plan.page(page)
    rows = [] if found is None else await conn.fetch_all(found[0], **found[1])
    if (rows or page.start == 0) and len(rows) < page.per_page:
        return page.start + len(rows), rows
    return await _total(conn, listing, plan, page, rows), rows


# How long a total past the exact limit is remembered. Within it the same query (same rows
# seen, shape and value) is neither counted nor estimated again: on PostgreSQL the total is the
# planner's estimate anyway, which changes only with the table's statistics; a count to the
# end is done once a second instead of at every page. Kept short, so that a result which
# falls back under the limit is counted exactly again within a second.
LARGE_TOTAL_SECONDS = 1.0


async def _total(
    conn: Connection, listing: Listing, plan: _Plan, page: PageRequest, rows: Sequence[Row]
) -> int:
    """The exact count up to the connection's `exact_total_limit`; past it, the planner's
    estimate (counting a million rows takes longer than the page itself) for a caller who
    sees every entity, or a count to the end, either remembered for LARGE_TOTAL_SECONDS.

    Only a caller who sees the whole table gets an estimate: the planner's statistics cover
    every entity's rows, so an estimate for one entity's query moves with the others' rows.

    A total never says less than what is known: more rows than the limit, the rows up to
    this page's end, and one more when the page is full, so that a client following the
    `next` pages always reaches the last one (at worst an empty page past the end)."""
    limit = conn.exact_total_limit
    known = page.start + len(rows) + (len(rows) == page.per_page)
    memo = None if limit is None else (plan.memo, limit)
    remembered = None if memo is None else listing.large_totals.get(memo)
    if remembered is not None and time.monotonic() < remembered[1]:
        assert limit is not None  # remembered only past it
        return max(remembered[0], limit + 1, known)
    statement, values = plan.count(None if limit is None else limit + 1)
    counted = int(await conn.fetch_value(statement, **values))
    if limit is None or counted <= limit:
        return counted
    return max(await _large_total(conn, listing, plan, memo), counted, known)


async def _large_total(conn: Connection, listing: Listing, plan: _Plan, memo: Any) -> int:
    """The total past the limit, remembered; while one request works it out, the others
    asking for the same total wait for its answer instead of counting too."""
    pending = listing.counting.get(memo)
    if pending is not None:
        found = await asyncio.shield(pending)
        if found is not None:
            return found
        return await _estimate_or_count(conn, plan)  # that request failed: count here
    future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
    listing.counting[memo] = future
    total = None
    try:
        total = await _estimate_or_count(conn, plan)
        listing.large_totals[memo] = (total, time.monotonic() + LARGE_TOTAL_SECONDS)
        return total
    finally:
        del listing.counting[memo]
        future.set_result(total)


async def _estimate_or_count(conn: Connection, plan: _Plan) -> int:
    if plan.global_scope:
        statement, values = plan.keys()
        estimate = await conn.estimate_rows(statement, **values)
        if estimate is not None:
            return estimate
    # A caller limited to one entity, or a database that cannot estimate: count to the end.
    statement, values = plan.count(None)
    return int(await conn.fetch_value(statement, **values))
