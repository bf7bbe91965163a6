"""Apply Alembic migrations programmatically (the CLI's `migrate`, `serve`, and the tests)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from customer_registry.settings import Settings
from customer_registry.storage.database import Connection, create_sqlite_file

_SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("sqlalchemy.url", settings.sqlalchemy_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database to `revision`. Must not be called from inside an event loop."""
    if settings.dialect == "sqlite":
        create_sqlite_file(settings.sqlite_path)
    command.upgrade(alembic_config(settings), revision)


def head_revision() -> str:
    """The revision the service's code expects the schema at (the latest migration)."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "the migrations have one head"
    return head


_VERSION = sa.table("alembic_version", sa.column("version_num", sa.String()))


async def current_revision(conn: Connection) -> str | None:
    """The revision the database's schema is at (None: no revision recorded). A database
    never migrated has no table to read: the database's own error."""
    rows = await conn.fetch_all(sa.select(_VERSION.c.version_num))
    return rows[0]["version_num"] if len(rows) == 1 else None
