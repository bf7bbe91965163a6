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

from tests.conftest import POOLER, TEST_URL_VARIABLE

REPO = Path(__file__).resolve().parents[2]
URL = os.environ.get(TEST_URL_VARIABLE)


def _database_arguments(tmp_path: Path) -> list[str]:
    if not URL:
        return ["--databases", "sqlite", "--sqlite-sizes", "300", "--sqlite-path",
                str(tmp_path / "bench.db")]  # fmt: skip
    # A database of its own beside the tests' one: the benchmark drops and recreates it.
    parts = urlsplit(URL)
    own = urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_bench_answers"))
    arguments = ["--databases", "postgresql", "--sizes", "300", "--database-url", own]
    # Behind the suite's PgBouncer, the servers need a pooler's settings: the benchmark's own
    # PgBouncer gives them (in front of the suite's).
    return arguments + (["--pgbouncer"] if POOLER == "pgbouncer" else [])


# On PostgreSQL, the servers also through a PgBouncer the benchmark starts (already so when
# the suite runs through one). With an earlier checkout, ours and the baseline run under
# granian, the earlier revision under uvicorn (`--server`, `--before-server`).
EXTRA = {
    "two servers": [],
    "and an earlier checkout, under the other server": [
        *("--server", "granian", "--before", str(REPO), "--before-server", "uvicorn"),
    ],
}
if URL and POOLER == "none":
    EXTRA["through pgbouncer"] = ["--pgbouncer"]


@pytest.mark.parametrize("case", list(EXTRA))
def test_baseline_and_service_answer_every_scenario_alike(tmp_path: Path, case: str) -> None:
    # --before runs a third server from another checkout (this one stands in for it): it
    # must start and answer each scenario's sample request.
    extra = EXTRA[case]
    found = subprocess.run(
        [sys.executable, "-m", "bench", "--verify-only", *_database_arguments(tmp_path), *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert found.returncode == 0, found.stdout[-3000:] + found.stderr[-3000:]
    assert "both servers answered every scenario alike" in found.stdout
    if "--before" in extra:
        assert f"starting {REPO} on http://" in found.stdout
    if "--pgbouncer" in extra + _database_arguments(tmp_path):
        assert "PgBouncer (transaction mode) on port" in found.stdout
