"""`python -m bench.transfer`: a bulk import and an export of N customers, against `COPY` of
the same rows as the baseline, in one run.

For each database: a fresh, migrated database; a CSV of N customers in the billing API's
names (a code, a name, an address, an e-mail and a phone each) imported with
`customer-registry import` as a user would run it; the same customers exported with
`customer-registry export`; then the database made fresh again and the same rows written
straight into `customers` and `customer_entity_linker` the fastest way the driver has
(PostgreSQL: COPY; SQLite: executemany in one transaction), with the values the import
stores. The ratio is the baseline's seconds over the import's: what share of the bare write
speed the import keeps while it reads the file and applies every rule.

Targets (issue 18): PostgreSQL import < 60 s at 1,000,000 and ratio >= 0.3; SQLite import
< 90 s; export < 30 s; each command's peak RSS < 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from rich.console import Console
from rich.table import Table

from bench import dataset
from bench.errors import BenchError
from bench.memory import RssSampler
from bench.options import DATABASES, DEFAULT_DATABASE_URL, DEFAULT_SQLITE_PATH, Target
from bench.options import validate_database_url as _validate_url

RESULTS = Path(__file__).resolve().with_name("results")
ENTITY_ID = 1
COLUMNS = ("customerAccount", "name", "mainAddressLine1", "mainAddressPostalCode",
           "mainAddressCity", "mainAddressCountry", "emailAddress", "phone")  # fmt: skip
# The same values as the core names them (the import writes these columns).
CORE = ("code", "name", "address_line1", "postal_code", "city", "country", "email", "phone")
IMPORT_S = {"postgresql": 60.0, "sqlite": 90.0}
RATIO = 0.3  # PostgreSQL: the import's share of COPY's speed
EXPORT_S = 30.0
RSS_MB = 200.0
console = Console()


def rows(count: int) -> Iterator[tuple[str, ...]]:
    """The file's rows, as text (the import reads them as the billing API reads a form)."""
    cities = ("Kigali", "Huye", "Musanze", "Rubavu", "Nyagatare")
    for n in range(count):
        address = f"KN {n % 997} Ave {n % 89}"
        yield (f"IMP{n:08d}", f"Customer {n}", address, f"{n % 9000:05d}", cities[n % 5], "RW",
               f"c{n}@example.com", f"+250 788 {n % 1_000_000:06d}")  # fmt: skip


def write_file(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        for row in rows(count):
            out.write(",".join(row) + "\n")


@dataclass(frozen=True, slots=True)
class Timed:
    seconds: float
    peak_mb: float


def timed_command(command: list[str], env: dict[str, str], stdout: Path | None = None) -> Timed:
    """Run `command` (its output to `stdout`, else nowhere), sampling its RSS; its wall
    time. A failure is a BenchError."""
    with (stdout or Path(os.devnull)).open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.PIPE)
        with RssSampler(process.pid) as sampler:
            _, errors = process.communicate()
        seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise BenchError(f"{' '.join(command[1:3])} failed: {errors.decode()[-2000:]}")
    return Timed(seconds, sampler.peak_mb)


def _core_rows(count: int, now: object) -> Iterator[tuple[object, ...]]:
    for row in rows(count):
        yield (ENTITY_ID, *row, now, "bench")


async def _copy_postgresql(url: str, count: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)  # the columns are naive UTC
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            first = await conn.fetchval(
                "SELECT nextval(pg_get_serial_sequence('customers', 'customer_id'))"
            )
            columns = ("customer_id", "entity_id", *CORE, "created_at", "created_by")
            await conn.copy_records_to_table(
                "customers",
                records=((first + n, *row) for n, row in enumerate(_core_rows(count, now))),
                columns=columns,
            )
            await conn.copy_records_to_table(
                "customer_entity_linker",
                records=((first + n, ENTITY_ID, now, now, "bench") for n in range(count)),
                columns=("customer_id", "entity_id", "date_added", "created_at", "created_by"),
            )
    finally:
        await conn.close()


def _copy_sqlite(path: Path, count: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0).isoformat(sep=" ")
    conn = sqlite3.connect(path)
    try:
        with conn:
            first = conn.execute("SELECT coalesce(max(customer_id), 0) + 1 FROM customers")
            start = first.fetchone()[0]
            columns = ("customer_id", "entity_id", *CORE, "created_at", "created_by")
            conn.executemany(
                f"INSERT INTO customers ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                ((start + n, *row) for n, row in enumerate(_core_rows(count, now))),
            )
            conn.executemany(
                "INSERT INTO customer_entity_linker (customer_id, entity_id, date_added, "
                "created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                ((start + n, ENTITY_ID, now, now, "bench") for n in range(count)),
            )
    finally:
        conn.close()


