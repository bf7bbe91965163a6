"""SQLite transactions as the service runs them: a transaction's BEGIN goes to the database
with its first statement (one hand-over to the connection's thread fewer per write), and
whatever ends the block, a failure, a cancelled request or a BEGIN the database refuses, the
connection goes back to the pool outside any transaction, with nothing of the block kept.
These run on SQLite whatever database the rest of the suite uses."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from customer_registry.core.errors import Unavailable
from customer_registry.settings import Settings
from customer_registry.storage.database import Prepared, SqliteDatabase
from customer_registry.storage.errors import UniqueViolation

_CREATE = sa.text("CREATE TABLE t (x INTEGER UNIQUE)")
_INSERT = Prepared(sa.text("INSERT INTO t (x) VALUES (:x)"))
_ROWS = sa.text("SELECT x FROM t ORDER BY x")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(Settings(database_url=f"sqlite:///{tmp_path / 't.db'}"), 1)
    await database.start()
    async with database.write(transaction=False) as conn:
        await conn.execute(_CREATE)
    yield database
    await database.stop()


async def _traced(db: SqliteDatabase) -> list[str]:
    """Every statement the pool's connection runs from now on, as SQLite saw it."""
    seen: list[str] = []
    async with db.read() as conn:
        await conn._raw.set_trace_callback(seen.append)  # type: ignore[attr-defined]
    return seen


async def _rows(db: SqliteDatabase) -> list[int]:
    async with db.read() as conn:
        return [row["x"] for row in await conn.fetch_all(_ROWS)]


async def _not_in_a_transaction(db: SqliteDatabase) -> bool:
    async with db.read() as conn:
        return not conn._raw.in_transaction  # type: ignore[attr-defined]


async def test_begin_goes_with_the_first_statement_and_an_empty_block_sends_nothing(
    db: SqliteDatabase,
) -> None:
    seen = await _traced(db)
    async with db.write():
        pass
    assert seen == []
    async with db.write() as conn:
        await conn.execute(_INSERT, x=1)
        assert await conn.fetch_value(sa.text("SELECT count(*) FROM t")) == 1
    assert seen == [
        "BEGIN IMMEDIATE",
        "INSERT INTO t (x) VALUES (1)",
        "SELECT count(*) FROM t",
        "COMMIT",
    ]


async def _insert_then_fail(db: SqliteDatabase) -> None:
    async with db.write() as conn:
        await conn.execute(_INSERT, x=1)
        await conn.execute(_INSERT, x=1)  # the database refuses the second


async def test_a_failed_block_is_rolled_back(db: SqliteDatabase) -> None:
    with pytest.raises(UniqueViolation):
        await _insert_then_fail(db)
    assert await _rows(db) == []
    assert await _not_in_a_transaction(db)


async def test_a_cancelled_request_leaves_nothing_and_no_open_transaction(
    db: SqliteDatabase,
) -> None:
    started = asyncio.Event()

    async def request() -> None:
        async with db.write() as conn:
            await conn.execute(_INSERT, x=1)
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(request())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _rows(db) == []
    assert await _not_in_a_transaction(db)


async def _write_one(db: SqliteDatabase, x: int) -> None:
    async with db.write() as conn:
        await conn.execute(_INSERT, x=x)


async def test_a_begin_the_database_refuses_leaves_the_connection_usable(
    db: SqliteDatabase, tmp_path: Path
) -> None:
    async with db.read() as conn:
        await conn.execute(sa.text("PRAGMA busy_timeout=0"))
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(Unavailable):
            await _write_one(db, 1)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await _not_in_a_transaction(db)
    await _write_one(db, 2)
    assert await _rows(db) == [2]


async def test_the_connection_given_back_last_is_taken_first(tmp_path: Path) -> None:
    """Its page cache is the warm one: writes in a row all go through one connection, and a
    read after them too, while the others stay idle."""
    database = SqliteDatabase(Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}"), 3)
    await database.start()
    try:
        used: list[object] = []
        for _ in range(4):
            async with database.write() as conn:
                used.append(conn._raw)  # type: ignore[attr-defined]
        async with database.read() as first, database.read() as second:
            both = [first._raw, second._raw]  # type: ignore[attr-defined]
        assert used == [used[0]] * 4
        assert both[0] is used[0]
        assert both[1] is not used[0]
    finally:
        await database.stop()
