"""The console's search: what it finds (the same on both databases), and that it finds it
through its index: on PostgreSQL the trigram index on exactly the text it searches (an
expression index is used only for the same expression), on SQLite the full-text table, which
the triggers keep in step with every write."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.dialects import postgresql, sqlite

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.permissions import COMMAND_LINE, Caller, Level, Visibility
from customer_registry.core.query import PageRequest
from customer_registry.settings import Settings
from customer_registry.storage import customers as repository
from customer_registry.storage.full_text import DOTTED_CAPITAL_I, folded_alike, phrase
from customer_registry.storage.migrate import alembic_config, upgrade
from customer_registry.storage.schema import SEARCH_INDEX, SEARCH_TABLE, customers_search

DIALECTS = {
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
    "sqlite": sqlite.dialect(),
}
EVERY_PAGE = PageRequest(per_page=100)


async def _new(
    ctx: Context, name: str, *, entity_id: int = 1, code: str | None = None, **details: str
) -> int:
    """A new customer; without a code, its generated account (CL0001, …)."""
    async with ctx.db.write() as conn:
        new = customers.NewCustomer(entity_id=entity_id, name=name, code=code, details=details)
        created = await customers.create(conn, COMMAND_LINE, new, generate_code=code is None)
    return created.customer.customer_id


async def _names(ctx: Context, text: str, caller: Caller = COMMAND_LINE) -> list[str]:
    async with ctx.db.read() as conn:
        found = await customers.search(conn, caller, text, {}, EVERY_PAGE)
    assert (found.total, found.complete) == (len(found.items), True)
    return [c.name for c in found.items]


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


async def test_a_rare_text_is_found_in_each_field_whatever_its_case(
    app: object, ctx: Context
) -> None:
    fields: dict[str, Any] = {
        "code": "QX-CODE-0001",
        "secondary_code": "QX-SECOND-0002",
        "email": "qx.mail@example.org",
        "phone": "+250 700 111 222",
        "mobile": "+250 799 333 444",
    }
    await _new(ctx, "Qxname Wanjiru")
    for field, value in fields.items():
        await _new(ctx, f"holder of {field}", **{field: value})
    for decoy in range(20):  # text like theirs, that the searches below must not find
        await _new(ctx, f"Decoy {decoy}", email=f"decoy{decoy}@example.org", phone="+250 700")
    for text, names in [
        ("QXNAME", ["Qxname Wanjiru"]),
        ("xname wan", ["Qxname Wanjiru"]),
        ("qx-code-0001", ["holder of code"]),
        ("Second-000", ["holder of secondary_code"]),
        ("QX.MAIL@", ["holder of email"]),
        ("700 111", ["holder of phone"]),
        ("333 444", ["holder of mobile"]),
        ("wanjiru qx", []),  # the fields' order, not any order
        ("Qxname Wanjiru CL0", ["Qxname Wanjiru"]),  # across fields, as they are joined
    ]:
        assert await _names(ctx, text) == names, text


async def test_percent_underscore_quotes_and_fts_syntax_are_text(app: object, ctx: Context) -> None:
    held = [
        'Say "hello" AND bye',
        "Star* NEAR(a b) shop",
        "Dash-shop ^caret col:umn",
        "Curly {a b} (paren) OR NOT",
        "Under_score 50% off",
        'Only " one quote',
    ]
    for name in held:
        await _new(ctx, name)
    for text, names in [
        ('"hello"', ['Say "hello" AND bye']),
        ('y "h', ['Say "hello" AND bye']),
        ('" one', ['Only " one quote']),
        ('"""', []),
        ('""', []),  # too short: refused before any query
        ("AND", ['Say "hello" AND bye']),
        ("and bye", ['Say "hello" AND bye']),
        ("r* NEAR(", ["Star* NEAR(a b) shop"]),
        ("NEAR(x y)", []),
        ("h-s", ["Dash-shop ^caret col:umn"]),
        ("-shop", ["Dash-shop ^caret col:umn"]),
        ("^caret", ["Dash-shop ^caret col:umn"]),
        ("col:umn", ["Dash-shop ^caret col:umn"]),
        ("{a b}", ["Curly {a b} (paren) OR NOT"]),
        ("(paren)", ["Curly {a b} (paren) OR NOT"]),
        ("OR NOT", ["Curly {a b} (paren) OR NOT"]),
        ("shop OR bye", []),
        ("NOT shop", []),
        ("***", []),
        ("r_s", ["Under_score 50% off"]),
        ("rxs", []),  # `_` is no wildcard
        ("50%", ["Under_score 50% off"]),
        ("5%", []),
        ("% o", ["Under_score 50% off"]),
        ("%%%", []),
    ]:
        if len(text) < customers.SEARCH_MIN:
            continue
        assert await _names(ctx, text) == names, text