@dataclass(frozen=True, slots=True)
class Outcome:
    database: str
    rows: int
    imported: Timed
    exported: Timed
    baseline_s: float

    @property
    def ratio(self) -> float:
        return self.baseline_s / self.imported.seconds


def measure(target: Target, count: int, work: Path) -> Outcome:
    cli = Path(sys.executable).with_name("customer-registry")
    env = dataset.service_env(target.url, admin_username="admin",
                              admin_password=secrets.token_urlsafe(18))  # fmt: skip
    source = work / "customers.csv"
    console.print(f"• writing {count:,} rows to {source}")
    write_file(source, count)
    dataset.recreate(target)
    dataset.migrate(cli, env)
    console.print(f"• {target.kind}: customer-registry import")
    imported = timed_command([str(cli), "import", str(source)], env)
    console.print(f"  {imported.seconds:.1f} s, {count / imported.seconds:,.0f} rows/s, "
                  f"peak RSS {imported.peak_mb:.0f} MB")  # fmt: skip
    console.print(f"• {target.kind}: customer-registry export --api billing")
    exported = timed_command([str(cli), "export", "--api", "billing"], env, work / "out.csv")
    console.print(f"  {exported.seconds:.1f} s, peak RSS {exported.peak_mb:.0f} MB")
    dataset.recreate(target)
    dataset.migrate(cli, env)
    console.print(f"• {target.kind}: the same rows written straight (the baseline)")
    started = time.perf_counter()
    if target.kind == "postgresql":
        asyncio.run(_copy_postgresql(target.url, count))
    else:
        _copy_sqlite(target.sqlite_path, count)
    baseline = time.perf_counter() - started
    console.print(f"  {baseline:.1f} s")
    return Outcome(target.kind, count, imported, exported, baseline)


def _verdicts(outcome: Outcome) -> list[tuple[str, str, bool]]:
    found = [
        (f"import {outcome.imported.seconds:.1f} s", f"< {IMPORT_S[outcome.database]:.0f} s",
         outcome.imported.seconds < IMPORT_S[outcome.database]),
        (f"export {outcome.exported.seconds:.1f} s", f"< {EXPORT_S:.0f} s",
         outcome.exported.seconds < EXPORT_S),
        (f"peak RSS {max(outcome.imported.peak_mb, outcome.exported.peak_mb):.0f} MB",
         f"< {RSS_MB:.0f} MB", max(outcome.imported.peak_mb, outcome.exported.peak_mb) < RSS_MB),
    ]  # fmt: skip
    if outcome.database == "postgresql":
        found.append((f"ratio {outcome.ratio:.2f} (COPY {outcome.baseline_s:.1f} s)",
                      f">= {RATIO}", outcome.ratio >= RATIO))  # fmt: skip
    return found


def _print(outcomes: Sequence[Outcome]) -> bool:
    table = Table(title="python -m bench.transfer: import and export against a bare write")
    for column in ("database", "rows", "figure", "target", "result"):
        table.add_column(column)
    passed = True
    for outcome in outcomes:
        for figure, target, ok in _verdicts(outcome):
            passed &= ok
            verdict = "[green]pass[/green]" if ok else "[red]FAIL[/red]"
            table.add_row(outcome.database, f"{outcome.rows:,}", figure, target, verdict)
    console.print(table)
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.transfer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database to DROP and recreate (127.0.0.1 only)",
    )
    args = parser.parse_args(argv)
    try:
        targets = []
        for kind in args.databases.split(","):
            if kind == "postgresql":
                _validate_url(args.database_url)
                targets.append(Target(kind, args.database_url, (args.rows,)))
            elif kind == "sqlite":
                targets.append(Target(kind, f"sqlite:///{DEFAULT_SQLITE_PATH}", (args.rows,)))
            else:
                raise BenchError(f"--databases: {kind!r} is neither postgresql nor sqlite")
        RESULTS.mkdir(parents=True, exist_ok=True)
        outcomes = [measure(target, args.rows, RESULTS) for target in targets]
    except BenchError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}", highlight=False)
        return 2
    return 0 if _print(outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
