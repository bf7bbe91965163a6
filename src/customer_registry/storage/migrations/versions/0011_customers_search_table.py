"""customers: a full-text table of what the console's search looks in (SQLite)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:10:00.000000

SQLite's counterpart of 0010's trigram index: an FTS5 table with the trigram tokenizer
(case-insensitive), one row per customer, its rowid the customer's id. It is contentless: it
keeps the index alone, not a second copy of the text (the search reads the customer's own
row to check a match). Triggers keep it in step with every insert, delete, and update of a
searched column; a contentless table forgets a row only when told the text it indexed, which
the triggers give from the old row. It is filled from the customers already there, then
merged into one segment (FTS5 would otherwise merge the fill's many segments bit by bit at
the writes that follow). PostgreSQL: nothing (0010).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# storage.schema.SEARCHED_COLUMNS, as this revision knows them.
_COLUMNS = ("name", "code", "secondary_code", "email", "phone", "mobile")


def _text(row: str) -> str:
    """storage.schema.SEARCH_TEXT of `row` (a table or a trigger's NEW or OLD)."""
    return " || ' ' || ".join(f"coalesce({row}.{column}, '')" for column in _COLUMNS)


# The statements below are written from this file's constants alone (S608: no outside value).
def _indexed(row: str) -> str:
    return (
        f"INSERT INTO customers_search (rowid, search_text) "  # noqa: S608
        f"VALUES ({row}.customer_id, {_text(row)});"
    )


def _forgotten(row: str) -> str:
    return (
        f"INSERT INTO customers_search (customers_search, rowid, search_text) "  # noqa: S608
        f"VALUES ('delete', {row}.customer_id, {_text(row)});"
    )


# An update that leaves the searched text as it was (most of them) costs the index nothing.
_WATCHED = ("customer_id", *_COLUMNS)
_CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in _WATCHED)
_TRIGGERS = {
    "customers_search_insert": f"AFTER INSERT ON customers BEGIN {_indexed('NEW')} END",
    "customers_search_delete": f"AFTER DELETE ON customers BEGIN {_forgotten('OLD')} END",
    "customers_search_update": (
        f"AFTER UPDATE OF {', '.join(_WATCHED)} ON customers WHEN {_CHANGED} "
        f"BEGIN {_forgotten('OLD')} {_indexed('NEW')} END"
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE customers_search USING fts5(search_text, "
        "tokenize = 'trigram case_sensitive 0', content = '', columnsize = 0)"
    )
    op.execute(
        "INSERT INTO customers_search (rowid, search_text) "  # noqa: S608
        f"SELECT customer_id, {_text('customers')} FROM customers"
    )
    op.execute("INSERT INTO customers_search (customers_search) VALUES ('optimize')")
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS customers_search")
