"""`python -m bench.console`: the console's search as one types it, and its pages' loads, at a
size (1,000,000 customers by default), one request at a time as one operator makes them.

For each database: the bench's fresh database and bulk load (`bench.dataset`), then
`customer-registry serve` (one worker), signed in through the console's own form as the
administrator (`GLOBAL`: every entity's customers are searched). Then, for a sample of the
loaded customers, what the search box sends while a name is typed (`?q=…&fragment=1` after
each keystroke from the third: the first name's prefixes), and their code; then each one's
page (its fields, each API's record asked in process, its history).

Targets (issue 20): search answers p95 under 100 ms; a page load under 200 ms.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench import dataset, fake
from bench.errors import BenchError
from bench.options import RESULTS, Target, quantile_ms, run_tool, tool_parser
from bench.processes import free_port

SEARCH_P95_MS = 100.0
PAGE_P95_MS = 200.0
console = Console()


@dataclass(frozen=True, slots=True)
class Outcome:
    database: str
    size: int
    search: list[float]  # seconds per answer
    pages: list[float]


def _typed(key: fake.Key) -> list[str]:
    """What the box holds after each keystroke of the first name, from the third, and the
    code pasted whole."""
    first = key.name.split()[0]
    return [first[:n] for n in range(3, len(first) + 1)] + [key.code]


def _sign_in(client: httpx.Client, password: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            form = client.get("/console/sign-in")
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise BenchError("the server did not answer within 60 s") from None
            time.sleep(0.1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
    if nonce is None:
        raise BenchError("the sign-in page has no form")
    signed = client.post(
        "/console/sign-in",
        data={"username": "admin", "password": password, "nonce": nonce.group(1)},
    )
    if signed.status_code != 303:
        raise BenchError(f"signing in answered {signed.status_code}")


def _timed(client: httpx.Client, path: str, params: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    answer = client.get(path, params=params)
    spent = time.perf_counter() - started
    if answer.status_code != 200:
        raise BenchError(f"{path} answered {answer.status_code}")
    return spent


def measure(target: Target, size: int, customers: int, work: Path) -> Outcome:
    cli = Path(sys.executable).with_name("customer-registry")
    password = secrets.token_urlsafe(18)
    env = dataset.service_env(target.url, admin_username="admin", admin_password=password)
    console.print(f"• {target.kind}: loading {size:,} customers")
    dataset.recreate(target)
    dataset.migrate(cli, env)
    loaded = dataset.load(target, size)
    sample = random.Random(6).sample(loaded.keys, min(customers, len(loaded.keys)))
    port = free_port()
    server = subprocess.Popen(
        [str(cli), "serve", "--port", str(port), "--no-access-log"],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    search: list[float] = []
    pages: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _sign_in(client, password)
            for key in sample[:5]:  # warm-up: the first answers compile the statements
                _timed(client, "/console/customers", {"q": key.code, "fragment": "1"})
                _timed(client, f"/console/customers/{key.customer_id}")
            console.print(f"• {target.kind}: searching as {len(sample)} names are typed")
            for key in sample:
                for text in _typed(key):
                    search.append(
                        _timed(client, "/console/customers", {"q": text, "fragment": "1"})
                    )
            console.print(f"• {target.kind}: opening {len(sample)} customers' pages")
            pages = [_timed(client, f"/console/customers/{k.customer_id}") for k in sample]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return Outcome(target.kind, size, search, pages)


def _print(outcomes: Sequence[Outcome]) -> bool:
    table = Table(title="the console, one request at a time: p50 / p95 / max in ms")
    for column in ("database", "customers", "search (answers)", "verdict", "page", "verdict"):
        table.add_column(column)
    passed = True
    for outcome in outcomes:
        row = [outcome.database, f"{outcome.size:,}"]
        for latencies, target in ((outcome.search, SEARCH_P95_MS), (outcome.pages, PAGE_P95_MS)):
            p95 = quantile_ms(latencies, 0.95)
            ok = p95 < target
            passed = passed and ok
            shown = f"{quantile_ms(latencies, 0.5):.1f} / {p95:.1f} / {max(latencies) * 1000:.0f}"
            row += [f"{shown} ({len(latencies)})", "PASS" if ok else f"FAIL (< {target:.0f})"]
        table.add_row(*row)
    console.print(table)
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser("python -m bench.console", __doc__)
    parser.add_argument("--size", type=int, default=1_000_000, help="customers (1,000,000)")
    parser.add_argument("--customers", type=int, default=100, help="names typed (100)")
    args = parser.parse_args(argv)
    return run_tool(
        args, args.size, lambda target: measure(target, args.size, args.customers, RESULTS), _print
    )


if __name__ == "__main__":
    raise SystemExit(main())
