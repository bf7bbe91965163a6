"""A genuine Laravel 8 application answering the billing API's customer routes: the oracle of
`test_against_laravel.py`.

The application is `oracle/` (bootstrap, HTTP kernel with Laravel's default global middleware,
exception handler, the `api` token guard, an Eloquent `App\\Customer`, a controller, and
Laravel's English validation and pagination lines), run on Debian's php-laravel-framework by
PHP's built-in server on a free port, over an SQLite file that the test fills with the rows
the registry holds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from customer_registry.apis.billing_v1.models import Customer
from customer_registry.apis.models import keys
from tests.apis.billing_v1.laravel import DOCUMENTED

APPLICATION = Path(__file__).with_name("oracle")
AUTOLOADER = Path("/usr/share/php/Illuminate/autoload.php")
START_TIMEOUT_SECONDS = 20.0
CUSTOMER_KEYS = [key.name for key in keys(Customer)]

# The customer object's keys that hold integers; the others are text (or timestamps).
_INTEGER_KEYS = {
    key for key, value in DOCUMENTED.items() if isinstance(value, int) and key != "id"
} | {"representative_id", "sector_id", "origin_id", "chargeGroupingAccount", "ftpAccountId"}


def _column(key: str) -> str:
    if key == "id":
        return "id integer primary key autoincrement"
    if key in ("created_at", "updated_at"):
        return f'"{key}" datetime null'
    kind = "integer" if key in _INTEGER_KEYS else "varchar"
    default = DOCUMENTED[key]
    # The seed's example shows every default: those that are not null are the columns'.
    if default is None or key in ("name", "customerAccount"):
        return f'"{key}" {kind} null'
    return f'"{key}" {kind} not null default {default}'


SCHEMA = f"""
create table users (
    id integer primary key autoincrement, name varchar not null, email varchar not null,
    password varchar, api_token varchar unique, created_at datetime, updated_at datetime
);
create table brands (
    id integer primary key autoincrement, name varchar not null,
    created_at datetime, updated_at datetime
);
create table customers ({", ".join(_column(key) for key in CUSTOMER_KEYS)});
create unique index customers_account on customers ("customerAccount");
create unique index customers_accounts_reference on customers ("accountsReference");
"""


def available() -> bool:
    return shutil.which("php") is not None and AUTOLOADER.exists()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _laravel_time(value: str) -> str:
    """A timestamp as Laravel stores it (`Y-m-d H:i:s`, whole seconds, UTC) from the JSON
    form of the registry's answer."""
    parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Oracle:
    url: str
    database: Path
    log: Path

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.database, isolation_level=None)

    def reset(self, brand_names: list[str]) -> None:
        """No customers or users; the brands, with the registry's ids."""
        with self.connect() as db:
            db.executescript(
                "delete from customers; delete from users; delete from brands;"
                " delete from sqlite_sequence;"
            )
            db.executemany("insert into brands (name) values (?)", [(n,) for n in brand_names])

    def add_token(self, token: str) -> None:
        """A user whose `api_token` is the token's SHA-256 (the guard's `hash` option)."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.connect() as db:
            db.execute(
                "insert into users (name, email, api_token) values (?, ?, ?)",
                ("oracle", f"{digest[:8]}@example.com", digest),
            )

    def add_customer(self, customer: Mapping[str, Any]) -> None:
        """The customer exactly as the registry shows it: the same id, the same values."""
        row = {key: customer[key] for key in CUSTOMER_KEYS if customer.get(key) is not None}
        for key in ("created_at", "updated_at"):
            row[key] = _laravel_time(customer[key])
        names = ", ".join(f'"{key}"' for key in row)
        marks = ", ".join("?" for _ in row)
        with self.connect() as db:
            db.execute(f"insert into customers ({names}) values ({marks})", list(row.values()))


def start(directory: Path) -> Iterator[Oracle]:
    """Serve the application from `directory` (its database, caches and log) until the
    generator is closed."""
    database = directory / "oracle.db"
    with sqlite3.connect(database) as db:
        db.executescript(SCHEMA)
    port = _free_port()
    log = directory / "php-server.log"
    env = {
        **os.environ,
        "ORACLE_DATABASE": str(database),
        "ORACLE_STORAGE": str(directory),
        "APP_PACKAGES_CACHE": str(directory / "packages.php"),
        "APP_SERVICES_CACHE": str(directory / "services.php"),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{port}", str(APPLICATION / "public" / "index.php")],
            cwd=APPLICATION,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    oracle = Oracle(f"http://127.0.0.1:{port}", database, log)
    try:
        _wait_until_up(oracle, process)
        yield oracle
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(oracle: Oracle, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"php -S stopped: {oracle.log.read_text()}")
        try:
            httpx.get(f"{oracle.url}/api/v1/customers", timeout=5)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"php -S did not answer: {oracle.log.read_text()}")
