"""The answer: a table on the terminal and bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.errors import BenchError
from bench.options import Options
from bench.wrk import Measurement

BASELINE = "baseline"
OURS = "ours"


@dataclass(frozen=True, slots=True)
class Summary:
    baseline: Measurement  # best run of each, by req/s
    ours: Measurement
    target: float
    rounds: int

    @property
    def ratio(self) -> float:
        return self.ours.requests_per_s / self.baseline.requests_per_s

    @property
    def passed(self) -> bool:
        return self.ratio >= self.target


def _best(measurements: list[Measurement], scenario: str) -> Measurement:
    runs = [m for m in measurements if m.scenario == scenario and m.run > 0]
    if not runs:
        raise BenchError(f"no measured run of {scenario}")
    return max(runs, key=lambda m: m.requests_per_s)


def summarize(measurements: list[Measurement], target: float, rounds: int) -> Summary:
    return Summary(_best(measurements, BASELINE), _best(measurements, OURS), target, rounds)


def print_table(console: Console, summary: Summary, options: Options) -> None:
    table = Table(
        title=f"GET /v1/customers/<random id in 1..{options.customers:,}>",
        caption=f"best of {summary.rounds} alternating runs each (baseline, ours, …) to damp "
        f"noise; wrk -c{options.connections} -d{options.duration}s; baseline: raw ASGI + "
        f"asyncpg; target ratio ≥ {summary.target}",
    )
    for column in ("scenario", "req/s", "p50 (ms)", "p99 (ms)", "ours/baseline req/s"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for m, ratio in ((summary.baseline, "1.00"), (summary.ours, f"{summary.ratio:.2f}")):
        table.add_row(
            m.scenario, f"{m.requests_per_s:,.0f}", f"{m.p50_ms:.2f}", f"{m.p99_ms:.2f}", ratio
        )
    console.print(table)


def _machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        # Before the benchmark started: anything well above 0 means other work shared the CPUs.
        "load_average_before": [round(x, 2) for x in load_before],
    }


def write_json(
    path: Path,
    summary: Summary,
    measurements: list[Measurement],
    options: Options,
    load_before: tuple[float, float, float],
) -> None:
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": asdict(options),
        "machine": _machine(load_before),
        "runs": [m.as_json() for m in measurements],  # run 0: warm-up, not counted
        "best": {BASELINE: summary.baseline.as_json(), OURS: summary.ours.as_json()},
        "ratio": round(summary.ratio, 4),
        "target": summary.target,
        "passed": summary.passed,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
