"""A list query in the registry's own terms: filters, order, grouping, window, page.

APIs parse their query languages into this; repositories turn it into SQL. Field names are
the core's (e.g. `external_id`, `code`), never an API's. A name may be a dotted path through
relations (`customer_entity_linker.entity_id`); `has`/`any` take a nested filter on the
related rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

# Bounds on what one query may ask, so no request can make the database work without end.
# Nested `has`/`any` filters and relation hops count towards the depth, their conditions
# towards the total.
MAX_FILTER_DEPTH = 16
MAX_FILTER_CONDITIONS = 200
MAX_IN_VALUES = 1000

PATH_SEPARATOR = "."


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    LT = "lt"
    GE = "ge"
    LE = "le"
    IN = "in"
    NOT_IN = "not_in"
    IS_NULL = "is_null"
    IS_NOT_NULL = "is_not_null"
    LIKE = "like"
    ILIKE = "ilike"
    HAS = "has"  # the one related row (to-one) exists and matches `value`, a Filter
    ANY = "any"  # some related row (to-many) exists and matches `value`, a Filter


@dataclass(frozen=True, slots=True)
class Condition:
    """`field op value`, or `field op other_field` when comparing two fields.

    For `has`/`any`, `field` names a relation (path) and `value` is a Filter on its rows.
    For `is_null`/`is_not_null`, `field` may name a relation: it has no related row / some.
    """

    field: str
    op: Op
    value: Any = None
    other_field: str | None = None
    label: str | None = None  # the API's name for the field, for messages (default: field)


@dataclass(frozen=True, slots=True)
class BoolOp:
    kind: Literal["and", "or"]
    items: tuple[Filter, ...]


Filter = Condition | BoolOp


def split_path(name: str) -> tuple[list[str], str]:
    """`a.b.c` -> (["a", "b"], "c"): the relations to go through, and the last name."""
    *relations, last = name.split(PATH_SEPARATOR)
    return relations, last


@dataclass(frozen=True, slots=True)
class Order:
    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ListQuery:
    filters: tuple[Filter, ...] = ()
    order_by: tuple[Order, ...] = ()
    group_by: tuple[str, ...] = ()
    limit: int | None = None
    offset: int = 0
    # Values read as PostgreSQL reads a value handed to it as it came (for APIs whose original
    # did so: Flask-Restless): a number an integer field cannot hold (a fraction, an integer
    # past its range) is compared as a number (`< 5.5` is `<= 5`, `== 2**40` matches nothing)
    # instead of refused as a bad value; text for an integer may have a `+` and spaces around;
    # a boolean field takes booleans and PostgreSQL's boolean words (`t`, `yes`, `on`, `0`…),
    # not numbers.
    as_postgresql: bool = False
    # Ordering by a field of related rows lists a row once per related row (the relation is
    # joined, as an ORM query joins it). `distinct`: each row once instead, at the first place
    # it takes, and counted once: what an ORM answers when it loads the whole query's objects.
    distinct: bool = False

    @property
    def rows_may_recur(self) -> bool:
        """Whether a row may be listed more than once (the order goes through a relation)."""
        return any(PATH_SEPARATOR in item.field for item in self.order_by)


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1  # from 1
    per_page: int = 10
    offset: int | None = None  # rows to skip, for APIs that page by offset (overrides page)

    @property
    def start(self) -> int:
        """How many rows come before this page."""
        return (self.page - 1) * self.per_page if self.offset is None else self.offset


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    total: int = 0


def contains(fields: tuple[str, ...], term: str) -> Filter:
    """Any of `fields` contains `term`, case-insensitively (its `%`, `_` taken literally)."""
    pattern = containing(term)
    return BoolOp("or", tuple(Condition(f, Op.ILIKE, pattern) for f in fields))


def containing(term: str) -> str:
    """The LIKE pattern of a text holding `term` (its `%`, `_` and `\\` escaped by `\\`)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
