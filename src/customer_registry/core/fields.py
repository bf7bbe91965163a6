"""Typed fields of a record, declared once: what each API's loose input must become.

A record's optional fields (a product's device fields, a customer's commercial details) are
declared as `Attribute`s; `validate` checks values already converted by an API to Python
types, and answers every problem at once, worded with the `{field}` placeholder.

Also the rules every API shares below its own conventions: the one integer parser (and its
sibling for numbers), and what each column can store (`check_storable`, which every write
runs first), derived from the schema's types.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import Invalid, UnknownField

INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)  # the range of an INTEGER column, row ids included
# The largest magnitude a stored float may have: every whole number up to it is a float
# exactly, so an API that shows whole amounts as JSON integers (5000, not 5000.0) shows them
# exactly, within any JSON library's 64-bit integers and JavaScript's safe integers.
FLOAT_LIMIT = float(2**53)


def is_decimal(text: str) -> bool:
    """Only the ASCII digits 0-9 (str.isdigit also takes "³" and "٣", which int() refuses or
    reads as other numbers)."""
    return text.isascii() and text.isdigit()


# --- the one integer parser ------------------------------------------------------------------

# The grammar every API documents for an integer in text: an optional minus sign, then ASCII
# digits; nothing else (no "+", spaces, "_", exponent or other scripts' digits, which Python's
# int() would take). More digits than any stored integer can have are refused as text, before
# int() spends time on them.
INTEGER_GRAMMAR = r"-?[0-9]{1,32}"
_INTEGER = re.compile(INTEGER_GRAMMAR)


class NotAnInteger(ValueError):
    """The only error `parse_integer` raises."""


class NotANumber(ValueError):
    """The only error `parse_number` raises."""


def parse_integer(value: object, *, blank: bool = False, whole_floats: bool = False) -> int | None:
    """An integer from what a client sent: an int, or text in `INTEGER_GRAMMAR`; None stays
    None. Each API's strictness is an option: `blank` reads "" as None (form fields),
    `whole_floats` takes a float with no fraction (7.0) as its integer. Booleans never count."""
    if value is None:
        return None
    if isinstance(value, str):
        if _INTEGER.fullmatch(value):
            return int(value)
        if blank and value == "":
            return None
    elif isinstance(value, int) and not isinstance(value, bool):
        return value
    elif whole_floats and isinstance(value, float) and value.is_integer():
        return int(value)
    raise NotAnInteger("must be an integer")


def is_key(value: object) -> bool:
    """Whether `value` can be a row id at all (others are simply not found)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT32[1]


class Kind(Enum):
    INT = "integer"  # 32-bit, an INTEGER column (ids, counts)
    BIGINT = "big integer"  # 64-bit, a BIGINT column
    TEXT = "string"
    BOOL = "boolean"
    TIME = "timestamp"
    FLOAT = "number"


@dataclass(frozen=True, slots=True)
class Attribute:
    kind: Kind
    max_length: int | None = None  # TEXT only
    nullable: bool = True


_FLOAT_RANGE = f"{{field}} must be a number from -{FLOAT_LIMIT:.0f} to {FLOAT_LIMIT:.0f}."


def problem(attribute: Attribute, value: Any) -> str | None:
    """What is wrong with `value` for `attribute` (None: nothing)."""
    kind = attribute.kind
    if value is None:
        return None if attribute.nullable else "{field} may not be null."
    if kind is Kind.BOOL:
        return None if isinstance(value, bool) else "{field} must be true or false."
    if kind in (Kind.INT, Kind.BIGINT):
        low, high = INT32 if kind is Kind.INT else INT64
        valid = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if valid else f"{{field}} must be an integer from {low} to {high}."
    if kind is Kind.FLOAT:
        valid = isinstance(value, float) and math.isfinite(value) and abs(value) <= FLOAT_LIMIT
        return None if valid else _FLOAT_RANGE
    if kind is Kind.TIME:
        return None if isinstance(value, datetime) else "{field} must be a timestamp."
    limit = attribute.max_length or 0
    if not isinstance(value, str) or not 0 < len(value) <= limit or "\x00" in value:
        return f"{{field}} must be a string of 1 to {limit} characters."
    return None


def validate(attributes: Mapping[str, Attribute], values: Mapping[str, Any]) -> None:
    problems: dict[str, str] = {}
    for name, value in values.items():
        attribute = attributes.get(name)
        if attribute is None:
            raise UnknownField(name)
        if value is None and attribute.nullable:  # most of a new customer's: no call
            continue
        found = problem(attribute, value)
        if found:
            problems[name] = found
    if problems:
        raise Invalid(problems)


