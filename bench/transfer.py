"""`python -m bench.transfer`: a bulk import and an export of N customers, against `COPY` of
the same rows as the baseline, in one run.

For each database: a fresh, migrated database; a CSV of N customers in the billing API's
names (a code, a name, an address, an e-mail and a phone each) imported with
`customer-registry import` as a user would run it; the same customers exported with
`customer-registry export`; then the rows the import stored in `customers` and
`customer_entity_linker` are copied out, the database made fresh again, and the same rows
written straight back the fastest way the database has (PostgreSQL: COPY; SQLite: INSERT …
SELECT from the stored file, in one transaction), through the same indexes and foreign keys.
The ratio is the baseline's seconds over the import's: what share of the bare write speed
the import keeps while it reads the file and applies every rule.

Then the same file with every tenth row bad (no name: the billing API refuses it) is imported
into a fresh database, its refusals written with `--errors`: the good rows go in at the same
speed, and every bad one is reported.

Targets (issue 18): PostgreSQL import < 60 s at 1,000,000 and ratio >= 0.3; SQLite import
< 90 s; export < 30 s; each command's peak RSS < 200 MB; with a tenth of the rows bad, the
good ones at >= 0.9 of the clean file's rows/s (its noise), and every bad one refused.
"""

from __future__ import annotations

import asyncio
import csv
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from rich.console import Console
from rich.table import Table

from bench import dataset
from bench.errors import BenchError
from bench.memory import RssSampler
from bench.options import RESULTS, Target, run_tool, tool_parser

COLUMNS = ("customerAccount", "name", "mainAddressLine1", "mainAddressPostalCode",
           "mainAddressCity", "mainAddressCountry", "emailAddress", "phone")  # fmt: skip
IMPORT_S = {"postgresql": 60.0, "sqlite": 90.0}
RATIO = 0.3  # PostgreSQL: the import's share of COPY's speed
EXPORT_S = 30.0
RSS_MB = 200.0
BAD_EVERY = 10  # every tenth row of the second file is bad
SAME_SPEED = 0.9  # the good rows' rows/s against the clean file's
console = Console()


def rows(count: int, bad_every: int = 0) -> Iterator[tuple[str, ...]]:
    """The file's rows, as text (the import reads them as the billing API reads a form);
    with `bad_every`, each such row has no name."""
    cities = ("Kigali", "Huye", "Musanze", "Rubavu", "Nyagatare")
    for n in range(count):
        address = f"KN {n % 997} Ave {n % 89}"
        name = "" if bad_every and n % bad_every == bad_every - 1 else f"Customer {n}"
        yield (f"IMP{n:08d}", name, address, f"{n % 9000:05d}", cities[n % 5], "RW",
               f"c{n}@example.com", f"+250 788 {n % 1_000_000:06d}")  # fmt: skip


def write_file(path: Path, count: int, bad_every: int = 0) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        for row in rows(count, bad_every):
            out.write(",".join(row) + "\n")


@dataclass(frozen=True, slots=True)
class Timed:
    seconds: float
    peak_mb: float


def timed_command(
    command: list[str],
    env: dict[str, str],
    stdout: Path | None = None,
    statuses: tuple[int, ...] = (0,),
) -> Timed:
    """Run `command` (its output to `stdout`, else nowhere), sampling its RSS; its wall
    time. Another exit status than `statuses` is a BenchError."""
    with (stdout or Path(os.devnull)).open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.PIPE)
        with RssSampler(process.pid) as sampler:
            _, errors = process.communicate()
        seconds = time.perf_counter() - started
    if process.returncode not in statuses:
        raise BenchError(f"{' '.join(command[1:3])} failed: {errors.decode()[-2000:]}")
    return Timed(seconds, sampler.peak_mb)


_TABLES = ("customers", "customer_entity_linker")  # what the import writes


async def _dump_postgresql(url: str, work: Path) -> None:
    """The rows the import stored, each table to a file in COPY's binary format."""
    conn = await asyncpg.connect(url)
    try:
        for table in _TABLES:
            await conn.copy_from_table(table, output=work / f"{table}.copy", format="binary")
    finally:
        await conn.close()


