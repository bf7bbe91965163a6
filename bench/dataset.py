"""The bench databases: recreated from nothing, migrated by the service, then bulk-loaded.

PostgreSQL: `DROP DATABASE … WITH (FORCE)`, `CREATE DATABASE`, `customer-registry migrate`,
then COPY (asyncpg's `copy_records_to_table`) in one transaction, the secondary indexes of the
two big tables built after the rows are in, and VACUUM ANALYZE.
SQLite: a fresh file, `customer-registry migrate`, then the sqlite3 module's `executemany`
inside one transaction, ANALYZE, and the search's full-text table merged.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import queue
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

from bench import fake
from bench.errors import BenchError
from bench.options import Target

MIGRATE_TIMEOUT = 180.0
CONNECT_TIMEOUT = 10.0
KEY_SAMPLE = 50_000  # customers the load generator picks from (a uniform random sample)
_CHUNK = 50_000
# Tables whose ids the loader sets itself: their sequences must follow (PostgreSQL).
_SERIALS = (
    ("entities", "entity_id"),
    ("customer_categories", "category_id"),
    ("customer_segmentations", "segmentation_id"),
    ("currencies", "currency_id"),
    ("customers", "customer_id"),
    ("customer_entity_linker", "customer_entity_linker_id"),
)
# The catalogues, in the order their foreign keys need.
_CATALOGUES = (
    ("entities", fake.ENTITY_COLUMNS, fake.entity_records),
    ("customer_categories", fake.CATEGORY_COLUMNS, fake.category_records),
    ("customer_segmentations", fake.SEGMENTATION_COLUMNS, fake.segmentation_records),
    ("currencies", fake.CURRENCY_COLUMNS, fake.currency_records),
)


@dataclass(frozen=True, slots=True)
class Loaded:
    seconds: float
    keys: list[fake.Key]  # the sample the load generator picks from


def _chunks(rows: Iterable[tuple[object, ...]]) -> Iterator[list[tuple[object, ...]]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, _CHUNK)):
        yield chunk


# --- PostgreSQL -----------------------------------------------------------------------------


async def _recreate(target: Target) -> None:
    conn = await asyncpg.connect(target.maintenance_url, timeout=CONNECT_TIMEOUT)
    try:
        name = target.database_name  # validated: a plain identifier
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


_BULK_TABLES = ("customers", "customer_entity_linker")
# The indexes of the bulk-loaded tables that are not constraints (the primary keys stay).
_SECONDARY_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes AS i
WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
ORDER BY i.indexname
"""
_Chunk = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]


def _produce(
    customers: int,
    sampler: fake.KeySampler,
    chunks: queue.Queue[_Chunk | None],
    failures: list[BaseException],
) -> None:
    """In a thread: the rows, chunk by chunk, while the previous chunk is being copied."""
    try:
        for chunk in _chunks(fake.customer_records(customers)):
            for row in chunk:
                sampler.offer(row)
            chunks.put((chunk, [fake.link_record(row) for row in chunk]))
    except BaseException as error:  # handed to the loader, which raises it
        failures.append(error)
    finally:
        chunks.put(None)


async def _copy_customers(
    conn: asyncpg.Connection, customers: int, sampler: fake.KeySampler
) -> None:
    """COPY the customers and their links, the rows made in a thread meanwhile; the secondary
    indexes are dropped first and built again after (from their own definitions), which is
    much faster than maintaining them row by row."""
    indexes = await conn.fetch(_SECONDARY_INDEXES, list(_BULK_TABLES))
    for index in indexes:
        await conn.execute(f'DROP INDEX "{index["indexname"]}"')
    chunks: queue.Queue[_Chunk | None] = queue.Queue(maxsize=2)
    failures: list[BaseException] = []
    producer = threading.Thread(
        target=_produce, args=(customers, sampler, chunks, failures), daemon=True
    )
    producer.start()
    loop = asyncio.get_running_loop()
    try:
        while (item := await loop.run_in_executor(None, chunks.get)) is not None:
            rows, links = item
            await conn.copy_records_to_table(
                "customers", records=rows, columns=fake.CUSTOMER_COLUMNS
            )
            await conn.copy_records_to_table(
                "customer_entity_linker", records=links, columns=fake.LINK_COLUMNS
            )
    finally:
        while producer.is_alive():  # on an error: let the producer finish, unblocked
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.1)
    if failures:
        raise BenchError(f"generating the rows failed: {failures[0]!r}") from failures[0]
    await conn.execute("SET maintenance_work_mem = '256MB'")
    for index in indexes:
        await conn.execute(index["indexdef"])


