"""Load generation with wrk and bench/request.lua; one Measurement per run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.scenarios import Scenario

SCRIPT = Path(__file__).with_name("request.lua")
THREADS = 2
TIMEOUT_MARGIN = 30.0  # seconds a wrk run may take beyond its --duration
_MARKER = "BENCH_RESULT "


@dataclass(frozen=True, slots=True)
class Run:
    """Which run: on what data, of which scenario, against which server."""

    database: str
    customers: int
    scenario: str
    server: str  # "ours" or "baseline"
    kind: str  # "warm-up", "throughput" or "latency"
    round: int
    connections: int
    duration: int


@dataclass(frozen=True, slots=True)
class Measurement:
    run: Run
    requests: int
    duration_s: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non_2xx_3xx: int  # wrk counts responses with status >= 400
    socket_errors: dict[str, int]
    # CPU time (user + system) of the server's processes during the run, per answered request
    server_cpu_us: float | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def find_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise BenchError("wrk is not installed: apt-get install wrk")
    return found


def _command(wrk: str, url: str, duration: int, connections: int) -> list[str]:
    threads = min(THREADS, connections)
    # A slow answer is measured, not dropped: wrk's own timeout (2 s) would count it as an
    # error and fail the run.
    timeout = max(10, 2 * duration)
    return [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}s",
            "--latency", "-s", str(SCRIPT), url]  # fmt: skip


def _parse(run: Run, stdout: str) -> Measurement:
    lines = [line for line in stdout.splitlines() if line.startswith(_MARKER)]
    if not lines:
        raise BenchError(f"wrk printed no result for {run.scenario}:\n{stdout}")
    raw = json.loads(lines[-1][len(_MARKER) :])
    duration_s = raw["duration_us"] / 1e6
    return Measurement(
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
        run = measurement.run
        raise BenchError(
            f"{run.server} {run.scenario} ({run.kind} {run.round}): {measurement.non_2xx_3xx} "
            f"responses ≥ 400, socket errors {measurement.socket_errors}:\n{raw_output}"
        )


def measure(run: Run, scenario: Scenario, url: str, env: dict[str, str]) -> Measurement:
    """One wrk run of `scenario` against `url`; BenchError if any request failed."""
    command = _command(find_wrk(), url, run.duration, run.connections)
    script_env = {
        "BENCH_METHOD": scenario.method,
        "BENCH_PATH": scenario.path,
        "BENCH_BODY": scenario.body,
        "BENCH_CONTENT_TYPE": scenario.content_type,
    }
    try:
        done = subprocess.run(
            command,
            env={**os.environ, **env, **script_env},
            check=True,
            capture_output=True,
            text=True,
            timeout=run.duration + max(10, 2 * run.duration) + TIMEOUT_MARGIN,
        )
    except subprocess.CalledProcessError as error:
        raise BenchError(f"wrk failed on {scenario.name}: {error.stderr.strip()}") from error
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk on {scenario.name} did not finish in time") from error
    measurement = _parse(run, done.stdout)
    _check(measurement, done.stdout)
    return measurement
