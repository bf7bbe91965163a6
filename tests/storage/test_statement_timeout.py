"""PostgreSQL's statement timeout holds, straight (the server's `statement_timeout`, given at
connect) and through PgBouncer in transaction mode (asyncpg's own, which cancels the
statement on the server): a statement past it is stopped and its caller told the database
is unavailable (503). SQLite has no statement timeout: the test is PostgreSQL's alone."""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

from customer_registry.core.errors import Unavailable
from customer_registry.settings import Settings
from customer_registry.storage.database import open_database
from tests.conftest import TEST_URL_VARIABLE, database_settings

TIMEOUT_MS = 300
SLEEP_SECONDS = 5

if os.environ.get(TEST_URL_VARIABLE):

    async def test_a_statement_past_the_timeout_is_stopped(settings: Settings) -> None:
        db = open_database(
            database_settings(settings.database_url, statement_timeout_ms=TIMEOUT_MS)
        )
        await db.start()
        try:
            started = time.monotonic()
            with pytest.raises(Unavailable):
                async with db.read() as conn:
                    await conn.execute(sa.select(sa.func.pg_sleep(SLEEP_SECONDS)))
            assert time.monotonic() - started < SLEEP_SECONDS / 2
            async with db.read() as conn:
                # Cancelled on the server too, not only given up by the client; and the
                # pool's connections still answer.
                running = await conn.fetch_value(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE state = 'active' AND query LIKE '%pg_sleep%' "
                        "AND pid <> pg_backend_pid()"
                    )
                )
                assert running == 0
        finally:
            await db.stop()
