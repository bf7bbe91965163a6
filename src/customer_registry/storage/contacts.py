"""Every query on customer contacts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import CONTACTS as LISTING
from customer_registry.storage.rows import delete_row, insert_row, locking, update_row
from customer_registry.storage.schema import contacts


async def page(
    conn: Connection, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, scope, query, page)


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    """A contact of a customer the core has read through the request's scope."""
    return await insert_row(conn, contacts, values)


async def get(conn: Connection, scope: Scope, contact_id: int, *, lock: bool = False) -> Row | None:
    statement = sa.select(contacts).where(
        contacts.c.contact_id == contact_id, LISTING.scope(scope, contacts)
    )
    return await conn.fetch_one(locking(conn, statement, contacts, lock))


async def update(
    conn: Connection, scope: Scope, contact_id: int, values: Mapping[str, Any]
) -> Row | None:
    return await update_row(conn, LISTING, scope, contact_id, values)


async def delete(conn: Connection, scope: Scope, contact_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    return await delete_row(conn, LISTING, scope, contact_id)
