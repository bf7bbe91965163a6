"""Apply Alembic migrations programmatically (the CLI's `migrate`, `serve`, and the tests)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from customer_registry.settings import Settings
from customer_registry.storage.database import Connection, create_sqlite_file

_SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["settings"] = settings  # migrations/env.py makes its engine from them
    return config


def _statement_name() -> str:
    return f"__registry_{uuid.uuid4().hex}__"


def create_engine(settings: Settings) -> AsyncEngine:
    """The SQLAlchemy engine migrations run on (SQLAlchemy's asyncpg or aiosqlite driver).

    Behind PgBouncer in transaction mode, a migration's one transaction keeps its statements
    on one server connection, but the named statements SQLAlchemy has asyncpg prepare stay on
    it afterwards, and asyncpg numbers them per client connection (`__asyncpg_stmt_1__`, …):
    the next migration lent that server connection would collide with them. So none is kept
    in a cache, and each is named uniquely."""
    connect_args: dict[str, Any] = {}
    if settings.dialect == "postgresql" and settings.db_pooler == "pgbouncer":
        connect_args = {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _statement_name,
        }
    return create_async_engine(settings.sqlalchemy_url, connect_args=connect_args)


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
