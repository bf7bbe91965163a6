"""customers: a trigram index on what the console's search looks in (PostgreSQL)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 21:45:00.000000

The index needs the pg_trgm extension (shipped with PostgreSQL; a database owner may create
it). Where it cannot be created, the migration warns and goes on: the search then reads the
table (the same answers, slower at a large size). SQLite has no such index.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_log = logging.getLogger("alembic.runtime.migration")
# storage.schema.SEARCH_TEXT, as this revision knows it.
_SEARCH_TEXT = (
    "coalesce(name, '') || ' ' || coalesce(code, '') || ' ' || coalesce(secondary_code, '')"
    " || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(mobile, '')"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        _log.warning("pg_trgm is not available (%s): the customer search reads the table", error)
        return
    bind.execute(
        sa.text(
            f"CREATE INDEX ix_customers_search_text ON customers "
            f"USING gin (({_SEARCH_TEXT}) gin_trgm_ops)"
        )
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_search_text")
