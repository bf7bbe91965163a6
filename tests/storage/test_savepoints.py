"""Savepoints: a block's statements undone alone, the transaction going on, on both
databases (a failed statement aborts a PostgreSQL transaction unless it had one)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.storage.database import Connection
from customer_registry.storage.errors import IntegrityViolation
from customer_registry.storage.schema import entities


def _entity(name: str) -> sa.Insert:
    return sa.insert(entities).values(
        name=name, bboxx_company_flag=False, created_at=sa.func.current_timestamp()
    )


async def _names(ctx: Context) -> set[str]:
    async with ctx.db.read() as conn:
        return {row["name"] for row in await conn.fetch_all(sa.select(entities.c.name))}


async def _refused_by_the_database(conn: Connection) -> None:
    async with conn.savepoint():
        await conn.execute(_entity("Undone"))
        await conn.execute(_entity("Kept"))  # the name is unique: the database refuses


async def _failing(conn: Connection) -> None:
    async with conn.savepoint():
        await conn.execute(_entity("Inner"))
        raise ValueError("inner")


async def test_a_failed_block_is_undone_alone(ctx: Context) -> None:
    async with ctx.db.write() as conn:
        await conn.execute(_entity("Kept"))
        with pytest.raises(IntegrityViolation):
            await _refused_by_the_database(conn)
        async with conn.savepoint():  # nested savepoints, the inner one undone
            await conn.execute(_entity("Outer"))
            with pytest.raises(ValueError, match="inner"):
                await _failing(conn)
        await conn.execute(_entity("After"))
    names = await _names(ctx)
    assert names >= {"Kept", "Outer", "After"}
    assert not names & {"Undone", "Inner"}


async def _savepoint_alone(conn: Connection) -> None:
    async with conn.savepoint():
        pass


async def test_a_savepoint_needs_a_transaction(ctx: Context) -> None:
    async with ctx.db.write(transaction=False) as conn:
        with pytest.raises(RuntimeError):
            await _savepoint_alone(conn)
