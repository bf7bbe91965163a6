"""Load generation with wrk and bench/random_id.lua; one Measurement per run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.errors import BenchError

SCRIPT = Path(__file__).with_name("random_id.lua")
THREADS = 2
TIMEOUT_MARGIN = 30.0  # seconds a wrk run may take beyond its --duration
_MARKER = "BENCH_RESULT "


@dataclass(frozen=True, slots=True)
class Measurement:
    scenario: str
    run: int  # 0: warm-up
    requests: int
    duration_s: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non_2xx_3xx: int  # wrk counts responses with status >= 400
    socket_errors: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def find_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise BenchError("wrk is not installed: apt-get install wrk")
    return found


def _command(wrk: str, url: str, duration: int, connections: int) -> list[str]:
    threads = min(THREADS, connections)
    return [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
            "-s", str(SCRIPT), url]  # fmt: skip


def _parse(scenario: str, run: int, stdout: str) -> Measurement:
    lines = [line for line in stdout.splitlines() if line.startswith(_MARKER)]
    if not lines:
        raise BenchError(f"wrk printed no result for {scenario}:\n{stdout}")
    raw = json.loads(lines[-1][len(_MARKER) :])
    duration_s = raw["duration_us"] / 1e6
    return Measurement(
        scenario=scenario,
        run=run,
        requests=raw["requests"],
        duration_s=round(duration_s, 3),
        requests_per_s=round(raw["requests"] / duration_s, 1),
        p50_ms=raw["latency_p50_us"] / 1000,
        p99_ms=raw["latency_p99_us"] / 1000,
        mean_ms=round(raw["latency_mean_us"] / 1000, 3),
        max_ms=raw["latency_max_us"] / 1000,
        non_2xx_3xx=raw["non_2xx_3xx"],
        socket_errors={kind: raw[f"{kind}_errors"] for kind in ("connect", "read", "write")}
        | {"timeout": raw["timeouts"]},
    )


def _check(measurement: Measurement, raw_output: str) -> None:
    """A run that had failed responses or broken connections measured something else."""
    failures = measurement.non_2xx_3xx + sum(measurement.socket_errors.values())
    if failures:
        raise BenchError(
            f"{measurement.scenario} run {measurement.run}: {measurement.non_2xx_3xx} non-2xx "
            f"responses, socket errors {measurement.socket_errors}:\n{raw_output}"
        )


def measure(
    scenario: str, run: int, url: str, *, duration: int, connections: int, env: dict[str, str]
) -> Measurement:
    """One wrk run against `url`; BenchError if any request failed."""
    command = _command(find_wrk(), url, duration, connections)
    try:
        done = subprocess.run(
            command,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            text=True,
            timeout=duration + TIMEOUT_MARGIN,
        )
    except subprocess.CalledProcessError as error:
        raise BenchError(f"wrk failed on {scenario}: {error.stderr.strip()}") from error
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk on {scenario} did not finish in time") from error
    measurement = _parse(scenario, run, done.stdout)
    _check(measurement, done.stdout)
    return measurement
