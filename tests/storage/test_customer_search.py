"""The console's search: what it finds, and on PostgreSQL that it finds it through the
trigram index on exactly the text it searches (an expression index is used only for the
same expression)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.permissions import COMMAND_LINE
from customer_registry.core.query import PageRequest
from customer_registry.storage import customers as repository
from customer_registry.storage.schema import SEARCH_INDEX

DIALECTS = {
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
    "sqlite": sqlite.dialect(),
}


async def _new(ctx: Context, name: str, **details: str) -> None:
    async with ctx.db.write() as conn:
        new = customers.NewCustomer(entity_id=1, name=name, code=None, details=details)
        await customers.create(conn, COMMAND_LINE, new, generate_code=True)


async def test_the_search_finds_text_inside_any_searched_field(app: object, ctx: Context) -> None:
    await _new(ctx, "Grace Uwimana", email="grace@example.org")
    await _new(ctx, "Paul Habimana", phone="+250 788 123")
    await _new(ctx, "Habiba 100%")
    async with ctx.db.read() as conn:
        for text, names in [
            ("imana", ["Grace Uwimana", "Paul Habimana"]),
            ("EXAMPLE.ORG", ["Grace Uwimana"]),
            ("788 1", ["Paul Habimana"]),
            ("CL0", ["Grace Uwimana", "Habiba 100%", "Paul Habimana"]),  # generated accounts
            ("0%", []),  # too short
            ("00%", ["Habiba 100%"]),
            ("0_%", []),
            ("a\x00b", []),
        ]:
            if len(text) < customers.SEARCH_MIN:
                continue
            found = await customers.search(conn, COMMAND_LINE, text, {}, PageRequest(per_page=10))
            assert [c.name for c in found.items] == names, text
            assert (found.total, found.complete) == (len(names), True)


async def test_the_search_reads_its_index_on_postgresql(app: object, ctx: Context) -> None:
    statement = repository.search_statement(COMMAND_LINE.scope, "%imana%", {}, 1001)
    async with ctx.db.write() as conn:
        compiled = statement.compile(
            dialect=DIALECTS[conn.dialect_name], compile_kwargs={"literal_binds": True}
        )
        if conn.dialect_name == "postgresql":
            for setting in repository.ONLY_BITMAPS:
                await conn.execute(setting)
        explain = "EXPLAIN" if conn.dialect_name == "postgresql" else "EXPLAIN QUERY PLAN"
        rows = await conn.fetch_all(sa.text(f"{explain} {compiled}"))
        plan = " ".join(" ".join(str(value) for value in row.values()) for row in rows)
    if conn.dialect_name == "postgresql":
        assert SEARCH_INDEX in plan
    else:  # SQLite has no trigram index: the search reads the table
        assert "SCAN customers" in plan
