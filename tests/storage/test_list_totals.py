"""List pages in storage/listing.py: the statements built once per shape, and the totals.

The common shapes (no filter or one equality, ordered by own fields) run statements built
once per caller and shape; they must answer exactly what the general path answers, and
never mix two callers up. Past the connection's `exact_total_limit`, PostgreSQL totals of a
caller who sees every entity are the planner's estimate, bounded below by what is known;
SQLite, which has no estimate, and any caller limited to one entity count to the end. Either
is remembered for a moment, and counted once however many requests ask at the same time.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.errors import InvalidQuery
from customer_registry.core.permissions import COMMAND_LINE, Caller, Level, Visibility
from customer_registry.core.query import BoolOp, Condition, ListQuery, Op, Order, PageRequest
from customer_registry.storage import listing
from customer_registry.storage.database import CompiledSQL, Connection, Row, Statement
from customer_registry.storage.listing import (
    _plan,
    _Shaped,
    _total,
    count_statement,
    fetch_page,
    page_statement,
)
from customer_registry.storage.listings import CUSTOMERS
from customer_registry.storage.schema import customers as customers_table

NAMES = ["Kigali", "Huye", "Musanze", "Rubavu"]


@pytest.fixture(autouse=True)
def _forget_large_totals() -> None:
    """Each test starts with no total remembered from another (they share the listing)."""
    CUSTOMERS.large_totals.clear()


@pytest.fixture
async def entities(ctx: Context, make_entity: Callable[[str], Awaitable[int]]) -> tuple[int, int]:
    """Entity a with 12 customers (names repeat), entity b with 3."""
    a, b = await make_entity("alpha"), await make_entity("beta")
    async with ctx.db.write() as conn:
        for n in range(12):
            new = customers.NewCustomer(a, NAMES[n % 4], None, f"A-{n}")
            await customers.create(conn, COMMAND_LINE, new)
        for n in range(3):
            new = customers.NewCustomer(b, NAMES[n], None, f"B-{n}")
            await customers.create(conn, COMMAND_LINE, new)
    return a, b


def _caller(entity_id: int) -> Caller:
    return Caller(None, f"probe-{entity_id}", entity_id, Level.OVERVIEW, Visibility.ENTITY)


QUERIES = [
    ListQuery(),
    ListQuery(filters=(Condition("name", Op.EQ, "Huye"),)),
    ListQuery(filters=(Condition("code", Op.EQ, "A-3"),)),
    ListQuery(filters=(Condition("customer_id", Op.EQ, "2"),)),  # coerced, as everywhere
    ListQuery(order_by=(Order("name"),)),
    ListQuery(order_by=(Order("name", descending=True), Order("code"))),
    ListQuery(filters=(Condition("name", Op.EQ, "Kigali"),), order_by=(Order("code", True),)),
]


async def _general(
    conn: Connection, query: ListQuery, caller: Caller, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The same page through the general path: statements built for the request."""
    statement = page_statement(CUSTOMERS, query, caller.scope, page)
    assert statement is not None
    rows = await conn.fetch_all(statement)
    return int(await conn.fetch_value(count_statement(CUSTOMERS, query, caller.scope))), rows


@pytest.mark.parametrize("query", QUERIES)
async def test_the_common_shapes_answer_what_the_general_path_answers(
    ctx: Context, entities: tuple[int, int], query: ListQuery
) -> None:
    a, b = entities
    assert isinstance(_plan(CUSTOMERS, COMMAND_LINE.scope, query), _Shaped)
    for caller in (_caller(a), _caller(b), COMMAND_LINE):
        for page in (PageRequest(1, 5), PageRequest(2, 5), PageRequest(1, 100)):
            async with ctx.db.read() as conn:
                total, rows = await fetch_page(conn, CUSTOMERS, caller.scope, query, page)
                expected_total, expected = await _general(conn, query, caller, page)
            assert [r["customer_id"] for r in rows] == [r["customer_id"] for r in expected]
            assert total == expected_total


