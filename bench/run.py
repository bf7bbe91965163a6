"""`python -m bench`: for each database and size, fresh data, both servers, every scenario
checked then measured in alternating wrk runs, the worker's memory sampled; then the table.

Exit status: 0 every target met (or --no-check), 1 a target missed, 2 the benchmark could
not run or a run had failed requests, 130 interrupted.
"""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from rich.console import Console

from bench import dataset, pgbouncer, verify
from bench.errors import BenchError
from bench.fake import BENCH_ENTITY, Key
from bench.idle import cpu_seconds, wait_idle
from bench.memory import RssSampler
from bench.options import LOCALHOST, Options, Target, parse_options
from bench.processes import Server, free_port, run_cli
from bench.report import (
    BASELINE,
    BEFORE,
    LATENCY,
    OURS,
    THROUGHPUT,
    TWO_WORKERS,
    WORKERS,
    WORKERS_SCENARIO,
    Results,
    before_lines,
    lines,
    print_before_table,
    print_table,
    write_json,
)
from bench.scenarios import BY_NAME, Scenario
from bench.wrk import Run, find_wrk, measure

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().with_name("results")
ADMIN_USERNAME = "admin"
BENCH_USERNAME = "bench@bboxx.example"

console = Console()
if not console.is_terminal:  # a file or a pipe: wide enough for the table (rich's default: 80)
    console = Console(width=190)
_nonces = itertools.count(1)  # unique per request batch: creates never reuse a reference


def _step(message: str) -> None:
    console.print(f"[bold]•[/bold] {message}", highlight=False)


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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


@dataclass(frozen=True, slots=True)
class Prepared:
    keys: list[Key]
    keys_file: Path
    user_id: int
    token: str


def prepare(target: Target, size: int, env: dict[str, str], results: Results) -> Prepared:
    """Fresh database, migrated, loaded; the bench user and its API key."""
    cli = str(_executable("customer-registry"))
    _step(f"{target.kind}: recreating the database and running customer-registry migrate")
    dataset.recreate(target)
    dataset.migrate(_executable("customer-registry"), env)
    how = "executemany" if target.kind == "sqlite" else "COPY"
    _step(f"{target.kind}: loading {size:,} customers with {how}")
    loaded = dataset.load(target, size)
    results.loads_s[f"{target.kind} {size}"] = round(loaded.seconds, 1)
    _step(f"{target.kind}: loaded and analyzed in {loaded.seconds:.1f} s")
    keys_file = RESULTS / f"keys-{target.kind}-{size}.tsv"
    dataset.write_keys(keys_file, loaded.keys)
    output = run_cli(
        [cli, "users", "create", "--username", BENCH_USERNAME, "--password",
         secrets.token_urlsafe(18), "--permissions", "SYSTEM", "--visibility", "ENTITY",
         "--entity", str(BENCH_ENTITY.entity_id)],
        env,
    )  # fmt: skip
    user_id = int(output.split()[-1])
    token = run_cli([cli, "tokens", "create", "--username", BENCH_USERNAME], env).split()[-1]
    return Prepared(loaded.keys, keys_file, user_id, token)


def _start_ours(server: Server, env: dict[str, str], checkout: Path | None = None,
                workers: int = 1, http_server: str = "uvicorn") -> None:  # fmt: skip
    """`customer-registry serve` as docs/getting-started.md says: one worker, no access log,
    under `http_server` (named only when not the default, which revisions before `--server`
    run). With a `checkout`, the same command runs that revision's code (its `src` first on
    the path)."""
    serve = ["serve", "--host", LOCALHOST, "--port", str(server.port), "--workers",
             str(workers), "--no-access-log"]  # fmt: skip
    if http_server != "uvicorn":
        serve += ["--server", http_server]
    if checkout is None:
        server.start([str(_executable("customer-registry")), *serve], env, REPO)
        return
    entry = "import sys; from customer_registry.cli import main; sys.exit(main())"
    env = {**env, "PYTHONPATH": str(checkout / "src")}
    server.start([sys.executable, "-c", entry, *serve], env, checkout)


def _baseline_command(port: int, http_server: str) -> list[str]:
    """The baseline under `http_server`, with the options `serve` gives it: one worker, no
    access log, no server header (uvicorn), HTTP/1.1 only and no WebSockets (granian)."""
    if http_server == "granian":
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--working-dir",
                str(REPO), "--host", LOCALHOST, "--port", str(port), "--workers", "1",
                "--http", "1", "--no-ws", "bench.baseline:app"]  # fmt: skip
    return [sys.executable, "-m", "uvicorn", "bench.baseline:app", "--app-dir", str(REPO),
            "--host", LOCALHOST, "--port", str(port), "--workers", "1",
            "--no-access-log", "--no-server-header"]  # fmt: skip


def _start_baseline(server: Server, env: dict[str, str], prepared: Prepared,
                    http_server: str) -> None:  # fmt: skip
    """The baseline under the server ours runs under, on ours' database (and pooler: `env`
    is ours')."""
    command = _baseline_command(server.port, http_server)
    env = dict(env)
    env.update(
        BENCH_DATABASE_URL=env["CUSTOMER_REGISTRY_DATABASE_URL"],
        BENCH_POOLER=env["CUSTOMER_REGISTRY_DB_POOLER"],
        BENCH_ENTITY_ID=str(BENCH_ENTITY.entity_id),
        BENCH_USER_ID=str(prepared.user_id),
        BENCH_USERNAME=BENCH_USERNAME,
        **_service_settings(),
    )
    server.start(command, env, REPO)


class Suite:
    """The scenarios of one database at one size, against both servers."""

    def __init__(self, options: Options, target: Target, size: int, prepared: Prepared,
                 servers: Sequence[Server], results: Results,
                 kind: str = THROUGHPUT) -> None:  # fmt: skip
        self.options = options
        self.target = target
        self.size = size
        self.prepared = prepared
        self.servers = servers  # baseline first: the runs alternate baseline, (before,) ours, …
        self.results = results
        self.kind = kind  # of the measured runs (the workers' comparison keeps its own)

    def _run(self, server: Server, scenario: Scenario, kind: str, rounds: int,
             connections: int, duration: int) -> None:  # fmt: skip
        run = Run(self.target.kind, self.size, scenario.name, server.name, kind, rounds,
                  connections, duration)  # fmt: skip
        env = {
            "BENCH_TOKEN": self.prepared.token,
            "BENCH_KEYS": str(self.prepared.keys_file),
            "BENCH_NONCE": str(next(_nonces)),
        }
        assert server.process is not None
        cpu_before = cpu_seconds(server.process.pid)
        m = measure(run, scenario, server.url, env)
        cpu_us = (cpu_seconds(server.process.pid) - cpu_before) * 1e6 / max(m.requests, 1)
        m = replace(m, server_cpu_us=round(cpu_us, 1))
        postgresql = self.target.url if self.target.kind == "postgresql" else None
        waited = wait_idle(server.process.pid, postgresql)
        if kind != "warm-up":
            self.results.measurements.append(m)
        label = f"{kind} {rounds}" if kind in (THROUGHPUT, WORKERS) else kind
        console.print(
            f"    {server.name:8} {label:12} -c{connections:<3} {m.requests_per_s:>9,.0f} req/s"
            f"  p50 {m.p50_ms:7.2f} ms  p99 {m.p99_ms:7.2f} ms  CPU {cpu_us:7.1f} µs/req"
            f"  (idle after {waited:.1f} s)",
            highlight=False,
        )

    def check(self, scenario: Scenario) -> None:
        key = self.prepared.keys[0]
        answers = {
            server.name: verify.request(server, scenario, key, self.prepared.token, next(_nonces))
            for server in self.servers
        }
        # Each answers as the first server (the baseline) does; an earlier revision (--before)
        # must answer, but may answer differently.
        first = self.servers[0].name
        for name, answer in answers.items():
            if name not in (first, BEFORE):
                verify.same_answers(scenario, answer, answers[first])

    def measure(self, scenario: Scenario, latency: bool) -> None:
        _step(f"{self.target.kind} {self.size:,} {scenario.name}: "
              f"{scenario.method} {scenario.path[:90]}")  # fmt: skip
        self.check(scenario)
        o = self.options
        if o.verify_only:
            return
        connections = o.list_connections if scenario.group == "list" else o.connections
        if o.warmup:
            for server in self.servers:
                self._run(server, scenario, "warm-up", 0, connections, o.warmup)
        for round_ in range(1, o.rounds + 1):
            for server in self.servers:
                self._run(server, scenario, self.kind, round_, connections, o.duration)
        if latency:
            for server in self.servers:
                self._run(server, scenario, LATENCY, 1, o.latency_connections, o.duration)


def _measure_workers(options: Options, target: Target, size: int, prepared: Prepared,
                     ours: Server, env: dict[str, str], results: Results,
                     stack: ExitStack) -> None:  # fmt: skip
    """The partner get with two workers against one, in alternating runs: what a second
    worker buys on this machine (docs/benchmark.md's sizing guidance comes from it)."""
    two = Server(TWO_WORKERS, free_port(), RESULTS / "logs" / f"ours-2w-{target.kind}-{size}.log")
    stack.callback(two.stop)
    _step(f"starting ours with 2 workers on {two.url}")
    _start_ours(two, env, workers=2, http_server=options.server)
    suite = Suite(options, target, size, prepared, [ours, two], results, WORKERS)
    suite.measure(BY_NAME[WORKERS_SCENARIO], latency=False)


