"""Imports in the console: upload a file, read its dry run's report, run it with its progress
shown, download its error report; the command line's import service underneath."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.context import context
from customer_registry.apis.http import json_response
from customer_registry.console.access import console_page
from customer_registry.console.pages import page, path_id, redirect
from customer_registry.core import entities, import_jobs
from customer_registry.core.errors import DomainError
from customer_registry.core.fields import NotAnInteger, parse_integer
from customer_registry.core.imports import OnConflict
from customer_registry.core.permissions import Caller, Level
from customer_registry.core.query import ListQuery, Order, PageRequest
from customer_registry.transfer import jobs
from customer_registry.transfer.files import UnreadableFile

_SHOWN_REFUSALS = 20  # on the page; the report has every one


def _directory(request: Request) -> Path:
    return Path(context(request).settings.imports_dir)


async def _imports_page(
    request: Request, caller: Caller, *, status: int = 200, problem: str | None = None
) -> Response:
    async with context(request).db.read() as conn:
        recent = await import_jobs.recent(conn, caller)
        choices = await entities.list_page(
            conn, caller, ListQuery(order_by=(Order("name"),)), PageRequest(per_page=500)
        )
    return page(
        request,
        "imports.html",
        caller,
        status=status,
        recent=recent,
        entity_choices=choices.items,
        conflicts=list(OnConflict),
        problem=problem,
    )


@console_page(Level.ADMIN)
async def list_imports(request: Request, caller: Caller) -> Response:
    return await _imports_page(request, caller)


@console_page(Level.ADMIN)
async def upload(request: Request, caller: Caller) -> Response:
    """A file and where it goes: kept, its header read, its dry run started."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _imports_page(request, caller, status=422, problem="Choose a file.")
    try:
        entity_id = parse_integer(str(form.get("entity_id", "")), blank=True) or caller.entity_id
        on_conflict = OnConflict(str(form.get("on_conflict", OnConflict.FAIL.value)))
    except (NotAnInteger, ValueError):
        return await _imports_page(request, caller, status=422, problem="Choose from the lists.")
    try:
        job = await jobs.start(
            context(request).db,
            caller,
            _directory(request),
            upload.file,
            entity_id=entity_id,
            file_name=upload.filename,
            on_conflict=on_conflict,
        )
    except UnreadableFile as error:
        return await _imports_page(request, caller, status=422, problem=str(error))
    return redirect(request, f"/imports/{job.import_id}")


async def _job(request: Request, caller: Caller) -> import_jobs.ImportJob:
    async with context(request).db.read() as conn:
        return await import_jobs.get(conn, caller, path_id(request, "import_id", "import"))


@console_page(Level.ADMIN)
async def show_import(request: Request, caller: Caller) -> Response:
    return await _show(request, caller, path_id(request, "import_id", "import"))


async def _show(
    request: Request, caller: Caller, import_id: int, *, status: int = 200, problem: str = ""
) -> Response:
    async with context(request).db.read() as conn:
        job = await import_jobs.get(conn, caller, import_id)
    refusals: list[list[str]] = []
    if job.state == "done" and job.refused:
        async with context(request).db.read() as conn:
            report = await import_jobs.refusals(conn, caller, job.import_id) or ""
        rows = csv.reader(io.StringIO(report))
        refusals = list(itertools.islice(rows, 1, _SHOWN_REFUSALS + 1))
    return page(
        request, "import.html", caller, status=status, job=job, refusals=refusals, problem=problem
    )


@console_page(Level.ADMIN)
async def import_progress(request: Request, caller: Caller) -> Response:
    """What the page's script polls: this worker's latest count if it runs the import."""
    job = await _job(request, caller)
    latest = jobs.RUNNING.get(job.import_id)
    if latest is None:
        found = (job.created, job.updated, job.unchanged, job.refused)
    else:
        found = (latest.created, latest.updated, latest.unchanged, len(latest.refused))
    counts = dict(zip(("created", "updated", "unchanged", "refused"), found, strict=True))
    return json_response(
        {
            "state": "interrupted" if job.interrupted else job.state,
            "dry_run": job.dry_run,
            "rows_total": job.rows_total,
            "rows_done": sum(counts.values()),
            **counts,
        }
    )


@console_page(Level.ADMIN)
async def run_import(request: Request, caller: Caller) -> Response:
    import_id = path_id(request, "import_id", "import")
    try:
        await jobs.run_for_real(context(request).db, caller, _directory(request), import_id)
    except import_jobs.NotRunnable as refused:
        return await _show(request, caller, import_id, status=409, problem=str(refused))
    return redirect(request, f"/imports/{import_id}")


@console_page(Level.ADMIN)
async def error_report(request: Request, caller: Caller) -> Response:
    import_id = path_id(request, "import_id", "import")
    async with context(request).db.read() as conn:
        report = await import_jobs.refusals(conn, caller, import_id)
    if report is None:
        raise DomainError("The import has no report yet.")
    return Response(
        report,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )
