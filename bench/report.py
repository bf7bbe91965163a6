"""The answer: one table on the terminal, and bench/results/latest.json with every run."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.options import Options
from bench.scenarios import (
    BY_NAME,
    GROWTH_TARGET,
    LIST_P99_MS,
    MEMORY_TARGET_MB,
)
from bench.wrk import Measurement

BASELINE = "baseline"
OURS = "ours"
BEFORE = "before"  # the service at an earlier revision (--before)
THROUGHPUT = "throughput"
# One worker against two on the partner get (issue 23): a second worker on this machine's
# cores must not lower req/s or raise p99, and may cost at most this much more CPU a request.
WORKERS = "workers"
TWO_WORKERS = "ours-2w"
WORKERS_SCENARIO = "partner-get"
WORKERS_CPU_GROWTH = 0.15
LATENCY = "latency"
# The floor of every read: the baseline's bare single-row GET (one primary-key SELECT). Each
# read's ratio to it shows how far an answer is from the cheapest request there is.
BARE_GET = "partner-get"


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the table: a scenario at one size, a growth, or the memory."""

    database: str
    customers: str
    scenario: str
    requests_per_s: float | None = None
    p50: str = ""
    p99: str = ""
    baseline_requests_per_s: float | None = None
    ratio: str = ""
    bare_get_ratio: str = ""  # reads: ours/the baseline's bare GET req/s (BARE_GET)
    cpu_us: float | None = None  # server CPU per request, ours (same run as req/s)
    baseline_cpu_us: float | None = None
    bare_get_cpu_ratio: str = ""  # reads: ours/the bare GET's server CPU per request
    target: str = "—"
    passed: bool | None = None  # None: no target


@dataclass
class Results:
    measurements: list[Measurement] = field(default_factory=list)
    memory_mb: dict[str, float] = field(default_factory=dict)  # "database size" → peak RSS
    load: dict[str, list[float]] = field(default_factory=dict)  # when → load averages
    loads_s: dict[str, float] = field(default_factory=dict)  # "database size" → load time

    def best(self, database: str, customers: int, scenario: str, server: str,
             kind: str = THROUGHPUT) -> Measurement | None:  # fmt: skip
        """The run with the most req/s (best of the alternating rounds)."""
        runs = [
            m
            for m in self.measurements
            if (m.run.database, m.run.customers, m.run.scenario, m.run.server, m.run.kind)
            == (database, customers, scenario, server, kind)
        ]
        return max(runs, key=lambda m: m.requests_per_s, default=None)


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _scenario_line(results: Results, database: str, size: int, name: str,
                   largest: bool) -> Line | None:  # fmt: skip
    ours = results.best(database, size, name, OURS)
    base = results.best(database, size, name, BASELINE)
    if ours is None or base is None:
        return None
    ratio = ours.requests_per_s / base.requests_per_s
    scenario = BY_NAME[name]
    bare = results.best(database, size, BARE_GET, BASELINE) if scenario.reads else None
    bare_ratio = "" if bare is None else f"{ours.requests_per_s / bare.requests_per_s:.2f}"
    bare_cpu = "" if bare is None else _cpu_ratio(ours, bare)
    target, passed = "—", None
    if scenario.ratio_target is not None:
        target = f"ratio ≥ {scenario.ratio_target}"
        passed = ratio >= scenario.ratio_target
    else:
        latency = results.best(database, size, name, OURS, LATENCY)
        if latency is not None:
            c = latency.run.connections
            target = f"p99 {_ms(latency.p99_ms)} ms @c{c}"
            if database == "postgresql" and largest:
                target += f" < {LIST_P99_MS:.0f}"
                passed = latency.p99_ms < LIST_P99_MS
    return Line(database, f"{size:,}", name, ours.requests_per_s, _ms(ours.p50_ms),
                _ms(ours.p99_ms), base.requests_per_s, f"{ratio:.2f}", bare_ratio,
                ours.server_cpu_us, base.server_cpu_us, bare_cpu, target, passed)  # fmt: skip


def _cpu_ratio(ours: Measurement, bare: Measurement) -> str:
    if ours.server_cpu_us is None or not bare.server_cpu_us:
        return ""
    return f"{ours.server_cpu_us / bare.server_cpu_us:.2f}"


def _growth_line(results: Results, database: str, sizes: Sequence[int], name: str) -> Line | None:
    small = results.best(database, sizes[0], name, OURS)
    large = results.best(database, sizes[-1], name, OURS)
    if small is None or large is None or len(sizes) < 2:
        return None
    growth = large.p50_ms / small.p50_ms
    return Line(
        database,
        f"{sizes[0]:,}→{sizes[-1]:,}",
        f"growth {name}",
        p50=f"{_ms(small.p50_ms)}→{_ms(large.p50_ms)}",
        ratio=f"{growth:.2f}x",
        target=f"p50 growth ≤ {GROWTH_TARGET}x",
        passed=growth <= GROWTH_TARGET,
    )


def _workers_line(results: Results, database: str, size: int) -> Line | None:
    one = results.best(database, size, WORKERS_SCENARIO, OURS, WORKERS)
    two = results.best(database, size, WORKERS_SCENARIO, TWO_WORKERS, WORKERS)
    if one is None or two is None:
        return None
    cpu = (two.server_cpu_us or 0) / (one.server_cpu_us or 1) - 1
    passed = (two.requests_per_s >= one.requests_per_s and two.p99_ms <= one.p99_ms
              and cpu <= WORKERS_CPU_GROWTH)  # fmt: skip
    return Line(database, f"{size:,}", f"workers: {WORKERS_SCENARIO}, 2 (baseline: 1)",
                two.requests_per_s, _ms(two.p50_ms), _ms(two.p99_ms), one.requests_per_s,
                f"{two.requests_per_s / one.requests_per_s:.2f}", "", two.server_cpu_us,
                one.server_cpu_us, "",
                f"req/s ≥, p99 ≤ ({_ms(one.p99_ms)}), CPU {cpu:+.0%} ≤ +{WORKERS_CPU_GROWTH:.0%}",
                passed)  # fmt: skip


def lines(results: Results, options: Options) -> list[Line]:
    found: list[Line] = []
    for target in options.targets:
        database = target.kind
        for size in target.sizes:
            for name in options.scenarios:
                line = _scenario_line(results, database, size, name, size == target.sizes[-1])
                if line is not None:
                    found.append(line)
        workers = _workers_line(results, database, target.sizes[-1])
        if workers is not None:
            found.append(workers)
        for name in options.scenarios:
            line = _growth_line(results, database, target.sizes, name)
            if line is not None:
                found.append(line)
        peak = [mb for key, mb in results.memory_mb.items() if key.startswith(database)]
        if peak:
            found.append(
                Line(
                    database,
                    "all",
                    "memory: ours, peak RSS of the worker",
                    target=f"{max(peak):.0f} MB < {MEMORY_TARGET_MB:.0f} MB",
                    passed=max(peak) < MEMORY_TARGET_MB,
                )
            )
    return found


