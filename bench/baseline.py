"""The baseline: the least a Python server can do to answer the suite's requests.

A raw ASGI callable, no framework, no authentication, no validation beyond parsing: it routes
the suite's paths by hand, runs the equivalent SQL straight on the driver the service uses
(an asyncpg pool for PostgreSQL, a few aiosqlite connections for SQLite, with the service's
pool sizes and session settings), and answers the same JSON as the service with orjson. It
acts as the bench user would (entity BENCH_ENTITY_ID, user BENCH_USER_ID / BENCH_USERNAME).
Served by uvicorn exactly as the service is (`uvicorn bench.baseline:app`).

What each request costs it (bench/README.md has the table):
- get by id / by code: one SELECT (the sales record too: what it names joined, its payment
  types and contacts as JSON arrays, `json_rows`);
- list pages: the page (sales: one statement, the page as a subquery and the records of its
  rows, as for a get), then, only when the page is full, the total as the service makes it
  for a user limited to one entity: a count that stops after EXACT_TOTAL_LIMIT + 1 rows and,
  past that, a count to the end, remembered for a second (see `total`);
- create: one transaction, the INSERT of the customer (the entity's root category and default
  currency looked up inside it) and of its entity link (billing: after bumping the entity's
  account counter); sales then reads the record back as get does (one SELECT);
- update: one UPDATE … RETURNING (sales then reads the record back).

Settings: BENCH_DATABASE_URL (postgresql://… or sqlite:///…), BENCH_POOL_SIZE (10),
BENCH_STATEMENT_TIMEOUT_MS (10000), BENCH_ENTITY_ID, BENCH_USER_ID, BENCH_USERNAME.
"""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import aiosqlite
import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

Message = dict[str, Any]
Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Row = asyncpg.Record | sqlite3.Row  # both indexed by name and by position
Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]

SQLITE_POOL_SIZE = 4  # as the service's SQLite pool
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA case_sensitive_like=ON",
)

# --- SQL: written for PostgreSQL ($n); SQLite runs the same text with ?n ------------------

GET = "SELECT * FROM customers WHERE customer_id = $1 AND entity_id = $2"
BY_CODE = "SELECT * FROM customers WHERE entity_id = $1 AND code = $2"


def json_rows(sqlite: bool, columns: Sequence[str], rows: str, order: str) -> str:
    """A correlated subquery answering `rows` (`FROM … WHERE …`, alias `r`) as a JSON array
    of objects of `columns`, ordered by `order`: PostgreSQL's `json_agg(… ORDER BY …)`, or
    on SQLite (3.40: no ORDER BY inside an aggregate) `json_group_array` over an ordered
    subquery."""
    if sqlite:
        pairs = ", ".join(f"'{name}', o.{name}" for name in columns)
        listed = ", ".join(f"r.{name}" for name in columns)
        return (
            f"(SELECT json_group_array(json_object({pairs})) "
            f"FROM (SELECT {listed} {rows} ORDER BY {order}) AS o)"
        )
    pairs = ", ".join(f"'{name}', r.{name}" for name in columns)
    return f"(SELECT json_agg(json_build_object({pairs}) ORDER BY {order}) {rows})"


_CONTACT_COLUMNS = ("contact_id", "customer_id", "first_name", "last_name", "phone", "mobile",
                    "email", "created_at", "modified_at")  # fmt: skip


def record(sqlite: bool, customers: str) -> str:
    """The sales record of each row of `customers` (a FROM item, alias `c`: the table, or a
    page of it): one statement with what it names joined, its payment types and contacts
    as JSON arrays."""
    payment_types = json_rows(
        sqlite,
        ("payment_type_id", "reference", "name"),
        "FROM customer_payment_types AS l JOIN payment_types AS r "
        "ON r.payment_type_id = l.payment_type_id WHERE l.customer_id = c.customer_id",
        "r.payment_type_id",
    )
    contacts = json_rows(
        sqlite,
        _CONTACT_COLUMNS,
        "FROM contacts AS r WHERE r.customer_id = c.customer_id",
        "r.contact_id",
    )
    return f"""
SELECT c.*, e.name AS organization,
  cat.reference AS category_reference, cat.name AS category_name,
  seg.reference AS segmentation_reference, seg.name AS segmentation_name,
  reg.reference AS region_reference, reg.name AS region_name,
  cur.reference AS currency_reference,
  u.username AS creator_username, u.display_name AS creator_display_name,
  parent.code AS parent_code, parent.name AS parent_name,
  {payment_types} AS payment_types,
  {contacts} AS contacts
FROM {customers}
JOIN entities AS e ON e.entity_id = c.entity_id
LEFT JOIN customer_categories AS cat ON cat.category_id = c.category_id
LEFT JOIN customer_segmentations AS seg ON seg.segmentation_id = c.segmentation_id
LEFT JOIN regions AS reg ON reg.region_id = c.region_id
LEFT JOIN currencies AS cur ON cur.currency_id = c.currency_id
LEFT JOIN users AS u ON u.user_id = c.creator_id
LEFT JOIN customers AS parent ON parent.customer_id = c.parent_customer_id
"""


