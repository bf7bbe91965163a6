"""Imports run for the console: the command line's import service on an uploaded file, its
report and progress kept in `core.import_jobs` for any worker to show.

The upload is kept (its owner's only) in the imports directory from the dry run until the
import has run. A running import's progress is written every second (its heartbeat); this
worker also keeps its latest report in memory, since a SQLite dry run holds the one writer
until it ends (its transaction is rolled back at the end).
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import shutil
import time
from collections.abc import Coroutine
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from customer_registry.core import import_jobs
from customer_registry.core.errors import DomainError
from customer_registry.core.imports import OnConflict, Report, require_allowed
from customer_registry.core.permissions import Caller
from customer_registry.storage.database import Database
from customer_registry.storage.files import make_private_directories, open_private_file
from customer_registry.transfer import importing
from customer_registry.transfer.files import UnreadableFile

_log = logging.getLogger(__name__)
_SUFFIXES = (".csv", ".txt", ".jsonl", ".ndjson", ".xlsx")
# An upload whose import was never run is deleted after this long (its dry run's report stays).
KEEP_UPLOADS = timedelta(days=1)

# This worker's running imports: id -> the latest report (what the page shows first).
RUNNING: dict[int, Report] = {}
_TASKS: set[asyncio.Task[None]] = set()  # kept until done (the loop holds tasks weakly)


def _keep(directory: Path, file_name: str, source: BinaryIO) -> Path:
    """Copy an uploaded file into `directory`, under a random name with the suffix that
    tells how to read it. UnreadableFile for a suffix no import reads."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in _SUFFIXES:
        raise UnreadableFile(f"{file_name}: not a CSV, JSON Lines or .xlsx file (by its suffix)")
    make_private_directories(directory, Path())
    kept = directory / f"{secrets.token_hex(16)}{suffix}"
    with open_private_file(kept) as target:
        shutil.copyfileobj(source, target)
    return kept


async def start(
    db: Database,
    caller: Caller,
    directory: Path,
    upload: BinaryIO,
    *,
    entity_id: int,
    file_name: str,
    on_conflict: OnConflict,
) -> import_jobs.ImportJob:
    """Keep the uploaded file, read its header and start its dry run. Forbidden, before
    anything is kept, if the caller may not import into the entity; UnreadableFile if the
    file is no file an import reads, or has no header."""
    require_allowed(caller, entity_id)
    path = await asyncio.to_thread(_keep, directory, file_name, upload)
    try:
        plan = await asyncio.to_thread(importing.plan, path)  # counts the file's lines
    except (UnreadableFile, DomainError):
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    async with db.write() as conn:
        job = await import_jobs.create(
            conn,
            caller,
            entity_id=entity_id,
            file_name=file_name,
            stored_name=path.name,
            on_conflict=on_conflict,
            plan=plan.describe(),
            rows_total=plan.table.rows,
        )
    _in_background(run(db, caller, job, path))
    return job


async def run_for_real(
    db: Database, caller: Caller, directory: Path, import_id: int
) -> import_jobs.ImportJob:
    """Run the import whose dry run is done (or that stopped before its end), while its
    upload is kept."""
    async with db.read() as conn:
        found = import_jobs.require_runnable(await import_jobs.get(conn, caller, import_id))
    stored = directory / found.stored_name
    if not await asyncio.to_thread(stored.exists):
        raise import_jobs.NotRunnable("Its file is no longer kept (after a day): upload it again.")
    async with db.write() as conn:
        job = await import_jobs.start_run(conn, caller, import_id)
    _in_background(run(db, caller, job, stored))
    return job


def _in_background(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(work)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


async def run(db: Database, caller: Caller, job: import_jobs.ImportJob, path: Path) -> None:
    """The import (or its dry run), its progress written as it goes and its report at the
    end; a failure as a whole (an unreadable line, the database away) is written too."""
    RUNNING[job.import_id] = Report()

    def progress(report: Report) -> None:
        RUNNING[job.import_id] = report

    heartbeat = asyncio.create_task(_heartbeat(db, job.import_id))
    try:
        report = await importing.run(
            db,
            caller,
            await asyncio.to_thread(importing.plan, path),
            entity_id=job.entity_id,
            on_conflict=job.on_conflict,
            dry_run=job.dry_run,
            progress=progress,
        )
    except (UnreadableFile, DomainError, OSError) as error:
        await _failed(db, job.import_id, str(error))
        return
    except Exception:
        _log.exception("Import %s failed", job.import_id)
        await _failed(db, job.import_id, "The import failed; the error is in the service's log.")
        raise
    finally:
        heartbeat.cancel()
        with suppress(asyncio.CancelledError):  # its last beat may not follow the report
            await heartbeat
        RUNNING.pop(job.import_id, None)
    report_csv = io.StringIO()
    importing.write_refusals(report_csv, report)
    async with db.write() as conn:
        await import_jobs.finished(conn, job.import_id, report, report_csv.getvalue())
    if not job.dry_run:
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def _heartbeat(db: Database, import_id: int) -> None:
    every = import_jobs.PROGRESS_EVERY.total_seconds()
    while True:
        await asyncio.sleep(every)
        try:
            async with db.write(transaction=False) as conn:
                await import_jobs.progressed(conn, import_id, RUNNING.get(import_id, Report()))
        except Exception:  # the next beat tries again; the import goes on
            _log.warning("Could not record the progress of import %s", import_id, exc_info=True)


async def _failed(db: Database, import_id: int, problem: str) -> None:
    async with db.write() as conn:
        await import_jobs.failed(conn, import_id, problem)


def forget_old_uploads(directory: Path, now: float | None = None) -> int:
    """Delete the uploads older than KEEP_UPLOADS (imports checked and never run); answer
    how many. An import still running is older only if it ran for a day."""
    if not directory.is_dir():
        return 0
    oldest = (time.time() if now is None else now) - KEEP_UPLOADS.total_seconds()
    forgotten = 0
    for path in directory.iterdir():
        if path.suffix in _SUFFIXES and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
            forgotten += 1
    return forgotten


async def stop_all() -> None:
    """Stop this worker's running imports (the service is stopping): each stays `running`
    until it is seen silent, then may be run again (it resumes by code)."""
    for task in list(_TASKS):
        task.cancel()
    await asyncio.gather(*_TASKS, return_exceptions=True)