# A number in text: an optional minus sign, digits with an optional fraction, an optional
# exponent; ASCII only (float() would also take "nan", "inf", "1_0", spaces and other
# scripts' digits).
NUMBER_GRAMMAR = r"-?(?:[0-9]{1,32}(?:\.[0-9]{0,32})?|\.[0-9]{1,32})(?:[eE][-+]?[0-9]{1,3})?"
_NUMBER = re.compile(NUMBER_GRAMMAR)


def parse_number(value: object, *, blank: bool = False) -> float | None:
    """A finite float from an int, a float or text in `NUMBER_GRAMMAR`; None stays None, and
    "" too with `blank`. Raises NotANumber and nothing else."""
    if value is None or (blank and value == ""):
        return None
    found = math.nan
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        found = float(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        found = float(value) if abs(value) <= sys.float_info.max else math.inf
    if not math.isfinite(found):
        raise NotANumber("must be a number")
    return found


# --- what a column can store ---------------------------------------------------------------


@functools.cache
def column_attribute(column: sa.Column[Any]) -> Attribute | None:
    """What `column` can hold on both databases, from its schema type (None: a type no client
    value reaches unchecked)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return Attribute(Kind.BOOL)
    if isinstance(kind, sa.BigInteger):
        return Attribute(Kind.BIGINT)
    if isinstance(kind, sa.Integer):
        return Attribute(Kind.INT)
    if isinstance(kind, sa.Float):
        return Attribute(Kind.FLOAT)
    if isinstance(kind, sa.DateTime):
        return Attribute(Kind.TIME)
    if isinstance(kind, sa.String):
        return Attribute(Kind.TEXT, max_length=kind.length)
    return None


def _unstorable(attribute: Attribute, value: Any) -> str | None:
    """What keeps `value` (not None) out of a column of `attribute`'s kind; empty text is
    storable (whether a field may be empty is a rule of its own)."""
    if attribute.kind is Kind.TEXT:
        limit = attribute.max_length
        if (
            isinstance(value, str)
            and "\x00" not in value
            and (limit is None or len(value) <= limit)
        ):
            return None
        return f"{{field}} must be a string of at most {limit} characters, without NUL."
    if attribute.kind is Kind.FLOAT and isinstance(value, int) and not isinstance(value, bool):
        value = float(value) if abs(value) <= FLOAT_LIMIT else math.inf
    return problem(attribute, value)


def check_storable(table: sa.Table, values: Mapping[str, Any]) -> None:
    """Refuse, before any write, a value its column cannot store or an API could not show: a
    number out of its column's range, text too long or holding NUL (PostgreSQL refuses it),
    a float past FLOAT_LIMIT. Nullness is the rules' business (and the database's)."""
    bounds = _storable(table)
    problems: dict[str, str] = {}
    for name, value in values.items():
        if value is None:  # most of a new customer's columns: no lookup for them
            continue
        bound = bounds.get(name)
        if bound is None:
            continue
        # What is storable at a glance passes here, without a call: a bulk import checks a
        # million rows (a new customer's 29 values: 6.2 us against 2.0, timeit). The rest,
        # and every value this would refuse, are judged by `_unstorable`.
        kind, low, high, attribute = bound
        if kind is str:
            if type(value) is str and len(value) <= high and "\x00" not in value:
                continue
        elif type(value) is kind and low <= value <= high:  # exactly: not a bool
            continue
        if found := _unstorable(attribute, value):
            problems[name] = found
    if problems:
        raise Invalid(problems)


_Bound = tuple[type[Any], float, float, Attribute]  # the exact type and range that pass at a glance


@functools.cache
def _storable(table: sa.Table) -> dict[str, _Bound]:
    """Each checked column of `table` by name: every write checks its values against these,
    and SQLAlchemy's column lookups cost two calls a value (measured: 60 a create)."""
    found = {column.key: column_attribute(column) for column in table.columns}
    return {
        name: _bound(attribute)
        for name, attribute in found.items()
        if attribute is not None and attribute.kind in _CHECKED
    }


def _bound(attribute: Attribute) -> _Bound:
    if attribute.kind is Kind.TEXT:
        return (str, 0, attribute.max_length or math.inf, attribute)
    if attribute.kind is Kind.FLOAT:  # NaN is in no range: `_unstorable` refuses it
        return (float, -FLOAT_LIMIT, FLOAT_LIMIT, attribute)
    low, high = INT32 if attribute.kind is Kind.INT else INT64
    return (int, low, high, attribute)


# The kinds a value can be unstorable in (any boolean or time a rule lets through is stored
# as it is; leaving them out saves a call for each of a new customer's ten flags).
_CHECKED = (Kind.TEXT, Kind.INT, Kind.BIGINT, Kind.FLOAT)
