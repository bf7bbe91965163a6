"""Every query on webhooks, their deliveries, and the history they deliver."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from customer_registry.storage.database import Connection, Row, dialect_insert
from customer_registry.storage.rows import insert_row
from customer_registry.storage.schema import customer_changes as changes
from customer_registry.storage.schema import webhook_deliveries as deliveries
from customer_registry.storage.schema import webhooks


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    return await insert_row(conn, webhooks, values)


async def listed(conn: Connection, *, active_only: bool = False) -> Sequence[Row]:
    statement = sa.select(webhooks).order_by(webhooks.c.webhook_id)
    if active_only:
        statement = statement.where(webhooks.c.active)
    return await conn.fetch_all(statement)


async def get(conn: Connection, webhook_id: int) -> Row | None:
    return await conn.fetch_one(sa.select(webhooks).where(webhooks.c.webhook_id == webhook_id))


async def disable(conn: Connection, webhook_id: int) -> bool:
    """Whether the webhook was there (and is now inactive)."""
    updated = sa.update(webhooks).where(webhooks.c.webhook_id == webhook_id)
    return await conn.execute(updated.values(active=False)) > 0


async def lease(
    conn: Connection, webhook_id: int, owner: str, now: datetime, until: datetime
) -> bool:
    """Take (or extend) the webhook's lease for `owner` until `until`, unless another
    dispatcher holds it still: whether it is now `owner`'s. One statement, so two
    dispatchers cannot both take it."""
    taken = await conn.execute(
        sa.update(webhooks)
        .where(
            webhooks.c.webhook_id == webhook_id,
            webhooks.c.active,
            sa.or_(
                webhooks.c.leased_until.is_(None),
                webhooks.c.leased_until < now,
                webhooks.c.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, leased_until=until)
    )
    return taken > 0


async def last_change_id(conn: Connection) -> int:
    found = await conn.fetch_value(sa.select(sa.func.max(changes.c.change_id)))
    return int(found or 0)


async def entries_after(
    conn: Connection,
    position: int,
    actions: Collection[str],
    entity_id: int | None,
    limit: int,
) -> Sequence[Row]:
    """The history's entries after `position` a webhook subscribes to, oldest first."""
    statement = (
        sa.select(changes)
        .where(changes.c.change_id > position, changes.c.action.in_(sorted(actions)))
        .order_by(changes.c.change_id)
        .limit(limit)
    )
    if entity_id is not None:
        statement = statement.where(changes.c.entity_id == entity_id)
    return await conn.fetch_all(statement)


async def count_after(
    conn: Connection, position: int, actions: Collection[str], entity_id: int | None
) -> int:
    """How many of the history's entries after `position` a webhook subscribes to."""
    statement = sa.select(sa.func.count()).where(
        changes.c.change_id > position, changes.c.action.in_(sorted(actions))
    )
    if entity_id is not None:
        statement = statement.where(changes.c.entity_id == entity_id)
    return int(await conn.fetch_value(statement))


async def entry(conn: Connection, change_id: int) -> Row | None:
    return await conn.fetch_one(sa.select(changes).where(changes.c.change_id == change_id))


async def delivery(conn: Connection, webhook_id: int, change_id: int) -> Row | None:
    return await conn.fetch_one(
        sa.select(deliveries).where(
            deliveries.c.webhook_id == webhook_id, deliveries.c.change_id == change_id
        )
    )


async def save_delivery(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert or replace the delivery of (webhook_id, change_id)."""
    statement = dialect_insert(conn.dialect_name, deliveries).values(**values)
    kept = {
        name: statement.excluded[name] for name in values if name not in ("webhook_id", "change_id")
    }
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[deliveries.c.webhook_id, deliveries.c.change_id], set_=kept
        )
    )


async def advance(conn: Connection, webhook_id: int, change_id: int) -> None:
    """The webhook is done with every entry up to `change_id` (never moves back)."""
    await conn.execute(
        sa.update(webhooks)
        .where(webhooks.c.webhook_id == webhook_id, webhooks.c.position < change_id)
        .values(position=change_id)
    )


async def delivery_log(conn: Connection, *, failed_only: bool) -> Sequence[Row]:
    statement = (
        sa.select(deliveries, changes.c.action, changes.c.customer_id)
        .join(changes, changes.c.change_id == deliveries.c.change_id)
        .order_by(deliveries.c.updated_at.desc())
        .limit(1000)
    )
    if failed_only:
        statement = statement.where(deliveries.c.status == "failed")
    return await conn.fetch_all(statement)
