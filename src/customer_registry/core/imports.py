"""Bulk import of customers: each row, already in the core's names and types, goes through
the rules of an API create or update (the caller's rights and entity, uniqueness, references,
lengths), so an import can never store what the APIs would refuse.

A row's identity is its customer code (`external_customer_code` = `reference` =
`customerAccount`): a code already in the entity is a conflict, which the import refuses,
skips or turns into an update of what differs. Rows are written in batches, one transaction
each, and a refused row is undone alone (a savepoint), so an interrupted import leaves whole
batches and nothing half-written; running it again resumes by identity. A dry run does all of
it in one transaction that is rolled back: uniqueness within the file is checked too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import islice
from typing import Any

import msgspec

from customer_registry.core import changes as change_log
from customer_registry.core import customers
from customer_registry.core.ahead import read_ahead
from customer_registry.core.errors import DomainError, Forbidden, NotUnique, Required
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage import customers as repository
from customer_registry.storage.database import Connection, Database

BATCH_ROWS = 500


class OnConflict(StrEnum):
    """What a row whose code the entity already has does."""

    FAIL = "fail"  # refused, as an API create would be
    SKIP = "skip"  # left alone
    UPDATE = "update"  # the customer takes the row's values where they differ


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int  # where the row starts in its file (1: the first line), for the report
    values: Mapping[str, Any]  # core names: name, code, external_id and details
    problem: DomainError | None = None  # what reading the row refused, if anything


@dataclass(frozen=True, slots=True)
class Refusal:
    line: int
    message: str


@dataclass(slots=True)
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # skipped conflicts, and updates with nothing different
    refused: list[Refusal] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.refused)

    def add(self, batch: Report) -> None:
        """Count a batch's report in (batches are added in the file's order)."""
        self.created += batch.created
        self.updated += batch.updated
        self.unchanged += batch.unchanged
        self.refused.extend(batch.refused)


Describe = Callable[[DomainError], str]  # an error in the words of the API the file uses
Progress = Callable[[Report], None]


class _DryRun(Exception):
    """Raised at the end of a dry run, to roll its one transaction back."""


def require_allowed(caller: Caller, entity_id: int) -> None:
    """Who may import into `entity_id`: whoever could create its customers through the APIs
    (ADMIN, what a create and a sales or billing update require, in an entity they see)."""
    caller.require(Level.ADMIN)
    if not caller.can_see_entity(entity_id):
        raise Forbidden("You may only create customers in your own entity.")


async def import_customers(
    db: Database,
    caller: Caller,
    rows: Iterable[ImportRow] | AsyncIterable[ImportRow],
    *,
    entity_id: int,
    on_conflict: OnConflict = OnConflict.FAIL,
    dry_run: bool = False,
    describe: Describe = str,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Report:
    """Import `rows` into `entity_id` as `caller`; answer what became of them. A caller who
    could not create customers through the APIs (below ADMIN, or another entity's user)
    is refused before anything is read."""
    require_allowed(caller, entity_id)
    with change_log.through("import"):
        return await _import(
            db,
            _Work(caller, entity_id, on_conflict, describe),
            rows,
            dry_run,
            progress,
            batch_rows,
        )


async def _import(
    db: Database,
    work: _Work,
    rows: Iterable[ImportRow] | AsyncIterable[ImportRow],
    dry_run: bool,
    progress: Progress | None,
    batch_rows: int,
) -> Report:
    report = Report()
    # The next batch is parsed while one is written; closed however the import ends.
    async with aclosing(read_ahead(_batches(rows, batch_rows))) as batches:
        if dry_run:
            try:
                async with db.write() as conn:
                    async for batch in batches:
                        report.add(await work.fresh().batch(conn, batch))
                        _tell(progress, report)
                    raise _DryRun
            except _DryRun:
                pass
            return report
        writer = _Writer(db, work, report, progress)
        try:
            async for batch in batches:
                await writer.write(batch)
            await writer.finish()
        finally:
            await writer.abandon()
    return report


def _tell(progress: Progress | None, report: Report) -> None:
    if progress is not None:
        progress(report)


class _Writer:
    """Writes batches, each in its own transaction, and adds up their reports in the file's
    order. The next batch is checked while the database writes the one before (on
    PostgreSQL, two transactions at once: Python's work and the server's overlap; SQLite
    takes one writer at a time, so there they follow each other as before). A batch that
    could meet the one being written waits for it to end first: one sharing an identifier
    with it (both would write or look up that customer; a unique index would make one wait
    for the other, and two such waits in crossed orders are a deadlock), or one naming a
    parent customer (which that batch may create). An import that stops leaves whole
    batches: one may have committed before the batch before it."""

    def __init__(
        self, db: Database, work: _Work, report: Report, progress: Progress | None
    ) -> None:
        self._db, self._work, self._report, self._progress = db, work, report, progress
        self._statistics = _Statistics()
        self._ahead: asyncio.Task[Report] | None = None  # the batch being written
        self._ahead_identifiers: set[tuple[str, object]] = set()

    async def write(self, rows: list[ImportRow]) -> None:
        identifiers = _identifiers(rows)
        if identifiers is None or not identifiers.isdisjoint(self._ahead_identifiers):
            await self.finish()
        written = asyncio.create_task(self._written(rows))
        try:
            await self.finish()  # the batch before, while this one is checked
        except BaseException:
            await _cancelled(written)
            raise
        self._ahead, self._ahead_identifiers = written, identifiers or set()

    async def finish(self) -> None:
        """Wait for the batch being written, and add its report."""
        if self._ahead is not None:
            report = await self._ahead  # if it fails or is cancelled, `abandon` still has it
            self._ahead = None
            self._report.add(report)
            _tell(self._progress, self._report)

    async def abandon(self) -> None:
        """Cancel the batch being written, if any (the import stopped): it is rolled back."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            await _cancelled(ahead)

    async def _written(self, rows: list[ImportRow]) -> Report:
        work = self._work.fresh()
        async with self._db.write() as conn:
            await work.batch(conn, rows)
            await self._statistics.kept_up(conn, work.report.created)
        return work.report


async def _cancelled(task: asyncio.Task[Report]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _identifiers(rows: list[ImportRow]) -> set[tuple[str, object]] | None:
    """The identifiers the rows give (None: a row names a parent customer). A value no
    identifier can hold (a list, say: the rules refuse it) is none."""
    found: set[tuple[str, object]] = set()
    for row in rows:
        values = row.values
        if values.get("parent_customer_id") is not None:
            return None
        for name in repository.IDENTIFIERS:
            value = values.get(name)
            if isinstance(value, str | int):
                found.add((name, value))
    return found


@dataclass(slots=True)
class _Statistics:
    """The planner's statistics of the customers table, refreshed as an import grows it. A
    table that grows from a few rows to many faster than autovacuum looks (or on a server
    without it) keeps the plans of a small one: PostgreSQL then reads a code lookup through
    the entity's whole index (measured on an import into an empty table: 315 ms a batch at
    45,000 rows, and rising). Refreshed each time the rows created double, from
    `FIRST_ANALYZE`: a few times in all, each a sample of the table. Two batches written at
    once each count theirs in; the first past a mark refreshes, within its transaction."""

    FIRST_ANALYZE = 1_000
    next_at: int = FIRST_ANALYZE
    created: int = 0

    async def kept_up(self, conn: Connection, created: int) -> None:
        """Count a batch's `created` in, refreshing the statistics if they have doubled."""
        self.created += created
        if self.created >= self.next_at:
            self.next_at = 2 * self.created  # before the refresh: the other batch goes on
            await repository.refresh_statistics(conn)


async def _batches(
    rows: Iterable[ImportRow] | AsyncIterable[ImportRow], size: int
) -> AsyncIterator[list[ImportRow]]:
    if isinstance(rows, AsyncIterable):
        batch: list[ImportRow] = []
        async for row in rows:
            batch.append(row)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch
        return
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass(frozen=True, slots=True)
class _Work:
    caller: Caller
    entity_id: int
    on_conflict: OnConflict
    describe: Describe
    report: Report = field(default_factory=Report)  # of the batch being written

    def fresh(self) -> _Work:
        """The same work, for another batch."""
        return replace(self, report=Report())

    async def batch(self, conn: Connection, rows: list[ImportRow]) -> Report:
        """The batch's rows whose code is new to the entity are created together (one
        lookup of the codes, `customers.create_many`); with `skip`, those the entity has are
        only counted; the others, each in a savepoint, by `_row`: conflicts, a code the file
        repeats, and every row when the creates together met what no check foresees.
        Refusals are reported in the file's order. Answers the report (`self.report`)."""
        refused: list[Refusal] = []
        fresh, again = await self._split(conn, rows, refused)
        again[:0] = await self._create(conn, fresh, refused)
        for row in again:
            try:
                async with conn.savepoint():
                    await self._row(conn, row.values)
            except DomainError as error:
                refused.append(Refusal(row.line, self.describe(error)))
        self.report.refused.extend(sorted(refused, key=lambda refusal: refusal.line))
        return self.report

    async def _split(
        self, conn: Connection, rows: list[ImportRow], refused: list[Refusal]
    ) -> tuple[list[ImportRow], list[ImportRow]]:
        """(rows with a code new to the entity and the batch, the other readable rows but
        those `skip` leaves alone)."""
        readable = []
        for row in rows:
            code = row.values.get("code")
            if row.problem is not None:
                refused.append(Refusal(row.line, self.describe(row.problem)))
            elif not isinstance(code, str) or not code:
                refused.append(Refusal(row.line, self.describe(_NO_CODE)))
            else:
                readable.append(row)
        scope = self.caller.scope.for_entity(self.entity_id)
        taken = await repository.codes_taken(conn, scope, {r.values["code"] for r in readable})
        coming: set[str] = set()  # codes an earlier row of the batch is to create
        fresh: list[ImportRow] = []
        again: list[ImportRow] = []
        for row in readable:
            code = row.values["code"]
            if code not in taken:
                fresh.append(row)
                coming.add(code)
            elif self.on_conflict is OnConflict.SKIP and code not in coming:
                self.report.unchanged += 1  # as `_row` would: nothing of it is read or written
            else:
                again.append(row)
            taken.add(code)
        return fresh, again

    async def _create(
        self, conn: Connection, rows: list[ImportRow], refused: list[Refusal]
    ) -> list[ImportRow]:
        """Create `rows` together; answers those left to `_row` (a code taken meanwhile, or
        all of them when a write failed as no check foresaw: the savepoint undoes them)."""
        news: list[tuple[ImportRow, customers.NewCustomer]] = []
        for row in rows:
            try:
                news.append((row, _new(self.entity_id, row.values)))
            except DomainError as error:
                refused.append(Refusal(row.line, self.describe(error)))
        try:
            async with conn.savepoint():
                results = await customers.create_many(
                    conn, self.caller, self.entity_id, [new for _, new in news]
                )
        except DomainError:  # an object deleted meanwhile: row by row, each on its own
            return [row for row, _ in news]
        left = []
        for (row, _), result in zip(news, results, strict=True):
            if isinstance(result, int):
                self.report.created += 1
            elif isinstance(result, NotUnique) and result.field == "code":
                left.append(row)  # a conflict after all: another writer took the code
            else:
                refused.append(Refusal(row.line, self.describe(result)))
        return left

    async def _row(self, conn: Connection, values: Mapping[str, Any]) -> None:
        code = values["code"]
        scope = self.caller.scope.for_entity(self.entity_id)
        stored = await repository.by_identifier(conn, scope, None, code, lock=True)
        if stored is not None and self.on_conflict is OnConflict.SKIP:
            self.report.unchanged += 1
            return  # its references are never looked up: nothing of the row is written
        if stored is not None and self.on_conflict is OnConflict.FAIL:
            raise NotUnique("code", code, self.entity_id)
        values = await customers.resolved(conn, self.caller, self.entity_id, values)
        if stored is None:
            await customers.create(conn, self.caller, _new(self.entity_id, values))
            self.report.created += 1
        else:
            changes = _differences(customers.Customer.from_row(stored), values)
            if changes:
                await customers.update(conn, self.caller, stored["customer_id"], changes)
                self.report.updated += 1
            else:
                self.report.unchanged += 1


_NO_CODE = Required({"code": "The {field} field is required."})


def _new(entity_id: int, values: Mapping[str, Any]) -> customers.NewCustomer:
    name = values.get("name")
    if name is None:
        raise Required({"name": "The {field} field is required."})
    details = {k: v for k, v in values.items() if k not in ("name", "code", "external_id")}
    return customers.NewCustomer(
        entity_id,
        name,  # the core's rules refuse anything but text
        external_id=values.get("external_id"),
        code=values.get("code"),
        details=details,
    )


def _differences(stored: customers.Customer, values: Mapping[str, Any]) -> dict[str, Any]:
    """The row's values (references already found) the stored customer does not have."""
    current = {
        "name": stored.name,
        "code": stored.code,
        "external_id": stored.external_id,
        **msgspec.structs.asdict(stored.details),
    }
    return {name: value for name, value in values.items() if current.get(name, _ABSENT) != value}


_ABSENT = object()