async def _load_postgresql(target: Target, customers: int, sampler: fake.KeySampler) -> None:
    conn = await asyncpg.connect(target.url, timeout=CONNECT_TIMEOUT)
    try:
        async with conn.transaction():
            for table, columns, records in _CATALOGUES:
                await conn.copy_records_to_table(table, records=records(), columns=columns)
            await _copy_customers(conn, customers, sampler)
            for table, column in _SERIALS:
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"(SELECT max({column}) FROM {table}))"
                )
        # As autovacuum would soon: statistics, and the visibility map index-only scans need.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_value(value: object) -> object:
    """As the service stores them: SQLAlchemy's DateTime text, booleans as 0/1."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_rows(rows: Iterable[Sequence[object]]) -> Iterator[tuple[object, ...]]:
    for row in rows:
        yield tuple(_sqlite_value(v) for v in row)


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _merge_full_text(conn: sqlite3.Connection) -> None:
    """Each full-text table (the search's, which the triggers filled during the load) merged
    into one segment, as migration 0011 leaves it: FTS5 would otherwise merge the load's many
    segments bit by bit during the writes measured next."""
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '% USING fts5(%'"
    ).fetchall()
    for (name,) in tables:
        conn.execute(f'INSERT INTO "{name}" ("{name}") VALUES (\'optimize\')')


def _load_sqlite(path: Path, customers: int, sampler: fake.KeySampler) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")  # the load only: the service sets its own
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("BEGIN")
        for table, columns, records in _CATALOGUES:
            conn.executemany(_insert(table, columns), _sqlite_rows(records()))
        # As on PostgreSQL: the secondary indexes built again once the rows are in.
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN {_BULK_TABLES!r} ORDER BY name"
        ).fetchall()
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        insert_customer = _insert("customers", fake.CUSTOMER_COLUMNS)
        insert_link = _insert("customer_entity_linker", fake.LINK_COLUMNS)
        for chunk in _chunks(fake.customer_records(customers)):
            for row in chunk:
                sampler.offer(row)
            conn.executemany(insert_customer, _sqlite_rows(chunk))
            conn.executemany(insert_link, _sqlite_rows(fake.link_record(r) for r in chunk))
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        _merge_full_text(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


# --- both -----------------------------------------------------------------------------------


def recreate(target: Target) -> None:
    """An empty database: PostgreSQL's dropped and created, SQLite's file deleted."""
    if target.kind == "sqlite":
        path = target.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return
    try:
        asyncio.run(_recreate(target))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise BenchError(f"cannot recreate {target.database_name}: {error}") from error


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


def load(target: Target, customers: int) -> Loaded:
    """The entities, their catalogues, N customers and their links; then (VACUUM) ANALYZE."""
    started = time.perf_counter()
    sampler = fake.KeySampler(KEY_SAMPLE)
    try:
        if target.kind == "sqlite":
            _load_sqlite(target.sqlite_path, customers, sampler)
        else:
            asyncio.run(_load_postgresql(target, customers, sampler))
    except (OSError, asyncpg.PostgresError, sqlite3.Error, TimeoutError) as error:
        raise BenchError(f"cannot load the bench data: {error}") from error
    if not sampler.keys:
        raise BenchError("the bench entity got no customers: load more (--sizes)")
    return Loaded(time.perf_counter() - started, sampler.keys)


def write_keys(path: Path, keys: Sequence[fake.Key]) -> None:
    """The sample for the wrk script: `id<TAB>code<TAB>name` per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k.customer_id}\t{k.code}\t{k.name}\n" for k in keys))


def service_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment for `customer-registry`: ours only, no CUSTOMER_REGISTRY_* inherited,
    so every other setting is the service's default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    env["CUSTOMER_REGISTRY_DATABASE_URL"] = database_url
    env.update({f"CUSTOMER_REGISTRY_{k.upper()}": v for k, v in settings.items()})
    return env
