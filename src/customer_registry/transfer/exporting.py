"""An export: the customers a scope sees, streamed in batches (constant memory at any size),
each a row named as one API names its fields, so that the file imports back unchanged."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from enum import StrEnum
from typing import IO, Any

from customer_registry.core import customers
from customer_registry.core.permissions import Caller
from customer_registry.core.query import Condition, Filter, ListQuery, Op, Order, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Database
from customer_registry.transfer.columns import Naming
from customer_registry.transfer.files import write_csv, write_json_lines

_BATCH = 1000  # customers a download reads at a time


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
    async with aclosing(customers.each(db, scope)) as batches:
        async for batch in batches:
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


async def csv_of_found(
    db: Database, caller: Caller, filters: tuple[Filter, ...], naming: Naming
) -> AsyncIterator[bytes]:
    """The customers the caller sees that match `filters`, as CSV named as `naming` names
    them, in batches by id (each read on its own: a long download holds no transaction)."""
    last = 0
    header = True
    by_id = (Order("customer_id"),)
    while True:
        query = ListQuery(filters=(*filters, Condition("customer_id", Op.GT, last)), order_by=by_id)
        async with db.read() as conn:
            found = await customers.list_page(conn, caller, query, PageRequest(per_page=_BATCH))
        text = io.StringIO()
        rows = await naming.export_rows(db, caller, found.items)
        write_csv(text, naming.export_columns, rows, header=header)
        header = False
        yield text.getvalue().encode()
        if len(found.items) < _BATCH:
            return
        last = found.items[-1].customer_id