ROOT_CATEGORY = (
    "(SELECT category_id FROM customer_categories WHERE entity_id = $1 AND parent_id IS NULL)"
)
DEFAULT_CURRENCY = "(SELECT currency_id FROM currencies WHERE entity_id = $1 AND is_default)"
INSERT_LINK = (
    "INSERT INTO customer_entity_linker (customer_id, entity_id, date_added, created_at, "
    "created_by) VALUES ($1, $2, $3, $3, $4) RETURNING customer_entity_linker_id"
)
BUMP_ACCOUNT = (
    "UPDATE account_counters SET last_number = last_number + 1 WHERE entity_id = $1 "
    "RETURNING last_number"
)
FIRST_ACCOUNT = (
    "INSERT INTO account_counters (entity_id, last_number) VALUES ($1, 0) ON CONFLICT DO NOTHING"
)
# The customer fields each create sends (besides name and code), and the shipping copies
# the service keeps while the shipping address is the billing one.
_SHIPPING = {"country": "shipping_country", "city": "shipping_city"}


def insert_customer(columns: Sequence[str]) -> str:
    """INSERT of a new customer of entity $1 with the given columns ($2…), its root category
    and default currency, creator, and audit fields."""
    names = ["entity_id", *columns, "category_id", "currency_id", "creator_id", "created_at",
             "created_by"]  # fmt: skip
    n = len(columns)
    values = ["$1", *(f"${k + 2}" for k in range(n)), ROOT_CATEGORY, DEFAULT_CURRENCY,
              f"${n + 2}", f"${n + 3}", f"${n + 4}"]  # fmt: skip
    return (
        f"INSERT INTO customers ({', '.join(names)}) VALUES ({', '.join(values)}) "
        "RETURNING customer_id"
    )


def update_name(returning: str) -> str:
    return (
        "UPDATE customers SET name = $1, modified_at = $2, modified_by = $3 "
        f"WHERE customer_id = $4 AND entity_id = $5 RETURNING {returning}"
    )


_ORDERABLE = {"name": "name", "customer_id": "customer_id", "code": "code"}
_PARTNER_FIELDS = {
    "name": "name",
    "external_customer_code": "code",
    "external_customer_id": "external_id",
    "customer_id": "customer_id",
}

# --- drivers --------------------------------------------------------------------------------


class Driver(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[Conn]:
        """`async with driver.read() as conn`: one connection, autocommit."""

    @abstractmethod
    def write(self, transaction: bool) -> AbstractAsyncContextManager[Conn]:
        """`async with driver.write(transaction) as conn`: for writes (in one transaction)."""

    @abstractmethod
    def stamp(self, value: datetime) -> Any:
        """A timestamp as the driver stores it."""


class Conn(ABC):
    @abstractmethod
    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]

    @abstractmethod
    async def execute(self, sql: str, *args: Any) -> None: ...


# The service's default CUSTOMER_REGISTRY_EXACT_TOTAL_LIMIT.
EXACT_TOTAL_LIMIT = 10_000
LARGE_TOTAL_SECONDS = 1.0  # as storage/listing.py: a total past the limit is remembered


async def total(
    conn: Conn, condition: str, args: Sequence[Any], start: int, per_page: int, rows: int
) -> int:
    """A list's total as the service makes it for the bench user, who sees one entity
    (docs/benchmark.md, List totals): a page that is not full knows it; otherwise a count that
    stops after the limit + 1 rows, and past the limit a count to the end (never the planner's
    estimate, which other entities' rows move), never below what is known, remembered for
    LARGE_TOTAL_SECONDS; while one request counts, the others asking the same wait for it."""
    if (rows or start == 0) and rows < per_page:
        return start + rows
    known = start + rows + (rows == per_page)
    key = (condition, tuple(args))
    remembered = _LARGE_TOTALS.get(key)
    if remembered is not None and time.monotonic() < remembered[1]:
        return max(remembered[0], EXACT_TOTAL_LIMIT + 1, known)
    everything = f"SELECT customer_id FROM customers WHERE {condition}"
    capped = f"SELECT count(*) FROM ({everything} LIMIT {EXACT_TOTAL_LIMIT + 1}) AS found"
    counted = int(await conn.fetchval(capped, *args))
    if counted <= EXACT_TOTAL_LIMIT:
        return counted
    pending = _COUNTING.get(key)
    if pending is not None:
        return max(await asyncio.shield(pending), counted, known)
    _COUNTING[key] = future = asyncio.get_running_loop().create_future()
    found_total = 0
    try:
        found_total = int(await conn.fetchval(f"SELECT count(*) FROM ({everything}) AS f", *args))
        _LARGE_TOTALS[key] = (found_total, time.monotonic() + LARGE_TOTAL_SECONDS)
    finally:
        del _COUNTING[key]
        future.set_result(found_total)
    return max(found_total, counted, known)


