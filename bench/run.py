"""`python -m bench`: fresh database, both servers, alternating wrk runs, the verdict.

Exit status: 0 passed (or --no-check), 1 ours/baseline req/s below the target,
2 the benchmark could not run or a run had failed requests, 130 interrupted.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console

from bench import dataset
from bench.baseline import CUSTOMER_KEYS
from bench.errors import BenchError
from bench.options import LOCALHOST, Options, parse_options
from bench.processes import Server, free_port, run_cli
from bench.report import BASELINE, OURS, print_table, summarize, write_json
from bench.wrk import Measurement, find_wrk, measure

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().with_name("results")
TARGET_RATIO = 0.5
WARMUP_SECONDS = 2
ROUNDS = 2
ADMIN_USERNAME = "admin"

console = Console()


def _step(message: str) -> None:
    console.print(f"[bold]•[/bold] {message}", highlight=False)


def _executable(name: str) -> Path:
    """A command of this interpreter's environment (the project's venv)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise BenchError(f"{path} not found: run .venv/bin/pip install -e '.[test]'")
    return path


def _service_settings() -> dict[str, str]:
    """The service's defaults the baseline mirrors (pool size, statement timeout)."""
    from customer_registry.settings import Settings

    fields = Settings.model_fields
    return {
        "BENCH_POOL_SIZE": str(fields["db_pool_size"].default),
        "BENCH_STATEMENT_TIMEOUT_MS": str(fields["statement_timeout_ms"].default),
    }


def _prepare_database(options: Options, env: dict[str, str]) -> None:
    _step(f"recreating {options.database_name} and running customer-registry migrate")
    dataset.recreate_database(options)
    dataset.migrate(_executable("customer-registry"), env)
    _step(f"loading {options.customers:,} customers with COPY")
    seconds = dataset.load_customers(options)
    _step(f"loaded and analyzed in {seconds:.1f} s")


def _start_ours(server: Server, env: dict[str, str]) -> str:
    """`customer-registry serve` as the README says; answers a fresh API key."""
    cli = str(_executable("customer-registry"))
    command = [cli, "serve", "--host", LOCALHOST, "--port", str(server.port),
               "--workers", "1", "--no-access-log"]  # fmt: skip
    server.start(command, env, REPO)
    output = run_cli([cli, "tokens", "create", "--username", ADMIN_USERNAME], env)
    lines = output.split()
    if not lines:
        raise BenchError("customer-registry tokens create printed no token")
    return lines[-1]


def _start_baseline(server: Server, database_url: str) -> None:
    """The baseline under uvicorn with the options `serve` uses."""
    command = [sys.executable, "-m", "uvicorn", "bench.baseline:app", "--app-dir", str(REPO),
               "--host", LOCALHOST, "--port", str(server.port), "--workers", "1",
               "--no-access-log", "--no-server-header"]  # fmt: skip
    env = dataset.service_env(database_url)
    env.update(BENCH_DATABASE_URL=database_url, **_service_settings())
    server.start(command, env, REPO)


def _get_customer(server: Server, customer_id: int, token: str) -> dict[str, Any]:
    conn = http.client.HTTPConnection(LOCALHOST, server.port, timeout=10)
    try:
        conn.request("GET", f"/v1/customers/{customer_id}", headers=_auth(token))
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise BenchError(f"{server.name}: GET /v1/customers/{customer_id} -> {response.status}")
    answer: dict[str, Any] = json.loads(body)
    return answer


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token token={token}"}


def _verify(ours: Server, baseline: Server, token: str, customers: int) -> None:
    """Both answer 200; ours has the customer keys; both answer the very same customer."""
    for customer_id in sorted({1, (customers + 1) // 2, customers}):
        mine = _get_customer(ours, customer_id, token)
        theirs = _get_customer(baseline, customer_id, token)
        if set(mine) != set(CUSTOMER_KEYS):
            raise BenchError(f"ours answered keys {sorted(mine)}, expected {CUSTOMER_KEYS}")
        if mine != theirs:
            raise BenchError(f"customer {customer_id} differs:\nours     {mine}\nbaseline {theirs}")
    _step("sample requests: both 200, same customer JSON")


def _measure_all(servers: Sequence[Server], options: Options, token: str) -> list[Measurement]:
    """Warm each up, then alternate: baseline, ours, baseline, ours."""
    env = {"BENCH_TOKEN": token, "BENCH_CUSTOMERS": str(options.customers)}
    plan = [(server, 0) for server in servers]
    plan += [(server, run) for run in range(1, ROUNDS + 1) for server in servers]
    results = []
    for server, run in plan:
        duration = WARMUP_SECONDS if run == 0 else options.duration
        m = measure(server.name, run, server.url, duration=duration,
                    connections=options.connections, env=env)  # fmt: skip
        label = "warm-up" if run == 0 else f"run {run}"
        _step(f"{server.name:8} {label:7} {m.requests_per_s:>9,.0f} req/s  "
              f"p50 {m.p50_ms:6.2f} ms  p99 {m.p99_ms:6.2f} ms")  # fmt: skip
        results.append(m)
    return results


def _run_servers(options: Options, env: dict[str, str]) -> list[Measurement]:
    logs = RESULTS / "logs"
    ours = Server(OURS, free_port(), logs / "ours.log")
    baseline = Server(BASELINE, free_port(), logs / "baseline.log")
    try:
        _step(f"starting ours on {ours.url}")
        token = _start_ours(ours, env)
        _step(f"starting the baseline on {baseline.url}")
        _start_baseline(baseline, options.database_url)
        _verify(ours, baseline, token, options.customers)
        return _measure_all([baseline, ours], options, token)
    finally:
        ours.stop()
        baseline.stop()


def _bench(options: Options) -> int:
    started = time.monotonic()
    load_before = os.getloadavg()
    _step(f"load average before start: {load_before[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    env = dataset.service_env(
        options.database_url,
        admin_username=ADMIN_USERNAME,
        admin_password=secrets.token_urlsafe(18),
    )
    _prepare_database(options, env)
    measurements = _run_servers(options, env)
    summary = summarize(measurements, TARGET_RATIO, ROUNDS)
    print_table(console, summary, options)
    write_json(RESULTS / "latest.json", summary, measurements, options, load_before)
    _step(f"wrote {RESULTS / 'latest.json'} ({time.monotonic() - started:.0f} s in all)")
    if summary.passed or not options.check:
        return 0
    console.print(f"[red]ours/baseline {summary.ratio:.2f} is below the target {TARGET_RATIO}")
    return 1


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (e.g. from `timeout`) unwinds like an error, so the servers are stopped."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        options = parse_options(argv)
        find_wrk()
        return _bench(options)
    except BenchError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}", highlight=False)
        return 2
    except KeyboardInterrupt:  # the servers were stopped on the way out
        Console(stderr=True).print("[red]interrupted[/red]")
        return 130
