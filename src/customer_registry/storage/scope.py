"""The one place where a caller's visibility becomes SQL. Every scoped query goes through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from customer_registry.core.permissions import Caller

# The rows of a table (or of an alias of it) that a caller may see.
Scope = Callable[[Caller, sa.FromClause], sa.ColumnElement[bool]]


def entity_scope(caller: Caller, entity_column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """GLOBAL callers see every entity's rows; ENTITY callers only their own entity's."""
    if caller.sees_all_entities:
        return sa.true()
    return entity_column == caller.entity_id


def by_entity(column_name: str) -> Scope:
    """A Scope for tables that carry their entity in `column_name` (aliases included)."""

    def scope(caller: Caller, table: sa.FromClause) -> sa.ColumnElement[bool]:
        return entity_scope(caller, table.c[column_name])

    return scope


def seen_rows(caller: Caller) -> int | None:
    """What tells apart the rows two callers may see: None for every row (GLOBAL), else
    their entity. Callers with the same key see the same rows through every scope here."""
    return None if caller.sees_all_entities else caller.entity_id