_LARGE_TOTALS: dict[tuple[str, tuple[Any, ...]], tuple[int, float]] = {}  # the suite's few
_COUNTING: dict[tuple[str, tuple[Any, ...]], asyncio.Future[int]] = {}


class _PgConn(Conn):
    __slots__ = ("_raw",)

    def __init__(self, raw: PoolConnectionProxy) -> None:
        self._raw = raw

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        rows: Sequence[Row] = await self._raw.fetch(sql, *args)
        return rows

    async def execute(self, sql: str, *args: Any) -> None:
        await self._raw.execute(sql, *args)


async def _keep_session(raw: asyncpg.Connection) -> None:
    """No reset query when a connection goes back to the pool (the service's choice too)."""


def _session_options() -> dict[str, Any]:
    """The service's (storage.database): through PgBouncer in transaction mode no statement
    cache, the statement timeout asyncpg's own; otherwise both settings at connect."""
    timeout_ms = os.environ.get("BENCH_STATEMENT_TIMEOUT_MS", "10000")
    if os.environ.get("BENCH_POOLER") == "pgbouncer":
        return {
            "statement_cache_size": 0,
            "command_timeout": int(timeout_ms) / 1000,
            "server_settings": {"timezone": "UTC"},
        }
    return {"server_settings": {"statement_timeout": timeout_ms, "timezone": "UTC"}}