async def test_one_shape_never_shows_one_callers_rows_to_another(
    ctx: Context, entities: tuple[int, int]
) -> None:
    a, b = entities
    query = ListQuery(filters=(Condition("name", Op.EQ, "Huye"),))
    async with ctx.db.read() as conn:
        total_a, rows_a = await fetch_page(
            conn, CUSTOMERS, _caller(a).scope, query, PageRequest(1, 50)
        )
        total_b, rows_b = await fetch_page(
            conn, CUSTOMERS, _caller(b).scope, query, PageRequest(1, 50)
        )
    assert (total_a, {r["entity_id"] for r in rows_a}) == (3, {a})
    assert (total_b, {r["entity_id"] for r in rows_b}) == (1, {b})


async def test_the_users_of_every_entity_share_a_shapes_statements(
    ctx: Context, entities: tuple[int, int]
) -> None:
    """A shape's statements are built once per kind of scope (one entity, or every one), not
    per caller: the scope's entity is bound at each run, and each still sees its own rows."""
    a, b = entities
    CUSTOMERS.built.clear()
    query = ListQuery(filters=(Condition("name", Op.EQ, "Huye"),))
    users = [(1, a), (2, a), (3, a), (4, b), (5, b)]
    seen = []
    async with ctx.db.read() as conn:
        for user_id, entity in users:
            caller = Caller(user_id, f"user-{user_id}", entity, Level.OVERVIEW, Visibility.ENTITY)
            _, rows = await fetch_page(conn, CUSTOMERS, caller.scope, query, PageRequest(1, 50))
            seen.append({row["entity_id"] for row in rows})
    assert seen == [{a}, {a}, {a}, {b}, {b}]
    assert len(CUSTOMERS.built) == 1


async def test_other_shapes_take_the_general_path(ctx: Context, entities: tuple[int, int]) -> None:
    for query in (
        ListQuery(filters=(Condition("name", Op.EQ, None),)),  # IS NULL
        ListQuery(filters=(Condition("name", Op.NE, "Huye"),)),
        ListQuery(filters=(Condition("name", Op.EQ, "Huye"), Condition("code", Op.EQ, "A-1"))),
        ListQuery(filters=(BoolOp("or", (Condition("name", Op.EQ, "Huye"),)),)),
        ListQuery(order_by=(Order("customer_entity_linker.date_added"),)),
        ListQuery(limit=3),
        ListQuery(group_by=("name",)),
    ):
        assert not isinstance(_plan(CUSTOMERS, COMMAND_LINE.scope, query), _Shaped), query


@pytest.mark.parametrize(
    "condition",
    [
        Condition("customer_id", Op.EQ, "seven"),
        Condition("customer_id", Op.EQ, "1099511627776"),  # text past a 32-bit key
        Condition("name", Op.EQ, "a\x00b"),
        Condition("name", Op.EQ, ["a list"]),
        Condition("nope", Op.EQ, "x"),
    ],
)
async def test_a_bad_value_in_a_common_shape_is_an_invalid_query(
    ctx: Context, entities: tuple[int, int], condition: Condition
) -> None:
    query = ListQuery(filters=(condition,))
    async with ctx.db.read() as conn:
        with pytest.raises(InvalidQuery):
            await fetch_page(conn, CUSTOMERS, COMMAND_LINE.scope, query, PageRequest(1, 5))


async def _walk(conn: Connection, caller: Caller, per_page: int) -> tuple[list[int], list[int]]:
    """Every page as a client following `next` goes: while the page is not the last."""
    ids: list[int] = []
    totals: list[int] = []
    number = 1
    while True:
        page = PageRequest(number, per_page)
        total, rows = await fetch_page(conn, CUSTOMERS, caller.scope, ListQuery(), page)
        ids += [r["customer_id"] for r in rows]
        totals.append(total)
        if number * per_page >= total:
            return ids, totals
        number += 1


async def test_totals_are_exact_up_to_the_limit(ctx: Context, entities: tuple[int, int]) -> None:
    a, _ = entities
    async with ctx.db.read() as conn:
        conn.exact_total_limit = 12
        ids, totals = await _walk(conn, _caller(a), 5)
    assert len(ids) == len(set(ids)) == 12
    assert totals == [12, 12, 12]


async def test_past_the_limit_a_client_following_next_still_sees_every_row(
    ctx: Context, entities: tuple[int, int]
) -> None:
    a, _ = entities
    async with ctx.db.read() as conn:
        conn.exact_total_limit = 4
        ids, totals = await _walk(conn, _caller(a), 5)
    assert len(ids) == len(set(ids)) == 12
    # A caller limited to one entity gets no estimate, on either database: a count.
    assert totals == [12, 12, 12]


