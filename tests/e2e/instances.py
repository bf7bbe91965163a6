"""Instances of the service for the operations tests, several over one database, each
stopped and started again at will: the reliability tests' `RegistryServer`, with settings
given by name, on a database shared the way the e2e tests share the suite's."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import TEST_URL_VARIABLE, database_settings
from tests.e2e.conftest import _empty_postgres, _migrate
from tests.reliability.conftest import ADMIN_PASSWORD, ADMIN_USERNAME, RegistryServer


def server(
    database_url: str,
    workdir: Path,
    workers: int = 1,
    *,
    access_log: bool = False,
    http_server: str = "uvicorn",
    **settings: str,
) -> RegistryServer:
    """`serve` on the database under `http_server`, with `settings` (NAME=value, the prefix
    added) as well."""
    extra = {f"CUSTOMER_REGISTRY_{name.upper()}": value for name, value in settings.items()}
    workdir.mkdir(parents=True, exist_ok=True)
    return RegistryServer(
        database_url,
        workdir,
        workers=workers,
        extra_env=extra,
        access_log=access_log,
        http_server=http_server,
    )


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
            _migrate(RegistryServer(database_url, tmp).env(), tmp)


def bearer(url: str) -> dict[str, str]:
    """The Authorization header of the first administrator (a billing login)."""
    answer = requests.post(
        f"{url}/api/login", data={"email": ADMIN_USERNAME, "password": ADMIN_PASSWORD}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