async def _indexed(ctx: Context, text: str) -> list[int]:
    """The customers SQLite's full-text table gives for `text` (before any check against
    their rows): what it still holds. PostgreSQL's index is the database's own."""
    query = phrase(text)
    assert query is not None
    async with ctx.db.read() as conn:
        rows = await conn.fetch_all(
            sa.select(customers_search.c.rowid).where(customers_search.c.search_text.match(query))
        )
    return sorted(row["rowid"] for row in rows)


async def test_the_search_follows_updates_and_deletes(app: object, ctx: Context) -> None:
    kept = await _new(ctx, "Keptname Mugisha", email="kept@example.org")
    gone = await _new(ctx, "Gonename Banda", phone="+228 711 000")
    sqlite = ctx.db.dialect_name == "sqlite"
    for changes, absent, found in [
        ({"name": "Newname Mugisha"}, "keptname", "newname"),
        ({"email": "changed@example.org"}, "kept@", "changed@example"),
        ({"city": "Kigali"}, "kigali", "mugisha"),  # not searched: the index is left alone
    ]:
        async with ctx.db.write() as conn:
            await customers.update(conn, COMMAND_LINE, kept, changes)
        assert await _names(ctx, absent) == [], changes
        assert await _names(ctx, found) == ["Newname Mugisha"], changes
        if sqlite:
            assert await _indexed(ctx, absent) == [], changes
            assert await _indexed(ctx, found) == [kept], changes
    async with ctx.db.write() as conn:
        await customers.delete(conn, COMMAND_LINE, gone, ctx.media)
    assert await _names(ctx, "gonename") == []
    assert await _names(ctx, "711 000") == []
    again = await _new(ctx, "Gonename Banda", phone="+228 711 000")  # the same text, anew
    assert await _names(ctx, "gonename") == ["Gonename Banda"]
    if sqlite:
        assert await _indexed(ctx, "gonename") == [again]
        assert await _indexed(ctx, "711 000") == [again]


async def test_an_entity_user_finds_its_own_entity_s_customers_only(
    app: object, ctx: Context, make_entity: Any
) -> None:
    other = await make_entity("other")
    await _new(ctx, "Shared Surname One")
    await _new(ctx, "Shared Surname Two", entity_id=other)
    theirs = Caller(None, "probe", other, Level.OVERVIEW, Visibility.ENTITY)
    assert await _names(ctx, "surname") == ["Shared Surname One", "Shared Surname Two"]
    assert await _names(ctx, "surname", theirs) == ["Shared Surname Two"]
    assert await _names(ctx, "one", theirs) == []


async def test_more_than_the_most_matches_are_said_to_be_incomplete(
    app: object, ctx: Context
) -> None:
    rows = [
        customers.NewCustomer(entity_id=1, name=f"Many {n:04}", code=f"M{n}")
        for n in range(customers.SEARCH_MAX + 1)
    ]
    async with ctx.db.write() as conn:
        await customers.create_many(conn, COMMAND_LINE, 1, rows)
        found = await customers.search(conn, COMMAND_LINE, "many", {}, PageRequest(per_page=3))
        exact = await customers.search(conn, COMMAND_LINE, "many 0999", {}, EVERY_PAGE)
    assert [c.name for c in found.items] == ["Many 0000", "Many 0001", "Many 0002"]
    assert (found.total, found.complete) == (customers.SEARCH_MAX, False)
    assert [c.name for c in exact.items] == ["Many 0999"]


# Stored texts whose case FTS5 folds otherwise than str.lower (the search's rule) does, and
# searches that must still find them: the full-text table then narrows nothing, or narrows
# by a part of the text it folds alike.
_UNLIKE_CASES = [
    ("ISTANBUL KAYSERİ", ["kayseri", "SERİ", "ysERi"]),
    ("Georgian ᲒᲘᲝᲠᲒᲘ", ["გიორგი", "Georgian გი"]),  # capitals FTS5's table lacks
    ("Cherokee ᏣᎳᎩ", ["ꮳꮃꭹ", "kee ꮳꮃ"]),
    ("Greek ΟΔΟΣ", ["ΟΔΟΣ", "οδο", "Greek οδ"]),
    ("Kelvin \u212a100", ["k100", "n K10"]),
    ("Straße GROẞ", ["groß", "straß"]),
    ("Émile Désiré", ["ÉMILE", "désiré", "e dé"]),
]


async def test_texts_whose_case_fts5_folds_otherwise_are_found(app: object, ctx: Context) -> None:
    for name, _ in _UNLIKE_CASES:
        await _new(ctx, name)
    for name, texts in _UNLIKE_CASES:
        for text in texts:
            assert await _names(ctx, text) == [name], text


