"""`python -m bench.instructions`: the instructions one request costs the service, counted by
callgrind, for this checkout and optionally an earlier one (`--before`).

Server CPU time per request, as `python -m bench` measures it, moves by 10-20 % from run to
run on this 2-core machine (wrk and the database share the cores). Instruction counts do
not: the same code, data and requests give the same count within a fraction of a percent,
whatever else runs, so a change of a few percent in a hot path is visible. They are not
time (a cache miss costs no instruction), which is why the wrk suite stays the judge of
speed; this is the judge of "did this change make a request do more work".

For each scenario and checkout: the requests go straight into the ASGI app in one process
(`bench.drive`: no socket, no server, no load generator), after a warm-up, with callgrind
counting only while they run. Two runs, of `SMALL` and of `SMALL + --requests` requests;
their difference over `--requests` is the cost of one request, free of start-up and
shut-down. The database is loaded as `python -m bench` loads it (one size).
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import drive
from bench.errors import BenchError
from bench.options import DATABASES, DEFAULT_DATABASE_URL, DEFAULT_SQLITE_PATH, Target
from bench.options import validate_database_url as _validate_url
from bench.report import Results
from bench.run import ADMIN_USERNAME, REPO, RESULTS, prepare
from bench.scenarios import BY_NAME, SCENARIOS

SMALL = 100  # requests of the first run (its count is subtracted)
START_TIMEOUT = 300.0  # seconds until the driver is READY under callgrind
console = Console()


@dataclass(frozen=True, slots=True)
class Count:
    scenario: str
    checkout: str
    instructions_per_request: float


def _callgrind(checkout: Path, scenario: str, requests: int, env: dict[str, str]) -> int:
    """Instructions callgrind counted while `requests` requests ran."""
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as work:
        out = Path(work) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={out}", sys.executable, "-m", "bench.drive",
                   scenario, str(requests)]  # fmt: skip
        # The checkout's service first on the path; bench itself from this checkout.
        run_env = {**env, "PYTHONPATH": f"{checkout / 'src'}:{REPO}", "PYTHONHASHSEED": "0"}
        process = subprocess.Popen(command, env=run_env, cwd=REPO, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)  # fmt: skip
        try:
            _wait_ready(process)
            subprocess.run(["callgrind_control", "--instr=on", str(process.pid)], check=True,
                           capture_output=True)  # fmt: skip
            _, errors = process.communicate("go\n", timeout=START_TIMEOUT + requests)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if process.returncode != 0:
            raise BenchError(f"{scenario} in {checkout}: the driver failed:\n{errors[-2000:]}")
        return _total(out)


def _wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    for line in process.stdout:  # the driver prints only READY
        if line.strip() == drive.READY:
            return
        if time.monotonic() > deadline:
            break
    _, errors = process.communicate(timeout=10)
    raise BenchError(f"the driver did not get ready:\n{errors[-2000:]}")


def _total(out: Path) -> int:
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise BenchError(f"no total in {out}")


def count(checkout: Path, scenario: str, requests: int, env: dict[str, str]) -> Count:
    small = _callgrind(checkout, scenario, SMALL, env)
    large = _callgrind(checkout, scenario, SMALL + requests, env)
    return Count(scenario, str(checkout), round((large - small) / requests, 1))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.instructions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--before", type=Path, metavar="CHECKOUT",
        help="a checkout of an earlier revision (e.g. a git worktree) to count beside this "
        "one; it must use the same schema")  # fmt: skip
    add("--scenarios", default="partner-get,sales-get,billing-get,partner-create,sales-create,"
        "billing-create", help="comma-separated scenario names of python -m bench")  # fmt: skip
    add("--requests", type=int, default=300, help="counted requests per run (300)")
    add("--size", type=int, default=10_000, help="customers to load (10000)")
    add("--database", choices=DATABASES, default="postgresql")
    add("--database-url", default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database to DROP and recreate (host must be 127.0.0.1)")  # fmt: skip
    return parser


def _target(args: argparse.Namespace) -> Target:
    if args.database == "sqlite":
        return Target("sqlite", f"sqlite:///{DEFAULT_SQLITE_PATH}", (args.size,))
    _validate_url(args.database_url)
    return Target("postgresql", args.database_url, (args.size,))


def _print(counts: Sequence[Count], checkouts: Sequence[Path]) -> None:
    table = Table(title="instructions per request (callgrind), the service's process only")
    for column in ("scenario", *(str(c) for c in checkouts), "change"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    by = {(c.scenario, c.checkout): c.instructions_per_request for c in counts}
    for scenario in dict.fromkeys(c.scenario for c in counts):
        found = [by[scenario, str(c)] for c in checkouts]
        change = f"{found[-1] / found[0] - 1:+.1%}" if len(found) > 1 else ""
        table.add_row(scenario, *(f"{n / 1000:,.1f}k" for n in found), change)
    console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if shutil.which("valgrind") is None:
            raise BenchError("valgrind is not installed: apt-get install valgrind")
        names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            raise BenchError(f"--scenarios: no scenario {unknown} (known: "
                             f"{', '.join(s.name for s in SCENARIOS)})")  # fmt: skip
        checkouts = [REPO]
        if args.before is not None:
            before = args.before.resolve()
            if not (before / "src" / "customer_registry").is_dir():
                raise BenchError(f"--before: {before} is not a checkout of this service")
            checkouts.insert(0, before)
        target = _target(args)
        from bench.dataset import service_env

        env = service_env(target.url, admin_username=ADMIN_USERNAME,
                          admin_password=secrets.token_urlsafe(18))  # fmt: skip
        prepared = prepare(target, args.size, env, Results())
        env |= {"BENCH_TOKEN": prepared.token, "BENCH_KEYS": str(prepared.keys_file)}
        counts = []
        for name in names:
            for checkout in checkouts:
                counts.append(count(checkout, name, args.requests, env))
                console.print(f"  {name:16} {checkout}: "
                              f"{counts[-1].instructions_per_request:,.0f}")  # fmt: skip
    except BenchError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}", highlight=False)
        return 2
    _print(counts, checkouts)
    path = RESULTS / "instructions.json"
    path.write_text(json.dumps([asdict(c) for c in counts], indent=2) + "\n")
    console.print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
