"""Genuine Flask-Restless 0.17.0, run as an oracle for the partner API's queries.

The library needs Flask 1.1 and SQLAlchemy 1.3, which the project's own environment must not
be downgraded to, so it gets a virtual environment of its own, built once by pip from the
package index under `.oracle-venv/flask-restless` in the repository (ignored by git) and
reused while its pinned requirements stay the same. `app.py` beside this file is the app; it
is started as a subprocess on a free loopback port, on SQLite or on PostgreSQL (a schema of
its own in the test database).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import time
import venv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

REQUIREMENTS = (
    "Flask-Restless==0.17.0",
    "Flask==1.1.4",
    "Werkzeug==1.0.1",
    "Jinja2==2.11.3",
    "MarkupSafe==2.0.1",
    "itsdangerous==1.1.0",
    "click==7.1.2",
    "Flask-SQLAlchemy==2.4.4",
    "SQLAlchemy==1.3.24",
    "psycopg2-binary==2.9.13",
)
REPOSITORY = Path(__file__).resolve().parents[4]
VENV = REPOSITORY / ".oracle-venv" / "flask-restless"
APP = Path(__file__).with_name("app.py")
SCHEMA = "flask_restless_oracle"  # the oracle's tables on PostgreSQL, beside the suite's
BUILD_TIMEOUT = 900
START_TIMEOUT = 30


def _python(venv_dir: Path) -> Path:
    return venv_dir / "bin" / "python"


def build_venv() -> Path:
    """The oracle's interpreter, building its environment first if it is missing or was built
    for other requirements (a lock keeps two test processes from building it at once)."""
    VENV.parent.mkdir(parents=True, exist_ok=True)
    marker = VENV / "requirements.txt"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    with (VENV.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text() == wanted:
            return _python(VENV)
        venv.EnvBuilder(clear=True, with_pip=True).create(VENV)
        subprocess.run(
            [
                str(_python(VENV)),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *REQUIREMENTS,
            ],
            check=True,
            timeout=BUILD_TIMEOUT,
        )
        marker.write_text(wanted)
    return _python(VENV)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def oracle_database_url(suite_url: str, tmp: Path) -> tuple[str, str | None]:
    """The oracle's SQLAlchemy 1.3 URL and schema: a file of its own on SQLite; on PostgreSQL
    the suite's database, in a schema of its own (CI's user may not create databases)."""
    if not suite_url.startswith("postgresql"):
        return f"sqlite:///{tmp / 'oracle.db'}", None
    parts = urlsplit(suite_url)
    return f"postgresql://{parts.netloc}{parts.path}", SCHEMA


class Oracle:
    """A running oracle: `load` its rows, then `get` as a client would."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)

    def load(self, rows: Mapping[str, list[dict[str, Any]]]) -> None:
        response = self.client.post("/_load", json=dict(rows))
        response.raise_for_status()

    def get(self, path: str, params: Mapping[str, str]) -> httpx.Response:
        return self.client.get(path, params=dict(params))


@contextlib.contextmanager
def running_oracle(
    python: Path, database_url: str, schema: str | None, log: Path
) -> Iterator[Oracle]:
    """The oracle, its output (a traceback for each query it refuses) written to `log`."""
    port = _free_port()
    command = [str(python), str(APP), str(port), database_url, *([schema] if schema else [])]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    oracle = Oracle(f"http://127.0.0.1:{port}")
    try:
        _wait_until_ready(process, oracle, log)
        yield oracle
    finally:
        oracle.client.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], oracle: Oracle, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the oracle stopped at start:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if oracle.client.get("/_ready").status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("the oracle did not start in time")


__all__ = ["Oracle", "build_venv", "oracle_database_url", "running_oracle"]
