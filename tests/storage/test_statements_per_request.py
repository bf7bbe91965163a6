"""No query per row anywhere: a list page costs the same number of SQL statements whether it
shows 3 customers or 50, on every API (counted at the one place every statement passes)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from PIL import Image

from customer_registry.core.permissions import Level, Visibility
from customer_registry.settings import Settings
from customer_registry.storage.database import (
    Connection,
    Statement,
    _PgConnection,
    _SqliteConnection,
)
from tests.conftest import MakeUser

LISTS = [
    "/v1/customers?results_per_page=50",
    "/api/v1/customers?per_page=50",
    "/api/v1/customers?per_page=50&sort=name",
    "/api/v1.0/customers?max=50",
    "/api/v1.0/customers?max=50&sort=name",
    "/v1/customer_entity_linker?results_per_page=50",
]


class Counter:
    statements = 0
    seen: list[str] = []
    locks = 0  # statements that lock rows (SELECT … FOR UPDATE)


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> type[Counter]:
    """Counts statements where each is compiled for its driver: once per statement."""
    original = Connection._compile

    def counted(self: Connection, stmt: Statement, params: Mapping[str, Any]) -> Any:
        sql = str(getattr(stmt, "statement", stmt))
        # The token check runs whenever the worker's cache (0.2 s in tests) has expired: it is
        # per request, not per row, so it is left out to keep the count exact.
        if "tokens" not in sql:
            Counter.statements += 1
            Counter.seen.append(sql[:80])
            Counter.locks += "FOR UPDATE" in sql
        return original(self, stmt, params)

    monkeypatch.setattr(Connection, "_compile", counted)
    Counter.statements = Counter.locks = 0
    return Counter


async def _statements(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, counter: type[Counter]
) -> int:
    await client.get(path, headers=headers)  # the token is checked and cached first
    counter.statements = 0
    counter.seen = []
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return counter.statements


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], first: int, count: int
) -> None:
    for n in range(first, first + count):
        response = await client.post(
            "/api/v1.0/customers", data={"reference": f"R{n}", "name": f"N{n}"}, headers=headers
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("path", LISTS)
async def test_a_page_costs_the_same_statements_for_3_or_50_rows(
    client: httpx.AsyncClient, make_user: MakeUser, counter: type[Counter], path: str
) -> None:
    headers = await make_user(Level.SYSTEM, Visibility.ENTITY)
    await _create(client, headers, 0, 3)
    few = await _statements(client, headers, path, counter)
    await _create(client, headers, 3, 57)  # a full page of 50, and more
    many = await _statements(client, headers, path, counter)
    assert few <= many <= few + 1, (
        few,
        many,
        counter.seen,
    )  # a full page adds the count, nothing per row
    assert many <= 5, many


# The sales record (the customer, what it names, its payment types and contacts) is one
# statement; a page of them two: the page (as every list's), then its records in one (the
# total too, while the page is not full). Shaped lists, a sort, and the general path.
SALES_READS = {
    "/api/v1.0/customers/2": 1,
    "/api/v1.0/customers?max=50": 2,
    "/api/v1.0/customers?max=50&sort=name&order=desc": 2,
    "/api/v1.0/customers?max=50&name=N1": 2,
    "/api/v1.0/customers?max=50&name=N1&isActive=true": 2,
}


@pytest.mark.parametrize(("path", "statements"), SALES_READS.items())
async def test_a_sales_record_is_one_statement_and_a_page_of_them_two(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    counter: type[Counter],
    path: str,
    statements: int,
) -> None:
    headers = await make_user(Level.SYSTEM, Visibility.ENTITY)
    await _create(client, headers, 0, 3)
    assert await _statements(client, headers, path, counter) == statements, counter.seen


async def test_a_full_sales_page_adds_only_its_count(
    client: httpx.AsyncClient, make_user: MakeUser, counter: type[Counter]
) -> None:
    headers = await make_user(Level.SYSTEM, Visibility.ENTITY)
    await _create(client, headers, 0, 4)
    assert await _statements(client, headers, "/api/v1.0/customers?max=3", counter) == 3


# A change the rules check reads the customer locked first, in a transaction, and records it
# in the customer's history there (`core.changes`). On PostgreSQL, a change of fields no rule
# checks (a rename) is one statement in autocommit, its history entry included, as the bench
# baseline's one UPDATE; SQLite, which cannot write in a WITH, takes the locked path.
RENAMES = {
    "partner": ("/v1/customers/1", {"json": {"name": "Renamed"}}),
    "billing": ("/api/v1/customers/1", {"params": {"name": "Renamed"}}),
    "sales": ("/api/v1.0/customers/1", {"data": {"name": "Renamed"}}),
}
RECODES = {
    "partner": ("/v1/customers/1", {"json": {"external_customer_code": "R0b"}}),
    "billing": ("/api/v1/customers/1", {"params": {"customerAccount": "R0b"}}),
    "sales": ("/api/v1.0/customers/1", {"data": {"reference": "R0b"}}),
}


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each `conn.transaction()` opened, on either database."""
    opened: list[str] = []
    for cls in (_PgConnection, _SqliteConnection):
        original = cls.transaction

        def recorded(self: Connection, original: Any = original) -> Any:
            opened.append(self.dialect_name)
            return original(self)

        monkeypatch.setattr(cls, "transaction", recorded)
    return opened


