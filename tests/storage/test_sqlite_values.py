"""Values as they reach SQLite: a bulk write's parameters passed by position must land in
their own columns, and a time is written in SQLAlchemy's text form for SQLite DateTime
(a zero fraction included), so that times compare and sort as text; read back, by name or
by position, a time is a datetime again. These run on SQLite whatever database the rest of
the suite uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from customer_registry.settings import Settings
from customer_registry.storage.database import Prepared, SqliteDatabase
from customer_registry.storage.rows import write_many

_METADATA = sa.MetaData()
# Columns declared out of alphabetical order: a statement's parameters follow the table's.
_TABLE = sa.Table(
    "t",
    _METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("zeta", sa.Text),
    sa.Column("alpha", sa.Integer),
    sa.Column("at", sa.DateTime),
    sa.Column("middle", sa.Text),
)
_INSERT_ONE = Prepared(sa.insert(_TABLE).values(alpha=1, at=sa.bindparam("when")))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(Settings(database_url=f"sqlite:///{tmp_path / 't.db'}"), 1)
    await database.start()
    async with database.write(transaction=False) as conn:
        await conn.execute(
            sa.text(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, zeta TEXT, alpha INTEGER, at TEXT, middle TEXT)"
            )
        )
    yield database
    await database.stop()


def _row(n: int) -> dict[str, object]:
    values: dict[str, object] = {
        "middle": f"m{n}",
        "at": datetime(2026, 1, 1, 0, 0, n % 60, n * 1000 % 1_000_000),
        "zeta": f"z{n}",
        "alpha": n,
    }
    if n % 2:  # the same columns, named in another order
        values = dict(reversed(values.items()))
    return values


async def test_a_bulk_write_puts_each_value_in_its_own_column(db: SqliteDatabase) -> None:
    rows = [_row(n) for n in range(300)]  # several statements: 256 rows, then fewer
    async with db.write() as conn:
        written = await write_many(conn, _TABLE, rows, returning=("alpha", "zeta"))
    assert sorted((row["alpha"], row["zeta"]) for row in written) == [
        (n, f"z{n}") for n in range(300)
    ]
    async with db.read() as conn:
        stored = await conn.fetch_all(sa.select(_TABLE).order_by(_TABLE.c.alpha))
    assert [{k: v for k, v in row.items() if k != "id"} for row in stored] == [
        {"zeta": f"z{n}", "alpha": n, "at": _row(n)["at"], "middle": f"m{n}"} for n in range(300)
    ]


async def test_a_time_is_stored_as_text_with_its_fraction_even_zero(db: SqliteDatabase) -> None:
    at = datetime(2026, 12, 7, 10, 30)
    async with db.write() as conn:
        await conn.execute(_INSERT_ONE, when=at)
        await write_many(conn, _TABLE, [{"alpha": 2, "at": at}])
    async with db.read() as conn:
        raw = await conn.fetch_all(sa.text("SELECT alpha, at FROM t ORDER BY alpha"))
        read = await conn.fetch_all(sa.select(_TABLE.c.at))
    assert [row["at"] for row in raw] == ["2026-12-07 10:30:00.000000"] * 2
    assert [row["at"] for row in read] == [at, at]


async def test_values_by_position_are_decoded_as_rows_by_name_are(db: SqliteDatabase) -> None:
    async with db.write() as conn:
        await write_many(conn, _TABLE, [_row(n) for n in range(3)])
    query = sa.select(_TABLE).order_by(_TABLE.c.alpha)
    async with db.read() as conn:
        by_name = await conn.fetch_all(query)
        by_position = await conn.fetch_values(query)
    assert [list(values) for values in by_position] == [list(row.values()) for row in by_name]
    assert isinstance(by_position[0][3], datetime)  # a time, not SQLite's text
