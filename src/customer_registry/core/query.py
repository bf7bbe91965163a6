"""A list query in the registry's own terms: filters, order, grouping, window, page.

APIs parse their query languages into this; repositories turn it into SQL. Field names are
the core's (e.g. `external_id`, `code`), never an API's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

# Bounds on what one query may ask, so no request can make the database work without end.
MAX_FILTER_DEPTH = 16
MAX_FILTER_CONDITIONS = 200
MAX_IN_VALUES = 1000


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


@dataclass(frozen=True, slots=True)
class Condition:
    """`field op value`, or `field op other_field` when comparing two fields."""

    field: str
    op: Op
    value: Any = None
    other_field: str | None = None


@dataclass(frozen=True, slots=True)
class BoolOp:
    kind: Literal["and", "or"]
    items: tuple[Filter, ...]


Filter = Condition | BoolOp


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


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1  # from 1
    per_page: int = 10


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    total: int = 0
