"""The bench database: recreated from nothing, migrated by the service, bulk-loaded with COPY."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import asyncpg

from bench import fake
from bench.errors import BenchError
from bench.options import Options

MIGRATE_TIMEOUT = 180.0
CONNECT_TIMEOUT = 10.0
# Tables whose ids the loader sets itself: their sequences must follow.
_SERIALS = (
    ("entities", "entity_id"),
    ("customers", "customer_id"),
    ("customer_entity_linker", "customer_entity_linker_id"),
)


async def _recreate(options: Options) -> None:
    conn = await asyncpg.connect(options.maintenance_url, timeout=CONNECT_TIMEOUT)
    try:
        name = options.database_name  # validated: a plain identifier
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def recreate_database(options: Options) -> None:
    try:
        asyncio.run(_recreate(options))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise BenchError(f"cannot recreate {options.database_name}: {error}") from error


def migrate(executable: Path, env: dict[str, str]) -> None:
    """`customer-registry migrate`: the schema is exactly what the service's migrations build."""
    try:
        subprocess.run(
            [str(executable), "migrate"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=MIGRATE_TIMEOUT,
        )
    except subprocess.CalledProcessError as error:
        raise BenchError(f"customer-registry migrate failed: {error.stderr.strip()}") from error
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"customer-registry migrate took over {MIGRATE_TIMEOUT:.0f} s") from error


async def _copy_rows(conn: asyncpg.Connection, customers: int) -> None:
    await conn.copy_records_to_table(
        "entities", records=fake.entity_records(), columns=fake.ENTITY_COLUMNS
    )
    rows = fake.customer_records(customers)
    await conn.copy_records_to_table("customers", records=rows, columns=fake.CUSTOMER_COLUMNS)
    await conn.copy_records_to_table(
        "customer_entity_linker", records=fake.link_records(rows), columns=fake.LINK_COLUMNS
    )


async def _follow_sequences(conn: asyncpg.Connection) -> None:
    for table, column in _SERIALS:
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"(SELECT max({column}) FROM {table}))"
        )


async def _load(options: Options) -> None:
    conn = await asyncpg.connect(options.database_url, timeout=CONNECT_TIMEOUT)
    try:
        async with conn.transaction():
            await _copy_rows(conn, options.customers)
            await _follow_sequences(conn)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def load_customers(options: Options) -> float:
    """COPY the entities, N customers and their links, then ANALYZE; answers the seconds taken."""
    started = time.perf_counter()
    try:
        asyncio.run(_load(options))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise BenchError(f"cannot load the bench data: {error}") from error
    return time.perf_counter() - started


def service_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment for `customer-registry`: ours only, no CUSTOMER_REGISTRY_* inherited,
    so every other setting is the service's default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    env["CUSTOMER_REGISTRY_DATABASE_URL"] = database_url
    env.update({f"CUSTOMER_REGISTRY_{k.upper()}": v for k, v in settings.items()})
    return env
