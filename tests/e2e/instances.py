"""Instances of the service started the way an operator starts them (`customer-registry serve`
in a process of its own), several over one database, each stopped and started again at will:
what the operations tests need that the one-server fixture of conftest.py does not give."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.conftest import TEST_URL_VARIABLE, database_env, database_settings
from tests.e2e.conftest import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    EXE,
    _empty_postgres,
    _free_port,
    _migrate,
)

START_TIMEOUT_SECONDS = 60.0  # a loaded 2-core machine starts two workers slowly


def free_port() -> int:
    return _free_port()


@dataclass
class Instance:
    """One `serve` process (and its workers), on a port of its own."""

    env: dict[str, str]
    cwd: Path
    name: str
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.cwd / f"{self.name}.log"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no output)"

    def start(self) -> None:
        """Start it and wait until it says it is ready (/readyz)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        command = [str(EXE), "serve", "--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as out:
            # A session of its own: `kill` reaches the workers too, never left running.
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited at start:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"{self.name} was not ready in time:\n{self.output()}")

    def terminate(self) -> None:
        """SIGTERM, as an orchestrator stops it (the wait is the caller's)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL to the server and its workers (a worker outlives a killed parent)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stopped as an operator stops it (SIGTERM, then its graceful exit), else killed."""
        if self.process is not None and self.process.poll() is None:
            self.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=60)
        self.kill()


def service_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of an instance: the caller's, without any CUSTOMER_REGISTRY_* setting
    but the database, the first administrator and `settings` (NAME=value, the prefix added)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    env |= database_env(database_url) | {
        "CUSTOMER_REGISTRY_ADMIN_USERNAME": ADMIN_USERNAME,
        "CUSTOMER_REGISTRY_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    env |= {f"CUSTOMER_REGISTRY_{name.upper()}": value for name, value in settings.items()}
    return env


@contextmanager
def shared_database(tmp: Path) -> Iterator[str]:
    """A database for the instances: a new SQLite file, or the suite's PostgreSQL database
    emptied first (the first `serve` migrates it) and migrated again afterwards, for the
    in-process tests that share it."""
    database_url = os.environ.get(TEST_URL_VARIABLE) or f"sqlite:///{tmp / 'registry.db'}"
    postgres = database_settings(database_url).dialect == "postgresql"
    if postgres:
        asyncio.run(_empty_postgres(database_settings(database_url).postgres_dsn))
    try:
        yield database_url
    finally:
        if postgres:
            _migrate(service_env(database_url), tmp)


def bearer(url: str) -> dict[str, str]:
    """The Authorization header of the first administrator (a billing login)."""
    answer = requests.post(
        f"{url}/api/login", data={"email": ADMIN_USERNAME, "password": ADMIN_PASSWORD}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
