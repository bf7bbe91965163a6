"""`python -m bench.dead_receiver`: creates' latency with no webhook, and with one whose
receiver is dead (it takes the connection and never answers), in one run.

For each database: a fresh, migrated database and `customer-registry serve` (one worker);
creates through the billing API from CONCURRENCY clients; ROUNDS alternating runs of
`--requests` creates each, without a webhook, then with one (added with `customer-registry
webhooks add` and disabled after its run), so both see the same machine. The dispatcher
holds its delivery open until its timeout (10 s) and retries later: what is measured is
whether that touches the requests.

Target (issue 19): the p99 with a dead receiver within 1.25 of the p99 without (the runs'
own noise on this machine is about 10-20 %).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench import dataset
from bench.errors import BenchError
from bench.options import RESULTS, Target, quantile_ms, run_tool, tool_parser
from bench.processes import free_port

CONCURRENCY = 8
ROUNDS = 2
P99_RATIO = 1.25
console = Console()


@dataclass(frozen=True, slots=True)
class Outcome:
    database: str
    without: list[float]  # seconds per create
    dead: list[float]

    @property
    def ratio(self) -> float:
        return quantile_ms(self.dead, 0.99) / quantile_ms(self.without, 0.99)


def dead_receiver() -> int:
    """A port that takes connections and never answers; the connections are kept open."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            connection, _ = listener.accept()
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    port: int = listener.getsockname()[1]
    return port


async def creates(url: str, headers: dict[str, str], count: int, tag: str) -> list[float]:
    latencies: list[float] = []
    numbers = iter(range(count))
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def lane() -> None:
            for n in numbers:
                sent = {"name": f"{tag}{n}", "customerAccount": f"{tag}{n}"}
                started = time.perf_counter()
                r = await client.post("/api/v1/customers", data=sent, headers=headers)
                latencies.append(time.perf_counter() - started)
                if r.status_code != 201:
                    raise BenchError(f"a create answered {r.status_code}: {r.text[:200]}")

        await asyncio.gather(*(lane() for _ in range(CONCURRENCY)))
    return latencies


def _cli(cli: Path, env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"customer-registry {' '.join(args)}: {done.stderr.strip()}")


def measure(target: Target, requests: int, work: Path) -> Outcome:
    cli = Path(sys.executable).with_name("customer-registry")
    password = secrets.token_urlsafe(18)
    env = dataset.service_env(
        target.url,
        admin_username="admin",
        admin_password=password,
        secret_key=secrets.token_urlsafe(18),
        webhook_allow_private_addresses="true",
    )
    dataset.recreate(target)
    dataset.migrate(cli, env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(cli), "serve", "--port", str(port), "--no-access-log"],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        headers = _login(url, password)
        receiver = dead_receiver()
        asyncio.run(creates(url, headers, requests // 4, "warm"))
        without: list[float] = []
        dead: list[float] = []
        for round_number in range(1, ROUNDS + 1):
            console.print(f"• {target.kind}: round {round_number}, no webhook")
            without += asyncio.run(creates(url, headers, requests, f"n{round_number}-"))
            hook = f"http://127.0.0.1:{receiver}/events"
            _cli(cli, env, "webhooks", "add", hook, "--events", "customer.created")
            console.print(f"• {target.kind}: round {round_number}, a dead receiver")
            dead += asyncio.run(creates(url, headers, requests, f"d{round_number}-"))
            _cli(cli, env, "webhooks", "disable", str(round_number))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return Outcome(target.kind, without, dead)


def _login(url: str, password: str) -> dict[str, str]:
    deadline = time.monotonic() + 60
    while True:
        try:
            r = httpx.post(f"{url}/api/login", data={"email": "admin", "password": password})
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise BenchError("the server did not answer within 60 s") from None
            time.sleep(0.1)
            continue
        if r.status_code != 200:
            raise BenchError(f"login answered {r.status_code}: {r.text[:200]}")
        return {"Authorization": f"Bearer {r.json()['token']}"}


def _shown(latencies: Sequence[float]) -> str:
    return f"{quantile_ms(latencies, 0.5):.1f} / {quantile_ms(latencies, 0.99):.1f}"


def _print(outcomes: Sequence[Outcome]) -> bool:
    table = Table(title="billing creates, p50 / p99 in ms (ratio: dead p99 / no-webhook p99)")
    for column in ("database", "no webhook", "dead receiver", "ratio", "verdict"):
        table.add_column(column)
    passed = True
    for outcome in outcomes:
        ok = outcome.ratio <= P99_RATIO
        passed = passed and ok
        table.add_row(
            outcome.database,
            _shown(outcome.without),
            _shown(outcome.dead),
            f"{outcome.ratio:.2f}",
            "PASS" if ok else "FAIL",
        )
    console.print(table)
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = tool_parser("python -m bench.dead_receiver", __doc__)
    parser.add_argument("--requests", type=int, default=2000, help="creates per run (2000)")
    args = parser.parse_args(argv)
    return run_tool(args, 0, lambda target: measure(target, args.requests, RESULTS), _print)


if __name__ == "__main__":
    raise SystemExit(main())