async def _copy_postgresql(url: str, work: Path) -> None:
    """The bare write: the same rows into the fresh tables by COPY, in one transaction. The
    customers are analysed before their links go in: each link's foreign key check reads a
    customer, and with the empty table's statistics the planner reads them all (measured:
    more than 4 minutes for a million links, against seconds)."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            customers, links = _TABLES
            await conn.copy_to_table(customers, source=work / f"{customers}.copy", format="binary")
            await conn.execute(f"ANALYZE {customers}")
            await conn.copy_to_table(links, source=work / f"{links}.copy", format="binary")
    finally:
        await conn.close()


def _copy_sqlite(path: Path, stored: Path) -> None:
    """The bare write: the same rows into the fresh tables, in one transaction."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("ATTACH DATABASE ? AS stored", (str(stored),))
        with conn:
            for table in _TABLES:
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM stored.{table}")
    finally:
        conn.close()


@dataclass(frozen=True, slots=True)
class Outcome:
    database: str
    rows: int
    imported: Timed
    exported: Timed
    baseline_s: float
    with_bad: Timed  # the file with a tenth of its rows bad
    bad: int
    refused: int

    @property
    def ratio(self) -> float:
        return self.baseline_s / self.imported.seconds

    @property
    def peak_mb(self) -> float:
        return max(self.imported.peak_mb, self.exported.peak_mb, self.with_bad.peak_mb)

    @property
    def good_speed(self) -> float:
        """The good rows' rows/s with the bad ones beside them, against the clean file's."""
        return ((self.rows - self.bad) / self.with_bad.seconds) / (
            self.rows / self.imported.seconds
        )


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
    stored = work / "stored.sqlite"
    if target.kind == "postgresql":
        asyncio.run(_dump_postgresql(target.url, work))
    else:
        shutil.copyfile(target.sqlite_path, stored)
    dataset.recreate(target)
    dataset.migrate(cli, env)
    console.print(f"• {target.kind}: the rows the import stored, written straight (the baseline)")
    started = time.perf_counter()
    if target.kind == "postgresql":
        asyncio.run(_copy_postgresql(target.url, work))
    else:
        _copy_sqlite(target.sqlite_path, stored)
    baseline = time.perf_counter() - started
    console.print(f"  {baseline:.1f} s")
    with_bad, refused = _import_with_bad_rows(target, count, work, cli, env)
    return Outcome(target.kind, count, imported, exported, baseline, with_bad,
                   count // BAD_EVERY, refused)  # fmt: skip


def _import_with_bad_rows(
    target: Target, count: int, work: Path, cli: Path, env: dict[str, str]
) -> tuple[Timed, int]:
    """The import of the file with a tenth of its rows bad, into a fresh database: its time,
    and how many rows its error report names."""
    source, errors = work / "customers-bad.csv", work / "refused.csv"
    write_file(source, count, BAD_EVERY)
    dataset.recreate(target)
    dataset.migrate(cli, env)
    console.print(f"• {target.kind}: customer-registry import, every {BAD_EVERY}th row bad")
    command = [str(cli), "import", str(source), "--errors", str(errors)]
    timed = timed_command(command, env, statuses=(0, 1))  # 1: some rows refused
    with errors.open(encoding="utf-8", newline="") as report:
        refused = sum(1 for _ in csv.reader(report)) - 1  # its header aside
    console.print(f"  {timed.seconds:.1f} s, {refused:,} rows refused")
    return timed, refused


def _verdicts(outcome: Outcome) -> list[tuple[str, str, bool]]:
    found = [
        (f"import {outcome.imported.seconds:.1f} s", f"< {IMPORT_S[outcome.database]:.0f} s",
         outcome.imported.seconds < IMPORT_S[outcome.database]),
        (f"export {outcome.exported.seconds:.1f} s", f"< {EXPORT_S:.0f} s",
         outcome.exported.seconds < EXPORT_S),
        (f"peak RSS {outcome.peak_mb:.0f} MB", f"< {RSS_MB:.0f} MB", outcome.peak_mb < RSS_MB),
    ]  # fmt: skip
    if outcome.database == "postgresql":
        found.append((f"ratio {outcome.ratio:.2f} (COPY {outcome.baseline_s:.1f} s)",
                      f">= {RATIO}", outcome.ratio >= RATIO))  # fmt: skip
    found += [
        (f"a tenth bad: good rows at {outcome.good_speed:.2f} of the speed "
         f"({outcome.with_bad.seconds:.1f} s)", f">= {SAME_SPEED}",
         outcome.good_speed >= SAME_SPEED),
        (f"a tenth bad: {outcome.refused:,} of {outcome.bad:,} reported", "all",
         outcome.refused == outcome.bad),
    ]  # fmt: skip
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
    parser = tool_parser("python -m bench.transfer", __doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    return run_tool(args, args.rows, lambda target: measure(target, args.rows, RESULTS), _print)


if __name__ == "__main__":
    raise SystemExit(main())
