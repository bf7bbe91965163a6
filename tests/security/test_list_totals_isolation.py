"""List totals of a caller limited to one entity never depend on the other entities' rows.

With the exact limit lowered to 5, an `ENTITY` user of A lists A's customers through the
three APIs, unfiltered and filtered (a common shape, and a query built for the request), with
full pages so that every total is past the limit. B then gets thousands of customers, all
with the name A filters on, and PostgreSQL's statistics are refreshed: the planner's estimate
for A's query moves with B's rows, so totals taken from it told A about B. Every total must
be A's exact count, the same before and after.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.app import create_app
from customer_registry.core import customers
from customer_registry.core.clock import utcnow
from customer_registry.core.permissions import COMMAND_LINE, Level, Visibility
from customer_registry.settings import Settings
from customer_registry.storage.listing import LARGE_TOTAL_SECONDS
from customer_registry.storage.schema import customers as customers_table
from tests.conftest import MakeUser, reset_database
from tests.security.conftest import FIGURES

EXACT_LIMIT = 5
NAMES = ("Huye", "Kigali")  # A's customers alternate: 6 of each, both past the limit
A_CUSTOMERS = 12
B_CUSTOMERS = 3000
PER_PAGE = 5  # full pages: the total cannot be read off the page


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The application with the exact limit lowered (the other fixtures build on this one)."""
    lowered = settings.model_copy(update={"exact_total_limit": EXACT_LIMIT})
    application = create_app(lowered)
    await application.state.ctx.start()
    await reset_database(application.state.ctx)
    try:
        yield application
    finally:
        await application.state.ctx.stop()


def _partner_q(op: str, value: str) -> dict[str, str]:
    filters = [{"name": "name", "op": op, "val": value}]
    return {"q": json.dumps({"filters": filters}), "results_per_page": str(PER_PAGE)}


# (label, path, params, where the total is, A's exact total)
LISTS: list[tuple[str, str, dict[str, str], str, int]] = [
    ("partner all", "/v1/customers", {"results_per_page": str(PER_PAGE)}, "num_results", 12),
    ("partner name eq", "/v1/customers", _partner_q("eq", "Huye"), "num_results", 6),
    ("partner name like", "/v1/customers", _partner_q("like", "Hu%"), "num_results", 6),
    ("sales all", "/api/v1.0/customers", {"max": str(PER_PAGE)}, "total", 12),
    ("sales name", "/api/v1.0/customers", {"max": str(PER_PAGE), "name": "Huye"}, "total", 6),
    ("billing all", "/api/v1/customers", {"per_page": str(PER_PAGE)}, "total", 12),
    (
        "billing name",
        "/api/v1/customers",
        {"per_page": str(PER_PAGE), "filter[name]": "Huye"},
        "total",
        6,
    ),
]


async def _totals(client: httpx.AsyncClient, caller: dict[str, str]) -> dict[str, int]:
    found = {}
    for label, path, params, key, _ in LISTS:
        r = await client.get(path, params=params, headers=caller)
        assert r.status_code == 200, (label, r.text)
        found[label] = r.json()[key]
    return found


async def _analyze(ctx: Context) -> None:
    """Fresh planner statistics, as autovacuum would give them sooner or later."""
    if ctx.settings.dialect == "postgresql":
        async with ctx.db.read() as conn:
            await conn.execute(sa.text("ANALYZE customers"))


async def test_an_entity_users_totals_ignore_other_entities_rows(
    ctx: Context,
    client: httpx.AsyncClient,
    make_user: MakeUser,
    make_entity: Callable[[str], Awaitable[int]],
) -> None:
    a, b = await make_entity("alpha"), await make_entity("beta")
    async with ctx.db.write() as conn:
        for n in range(A_CUSTOMERS):
            new = customers.NewCustomer(a, NAMES[n % 2], None, f"A-{n}")
            await customers.create(conn, COMMAND_LINE, new)
    caller = await make_user(Level.OVERVIEW, Visibility.ENTITY, entity_id=a)
    await _analyze(ctx)
    before = await _totals(client, caller)

    now = utcnow()
    many = [{"entity_id": b, "name": NAMES[0], "created_at": now} for _ in range(B_CUSTOMERS)]
    async with ctx.db.write() as conn:
        await conn.execute(sa.insert(customers_table).values(many))
    await _analyze(ctx)
    await asyncio.sleep(LARGE_TOTAL_SECONDS + 0.1)  # nothing remembered from before
    after = await _totals(client, caller)

    exact = {label: total for label, _, _, _, total in LISTS}
    FIGURES.append(
        f"list totals past the limit ({EXACT_LIMIT}), ENTITY user of A, {len(LISTS)} lists: "
        f"before B's {B_CUSTOMERS} rows {before}, after {after}"
    )
    assert (before, after) == (exact, exact)
