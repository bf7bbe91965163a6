"""Apply Alembic migrations programmatically (the CLI's `migrate`, `serve`, and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from customer_registry.settings import Settings
from customer_registry.storage.database import create_sqlite_file

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
