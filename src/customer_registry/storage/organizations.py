"""Every query on an entity's sales settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from customer_registry.core.fields import check_storable
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Row, dialect_insert
from customer_registry.storage.schema import organization_settings as settings_table
from customer_registry.storage.scope import own_entity, placed


async def settings(conn: Connection, scope: Scope) -> Row | None:
    """The settings of the scope's own entity (None: it has none yet)."""
    return await conn.fetch_one(
        sa.select(settings_table).where(own_entity(scope, settings_table.c.entity_id))
    )


async def save_settings(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> None:
    check_storable(settings_table, values)
    statement = dialect_insert(conn.dialect_name, settings_table).values(**placed(scope, values))
    statement = statement.on_conflict_do_update(
        index_elements=[settings_table.c.entity_id], set_=dict(values)
    )
    await conn.execute(statement)