def _us(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


@dataclass(frozen=True, slots=True)
class BeforeLine:
    """One scenario at one size: the earlier revision (--before) against ours."""

    database: str
    customers: str
    scenario: str
    before_requests_per_s: float
    requests_per_s: float
    before_cpu_us: float | None
    cpu_us: float | None

    @property
    def cpu_change(self) -> str:
        if not self.before_cpu_us or self.cpu_us is None:
            return ""
        return f"{self.cpu_us / self.before_cpu_us - 1:+.1%}"


def before_lines(results: Results, options: Options) -> list[BeforeLine]:
    found = []
    for target in options.targets:
        for size in target.sizes:
            for name in options.scenarios:
                ours = results.best(target.kind, size, name, OURS)
                before = results.best(target.kind, size, name, BEFORE)
                if ours is None or before is None:
                    continue
                found.append(BeforeLine(target.kind, f"{size:,}", name, before.requests_per_s,
                                        ours.requests_per_s, before.server_cpu_us,
                                        ours.server_cpu_us))  # fmt: skip
    return found


def _servers(options: Options) -> str:
    if options.before_server == options.server:
        return ""
    return f" (before under {options.before_server}, ours under {options.server})"


def print_before_table(console: Console, found: Sequence[BeforeLine], options: Options) -> None:
    table = Table(
        title=f"ours against the earlier revision in {options.before}{_servers(options)}",
        caption="each the best run by req/s of the same alternating rounds; CPU µs: the "
        "server's CPU time per answered request in that run",
    )
    for column in ("database", "customers", "scenario", "before req/s", "req/s",
                   "before CPU µs", "CPU µs", "CPU change"):  # fmt: skip
        left = column in ("database", "customers", "scenario")
        table.add_column(column, justify="left" if left else "right")
    for line in found:
        table.add_row(line.database, line.customers, line.scenario,
                      f"{line.before_requests_per_s:,.0f}", f"{line.requests_per_s:,.0f}",
                      _us(line.before_cpu_us), _us(line.cpu_us), line.cpu_change)  # fmt: skip
    console.print(table)


def _verdict(passed: bool | None) -> str:
    return "" if passed is None else "[green]pass[/green]" if passed else "[red]FAIL[/red]"


def print_table(console: Console, found: Sequence[Line], options: Options) -> None:
    table = Table(
        title="python -m bench: ours against the baseline, one worker each"
        + (", PostgreSQL's both through PgBouncer (transaction mode)" if options.pgbouncer else ""),
        caption=f"req/s, p50, p99: ours, best of {options.rounds} alternating runs "
        f"(wrk -d{options.duration}s, -c{options.connections}, lists -c{options.list_connections})"
        f"; ratio: ours/baseline req/s; ÷ bare get: ours/the baseline's {BARE_GET} req/s "
        f"(when measured); CPU µs: the server's CPU time per answered request in that run; "
        f"CPU ÷ bare: ours over the baseline's {BARE_GET} CPU per request; "
        f"list targets: p99 of an extra run at -c{options.latency_connections}",
    )
    for column in ("database", "customers", "scenario", "req/s", "p50 ms", "p99 ms",
                   "baseline req/s", "ratio", "÷ bare get", "CPU µs", "baseline CPU µs",
                   "CPU ÷ bare", "target", "result"):  # fmt: skip
        left = column in ("database", "customers", "scenario", "target")
        table.add_column(column, justify="left" if left else "right")
    previous = None
    for line in found:
        if previous is not None and (line.database, line.customers) != previous:
            table.add_section()
        previous = (line.database, line.customers)
        table.add_row(
            line.database,
            line.customers,
            line.scenario,
            "" if line.requests_per_s is None else f"{line.requests_per_s:,.0f}",
            line.p50,
            line.p99,
            "" if line.baseline_requests_per_s is None else f"{line.baseline_requests_per_s:,.0f}",
            line.ratio,
            line.bare_get_ratio,
            _us(line.cpu_us),
            _us(line.baseline_cpu_us),
            line.bare_get_cpu_ratio,
            line.target,
            _verdict(line.passed),
        )
    console.print(table)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def write_json(path: Path, results: Results, found: Sequence[Line], options: Options) -> None:
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": asdict(options),
        "machine": machine(),
        # Anything well above 0 before the start means other work shared the CPUs.
        "load_average": results.load,
        "load_seconds": results.loads_s,
        "memory_peak_mb": results.memory_mb,
        "table": [asdict(line) for line in found],
        "before": [
            asdict(line) | {"cpu_change": line.cpu_change}
            for line in before_lines(results, options)
        ],
        "runs": [m.as_json() for m in results.measurements],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