async def test_past_the_limit_a_global_caller_following_next_still_sees_every_row(
    ctx: Context, entities: tuple[int, int]
) -> None:
    async with ctx.db.read() as conn:
        conn.exact_total_limit = 4
        ids, totals = await _walk(conn, COMMAND_LINE, 5)
    assert len(ids) == len(set(ids)) == 15
    assert totals[0] >= 6  # past the limit, and one more than the full page
    assert totals[1] >= 11
    assert totals[-1] == 15  # the page after the last full one is empty: it knows


async def test_postgresql_estimates_and_sqlite_does_not(ctx: Context) -> None:
    async with ctx.db.read() as conn:
        estimate = await conn.estimate_rows(customers_table.select())
    if ctx.settings.dialect == "sqlite":
        assert estimate is None
    else:
        assert isinstance(estimate, int)
        assert estimate >= 0


class _Estimating(Connection):
    """A connection whose count and estimate are set by the test; it runs no statement."""

    dialect_name = "postgresql"

    def __init__(self, counted: int, estimate: int | None, limit: int | None) -> None:
        self.exact_total_limit = limit
        self._counted = counted
        self._estimate = estimate
        self.caps: list[Any] = []
        self.estimates = 0

    async def fetch_value(self, stmt: Statement, **values: Any) -> int:
        self.caps.append(values.get("list_cap"))
        cap = values.get("list_cap")
        return self._counted if cap is None else min(self._counted, cap)

    async def estimate_rows(self, stmt: Statement, **values: Any) -> int | None:
        self.estimates += 1
        return self._estimate

    async def _fetch(self, compiled: CompiledSQL, args: list[Any]) -> Sequence[Row]:
        raise AssertionError(f"queried: {compiled.sql}")

    async def _execute(self, compiled: CompiledSQL, args: list[Any]) -> int:
        raise AssertionError(f"executed: {compiled.sql}")

    def transaction(self) -> AbstractAsyncContextManager[None]:
        raise AssertionError("opened a transaction")

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        raise AssertionError("opened a savepoint")


@pytest.mark.parametrize(
    ("counted", "estimate", "page", "rows", "expected"),
    [
        (8, 5000, PageRequest(1, 5), 5, 8),  # within the limit: the count
        (50_000, 5000, PageRequest(1, 5), 5, 5000),  # past it: the estimate
        (50_000, 3, PageRequest(1, 5), 5, 11),  # never below the limit + 1
        (50_000, 3, PageRequest(40, 5), 5, 201),  # nor below this page's end + 1
        (50_000, None, PageRequest(1, 5), 5, 50_000),  # no estimate: counted to the end
    ],
)
async def test_the_total_past_the_limit(
    counted: int, estimate: int | None, page: PageRequest, rows: int, expected: int
) -> None:
    conn = _Estimating(counted, estimate, limit=10)
    plan = _plan(CUSTOMERS, COMMAND_LINE.scope, ListQuery())
    total = await _total(conn, CUSTOMERS, plan, page, [{}] * rows)
    assert total == expected
    assert conn.caps[0] == 11  # the first count stops after the limit + 1 rows


async def test_a_page_far_past_the_end_is_empty_on_both_databases(
    ctx: Context, entities: tuple[int, int]
) -> None:
    """Its offset is past 32 bits (the fuzzer found a 500 on PostgreSQL when it was bound
    as an INTEGER)."""
    a, _ = entities
    page = PageRequest(444_389_987_870, 774)
    async with ctx.db.read() as conn:
        conn.exact_total_limit = 4  # past the limit, too
        total, rows = await fetch_page(conn, CUSTOMERS, _caller(a).scope, ListQuery(), page)
    assert rows == []
    assert total >= 12


async def _total_of(conn: _Estimating, query: ListQuery, caller: Caller = COMMAND_LINE) -> int:
    plan = _plan(CUSTOMERS, caller.scope, query)
    return await _total(conn, CUSTOMERS, plan, PageRequest(1, 5), [{}] * 5)


