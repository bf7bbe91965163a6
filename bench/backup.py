"""`python -m bench.backup`: how long `customer-registry backup` and `restore` take at a size
(1,000,000 customers by default), on each database.

For each database: the bench's fresh database and bulk load (`bench.dataset`), then the
commands as an operator runs them, each timed from start to exit: `backup FILE` (SQLite's
online backup API, or `pg_dump --format=custom`, and the image archive beside it), then
`restore FILE --force` over the same database (SQLite's backup API, or `pg_restore | psql`
in one transaction: the schema dropped, the dump's tables, rows and indexes made again).
The service is not running: these are the commands' own times. The bench data has no
images, so the image archive (a tar of the image directory, beside the file) is empty here:
add the time to copy that directory. No target: the figures are for operators planning a
backup window.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import dataset
from bench.options import Target, run_tool, tool_parser
from bench.processes import run_cli

COMMAND_TIMEOUT = 1800.0
console = Console()


@dataclass(frozen=True, slots=True)
class Outcome:
    database: str
    size: int
    backup_seconds: float
    backup_bytes: int
    restore_seconds: float


def _timed(cli: Path, env: dict[str, str], work: Path, *args: str) -> float:
    started = time.perf_counter()
    run_cli([str(cli), *args], env, timeout=COMMAND_TIMEOUT, cwd=work)
    return time.perf_counter() - started


def measure(target: Target, size: int) -> Outcome:
    cli = Path(sys.executable).with_name("customer-registry")
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as folder:
        work = Path(folder)
        env = dataset.service_env(target.url, media_dir=str(work / "media"))
        console.print(f"• {target.kind}: loading {size:,} customers")
        dataset.recreate(target)
        dataset.migrate(cli, env)
        dataset.load(target, size)
        file = work / "registry.backup"
        console.print(f"• {target.kind}: backup")
        backup_seconds = _timed(cli, env, work, "backup", str(file))
        console.print(f"• {target.kind}: restore --force")
        restore_seconds = _timed(cli, env, work, "restore", str(file), "--force")
        return Outcome(target.kind, size, backup_seconds, file.stat().st_size, restore_seconds)


def _print(outcomes: Sequence[Outcome]) -> bool:
    table = Table(title="backup and restore, the commands' own times")
    for column in ("database", "customers", "backup", "file", "restore"):
        table.add_column(column)
    for outcome in outcomes:
        table.add_row(
            outcome.database,
            f"{outcome.size:,}",
            f"{outcome.backup_seconds:.1f} s",
            f"{outcome.backup_bytes / 1e6:,.0f} MB",
            f"{outcome.restore_seconds:.1f} s",
        )
    console.print(table)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser("python -m bench.backup", __doc__)
    parser.add_argument("--size", type=int, default=1_000_000, help="customers (1,000,000)")
    args = parser.parse_args(argv)
    return run_tool(args, args.size, lambda target: measure(target, args.size), _print)


if __name__ == "__main__":
    sys.exit(main())
