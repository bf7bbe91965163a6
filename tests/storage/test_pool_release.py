"""A PostgreSQL connection goes back to the pool whenever a block that borrowed it ends: done,
failed, cancelled mid-statement, closed within it, or left in a transaction (rolled back on
the way). The release of a connection outside a transaction skips asyncpg's `asyncio.shield`
(`storage.database._release`), so these hold that nothing is lent for ever without it. The
pool is PostgreSQL's alone: SQLite has none."""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa

from customer_registry.settings import Settings
from customer_registry.storage.database import (
    Database,
    PoolUsage,
    _PgConnection,
    open_database,
)
from tests.conftest import TEST_URL_VARIABLE, database_settings

if os.environ.get(TEST_URL_VARIABLE):

    @pytest.fixture
    async def one_connection(settings: Settings) -> AsyncIterator[Database]:
        """A pool of one connection: one left lent would stop every later read."""
        db = open_database(database_settings(settings.database_url, db_pool_size=1))
        await db.start()
        try:
            yield db
        finally:
            await db.stop()

    async def _read_one(db: Database) -> None:
        async with asyncio.timeout(5):  # a connection never given back: a wait, then this
            async with db.read() as conn:
                assert await conn.fetch_value(sa.select(sa.literal(1))) == 1

    async def test_a_connection_read_outside_a_transaction_is_given_back(
        one_connection: Database,
    ) -> None:
        for _ in range(3):
            await _read_one(one_connection)
            assert one_connection.usage() == PoolUsage(size=1, in_use=0, waiting=0)

    async def test_a_read_cancelled_mid_statement_leaves_the_pool_whole(
        one_connection: Database,
    ) -> None:
        async def sleep_in_the_database() -> None:
            async with one_connection.read() as conn:
                await conn.execute(sa.select(sa.func.pg_sleep(5)))

        task = asyncio.create_task(sleep_in_the_database())
        await asyncio.sleep(0.3)
        assert one_connection.usage().in_use == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await _read_one(one_connection)
        assert one_connection.usage().in_use == 0

    async def test_a_failed_write_is_rolled_back_and_its_connection_given_back(
        one_connection: Database,
    ) -> None:
        async def fail_in_a_write() -> None:
            async with one_connection.write() as conn:
                await conn.execute(sa.select(sa.func.now()))
                raise ZeroDivisionError

        with pytest.raises(ZeroDivisionError):
            await fail_in_a_write()
        await _read_one(one_connection)
        assert one_connection.usage().in_use == 0

    async def test_a_connection_that_closed_in_the_block_has_given_its_place_back(
        one_connection: Database,
    ) -> None:
        async with one_connection.read() as conn:
            assert isinstance(conn, _PgConnection)
            conn._raw.terminate()  # as a lost connection ends: asyncpg releases it itself
        await _read_one(one_connection)
        assert one_connection.usage() == PoolUsage(size=1, in_use=0, waiting=0)

    async def test_a_connection_left_in_a_transaction_is_rolled_back_when_given_back(
        one_connection: Database,
    ) -> None:
        async with one_connection.read() as conn:
            await conn.execute(sa.text("BEGIN"))
            await conn.execute(sa.select(sa.func.txid_current()))
        async with one_connection.read() as conn:
            # The same connection (the pool has one), outside any transaction.
            assert await conn.fetch_value(sa.select(sa.func.txid_current_if_assigned())) is None
        assert one_connection.usage() == PoolUsage(size=1, in_use=0, waiting=0)


def test_the_release_without_a_shield_follows_asyncpgs_own() -> None:
    """`_release` repeats the steps of asyncpg's `Pool.release` but its shield, through
    asyncpg's internals: a version whose release differs must be read again before use."""
    source = inspect.getsource(asyncpg.pool.Pool.release)
    assert "connection._con._on_release()" in source
    assert "ch = connection._holder" in source
    assert "timeout = ch._timeout" in source
    assert source.rstrip().endswith("return await asyncio.shield(ch.release(timeout))")
