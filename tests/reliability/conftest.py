"""Real servers for the reliability tests: started, killed and restarted on one database.

Like `tests/e2e`, each server is `customer-registry serve` in a subprocess, on a new SQLite
file or, when CUSTOMER_REGISTRY_TEST_DATABASE_URL is set, on the suite's PostgreSQL database
(emptied first, migrated again at the end so the in-process tests still find their schema).
Here a server runs in a process group of its own, so a test can SIGKILL all of it, and start
it again on the same database. The checks read the database directly, not through the APIs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import requests

from customer_registry.settings import Settings
from tests.conftest import TEST_URL_VARIABLE, database_env, database_settings

EXE = Path(sys.executable).with_name("customer-registry")
ADMIN_USERNAME = "reliability@example.com"
ADMIN_PASSWORD = "reliability-admin-password"
START_TIMEOUT_SECONDS = 30.0
PARTNER, SALES, BILLING = "/v1", "/api/v1.0", "/api/v1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _output(log: Path) -> str:
    return log.read_text(errors="replace") if log.exists() else "(no output)"


@dataclass
class RegistryServer:
    """`customer-registry serve` on `database_url`, in a process group of its own."""

    database_url: str
    workdir: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)  # more settings
    access_log: bool = False
    http_server: str = "uvicorn"  # CUSTOMER_REGISTRY_SERVER

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"server-{self.port}.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
        return {
            **env,
            **database_env(self.database_url),
            "CUSTOMER_REGISTRY_ADMIN_USERNAME": ADMIN_USERNAME,
            "CUSTOMER_REGISTRY_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "CUSTOMER_REGISTRY_WORKERS": str(self.workers),
            "CUSTOMER_REGISTRY_SERVER": self.http_server,
            "CUSTOMER_REGISTRY_MEDIA_DIR": str(self.workdir / "media"),
            **self.extra_env,
        }

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"\n===== start #{self.starts} =====\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [
                    str(EXE),
                    "serve",
                    "--port",
                    str(self.port),
                    "--access-log" if self.access_log else "--no-access-log",
                ],
                env=self.env(),
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches every worker
            )
        self._wait_until_answering()

    def _wait_until_answering(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the server exited with status {self.process.returncode} before "
                    f"answering:\n{_output(self.log)}",
                    pytrace=False,
                )
            try:
                requests.get(f"{self.url}/v1/customers", timeout=1)
            except requests.ConnectionError:
                time.sleep(0.05)
            else:
                return
        self.kill()
        pytest.fail(
            f"the server did not answer within {START_TIMEOUT_SECONDS:.0f} s:\n"
            + _output(self.log),
            pytrace=False,
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler, no last commit."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM to the server alone, as an orchestrator stops it (with several workers,
        the parent passes it on to them); waiting for the exit is the caller's."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.kill()  # a worker may outlive its parent
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return _output(self.log)


# --- the database, read directly --------------------------------------------------------------


@dataclass(frozen=True)
class DirectDatabase:
    """Read-only checks straight on the server's database (no API in between)."""

    url: str

    @property
    def settings(self) -> Settings:
        return database_settings(self.url)

    @property
    def postgres(self) -> bool:
        return self.settings.dialect == "postgresql"

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.postgres:
            return asyncio.run(self._pg_rows(sql))
        conn = sqlite3.connect(self.settings.sqlite_path, timeout=30)
        try:
            return [tuple(row) for row in conn.execute(sql).fetchall()]
        finally:
            conn.close()

    async def _pg_rows(self, sql: str) -> list[tuple[Any, ...]]:
        # No statement cache: its named statements would outlive the connection on a
        # server connection of PgBouncer's (when the suite runs through it) and collide.
        conn = await asyncpg.connect(self.settings.postgres_dsn, statement_cache_size=0)
        try:
            return [tuple(row.values()) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    def value(self, sql: str) -> Any:
        rows = self.rows(sql)
        return rows[0][0] if rows else None


async def _empty_postgres(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def _migrate(database_url: str, cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    env |= database_env(database_url)
    done = subprocess.run(
        [str(EXE), "migrate"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"re-migrating after the reliability tests failed:\n{done.stderr}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: a new SQLite file, or the suite's PostgreSQL database
    emptied (and migrated again afterwards, for the tests that run after)."""
    url = os.environ.get(TEST_URL_VARIABLE) or f"sqlite:///{tmp_path / 'registry.db'}"
    settings = database_settings(url)
    postgres = settings.dialect == "postgresql"
    if postgres:
        asyncio.run(_empty_postgres(settings.postgres_dsn))
    try:
        yield url
    finally:
        if postgres:
            _migrate(url, tmp_path)


@contextlib.contextmanager
def running(server: RegistryServer) -> Iterator[RegistryServer]:
    """`server` started, and stopped at the end, whatever happened."""
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.kill()


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[RegistryServer]:
    """A running server on the test's database."""
    with running(RegistryServer(database_url=database_url, workdir=tmp_path)) as started:
        yield started


@pytest.fixture
def direct(database_url: str) -> DirectDatabase:
    return DirectDatabase(database_url)


# --- logging in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """One user, logged in through both logins."""

    bearer: dict[str, str]  # sales and billing: Authorization: Bearer <t>
    partner: dict[str, str]  # partner: Authorization: Token token=<t>, JSON bodies


def login(url: str, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD) -> Tokens:
    billing = requests.post(
        url + "/api/login", data={"email": username, "password": password}, timeout=30
    )
    assert billing.status_code == 200, billing.text
    partner = requests.post(
        url + PARTNER + "/auth/login",
        data={"username": username, "password": password},
        timeout=30,
    )
    assert partner.status_code == 200, partner.text
    token = partner.json()["message"]["login_successful"]["API_token"]
    return Tokens(
        bearer={"Authorization": "Bearer " + billing.json()["token"]},
        partner={"Content-Type": "application/json", "Authorization": "Token token=" + token},
    )
