"""Every query on the customer-product history: which customer holds which product, over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.fields import check_storable
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import CUSTOMER_PRODUCT_HISTORY
from customer_registry.storage.rows import deleted
from customer_registry.storage.schema import customer_product_history as history

LISTING = CUSTOMER_PRODUCT_HISTORY
_CURRENT = history.c.date_removed.is_(None)


def _scope(caller: Caller) -> sa.ColumnElement[bool]:
    return LISTING.scope(caller, history)


async def get(conn: Connection, caller: Caller, history_id: int) -> Row | None:
    return await conn.fetch_one(
        sa.select(history).where(
            history.c.customer_product_history_id == history_id, _scope(caller)
        )
    )


async def page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, caller, query, page)


async def delete(conn: Connection, history_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    return deleted(
        await conn.execute(
            sa.delete(history).where(history.c.customer_product_history_id == history_id)
        )
    )


async def current_for_product(conn: Connection, imei: str) -> Row | None:
    return await conn.fetch_one(sa.select(history).where(history.c.product_imei == imei, _CURRENT))


async def close_current(
    conn: Connection, condition: sa.ColumnElement[bool], values: Mapping[str, Any]
) -> None:
    check_storable(history, values)
    await conn.execute(sa.update(history).where(condition, _CURRENT).values(**values))


def of_product(imei: str) -> sa.ColumnElement[bool]:
    return history.c.product_imei == imei


def of_customer(customer_id: int) -> sa.ColumnElement[bool]:
    return history.c.customer_id == customer_id


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    check_storable(history, values)
    row = await conn.fetch_one(sa.insert(history).values(**values).returning(history))
    assert row is not None
    return row


async def serialize_moves(conn: Connection) -> None:
    """Product moves run one at a time (PostgreSQL; SQLite writers already do): a move
    touches two products' and two customers' current rows, and any other order deadlocks."""
    if conn.dialect_name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x43525048)))
