"""`GET /healthz` (the process answers) and `GET /readyz` (this instance should get requests:
the database answers, its schema is the one this code expects, and the instance is not
draining before it stops). A load balancer sends requests to the ready ones only."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from customer_registry.storage.database import Database
from customer_registry.storage.migrate import current_revision, head_revision

# A database that takes longer than this to answer one small query is not ready.
CHECK_TIMEOUT = 2.0  # seconds


@dataclass
class Drain:
    """Whether the instance is draining: asked to stop, it finishes what it has and says it
    is not ready (operations.shutdown starts it)."""

    started: bool = False


@dataclass
class Readiness:
    db: Database
    drain: Drain
    expected: str = ""

    def __post_init__(self) -> None:
        self.expected = self.expected or head_revision()

    async def problem(self) -> str | None:
        """Why this instance should not get requests now (None: it should)."""
        if self.drain.started:
            return "draining: the instance is stopping"
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                async with self.db.read() as conn:
                    revision = await current_revision(conn)
        except Exception:
            return "the database does not answer, or was never migrated"
        if revision != self.expected:
            return f"the schema is at revision {revision}, this code expects {self.expected}"
        return None
