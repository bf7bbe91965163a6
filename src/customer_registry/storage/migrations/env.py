"""Alembic environment: runs migrations through the async drivers the service already uses."""

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from customer_registry.storage.migrate import create_engine
from customer_registry.storage.schema import declared, metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
        include_object=lambda _, name, kind, reflected, __: declared(name, kind, reflected),
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Instances starting together migrate one at a time; the later ones find it done.
            connection.execute(text("SELECT pg_advisory_xact_lock(7283562901)"))
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(config.attributes["settings"])
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


asyncio.run(_run_async())
