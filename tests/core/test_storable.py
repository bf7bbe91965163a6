"""`check_storable` lets through at a glance only what `_unstorable`, which words every
refusal, would let through: for every checked column of every table and values at and past
each kind's edges, the two agree."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from customer_registry.core.errors import Invalid
from customer_registry.core.fields import (
    FLOAT_LIMIT,
    INT32,
    INT64,
    Kind,
    _storable,
    _unstorable,
    check_storable,
)
from customer_registry.storage import schema

_EDGES: list[Any] = [
    "", "x", "a\x00b", 0, 1, -1, True, False, 1.5, -0.0, math.nan, math.inf, -math.inf,
    FLOAT_LIMIT, -FLOAT_LIMIT, FLOAT_LIMIT * 2, 2**53 + 1, *INT32, INT32[0] - 1, INT32[1] + 1,
    *INT64, INT64[0] - 1, INT64[1] + 1, datetime(2026, 1, 1), b"x", [1], {"a": 1},
]  # fmt: skip


def _verdict(table: sa.Table, name: str, value: Any) -> str | None:
    try:
        check_storable(table, {name: value})
    except Invalid as error:
        return error.errors[name]
    return None


def _values_for(limit: float) -> list[Any]:
    lengths = [] if math.isinf(limit) else [int(limit), int(limit) + 1]
    return [*_EDGES, *("é" * length for length in lengths), "x" * 10_000]


@pytest.mark.parametrize("table", schema.metadata.sorted_tables, ids=lambda table: table.name)
def test_a_glance_passes_only_what_the_full_check_passes(table: sa.Table) -> None:
    for name, (_, _, limit, attribute) in _storable(table).items():
        for value in _values_for(limit if attribute.kind is Kind.TEXT else math.inf):
            assert _verdict(table, name, value) == _unstorable(attribute, value), (name, value)


def test_values_at_a_glance_cover_each_kind() -> None:
    """The edges reach every kind the check knows, so the test above compares all of them."""
    kinds = {bound[3].kind for table in schema.metadata.sorted_tables
             for bound in _storable(table).values()}  # fmt: skip
    assert kinds == {Kind.TEXT, Kind.INT, Kind.BIGINT, Kind.FLOAT}
    assert _verdict(schema.customers, "name", "x" * 255) is None
    assert _verdict(schema.customers, "name", "x" * 256) is not None
