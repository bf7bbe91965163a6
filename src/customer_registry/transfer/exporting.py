"""An export: the customers a scope sees, streamed in batches (constant memory at any size),
each a row named as one API names its fields, so that the file imports back unchanged."""

from __future__ import annotations

import io
from collections.abc import Mapping
from enum import StrEnum
from typing import IO, Any

from customer_registry.core import customers
from customer_registry.core.permissions import Caller
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Database
from customer_registry.transfer.columns import Naming
from customer_registry.transfer.files import write_csv, write_json_lines


class Format(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


async def export(
    db: Database,
    caller: Caller,
    scope: Scope,
    naming: Naming,
    out: IO[bytes],
    *,
    file_format: Format = Format.CSV,
    where: Mapping[str, Any] | None = None,
) -> int:
    """Write every customer `scope` (the caller's, or narrower) sees, those whose columns
    equal `where`'s values as the file shows them, to `out`; answer how many."""
    conditions = dict(where or {})
    written = 0
    header = file_format is Format.CSV
    async for batch in customers.each(db, scope):
        rows = await naming.export_rows(db, caller, batch)
        if conditions:
            rows = [row for row in rows if _matches(row, conditions)]
        if file_format is Format.CSV:
            text = io.StringIO()
            write_csv(text, naming.export_columns, rows, header=header)
            out.write(text.getvalue().encode())
            header = False
        else:
            write_json_lines(out, rows)
        written += len(rows)
    if header:  # no customer: the header alone, so the file still says its columns
        text = io.StringIO()
        write_csv(text, naming.export_columns, [])
        out.write(text.getvalue().encode())
    return written


def _matches(row: Mapping[str, Any], conditions: Mapping[str, Any]) -> bool:
    return all(_shown(row.get(name)) == value for name, value in conditions.items())


def _shown(value: Any) -> str:
    """A value as a CSV cell shows it (what `--where` compares with)."""
    return "" if value is None else str(value)
