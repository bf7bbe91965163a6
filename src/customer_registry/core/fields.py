"""Typed fields of a record, declared once: what each API's loose input must become.

A record's optional fields (a product's device fields, a customer's commercial details) are
declared as `Attribute`s; `validate` checks values already converted by an API to Python
types, and answers every problem at once, worded with the `{field}` placeholder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from customer_registry.core.errors import Invalid, UnknownField

INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)  # the range of an INTEGER column, row ids included


def is_decimal(text: str) -> bool:
    """Only the ASCII digits 0-9 (str.isdigit also takes "³" and "٣", which int() refuses or
    reads as other numbers)."""
    return text.isascii() and text.isdigit()


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
        valid = isinstance(value, float) and math.isfinite(value)
        return None if valid else "{field} must be a finite number."
    if kind is Kind.TIME:
        return None if isinstance(value, datetime) else "{field} must be a timestamp."
    limit = attribute.max_length or 0
    if not isinstance(value, str) or not 0 < len(value) <= limit or "\x00" in value:
        return f"{{field}} must be a string of 1 to {limit} characters."
    return None


def validate(attributes: Mapping[str, Attribute], values: Mapping[str, Any]) -> None:
    problems: dict[str, str] = {}
    for name, value in values.items():
        if name not in attributes:
            raise UnknownField(name)
        found = problem(attributes[name], value)
        if found:
            problems[name] = found
    if problems:
        raise Invalid(problems)
