"""Which customer fields an update may write in one statement, without reading the record.

`customers._CHANGED_ALONE` is a list kept beside the rules it leaves out. These tests hold it
to them: a change of any of its fields makes `_check_references` ask nothing of the database,
and `_consistent` change nothing else in the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from customer_registry.core import customers
from customer_registry.core.fields import Kind
from customer_registry.core.scope import Scope
from customer_registry.storage.database import CompiledSQL, Connection, Row

_SAMPLES: dict[Kind, int | str | float] = {
    Kind.INT: 7,
    Kind.BIGINT: 7,
    Kind.TEXT: "x",
    Kind.FLOAT: 1.5,
}


class _NoQueries(Connection):
    dialect_name = "sqlite"

    async def _fetch(self, compiled: CompiledSQL, args: list[Any]) -> Sequence[Row]:
        raise AssertionError(f"queried: {compiled.sql}")

    async def _execute(self, compiled: CompiledSQL, args: list[Any]) -> int:
        raise AssertionError(f"executed: {compiled.sql}")

    def transaction(self) -> AbstractAsyncContextManager[None]:
        raise AssertionError("opened a transaction")

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        raise AssertionError("opened a savepoint")


def _stored() -> dict[str, Any]:
    """A record as stored: every detail set, the shipping address following the billing one."""
    record = {name: _sample(name) for name in customers.DETAILS} | customers.DEFAULTS
    return customers._consistent(record | {"due_date_config_type": 1})


def _sample(name: str, unlike: Any = None) -> Any:
    kind = customers.DETAILS[name].kind if name in customers.DETAILS else Kind.TEXT
    if kind is Kind.BOOL:
        return not unlike
    value = _SAMPLES[kind]
    return value * 2 if value == unlike else value


@pytest.mark.parametrize("name", sorted(customers._CHANGED_ALONE))
async def test_a_field_changed_alone_needs_no_other_row(name: str) -> None:
    await customers._check_references(_NoQueries(), Scope(1, False), {name: _sample(name)}, 1)


@pytest.mark.parametrize("name", sorted(customers._CHANGED_ALONE))
async def test_a_field_changed_alone_changes_nothing_else(name: str) -> None:
    stored = _stored()
    value = _sample(name, unlike=stored.get(name))
    assert value != stored.get(name)
    merged = customers._consistent({**stored, name: value})
    assert {k for k, v in merged.items() if v != stored.get(k)} == {name}


@pytest.mark.parametrize(
    "name", ["country", "is_same_address", "due_date_config_number", "brand_id", "code", "logo"]
)
def test_fields_the_rules_read_are_not_changed_alone(name: str) -> None:
    assert name not in customers._CHANGED_ALONE