class PgDriver(Driver):
    def __init__(self, url: str) -> None:
        self._url = url
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        """As the service's pool: min 1, max the pool size, the same session settings, and
        the same reset (none beyond asyncpg's rollback of an open transaction)."""
        self._pool = await asyncpg.create_pool(
            self._url,
            min_size=1,
            max_size=int(os.environ.get("BENCH_POOL_SIZE", "10")),
            reset=_keep_session,
            **_session_options(),
        )

    async def stop(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        assert self._pool is not None
        async with self._pool.acquire() as raw:
            yield _PgConn(raw)

    @asynccontextmanager
    async def write(self, transaction: bool) -> AsyncIterator[Conn]:
        assert self._pool is not None
        async with self._pool.acquire() as raw:
            if not transaction:
                yield _PgConn(raw)
                return
            async with raw.transaction():
                yield _PgConn(raw)

    def stamp(self, value: datetime) -> Any:
        return value


class _SqliteConn(Conn):
    __slots__ = ("_raw",)

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self._raw = raw

    # One hand-over to aiosqlite's thread per statement, the fewest it allows (execute,
    # fetchall and close would be three).
    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        return list(await self._raw.execute_fetchall(_sqlite_sql(sql), args))

    async def execute(self, sql: str, *args: Any) -> None:
        await self._raw.execute_fetchall(_sqlite_sql(sql), args)


_SQLITE_SQL: dict[str, str] = {}


def _sqlite_sql(sql: str) -> str:
    """$n → ?n (SQLite's numbered parameters), converted once per statement."""
    found = _SQLITE_SQL.get(sql)
    if found is None:
        found = _SQLITE_SQL[sql] = sql.replace("$", "?")
    return found


class SqliteDriver(Driver):
    """As the service's SQLite pool: a few connections, one writer at a time per process."""

    def __init__(self, url: str) -> None:
        self._path = url.split(":///", 1)[1]
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()

    async def start(self) -> None:
        for _ in range(SQLITE_POOL_SIZE):
            raw = await aiosqlite.connect(self._path, isolation_level=None)
            raw.row_factory = sqlite3.Row
            for pragma in _SQLITE_PRAGMAS:
                cursor = await raw.execute(pragma)
                await cursor.close()
            self._all.append(raw)
            self._idle.put_nowait(raw)

    async def stop(self) -> None:
        for raw in self._all:
            await raw.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        raw = await self._idle.get()
        try:
            yield _SqliteConn(raw)
        finally:
            self._idle.put_nowait(raw)

    @asynccontextmanager
    async def write(self, transaction: bool) -> AsyncIterator[Conn]:
        async with self._write_lock, self.read() as conn:
            if not transaction:
                yield conn
                return
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    def stamp(self, value: datetime) -> Any:
        return value.isoformat(sep=" ", timespec="microseconds")


# --- rendering: the service's JSON, built directly from rows --------------------------------


class Formats:
    """Timestamps and flags as each API shows them, from the driver's values."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def iso(self, value: Any) -> str | None:  # partner: 2021-01-04T08:00:00.123456
        if value is None:
            return None
        if self.sqlite:
            return str(value).replace(" ", "T")
        return str(value.isoformat(timespec="microseconds"))

    def laravel(self, value: Any) -> str | None:  # billing: 2021-01-04T08:00:00.000000Z
        # Laravel serialises a `timestamp` column, which holds whole seconds.
        if value is None:
            return None
        if self.sqlite:
            return str(value)[:19].replace(" ", "T") + ".000000Z"
        return str(value.strftime("%Y-%m-%dT%H:%M:%S.000000Z"))

    def zulu(self, value: Any) -> str | None:  # sales: 2021-01-04T08:00:00Z
        if value is None:
            return None
        if self.sqlite or isinstance(value, str):  # text: SQLite's, or JSON's (PostgreSQL)
            return str(value)[:19].replace(" ", "T") + "Z"
        return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))


def partner_customer(row: Row, f: Formats) -> dict[str, Any]:
    return {
        "customer_id": row["customer_id"],
        "name": row["name"],
        "external_customer_id": row["external_id"],
        "external_customer_code": row["code"],
        "created_at": f.iso(row["created_at"]),
        "created_by": row["created_by"],
        "modified_at": f.iso(row["modified_at"]),
        "modified_by": row["modified_by"],
    }


# The billing customer object: (key, column, kind) in the document's order. Kind: "" as is,
# "flag" 0/1, None: a key this registry does not keep (its default below, or null).
_BILLING: tuple[tuple[str, str | None, str], ...] = tuple(
    (key, column or None, kind)
    for key, column, kind in (
        ("id", "customer_id", ""), ("brand_id", "brand_id", ""),
        ("representative_id", "representative_id", ""), ("customerAccount", "code", ""),
        ("accountsReference", "secondary_code", ""), ("name", "name", ""),
        ("brand", "trading_name", ""), ("registrationNumber", "registration_number", ""),
        ("taxRegistrationNumber", "tax_registration_number", ""),
        ("mainContactFirstName", "", ""), ("mainContactLastName", "", ""),
        ("type", "company_type", ""), ("capital", "capital", ""), ("activityCode", "", ""),
        ("sector_id", "", ""), ("origin_id", "", ""), ("mainAddressLine1", "address_line1", ""),
        ("mainAddressLine2", "address_line2", ""), ("mainAddressPostalCode", "postal_code", ""),
        ("mainAddressCity", "city", ""), ("mainAddressCountry", "country", ""),
        ("emailAddress", "email", ""), ("accountEmailAddress", "", ""),
        ("website", "website", ""), ("phone", "phone", ""), ("mobilePhone", "mobile", ""),
        ("fax", "fax", ""), ("logo", "", ""), ("active", "active", "flag"),
        ("activity", "", ""), ("category", "", ""), ("qualification", "", ""),
        ("prospection_code_id", "", ""), ("isReseller", "is_reseller", "flag"),
        ("resellerLevel", "reseller_level", ""), ("language_id", "", ""),
        ("acceptEmails", "", ""), ("acceptCalls", "", ""), ("supplier", "", ""),
        ("chargeVAT", "charge_vat", "flag"),
        ("applyVATAutoReverseOperators", "apply_vat_auto_reverse", "flag"),
        ("language", "", ""), ("comment", "comment", ""), ("mergeInvoices", "", ""),
        ("isGroupingAccount", "", ""), ("chargeGroupingAccount", "", ""), ("isPayer", "", ""),
        ("ftp", "", ""), ("ftpServer", "", ""), ("ftpUsername", "", ""),
        ("ftpPassword", "", ""), ("ftpHomeDirectory", "", ""), ("ftpAccountId", "", ""),
        ("ftpAssociatedEmail", "", ""), ("quickSearch", "", ""), ("suppliers", "", ""),
        ("onCallDuty", "on_call_duty", "flag"), ("vip", "vip", "flag"),
        ("canSendSms", "", ""), ("smsAuthorisation", "", ""), ("numberOfInvoices", "", ""),
        ("lastInvoice", "", ""), ("quickSearchLabel", "", ""), ("quickSearchIndex", "", ""),
    )
)  # fmt: skip


# Keys the registry does not keep whose column has a default in the original billing API: the
# seed's example values (the service shows them; written here again, as every answer of the
# baseline is, so that the bench's check of both answers compares two independent copies).
_BILLING_DEFAULTS = {
    "prospection_code_id": 1, "language_id": 1, "acceptEmails": 1, "acceptCalls": 1,
    "supplier": 0, "mergeInvoices": 1, "isGroupingAccount": 0, "isPayer": 0, "ftp": 0,
    "canSendSms": 0, "numberOfInvoices": 0, "quickSearchIndex": 0,
}  # fmt: skip


def _laravel_links(page: int, last: int, url: Callable[[int], str]) -> list[dict[str, Any]]:
    """Laravel 8's paginator `links`: previous, the pages of its window (three on each side of
    the current one, the first two and the last two, `...` between groups), next."""
    groups: list[range | None]
    if last < 14:
        groups = [range(1, last + 1)]
    elif page <= 7:
        groups = [range(1, 11), None, range(last - 1, last + 1)]
    elif page > last - 7:
        groups = [range(1, 3), None, range(last - 9, last + 1)]
    else:
        groups = [range(1, 3), None, range(page - 3, page + 4), None, range(last - 1, last + 1)]
    previous = url(page - 1) if page > 1 else None
    links = [{"url": previous, "label": "&laquo; Previous", "active": False}]
    for group in groups:
        if group is None:
            links.append({"url": None, "label": "...", "active": False})
        else:
            links += [{"url": url(n), "label": str(n), "active": n == page} for n in group]
    next_ = url(page + 1) if page < last else None
    links.append({"url": next_, "label": "Next &raquo;", "active": False})
    return links


def billing_customer(row: Row, f: Formats) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, column, kind in _BILLING:
        if column is None:
            found[key] = _BILLING_DEFAULTS.get(key)
        elif kind:
            value = row[column]
            found[key] = None if value is None else int(value)
        else:
            found[key] = row[column]
    found["created_at"] = f.laravel(row["created_at"])
    found["updated_at"] = f.laravel(row["modified_at"] or row["created_at"])
    return found


_DUE_DATE_TYPES = {1: "daysAfterInvoiceDate", 2: "daysAfterEndOfInvoiceMonth"}


def _ref(row: Row, key: str, prefix: str, collection: str, reference: str = "reference",
         name: str = "name") -> dict[str, Any] | None:  # fmt: skip
    value = row[key]
    if value is None:
        return None
    return {
        "id": value,
        "reference": row[f"{prefix}_{reference}"],
        "name": row[f"{prefix}_{name}"],
        "href": f"/api/v1.0/{collection}/{value}",
    }


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and value.is_integer() else value


def sales_record(
    row: Row,
    payment_types: list[dict[str, Any]],
    contacts: list[dict[str, Any]],
    f: Formats,
    host: str,
) -> dict[str, Any]:
    """Seed 002's customer record, every key in its order."""
    category = _ref(row, "category_id", "category", "customerCategories")
    segmentation = _ref(row, "segmentation_id", "segmentation", "customerSegmentations")
    region = _ref(row, "region_id", "region", "regions")
    if region is not None:
        del region["reference"]
    creator = row["creator_id"]
    due_type = row["due_date_config_type"]
    logo = row["logo"]
    return {
        "id": row["customer_id"],
        "reference": row["code"],
        "reference2": row["secondary_code"],
        "name": row["name"],
        "categoryReference": row["category_reference"] if category else None,
        "customerCategory": category,
        "isSubCustomer": row["parent_customer_id"] is not None,
        "parentCustomer": _ref(row, "parent_customer_id", "parent", "customers", "code"),
        "billWithParent": _flag(row["bill_with_parent"]),
        "customerSegmentationReference": row["segmentation_reference"] if segmentation else None,
        "customerSegmentation": segmentation,
        "pocTenus": None,
        "email": row["email"],
        "logo": None if logo is None else f"http://{host}/media/{logo}",
        "phone": row["phone"],
        "mobile": row["mobile"],
        "fax": row["fax"],
        "comment": row["comment"],
        "barcode": row["barcode"],
        "isSameAddress": _flag(row["is_same_address"]),
        "billingCountry": row["country"],
        "billingCity": row["city"],
        "billingPostalCode": row["postal_code"],
        "billingAddress": row["address_line1"],
        "billingLat": row["billing_lat"],
        "billingLng": row["billing_lng"],
        "country": row["shipping_country"],
        "city": row["shipping_city"],
        "postalCode": row["shipping_postal_code"],
        "address": row["shipping_address"],
        "latitude": row["shipping_lat"],
        "longitude": row["shipping_lng"],
        "isCredit": None,
        "creditLimit": _number(row["credit_limit"]),
        "balance": None,
        "maxChequePeriod": None,
        "maxChequeValue": None,
        "appliedCashBackOutput": None,
        "returnDiscount": None,
        "invoicesPerRoute": None,
        "isActive": _flag(row["active"]),
        "onHold": _flag(row["on_hold"]),
        "onHoldReason": row["on_hold_reason"],
        "paymentTerm": None,
        "createdBy": None
        if creator is None
        else {
            "userId": creator,
            "reference": row["creator_username"],
            "href": f"/api/v1.0/users/{creator}",
        },
        "dueDateConfigNumber": row["due_date_config_number"],
        "dueDateConfigType": _DUE_DATE_TYPES.get(due_type) if due_type else None,
        "paymentTypes": payment_types,
        "website": row["website"],
        "taxNumber": row["tax_registration_number"],
        "companyRegistrationNumber": row["registration_number"],
        "contacts": contacts,
        "currency": row["currency_reference"],
        "customerRisk": row["customer_risk"],
        "customerRiskColor": row["customer_risk_color"],
        "organization": row["organization"],
        "dateCreated": f.zulu(row["created_at"]),
        "lastUpdated": f.zulu(row["modified_at"] or row["created_at"]),
        "region": region,
    }


