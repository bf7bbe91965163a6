"""A real server for the end-to-end tests, started the way a user starts it.

`customer-registry serve --port <port>` runs as a subprocess against a database of its own:
a new SQLite file, or — when CUSTOMER_REGISTRY_TEST_DATABASE_URL is set — the suite's
PostgreSQL database, emptied first (`serve` migrates it from nothing). The in-process tests
use that same PostgreSQL database and migrate it only once, at session start, so the fixture
migrates it again when the server stops: whatever ran before or after, the schema is there.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import requests

from tests.conftest import TEST_URL_VARIABLE, database_env, database_settings

EXE = Path(sys.executable).with_name("customer-registry")
ADMIN_USERNAME = "test.user@bboxx.co.uk"  # the user the documents' examples log in as
ADMIN_PASSWORD = "e2e-admin-password"
START_TIMEOUT_SECONDS = 20.0
# `serve --server`: every e2e test runs under the default, uvicorn; the tests of what the
# server does (timeouts, logs, proxy headers, shutdown, workers) run under both, with
# `pytestmark = BOTH_SERVERS` (module-scoped: one server of each per module).
SERVERS = ("uvicorn", "granian")
BOTH_SERVERS = pytest.mark.parametrize("http_server", SERVERS, scope="module")
REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Server:
    url: str  # scheme, host and port: the documents' "https://smartapi.bboxx.co.uk"
    username: str
    password: str
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _empty_postgres(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def _output(log: Path) -> str:
    return log.read_text(errors="replace") if log.exists() else "(no output)"


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the server exited with status {process.returncode} before answering:\n"
                + _output(log),
                pytrace=False,
            )
        try:
            requests.get(f"{url}/v1/customers", timeout=1)
        except requests.ConnectionError:
            time.sleep(0.1)
        else:
            return
    _stop(process)
    pytest.fail(
        f"the server did not answer within {START_TIMEOUT_SECONDS:.0f} s:\n" + _output(log),
        pytrace=False,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _migrate(env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [str(EXE), "migrate"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"re-migrating after the e2e tests failed:\n{done.stderr}"


@pytest.fixture(scope="module")
def http_server() -> str:
    """The HTTP server `serve` runs (CUSTOMER_REGISTRY_SERVER); see BOTH_SERVERS."""
    return "uvicorn"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, http_server: str) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    database_url = os.environ.get(TEST_URL_VARIABLE) or f"sqlite:///{tmp / 'registry.db'}"
    # Only the settings named here: nothing from the caller's environment changes the server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    env |= database_env(database_url) | {
        "CUSTOMER_REGISTRY_ADMIN_USERNAME": ADMIN_USERNAME,
        "CUSTOMER_REGISTRY_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "CUSTOMER_REGISTRY_SERVER": http_server,
    }
    settings = database_settings(database_url)
    postgres = settings.dialect == "postgresql"
    if postgres:
        asyncio.run(_empty_postgres(settings.postgres_dsn))
    try:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(EXE), "serve", "--port", str(port)],
                env=env,
                cwd=tmp,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_answering(process, url, log)
            yield Server(url=url, username=ADMIN_USERNAME, password=ADMIN_PASSWORD, log=log)
        finally:
            _stop(process)
    finally:
        if postgres:
            _migrate(env, tmp)


@pytest.fixture(autouse=True)
def _bounded_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples call `requests` without a timeout; give every call one, so none can hang."""
    original = requests.Session.request

    def request(self: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = REQUEST_TIMEOUT_SECONDS
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", request)