async def _put(
    client: httpx.AsyncClient, headers: dict[str, str], counter: type[Counter], sent: Any
) -> list[str]:
    path, arguments = sent
    counter.statements = counter.locks = 0
    counter.seen = []
    response = await client.put(path, headers=headers, **arguments)
    assert response.status_code == 200, response.text
    return counter.seen


@pytest.mark.parametrize("api", sorted(RENAMES))
@pytest.mark.parametrize("change", ["rename", "recode"])
async def test_an_update_locks_once_and_records_its_change_in_its_transaction(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    counter: type[Counter],
    transactions: list[str],
    settings: Settings,
    api: str,
    change: str,
) -> None:
    headers = await make_user(Level.SYSTEM, Visibility.ENTITY)
    await _create(client, headers, 0, 1)
    await client.get("/api/v1/customers/1", headers=headers)  # the token is checked and cached
    transactions.clear()
    seen = await _put(client, headers, counter, (RENAMES if change == "rename" else RECODES)[api])
    assert counter.locks == 1, seen  # locked once, whoever calls
    if change == "rename" and settings.dialect == "postgresql":
        assert seen[0].startswith('WITH "old" AS'), seen
        if api != "sales":  # the sales API answers the whole record, read after the update
            assert len(seen) == 1, seen
            assert transactions == []
        return
    if api == "billing" and change == "recode":
        # The billing API first asks whether another customer holds the account, so that a
        # request hears of every problem at once (Laravel's `unique` rule): one read, before
        # the update's transaction; the unique index still decides a race.
        check, *seen = seen
        assert check.startswith("SELECT customers.customer_id \nFROM customers"), check
    assert seen[0].startswith("SELECT customers.customer_id"), seen  # the lock comes first
    assert [sql.split(" ", 3)[:3] for sql in seen][1:3] == [
        ["UPDATE", "customers", "SET"],
        ["INSERT", "INTO", "customer_changes"],
    ], seen
    if api != "sales":
        assert len(seen) == 3, seen
        assert len(transactions) == 1


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


# Sales updates that read and lock the record first (a checked field, a parent and its chain,
# payment types, a new image whose files follow the transaction), by id or by reference: the
# record is locked once, whatever reads the edge and the core make around it.
LOCKED_SALES_UPDATES = {
    "reference": ("/api/v1.0/customers/1", {"data": {"reference": "R0b"}}),
    "by reference": ("/api/v1.0/customers/R0?useExternalId=true", {"data": {"reference": "R"}}),
    "sub-customer": (
        "/api/v1.0/customers/1",
        {"data": {"isSubCustomer": "true", "parentCustomerId": "2"}},
    ),
    "parent by reference": (
        "/api/v1.0/customers/R0?useExternalId=true",
        {"data": {"parentCustomerId": "R1"}},
    ),
    "payment types": ("/api/v1.0/customers/1", {"data": {"paymentTypes": ""}}),
    "image": ("/api/v1.0/customers/1", {"files": {"imageFile": ("a.png", _png(), "image/png")}}),
}


@pytest.mark.parametrize("change", sorted(LOCKED_SALES_UPDATES))
async def test_a_sales_update_locks_the_customer_once(
    client: httpx.AsyncClient, make_user: MakeUser, counter: type[Counter], change: str
) -> None:
    headers = await make_user(Level.SYSTEM, Visibility.ENTITY)
    await _create(client, headers, 0, 2)
    await client.get("/api/v1.0/customers/1", headers=headers)  # the token is checked, cached
    seen = await _put(client, headers, counter, LOCKED_SALES_UPDATES[change])
    assert counter.locks == 1, seen
    assert [sql.split(" ", 2)[:2] for sql in seen].count(["UPDATE", "customers"]) == 1, seen