def _array(value: str | None) -> list[dict[str, Any]]:
    """A JSON array of the record's statement (PostgreSQL's aggregate of no row is NULL)."""
    found: list[dict[str, Any]] = [] if value is None else orjson.loads(value)
    return found


def _payment_type(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["payment_type_id"],
        "reference": row["reference"],
        "name": row["name"],
        "href": f"/api/v1.0/paymentTypes/{row['payment_type_id']}",
    }


def _contact(row: Mapping[str, Any], f: Formats) -> dict[str, Any]:
    return {
        "id": row["contact_id"],
        "customerId": row["customer_id"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "phone": row["phone"],
        "mobile": row["mobile"],
        "email": row["email"],
        "dateCreated": f.zulu(row["created_at"]),
        "lastUpdated": f.zulu(row["modified_at"] or row["created_at"]),
        "href": f"/api/v1.0/contacts/{row['contact_id']}",
    }


# --- the app --------------------------------------------------------------------------------

_JSON = [(b"content-type", b"application/json")]
NOT_FOUND: Answer = (404, b'{"message":"Not found"}', _JSON)
BAD_REQUEST: Answer = (400, b'{"message":"Bad request"}', _JSON)


def _json(data: Any, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None) -> Answer:
    return status, orjson.dumps(data), _JSON if headers is None else _JSON + headers


def _key(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= 10 else None


def _page_size(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name, "")
    return min(int(raw), 100) if raw.isdigit() and 0 < int(raw) < 10**9 else default


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Baseline:
    def __init__(self) -> None:
        self.driver: Driver | None = None
        self.formats = Formats(sqlite=False)
        self.entity_id = 0
        self.user_id = 0
        self.username = ""
        self.record = ""  # the sales record's statement for one customer of `customers`

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            status, payload, headers = await self._answer(scope, body)
        except (ValueError, KeyError, orjson.JSONDecodeError):
            status, payload, headers = BAD_REQUEST
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*headers, (b"content-length", b"%d" % len(payload))],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _answer(self, scope: Scope, body: bytes) -> Answer:
        path: str = scope["path"]
        method: str = scope["method"]
        params = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        if path.startswith("/v1/customers"):
            return await self._partner(method, path[len("/v1/customers") :], params, body, scope)
        if path.startswith("/api/v1.0/customers"):
            rest = path[len("/api/v1.0/customers") :]
            return await self._sales(method, rest, params, body, _host(scope))
        if path.startswith("/api/v1/customerAccounts/") and method == "GET":
            return await self._billing_by_code(path[len("/api/v1/customerAccounts/") :])
        if path.startswith("/api/v1/customers"):
            rest = path[len("/api/v1/customers") :]
            return await self._billing(method, rest, params, scope)
        return NOT_FOUND

    # --- partner ----------------------------------------------------------------------------

    async def _partner(
        self, method: str, rest: str, params: dict[str, str], body: bytes, scope: Scope
    ) -> Answer:
        if rest == "" and method == "GET":
            return await self._partner_list(params, scope)
        if rest == "/create_customer" and method in ("POST", "PUT"):
            return await self._partner_create(orjson.loads(body))
        customer_id = _key(rest[1:]) if rest.startswith("/") else None
        if customer_id is None:
            return NOT_FOUND
        if method == "GET":
            async with self._driver.read() as conn:
                row = await conn.fetchrow(GET, customer_id, self.entity_id)
        elif method == "PUT":
            name = orjson.loads(body)["name"]
            row = await self._update(update_name("*"), name, customer_id)
        else:
            return NOT_FOUND
        return NOT_FOUND if row is None else _json(partner_customer(row, self.formats))

    async def _partner_list(self, params: dict[str, str], scope: Scope) -> Answer:
        query = orjson.loads(params["q"]) if params.get("q") else {}
        where: list[str] = ["entity_id = $1"]
        args: list[Any] = [self.entity_id]
        for item in query.get("filters", ()):
            if item.get("op") not in ("eq", "==", "equals"):
                return BAD_REQUEST
            args.append(item["val"])
            where.append(f"{_PARTNER_FIELDS[item['name']]} = ${len(args)}")
        order = [
            f"{_PARTNER_FIELDS[o['field']]} {'DESC' if o.get('direction') == 'desc' else 'ASC'}"
            for o in query.get("order_by", ())
        ]
        per_page = _page_size(params, "results_per_page", 10)
        page = int(params.get("page", "1"))
        condition = " AND ".join(where)
        start = (page - 1) * per_page
        async with self._driver.read() as conn:
            rows = await conn.fetch(
                f"SELECT * FROM customers WHERE {condition} "
                f"ORDER BY {', '.join([*order, 'customer_id ASC'])} "
                f"LIMIT {per_page} OFFSET {start}",
                *args,
            )
            found = await total(conn, condition, args, start, per_page, len(rows))
        f = self.formats
        total_pages = math.ceil(found / per_page)
        base = f"http://{_host(scope)}{scope['path']}"

        def url(number: int) -> str:
            return f"{base}?{urlencode({**params, 'page': number, 'results_per_page': per_page})}"

        links = [f'<{url(page + 1)}>; rel="next"'] if page < total_pages else []
        links.append(f'<{url(max(total_pages, 1))}>; rel="last"')
        answer = {
            "num_results": found,
            "objects": [partner_customer(row, f) for row in rows],
            "page": page,
            "total_pages": total_pages,
        }
        return _json(answer, headers=[(b"link", ", ".join(links).encode())])

    async def _partner_create(self, body: dict[str, Any]) -> Answer:
        entity_id, name = int(body["entity_id"]), body["name"]
        external_id, code = body.get("external_customer_id"), body.get("external_customer_code")
        now = self._driver.stamp(_now())
        async with self._driver.write(transaction=True) as conn:
            customer_id = await conn.fetchval(
                insert_customer(("name", "external_id", "code")),
                entity_id, name, external_id, code, self.user_id, now, self.username,
            )  # fmt: skip
            link_id = await conn.fetchval(INSERT_LINK, customer_id, entity_id, now, self.username)
        return _json(
            {
                "status": "success",
                "message": f"Created {name}({external_id}) successfully",
                "data": {
                    "name": name,
                    "customer_id": customer_id,
                    "external_customer_id": external_id,
                    "external_customer_code": code,
                    "entity_id": entity_id,
                    "customer_entity_linker_id": link_id,
                },
            },
            201,
        )

    # --- sales ------------------------------------------------------------------------------

    async def _sales(
        self, method: str, rest: str, params: dict[str, str], body: bytes, host: str
    ) -> Answer:
        if rest == "" and method == "GET":
            return await self._sales_list(params, host)
        if rest == "" and method == "POST":
            return await self._sales_create(dict(parse_qsl(body.decode())), host)
        customer_id = _key(rest[1:]) if rest.startswith("/") else None
        if customer_id is None:
            return NOT_FOUND
        if method == "PUT":
            name = dict(parse_qsl(body.decode()))["name"]
            if await self._update(update_name("customer_id"), name, customer_id) is None:
                return NOT_FOUND
        elif method != "GET":
            return NOT_FOUND
        async with self._driver.read() as conn:
            found = await self._records(
                conn, f"{self.record} WHERE c.customer_id = $1 AND c.entity_id = $2",
                [customer_id, self.entity_id], host,
            )  # fmt: skip
        return _json(found[0]) if found else NOT_FOUND

    async def _records(
        self, conn: Conn, sql: str, args: Sequence[Any], host: str
    ) -> list[dict[str, Any]]:
        """Full records, one statement: the customers with what they name, their payment
        types and contacts (JSON arrays)."""
        f = self.formats
        return [
            sales_record(
                row,
                [_payment_type(found) for found in _array(row["payment_types"])],
                [_contact(found, f) for found in _array(row["contacts"])],
                f,
                host,
            )
            for row in await conn.fetch(sql, *args)
        ]

    async def _sales_list(self, params: dict[str, str], host: str) -> Answer:
        size = _page_size(params, "max", 10)
        offset = int(params.get("offset", "0"))
        columns: list[str] = ["entity_id"]
        args: list[Any] = [self.entity_id]
        if "name" in params:
            columns.append("name")
            args.append(params["name"])
        sort = params.get("sort")
        keys = [_ORDERABLE[sort], "customer_id"] if sort else ["customer_id"]
        condition = _equal(columns)
        # The page first, as a subquery its LIMIT keeps apart: the records are made of its
        # rows only (as the service's statement does).
        page = (
            f"(SELECT * FROM customers WHERE {condition} "
            f"ORDER BY {', '.join(f'{key} ASC' for key in keys)} "
            f"LIMIT {size} OFFSET {offset}) AS c"
        )
        statement = (
            f"{record(self.formats.sqlite, page)} "
            f"ORDER BY {', '.join(f'c.{key} ASC' for key in keys)}"
        )
        async with self._driver.read() as conn:
            found = await self._records(conn, statement, args, host)
            count = await total(conn, condition, args, offset, size, len(found))
        return _json({"total": count, "offset": offset, "max": size, "data": found})

    async def _sales_create(self, form: dict[str, str], host: str) -> Answer:
        city, country = form.get("billingCity"), form.get("billingCountry")
        now = self._driver.stamp(_now())
        columns = ("name", "code", "email", "phone", "active", "city", "country",
                   "shipping_city", "shipping_country")  # fmt: skip
        async with self._driver.write(transaction=True) as conn:
            customer_id = await conn.fetchval(
                insert_customer(columns),
                self.entity_id, form["name"], form["reference"], form.get("email"),
                form.get("phone"), form.get("isActive", "true") == "true", city, country, city,
                country, self.user_id, now, self.username,
            )  # fmt: skip
            await conn.execute(INSERT_LINK, customer_id, self.entity_id, now, self.username)
            found = await self._records(
                conn, f"{self.record} WHERE c.customer_id = $1", [customer_id], host
            )
        return _json(found[0], 201)

    # --- billing ----------------------------------------------------------------------------

    async def _billing(
        self, method: str, rest: str, params: dict[str, str], scope: Scope
    ) -> Answer:
        if rest == "" and method == "GET":
            return await self._billing_list(params, scope)
        if rest == "" and method == "POST":
            return await self._billing_create(params)
        customer_id = _key(rest[1:]) if rest.startswith("/") else None
        if customer_id is None:
            return NOT_FOUND
        if method == "GET":
            async with self._driver.read() as conn:
                row = await conn.fetchrow(GET, customer_id, self.entity_id)
            return NOT_FOUND if row is None else self._billing_one(row)
        if method == "PUT":
            row = await self._update(update_name("customer_id"), params["name"], customer_id)
            return NOT_FOUND if row is None else _json({"response": row["customer_id"]})
        return NOT_FOUND

    def _billing_one(self, row: Row) -> Answer:
        return _json({"customer": billing_customer(row, self.formats)})

    async def _billing_by_code(self, code: str) -> Answer:
        async with self._driver.read() as conn:
            row = await conn.fetchrow(BY_CODE, self.entity_id, code)
        return NOT_FOUND if row is None else self._billing_one(row)

    async def _billing_list(self, params: dict[str, str], scope: Scope) -> Answer:
        per_page = _page_size(params, "per_page", 15)
        page = int(params.get("page", "1"))
        where: list[str] = ["entity_id = $1"]
        args: list[Any] = [self.entity_id]
        if "filter[name]" in params:
            args.append(params["filter[name]"])
            where.append(f"name = ${len(args)}")
        sort = params.get("sort", "")
        order = ""
        if sort:
            order = f"{_ORDERABLE[sort.lstrip('-')]} {'DESC' if sort[:1] == '-' else 'ASC'}, "
        condition = " AND ".join(where)
        start = (page - 1) * per_page
        async with self._driver.read() as conn:
            rows = await conn.fetch(
                f"SELECT * FROM customers WHERE {condition} "
                f"ORDER BY {order}customer_id ASC "
                f"LIMIT {per_page} OFFSET {start}",
                *args,
            )
            count = await total(conn, condition, args, start, per_page, len(rows))
        f = self.formats
        last_page = max(1, math.ceil(count / per_page))
        path = f"http://{_host(scope)}{scope['path']}"
        query = {k: v for k, v in params.items() if k != "page"}

        def url(number: int) -> str:
            # PHP's http_build_query, RFC 3986: a space is %20.
            return f"{path}?{urlencode({**query, 'page': number}, quote_via=quote)}"

        return _json(
            {
                "current_page": page,
                "data": [billing_customer(row, f) for row in rows],
                "first_page_url": url(1),
                "from": start + 1 if rows else None,
                "last_page": last_page,
                "last_page_url": url(last_page),
                "links": _laravel_links(page, last_page, url),
                "next_page_url": url(page + 1) if page < last_page else None,
                "path": path,
                "per_page": per_page,
                "prev_page_url": url(page - 1) if page > 1 else None,
                "to": start + len(rows) if rows else None,
                "total": count,
            }
        )

    async def _billing_create(self, params: dict[str, str]) -> Answer:
        now = self._driver.stamp(_now())
        city, country = params.get("mainAddressCity"), params.get("mainAddressCountry")
        columns = ("name", "code", "email", "phone", "city", "country", "shipping_city",
                   "shipping_country")  # fmt: skip
        async with self._driver.write(transaction=True) as conn:
            number = await conn.fetchval(BUMP_ACCOUNT, self.entity_id)
            if number is None:
                await conn.execute(FIRST_ACCOUNT, self.entity_id)
                number = await conn.fetchval(BUMP_ACCOUNT, self.entity_id)
            customer_id = await conn.fetchval(
                insert_customer(columns),
                self.entity_id, params["name"], f"CL{number:04d}", params.get("emailAddress"),
                params.get("phone"), city, country, city, country, self.user_id, now,
                self.username,
            )  # fmt: skip
            await conn.execute(INSERT_LINK, customer_id, self.entity_id, now, self.username)
        return _json({"response": customer_id}, 201)

    # --- shared -----------------------------------------------------------------------------

    async def _update(self, sql: str, name: str, customer_id: int) -> Row | None:
        now = self._driver.stamp(_now())
        async with self._driver.write(transaction=False) as conn:
            return await conn.fetchrow(sql, name, now, self.username, customer_id, self.entity_id)

    @property
    def _driver(self) -> Driver:
        assert self.driver is not None
        return self.driver

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = os.environ["BENCH_DATABASE_URL"]
                sqlite = url.startswith("sqlite")
                self.driver = SqliteDriver(url) if sqlite else PgDriver(url)
                self.formats = Formats(sqlite)
                self.record = record(sqlite, "customers AS c")
                self.entity_id = int(os.environ["BENCH_ENTITY_ID"])
                self.user_id = int(os.environ["BENCH_USER_ID"])
                self.username = os.environ["BENCH_USERNAME"]
                await self.driver.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.driver is not None:
                    await self.driver.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _host(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            return str(value.decode("latin-1"))
    server = scope.get("server") or ("127.0.0.1", 80)
    return f"{server[0]}:{server[1]}"


def _equal(columns: Sequence[str], prefix: str = "") -> str:
    """`a = $1 AND b = $2 …` for the columns, in order."""
    return " AND ".join(f"{prefix}{c} = ${k}" for k, c in enumerate(columns, start=1))


app = Baseline()