def test_a_phrase_holds_only_what_fts5_folds_as_the_search_does(tmp_path: Path) -> None:
    """Against the migrations' own full-text table: for every character with a lowercase
    form made of characters a phrase may hold, FTS5 matches the character by that form."""
    path = tmp_path / "fold.db"
    upgrade(Settings(database_url=f"sqlite:///{path}"))
    every = (chr(n) for n in range(sys.maxunicode + 1) if not 0xD800 <= n <= 0xDFFF)
    cased = [c for c in every if c.lower() != c]
    assert [c for c in cased if len(c.lower()) > 1] == [DOTTED_CAPITAL_I]
    checked = [c for c in cased if all(folded_alike(lower) for lower in c.lower())]
    assert {"A", "É", "Ŋ", "\u212a", "\u1e9e"} <= set(checked)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            f"INSERT INTO {SEARCH_TABLE} (rowid, search_text) VALUES (?, ?)",
            [(ord(c), f"»«{c}»") for c in cased],
        )
        looked_up = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?"
        missed = [
            c for c in checked if (ord(c),) not in conn.execute(looked_up, (phrase(f"»«{c}»"),))
        ]
        # str.lower makes "i" and U+0307 of İ, FTS5 one character: a phrase ending with an i
        # finds it too (a phrase holds no U+0307).
        ending_with_i = conn.execute(looked_up, (phrase("»«i"),)).fetchall()
    assert ending_with_i == [(ord("I"),), (ord(DOTTED_CAPITAL_I),)]
    assert missed == []


def test_the_migration_indexes_the_customers_already_there(tmp_path: Path) -> None:
    """Migration 0011 on a SQLite database that has customers: they are found through the
    full-text table at once; undone, it leaves no table or trigger behind."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'before.db'}")
    upgrade(settings, "0010")
    with sqlite3.connect(settings.sqlite_path) as conn:
        conn.executemany(
            "INSERT INTO customers (customer_id, entity_id, name, email, created_at) "
            "VALUES (?, 1, ?, ?, '2026-01-01 00:00:00.000000')",
            [(7, "Early Umutoni", "early@example.org"), (8, "Early Banda", None)],
        )
    upgrade(settings)
    looked_up = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? ORDER BY rowid"
    with sqlite3.connect(settings.sqlite_path) as conn:
        assert conn.execute(looked_up, (phrase("EARLY "),)).fetchall() == [(7,), (8,)]
        assert conn.execute(looked_up, (phrase("y@example"),)).fetchall() == [(7,)]
        conn.execute("DELETE FROM customers WHERE customer_id = 7")  # the triggers are there
        assert conn.execute(looked_up, (phrase("early"),)).fetchall() == [(8,)]
    command.downgrade(alembic_config(settings), "0010")
    with sqlite3.connect(settings.sqlite_path) as conn:
        left = conn.execute(
            "SELECT type, name FROM sqlite_master WHERE name LIKE ?", (f"{SEARCH_TABLE}%",)
        ).fetchall()
    assert left == []


def test_a_text_is_looked_up_as_one_quoted_phrase() -> None:
    assert phrase('Say "hi" AND bye') == '"say ""hi"" and bye"'
    assert phrase("NEAR(a*") == '"near(a*"'
    assert phrase("ΟΔΟΣ abcd") == '" abcd"'  # the longest run FTS5 folds alike
    assert phrase("ΔΣab") is None  # no run of three characters: the table is read
    assert phrase("kayseri") == f'"kayseri" OR "kayser{DOTTED_CAPITAL_I}"'


async def _plan(ctx: Context, caller: Caller, text: str, equal: dict[str, Any]) -> str:
    async with ctx.db.write() as conn:
        statement = repository.search_statement(
            conn.dialect_name, caller.scope, text, equal, customers.SEARCH_MAX + 1
        )
        compiled = statement.compile(
            dialect=DIALECTS[conn.dialect_name], compile_kwargs={"literal_binds": True}
        )
        if conn.dialect_name == "postgresql":
            for setting in repository.ONLY_BITMAPS:
                await conn.execute(setting)
        explain = "EXPLAIN" if conn.dialect_name == "postgresql" else "EXPLAIN QUERY PLAN"
        rows = await conn.fetch_all(sa.text(f"{explain} {compiled}"))
    return " | ".join(" ".join(str(value) for value in row.values()) for row in rows)


async def test_the_search_reads_its_index(app: object, ctx: Context) -> None:
    entity_user = Caller(None, "probe", 1, Level.OVERVIEW, Visibility.ENTITY)
    filtered = {"category_id": 1, "active": True}
    if ctx.db.dialect_name == "postgresql":
        assert SEARCH_INDEX in await _plan(ctx, COMMAND_LINE, "imana", {})
        return
    # The full-text table first, then each customer it gives, by id; also where an index on
    # customers could serve the scope's entity and the filters (no statistics here).
    for caller, equal in [(COMMAND_LINE, {}), (entity_user, filtered)]:
        plan = await _plan(ctx, caller, "imana", equal)
        assert f"SCAN {SEARCH_TABLE} VIRTUAL TABLE" in plan.split(" | ")[0], plan
        assert "SEARCH customers USING INTEGER PRIMARY KEY" in plan, plan
    # No run of three characters FTS5 folds as the search does: the table is read.
    assert SEARCH_TABLE not in await _plan(ctx, COMMAND_LINE, "ΟΔΟΣ", {})
