"""An import from a file (or from a running API: `remote`): which API's names its header
uses, each record read with that API's rules into the core's values, the core's import
service, and the report of refused rows.

The command line calls this (and the console will): nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from customer_registry.core.errors import DomainError
from customer_registry.core.imports import (
    ImportRow,
    OnConflict,
    Progress,
    Report,
    import_customers,
)
from customer_registry.core.permissions import Caller
from customer_registry.storage.database import Database
from customer_registry.transfer.columns import NAMINGS, Naming, naming_of
from customer_registry.transfer.files import Table, read, write_csv


@dataclass(frozen=True, slots=True)
class Plan:
    """What an import will read, shown before it runs."""

    table: Table
    naming: Naming
    renamed: Mapping[str, str]  # file column -> the API's name (`--columns`), where they differ
    used: list[str]  # the file's columns the import reads, as the file names them
    ignored: list[str]  # the others

    def describe(self) -> str:
        lines = [
            f"{self.table.description}; columns named as the {self.naming.api} API names them",
            f"reads: {', '.join(self._shown(c) for c in self.used)}",
        ]
        if self.ignored:
            lines.append(f"ignores (not written through that API): {', '.join(self.ignored)}")
        return "\n".join(lines)

    def _shown(self, column: str) -> str:
        name = self.renamed.get(column)
        return f"{column} (as {name})" if name else column


def plan(path: Path, *, api: str | None = None, columns: Mapping[str, str] | None = None) -> Plan:
    """Read `path`'s header; `columns` renames file columns to an API's names; `api` says
    which API's names are used, else the header tells (`columns.naming_of`)."""
    table = read(path)
    renamed = dict(columns or {})
    names = [renamed.get(column, column) for column in table.columns]
    return _plan(table, naming_of(names, api), renamed)


def plan_read(table: Table, api: str) -> Plan:
    """An import of records already in `api`'s names (read from that API: `remote.read_api`)."""
    return _plan(table, NAMINGS[api], {})


def _plan(table: Table, naming: Naming, renamed: Mapping[str, str]) -> Plan:
    used = [c for c in table.columns if renamed.get(c, c) in naming.columns]
    ignored = [c for c in table.columns if c not in used]
    return Plan(table, naming, dict(renamed), used, ignored)


def rows(plan: Plan) -> Iterator[ImportRow]:
    """Each record of the file in the core's values, or with what its API refuses in it."""
    for record in plan.table.records:
        values = {
            plan.renamed.get(column, column): _cell(value)
            for column, value in record.values.items()
            if column in plan.used
        }
        try:
            yield ImportRow(record.line, plan.naming.read(values))
        except DomainError as error:
            yield ImportRow(record.line, {}, problem=error)


def _cell(value: Any) -> Any:
    """An empty cell is no value, as a field left out (CSV has no null)."""
    return None if value == "" else value


async def run(
    db: Database,
    caller: Caller,
    plan: Plan,
    *,
    entity_id: int,
    on_conflict: OnConflict = OnConflict.FAIL,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Report:
    return await import_customers(
        db,
        caller,
        rows(plan),
        entity_id=entity_id,
        on_conflict=on_conflict,
        dry_run=dry_run,
        describe=plan.naming.describe,
        progress=progress,
    )


def write_refusals(out: IO[str], report: Report) -> None:
    """The refused rows, as CSV: the line each starts on, and why, in the API's words."""
    write_csv(
        out,
        ["line", "message"],
        ({"line": r.line, "message": r.message} for r in report.refused),
    )
