"""The migrations build exactly the schema the code declares, on the suite's database."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from customer_registry.settings import Settings
from customer_registry.storage.migrate import create_engine
from customer_registry.storage.schema import declared, metadata


async def test_migrated_database_matches_schema(settings: Settings) -> None:
    engine = create_engine(settings)

    def differences(connection: sa.Connection) -> list[object]:
        opts = {
            "compare_type": True,
            "include_object": lambda _, name, kind, reflected, __: declared(name, kind, reflected),
        }
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert diff == []


async def test_default_entity_exists(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(sa.text("SELECT entity_id, name FROM entities"))).all()
    finally:
        await engine.dispose()
    assert (1, "default") in [tuple(r) for r in rows]
