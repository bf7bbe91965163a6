"""Every query on an entity's sales settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from customer_registry.core.fields import check_storable
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.schema import organization_settings as settings_table
from customer_registry.storage.scope import own_entity, placed


async def settings(conn: Connection, scope: Scope) -> Row | None:
    """The settings of the scope's own entity (None: it has none yet)."""
    return await conn.fetch_one(
        sa.select(settings_table).where(own_entity(scope, settings_table.c.entity_id))
    )


async def save_settings(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> None:
    check_storable(settings_table, values)
    insert = postgresql.insert if conn.dialect_name == "postgresql" else sqlite.insert
    statement = insert(settings_table).values(**placed(scope, values))
    statement = statement.on_conflict_do_update(
        index_elements=[settings_table.c.entity_id], set_=dict(values)
    )
    await conn.execute(statement)
