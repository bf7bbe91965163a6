"""The benchmark's baseline is a second, independent copy of each measured answer: the suite
checks before measuring that both servers answer each scenario's sample request alike, and
refuses to run otherwise. This runs that check alone (no wrk, nothing measured) on the tests'
database kind, so that a change to an answer that the baseline does not follow fails here, not
in the next benchmark run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import TEST_URL_VARIABLE

REPO = Path(__file__).resolve().parents[2]


def _database_arguments(tmp_path: Path) -> list[str]:
    url = os.environ.get(TEST_URL_VARIABLE)
    if not url:
        return ["--databases", "sqlite", "--sqlite-sizes", "300", "--sqlite-path",
                str(tmp_path / "bench.db")]  # fmt: skip
    # A database of its own beside the tests' one: the benchmark drops and recreates it.
    parts = urlsplit(url)
    own = urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_bench_answers"))
    return ["--databases", "postgresql", "--sizes", "300", "--database-url", own]


@pytest.mark.parametrize("before", [False, True], ids=["two servers", "and an earlier checkout"])
def test_baseline_and_service_answer_every_scenario_alike(tmp_path: Path, before: bool) -> None:
    # --before runs a third server from another checkout (this one stands in for it): it
    # must start and answer each scenario's sample request.
    extra = ["--before", str(REPO)] if before else []
    found = subprocess.run(
        [sys.executable, "-m", "bench", "--verify-only", *_database_arguments(tmp_path), *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert found.returncode == 0, found.stdout[-3000:] + found.stderr[-3000:]
    assert "both servers answered every scenario alike" in found.stdout
    if before:
        assert f"starting {REPO} on http://" in found.stdout