def _served(target: Target, bouncer: pgbouncer.Bouncer | None) -> tuple[str, str]:
    """The servers' database URL and pooler: straight, or through the suite's PgBouncer (the
    data is loaded straight, and the idle checks read the server's own activity)."""
    if bouncer is None:
        return target.url, "none"
    user = urlsplit(target.url).username or "postgres"
    return bouncer.url(user, target.database_name), "pgbouncer"


def _run_size(options: Options, target: Target, size: int, results: Results,
              bouncer: pgbouncer.Bouncer | None) -> None:  # fmt: skip
    largest = size == target.sizes[-1]
    scenarios = [BY_NAME[n] for n in options.scenarios if largest or BY_NAME[n].reads]
    if not scenarios:
        return
    url, pooler = _served(target, bouncer)
    env = dataset.service_env(
        url,
        admin_username=ADMIN_USERNAME,
        admin_password=secrets.token_urlsafe(18),
        db_pooler=pooler,
    )
    prepared = prepare(target, size, env, results)
    logs = RESULTS / "logs"
    tag = f"{target.kind}-{size}"
    ours = Server(OURS, free_port(), logs / f"ours-{tag}.log")
    baseline = Server(BASELINE, free_port(), logs / f"baseline-{tag}.log")
    servers = [baseline, ours]
    with ExitStack() as stack:
        stack.callback(ours.stop)
        stack.callback(baseline.stop)
        _step(f"starting ours on {ours.url} and the baseline on {baseline.url}")
        _start_ours(ours, env, http_server=options.server)
        _start_baseline(baseline, env, prepared, options.server)
        if options.before is not None:
            before = Server(BEFORE, free_port(), logs / f"before-{tag}.log")
            stack.callback(before.stop)
            _step(f"starting {options.before} on {before.url}")
            _start_ours(before, env, options.before, http_server=options.before_server)
            servers.insert(1, before)
        assert ours.process is not None
        sampler = stack.enter_context(RssSampler(ours.process.pid))
        suite = Suite(options, target, size, prepared, servers, results)
        for scenario in scenarios:
            suite.measure(scenario, latency=largest and scenario.group == "list")
        sampler.sample()
        if largest and WORKERS_SCENARIO in options.scenarios and not options.verify_only:
            _measure_workers(options, target, size, prepared, ours, env, results, stack)
        results.memory_mb[f"{target.kind} {size}"] = round(sampler.peak_mb, 1)
        _step(f"ours' worker peak RSS at {size:,} customers: {sampler.peak_mb:.0f} MB "
              f"({sampler.samples} samples)")  # fmt: skip


def _bouncer(target: Target) -> pgbouncer.Bouncer:
    """PgBouncer in front of the target's server, in a folder of its own (its user, postgres,
    must read it: not under a home folder)."""
    parts = urlsplit(target.url)
    return pgbouncer.Bouncer(
        Path(tempfile.mkdtemp(prefix="bench-pgbouncer-")),
        free_port(),
        server_host=parts.hostname or LOCALHOST,
        server_port=parts.port or 5432,
        users=(parts.username or "postgres",),
    )


def _bench(options: Options) -> int:
    started = time.monotonic()
    results = Results()
    results.load["before"] = _load_average()
    _step(f"load average before start: {results.load['before']} (1, 5, 15 min), "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    for target in options.targets:
        with ExitStack() as stack:
            bouncer = None
            if options.pgbouncer and target.kind == "postgresql":
                bouncer = stack.enter_context(pgbouncer.running(_bouncer(target)))
                _step(f"PgBouncer (transaction mode) on port {bouncer.port}: both servers")
            for size in target.sizes:
                _run_size(options, target, size, results, bouncer)
        results.load[f"after {target.kind}"] = _load_average()
    if options.verify_only:
        _step(f"both servers answered every scenario alike ({time.monotonic() - started:.0f} s)")
        return 0
    found = lines(results, options)
    print_table(console, found, options)
    if options.before is not None:
        print_before_table(console, before_lines(results, options), options)
    results.load["end"] = _load_average()
    write_json(RESULTS / "latest.json", results, found, options)
    _step(f"load average: before {results.load['before']}, at the end {results.load['end']}")
    _step(f"wrote {RESULTS / 'latest.json'} ({time.monotonic() - started:.0f} s in all)")
    missed = [line for line in found if line.passed is False]
    if not missed or not options.check:
        return 0
    console.print(f"[red]{len(missed)} target(s) missed[/red]")
    return 1


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (e.g. from `timeout`) unwinds like an error, so the servers are stopped."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        options = parse_options(argv)
        if not options.verify_only:
            find_wrk()
        return _bench(options)
    except BenchError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}", highlight=False)
        return 2
    except KeyboardInterrupt:  # the servers were stopped on the way out
        Console(stderr=True).print("[red]interrupted[/red]")
        return 130
