"""Every query on the console's imports: each names its user (a user sees their own only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from customer_registry.core.fields import check_storable
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.schema import import_jobs

_RECENT = 20


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    check_storable(import_jobs, values)
    row = await conn.fetch_one(sa.insert(import_jobs).values(**values).returning(import_jobs))
    assert row is not None
    return row


# An import as its page and its progress show it: all but its report (a CSV of every refused
# row, read only when asked for).
_SHOWN = [c for c in import_jobs.c if c.name != "refusals"]


async def get(
    conn: Connection, user_id: int, import_id: int, *, report: bool = False
) -> Row | None:
    """The user's import (`report`: its report alone)."""
    columns = [import_jobs.c.refusals] if report else _SHOWN
    return await conn.fetch_one(
        sa.select(*columns).where(
            import_jobs.c.import_id == import_id, import_jobs.c.user_id == user_id
        )
    )


async def recent(conn: Connection, user_id: int) -> Sequence[Row]:
    """The user's latest imports, newest first."""
    return await conn.fetch_all(
        sa.select(*_SHOWN)
        .where(import_jobs.c.user_id == user_id)
        .order_by(import_jobs.c.import_id.desc())
        .limit(_RECENT)
    )


async def running(conn: Connection) -> Sequence[Row]:
    """Every user's imports in the running state (the service's view: for /metrics)."""
    return await conn.fetch_all(sa.select(*_SHOWN).where(import_jobs.c.state == "running"))


async def update(conn: Connection, import_id: int, values: Mapping[str, Any]) -> None:
    check_storable(import_jobs, values)
    await conn.execute(
        sa.update(import_jobs).where(import_jobs.c.import_id == import_id).values(**values)
    )


async def claim(
    conn: Connection, user_id: int, import_id: int, seen: datetime, values: Mapping[str, Any]
) -> bool:
    """Change the user's import only if it is as it was when read (`seen`: its updated_at,
    which every change of it moves): of two workers asked to run it, one does."""
    claimed = await conn.execute(
        sa.update(import_jobs)
        .where(
            import_jobs.c.import_id == import_id,
            import_jobs.c.user_id == user_id,
            import_jobs.c.updated_at == seen,
        )
        .values(**values)
    )
    return claimed > 0
