"""Command-line options, and the guard that the benchmark only ever targets 127.0.0.1."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from bench.errors import BenchError

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_registry"
LOCALHOST = "127.0.0.1"
_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_PROTECTED_DATABASES = frozenset({"postgres", "template0", "template1"})


@dataclass(frozen=True, slots=True)
class Options:
    customers: int
    duration: int
    connections: int
    database_url: str
    check: bool

    @property
    def database_name(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")

    @property
    def maintenance_url(self) -> str:
        """The same server's `postgres` database, from which the bench database is recreated."""
        return urlunsplit(urlsplit(self.database_url)._replace(path="/postgres"))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark GET /v1/customers/<id> of the service against a bare ASGI "
        "baseline on the same PostgreSQL data, with wrk.",
    )
    parser.add_argument("--customers", type=_positive, default=100_000, help="rows to load")
    parser.add_argument("--duration", type=_positive, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=_positive, default=64, help="wrk connections")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database to DROP and recreate (host must be 127.0.0.1)",
    )
    parser.add_argument(
        "--no-check",
        dest="check",
        action="store_false",
        help="do not fail when ours/baseline req/s is below the target",
    )
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


def parse_options(argv: Sequence[str] | None = None) -> Options:
    args = _parser().parse_args(argv)
    validate_database_url(args.database_url)
    return Options(
        customers=args.customers,
        duration=args.duration,
        connections=args.connections,
        database_url=args.database_url,
        check=args.check,
    )
