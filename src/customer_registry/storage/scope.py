"""The one place where a caller's visibility becomes SQL. Every scoped query goes through it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from customer_registry.core.permissions import Caller


def entity_scope(caller: Caller, entity_column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """GLOBAL callers see every entity's rows; ENTITY callers only their own entity's."""
    if caller.sees_all_entities:
        return sa.true()
    return entity_column == caller.entity_id
