"""Every query on the customer-product history: which customer holds which product, over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.fields import check_storable
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import CUSTOMER_PRODUCT_HISTORY
from customer_registry.storage.rows import delete_row, locking
from customer_registry.storage.schema import customer_product_history as history
from customer_registry.storage.schema import customers, products
from customer_registry.storage.scope import Visible, narrowed, through

LISTING = CUSTOMER_PRODUCT_HISTORY
_CURRENT = history.c.date_removed.is_(None)


async def get(conn: Connection, scope: Scope, history_id: int, *, lock: bool = False) -> Row | None:
    statement = sa.select(history).where(
        history.c.customer_product_history_id == history_id, LISTING.scope(scope, history)
    )
    return await conn.fetch_one(locking(conn, statement, history, lock))


async def page(
    conn: Connection, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, scope, query, page)


async def delete(conn: Connection, scope: Scope, history_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    return await delete_row(conn, LISTING, scope, history_id)


# A product has one holder at a time, whichever entity that customer is in: the rows of a
# product are reached through the product, those of a customer through the customer.
def of_product(scope: Scope, imei: str) -> Visible:
    return narrowed(
        through(scope, history.c.product_imei, products.c.product_imei),
        history.c.product_imei == imei,
    )


def of_customer(scope: Scope, customer_id: int) -> Visible:
    return narrowed(
        through(scope, history.c.customer_id, customers.c.customer_id),
        history.c.customer_id == customer_id,
    )


async def current(conn: Connection, rows: Visible) -> Row | None:
    return await conn.fetch_one(sa.select(history).where(rows, _CURRENT))


async def close_current(conn: Connection, rows: Visible, values: Mapping[str, Any]) -> None:
    check_storable(history, values)
    await conn.execute(sa.update(history).where(rows, _CURRENT).values(**values))


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    """A holding of a product and a customer the core has read through the request's scope."""
    check_storable(history, values)
    row = await conn.fetch_one(sa.insert(history).values(**values).returning(history))
    assert row is not None
    return row


async def serialize_moves(conn: Connection) -> None:
    """Product moves run one at a time (PostgreSQL; SQLite writers already do): a move
    touches two products' and two customers' current rows, and any other order deadlocks."""
    if conn.dialect_name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x43525048)))