@pytest.mark.parametrize(
    ("estimate", "expected", "counts"),
    [(40_000, 40_000, 1), (None, 50_000, 2)],  # PostgreSQL; SQLite: no estimate, a full count
    ids=["estimated", "counted to the end"],
)
async def test_a_total_past_the_limit_is_remembered_for_a_moment(
    monkeypatch: pytest.MonkeyPatch, estimate: int | None, expected: int, counts: int
) -> None:
    conn = _Estimating(50_000, estimate, limit=10)
    assert await _total_of(conn, ListQuery()) == expected
    assert (len(conn.caps), conn.estimates) == (counts, 1)

    assert await _total_of(conn, ListQuery()) == expected  # neither counted nor estimated again
    assert (len(conn.caps), conn.estimates) == (counts, 1)
    # Another user who sees the same rows asks the same query.
    someone_else = dataclasses.replace(COMMAND_LINE, user_id=99, username="someone-else")
    assert await _total_of(conn, ListQuery(), someone_else) == expected
    assert (len(conn.caps), conn.estimates) == (counts, 1)

    # Another value or limit is another query.
    by_name = ListQuery(filters=(Condition("name", Op.EQ, "Huye"),))
    await _total_of(conn, by_name)
    conn.exact_total_limit = 20
    await _total_of(conn, ListQuery())
    assert (len(conn.caps), conn.estimates) == (3 * counts, 3)

    monkeypatch.setattr(listing, "LARGE_TOTAL_SECONDS", 0.0)  # remembered no time at all
    conn.exact_total_limit = 10
    CUSTOMERS.large_totals.clear()
    await _total_of(conn, ListQuery())
    await _total_of(conn, ListQuery())
    assert (len(conn.caps), conn.estimates) == (5 * counts, 5)


@pytest.mark.parametrize(
    "query",
    [ListQuery(), ListQuery(filters=(Condition("name", Op.LIKE, "Hu%"),))],
    ids=["a common shape", "a query built for the request"],
)
async def test_a_caller_limited_to_one_entity_gets_a_count_never_an_estimate(
    query: ListQuery,
) -> None:
    """The planner's statistics cover every entity's rows: an estimate for one entity's query
    would move with the others' rows."""
    conn = _Estimating(50_000, 40_000, limit=10)
    assert await _total_of(conn, query, _caller(7)) == 50_000
    assert (len(conn.caps), conn.estimates) == (2, 0)  # up to the limit, then to the end
    assert await _total_of(conn, query, _caller(7)) == 50_000  # remembered for a moment
    assert len(conn.caps) == 2
    await _total_of(conn, query, _caller(8))  # another entity's rows: counted for it
    assert (len(conn.caps), conn.estimates) == (4, 0)


async def test_concurrent_requests_for_one_total_count_it_once() -> None:
    """When a remembered total expires under load, one request counts to the end and the
    others asking the same query wait for its answer."""

    class Slow(_Estimating):
        async def fetch_value(self, stmt: Statement, **values: Any) -> int:
            if values.get("list_cap") is None:
                await asyncio.sleep(0.05)  # the count to the end takes a while
            return await super().fetch_value(stmt, **values)

    conn = Slow(50_000, None, limit=10)
    totals = await asyncio.gather(*(_total_of(conn, ListQuery(), _caller(7)) for _ in range(10)))
    assert totals == [50_000] * 10
    assert conn.caps.count(None) == 1  # ten counts up to the limit, one to the end
    assert not CUSTOMERS.counting


async def test_a_total_within_the_limit_is_counted_every_time() -> None:
    conn = _Estimating(8, 40_000, limit=10)
    assert await _total_of(conn, ListQuery()) == 8
    conn._counted = 9  # a customer created meanwhile
    assert await _total_of(conn, ListQuery()) == 9
    assert (len(conn.caps), conn.estimates) == (2, 0)


async def test_a_remembered_total_is_never_below_what_the_page_shows() -> None:
    conn = _Estimating(50_000, 12, limit=10)
    plan = _plan(CUSTOMERS, COMMAND_LINE.scope, ListQuery())
    assert await _total(conn, CUSTOMERS, plan, PageRequest(1, 5), [{}] * 5) == 12
    far = await _total(conn, CUSTOMERS, plan, PageRequest(30, 5), [{}] * 5)
    assert far == 151  # this page's end, and one more
    assert len(conn.caps) == 1
