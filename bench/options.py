"""Command-line options, and the guard that the benchmark only ever targets 127.0.0.1."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console

from bench.errors import BenchError

Outcome = TypeVar("Outcome")

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_registry"
DEFAULT_SQLITE_PATH = Path(__file__).resolve().parent / "results" / "bench.db"
LOCALHOST = "127.0.0.1"
DATABASES = ("postgresql", "sqlite")
HTTP_SERVERS = ("uvicorn", "granian")  # `serve --server`
_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_PROTECTED_DATABASES = frozenset({"postgres", "template0", "template1"})


@dataclass(frozen=True, slots=True)
class Target:
    """One database the suite runs on."""

    kind: str  # "postgresql" or "sqlite"
    url: str  # the service's CUSTOMER_REGISTRY_DATABASE_URL
    sizes: tuple[int, ...]  # customers to load, ascending

    @property
    def database_name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")

    @property
    def maintenance_url(self) -> str:
        """The same server's `postgres` database, from which the bench database is recreated."""
        return urlunsplit(urlsplit(self.url)._replace(path="/postgres"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.split(":///", 1)[1])


@dataclass(frozen=True, slots=True)
class Options:
    targets: tuple[Target, ...]
    scenarios: tuple[str, ...]  # names, in the suite's order
    duration: int
    warmup: int
    rounds: int
    connections: int
    list_connections: int
    latency_connections: int
    check: bool
    verify_only: bool  # each scenario's sample request to both servers, nothing measured
    before: Path | None = None  # a checkout of an earlier revision, run as a third server
    pgbouncer: bool = False  # PostgreSQL's servers reach it through PgBouncer (transaction mode)
    server: str = "uvicorn"  # the HTTP server of ours and of the baseline
    before_server: str = "uvicorn"  # the earlier revision's (--before)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",")}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text}") from None
    if not sizes or sizes[0] < 100:
        raise argparse.ArgumentTypeError("each size must be at least 100 customers")
    return sizes


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _parser() -> argparse.ArgumentParser:
    from bench.scenarios import GROUPS, SCENARIOS

    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="The benchmark suite: every scenario of the three APIs, on PostgreSQL and "
        "SQLite, against a bare ASGI baseline doing the same SQL, with wrk. See bench/README.md.",
    )
    add = parser.add_argument
    add("--databases", type=_names, default=DATABASES,
        help="comma-separated: postgresql, sqlite (default both)")  # fmt: skip
    add("--sizes", type=_sizes, default=(10_000, 1_000_000),
        help="PostgreSQL: customers to load, comma-separated (default 10000,1000000); the "
        "largest runs every scenario, the others the read scenarios, for the growth")  # fmt: skip
    add("--sqlite-sizes", type=_sizes, default=(10_000, 1_000_000),
        help="the same for SQLite (default 10000,1000000)")  # fmt: skip
    add("--scenarios", type=_names, default=("all",),
        help=f"comma-separated names or groups ({', '.join(GROUPS)}) or all; names: "
        f"{', '.join(s.name for s in SCENARIOS)}")  # fmt: skip
    add("--duration", type=_positive, default=5, help="seconds per measured wrk run (5)")
    add("--warmup", type=int, default=2, help="seconds of warm-up per server and scenario (2)")
    add("--rounds", type=_positive, default=2, help="measured runs per server, alternating (2)")
    add("--connections", type=_positive, default=64, help="wrk connections (64)")
    add("--list-connections", type=_positive, default=8,
        help="wrk connections of the list scenarios (8)")  # fmt: skip
    add("--latency-connections", type=_positive, default=1,
        help="wrk connections of the extra latency run of the list scenarios (1)")  # fmt: skip
    add("--database-url", default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database to DROP and recreate (host must be 127.0.0.1)")  # fmt: skip
    add("--sqlite-path", type=Path, default=DEFAULT_SQLITE_PATH,
        help="SQLite file to delete and recreate (default bench/results/bench.db)")  # fmt: skip
    add("--no-check", dest="check", action="store_false",
        help="exit 0 even when a target is missed")  # fmt: skip
    add("--verify-only", action="store_true",
        help="only check that both servers answer each scenario's sample request alike "
        "(no wrk, nothing measured)")  # fmt: skip
    add("--before", type=Path, metavar="CHECKOUT",
        help="also run the service from this checkout of an earlier revision (e.g. a git "
        "worktree), in the same runs, to compare its req/s and CPU per request with ours; "
        "it must use the same schema")  # fmt: skip
    add("--server", choices=HTTP_SERVERS, default="uvicorn",
        help="the HTTP server ours runs under (serve --server) and the baseline too, so "
        "that their ratio compares the apps (default uvicorn)")  # fmt: skip
    add("--before-server", choices=HTTP_SERVERS, default=None,
        help="the HTTP server of --before's revision (default: --server's); with --before "
        "naming this checkout, the same code under two servers in the same runs")  # fmt: skip
    add("--pgbouncer", action="store_true",
        help="PostgreSQL: both servers reach the database through PgBouncer in transaction "
        "pooling mode, started by the suite (Debian's pgbouncer)")  # fmt: skip
    return parser


def validate_database_url(url: str) -> None:
    """The benchmark drops this database: it must be local, and not a system database."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise BenchError(f"--database-url must be postgresql://…, not {url!r}")
    if parts.hostname != LOCALHOST:
        raise BenchError(f"--database-url must point at {LOCALHOST}, not {parts.hostname!r}")
    name = parts.path.lstrip("/")
    if not _DATABASE_NAME.fullmatch(name) or name in _PROTECTED_DATABASES:
        raise BenchError(f"--database-url must name a plain, non-system database, not {name!r}")


def targets(databases: str, database_url: str, sizes: tuple[int, ...]) -> list[Target]:
    """The targets a single-purpose command (`bench.transfer`, `bench.dead_receiver`) names
    with `--databases kind,kind` and `--database-url` (PostgreSQL's, checked)."""
    found = []
    for kind in databases.split(","):
        if kind == "postgresql":
            validate_database_url(database_url)
            found.append(Target(kind, database_url, sizes))
        elif kind == "sqlite":
            found.append(Target(kind, f"sqlite:///{DEFAULT_SQLITE_PATH}", sizes))
        else:
            raise BenchError(f"--databases: {kind!r} is neither postgresql nor sqlite")
    return found


def _selected(names: Sequence[str]) -> tuple[str, ...]:
    from bench.scenarios import GROUPS, SCENARIOS

    wanted: set[str] = set()
    known = {s.name for s in SCENARIOS}
    for name in names:
        if name == "all":
            wanted |= known
        elif name in GROUPS:
            wanted |= {s.name for s in SCENARIOS if s.group == name}
        elif name in known:
            wanted.add(name)
        else:
            raise BenchError(f"--scenarios: no scenario or group {name!r}")
    return tuple(s.name for s in SCENARIOS if s.name in wanted)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    args = _parser().parse_args(argv)
    targets = []
    for kind in args.databases:
        if kind not in DATABASES:
            raise BenchError(f"--databases: {kind!r} is neither postgresql nor sqlite")
        if kind == "postgresql":
            validate_database_url(args.database_url)
            targets.append(Target(kind, args.database_url, args.sizes))
        else:
            path = args.sqlite_path.resolve()
            targets.append(Target(kind, f"sqlite:///{path}", args.sqlite_sizes))
    if not targets:
        raise BenchError("--databases: name at least one")
    before = args.before.resolve() if args.before else None
    if before is not None and not (before / "src" / "customer_registry").is_dir():
        raise BenchError(f"--before: {before} is not a checkout of this service (no src/)")
    if args.before_server is not None and before is None:
        raise BenchError("--before-server: only with --before")
    return Options(
        targets=tuple(targets),
        scenarios=_selected(args.scenarios),
        duration=args.duration,
        warmup=max(args.warmup, 0),
        rounds=args.rounds,
        connections=args.connections,
        list_connections=args.list_connections,
        latency_connections=args.latency_connections,
        check=args.check,
        verify_only=args.verify_only,
        before=before,
        pgbouncer=args.pgbouncer,
        server=args.server,
        before_server=args.before_server or args.server,
    )


# --- the suite's side tools (python -m bench.transfer, .dead_receiver, .console) ------------

RESULTS = DEFAULT_SQLITE_PATH.parent


def tool_parser(prog: str, description: str | None) -> argparse.ArgumentParser:
    """A side tool's options: its own, and the databases it runs on."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database to DROP and recreate (127.0.0.1 only)",
    )
    return parser


def quantile_ms(latencies: Sequence[float], share: float) -> float:
    """The `share` quantile (0.99: the p99) of latencies in seconds, in milliseconds."""
    ordered = sorted(latencies)
    return ordered[max(0, int(len(ordered) * share) - 1)] * 1000


def run_tool(
    args: argparse.Namespace,
    size: int,
    measure: Callable[[Target], Outcome],
    report: Callable[[list[Outcome]], bool],
) -> int:
    """Measure each database chosen, then report: exit 0 every target met, 1 one missed, 2
    the tool could not run."""
    try:
        chosen = targets(args.databases, args.database_url, (size,))
        RESULTS.mkdir(parents=True, exist_ok=True)
        outcomes = [measure(target) for target in chosen]
    except BenchError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}", highlight=False)
        return 2
    return 0 if report(outcomes) else 1
