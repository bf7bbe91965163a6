"""Imports started from the console: what each found (its dry run, then its run) and how far
the running one is, kept in the database so that every worker can show it.

The import itself is the same service as the command line's (`core.imports`); this keeps its
report and progress. A user sees their own imports only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from customer_registry.core.clock import utcnow
from customer_registry.core.errors import DomainError, missing
from customer_registry.core.fields import is_key
from customer_registry.core.imports import OnConflict, Report
from customer_registry.core.permissions import Caller
from customer_registry.storage import import_jobs as repository
from customer_registry.storage.database import Connection, Row

# A running import writes its progress at least this often; one silent for longer was
# stopped (its worker ended) and may be run again (an import resumes by identity).
PROGRESS_EVERY = timedelta(seconds=1)
SILENT_FOR = timedelta(seconds=60)


class NotRunnable(DomainError):
    """An import asked to run that is running, or has run."""


_NOT_RUNNABLE = "This import is running, or has run."


@dataclass(frozen=True, slots=True)
class ImportJob:
    import_id: int
    entity_id: int
    file_name: str
    stored_name: str
    on_conflict: OnConflict
    plan: str
    dry_run: bool
    state: str  # running, done, failed
    rows_total: int | None
    created: int
    updated: int
    unchanged: int
    refused: int
    problem: str | None
    started_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> ImportJob:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        return cls(**{**values, "on_conflict": OnConflict(row["on_conflict"])})

    @property
    def rows_done(self) -> int:
        return self.created + self.updated + self.unchanged + self.refused

    @property
    def interrupted(self) -> bool:
        return self.state == "running" and utcnow() - self.updated_at > SILENT_FOR

    @property
    def can_run(self) -> bool:
        """Its dry run is done (or its run stopped before the end): it may run now."""
        return (self.dry_run and self.state == "done") or (not self.dry_run and self.interrupted)


def _counts(report: Report) -> dict[str, Any]:
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "refused": len(report.refused),
        "updated_at": utcnow(),
    }


async def create(
    conn: Connection,
    caller: Caller,
    *,
    entity_id: int,
    file_name: str,
    stored_name: str,
    on_conflict: OnConflict,
    plan: str,
    rows_total: int | None,
) -> ImportJob:
    """A new import of the caller's, its dry run starting."""
    now = utcnow()
    assert caller.user_id is not None  # the console's user
    row = await repository.insert(
        conn,
        {
            "user_id": caller.user_id,
            "entity_id": entity_id,
            "file_name": file_name[:255],
            "stored_name": stored_name,
            "on_conflict": on_conflict.value,
            "plan": plan,
            "dry_run": True,
            "state": "running",
            "rows_total": rows_total,
            **_counts(Report()),
            "started_at": now,
            "updated_at": now,
        },
    )
    return ImportJob.from_row(row)


async def _row(conn: Connection, caller: Caller, import_id: int, *, report: bool = False) -> Row:
    user_id = caller.user_id or 0
    row = (
        await repository.get(conn, user_id, import_id, report=report) if is_key(import_id) else None
    )
    if row is None:
        raise missing("import", "id", import_id)
    return row


async def get(conn: Connection, caller: Caller, import_id: int) -> ImportJob:
    return ImportJob.from_row(await _row(conn, caller, import_id))


async def refusals(conn: Connection, caller: Caller, import_id: int) -> str | None:
    """The import's error report (CSV), once it is done."""
    found: str | None = (await _row(conn, caller, import_id, report=True))["refusals"]
    return found


async def recent(conn: Connection, caller: Caller) -> Sequence[ImportJob]:
    rows = await repository.recent(conn, caller.user_id or 0)
    return [ImportJob.from_row(row) for row in rows]


async def running(conn: Connection) -> list[ImportJob]:
    """Every import running now, whoever started it, the interrupted ones left out (the
    service's own view, for its metrics: no user's rights are asked)."""
    jobs = [ImportJob.from_row(row) for row in await repository.running(conn)]
    return [job for job in jobs if not job.interrupted]


async def start_run(conn: Connection, caller: Caller, import_id: int) -> ImportJob:
    """The import, now running for real (after its dry run, or again after an interruption);
    NotRunnable if it is running, or has run."""
    job = require_runnable(await get(conn, caller, import_id))
    values = {
        "dry_run": False,
        "state": "running",
        "refusals": None,
        **_counts(Report()),
        "started_at": utcnow(),
    }
    if not await repository.claim(conn, caller.user_id or 0, import_id, job.updated_at, values):
        raise NotRunnable(_NOT_RUNNABLE)  # another request started it first
    return await get(conn, caller, import_id)


def require_runnable(job: ImportJob) -> ImportJob:
    if not job.can_run:
        raise NotRunnable(_NOT_RUNNABLE)
    return job


async def progressed(conn: Connection, import_id: int, report: Report) -> None:
    await repository.update(conn, import_id, _counts(report))


async def finished(conn: Connection, import_id: int, report: Report, refused_csv: str) -> None:
    await repository.update(
        conn, import_id, {**_counts(report), "state": "done", "refusals": refused_csv}
    )


async def failed(conn: Connection, import_id: int, problem: str) -> None:
    await repository.update(
        conn, import_id, {"state": "failed", "problem": problem[:2000], "updated_at": utcnow()}
    )
