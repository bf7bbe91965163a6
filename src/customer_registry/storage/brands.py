"""Every query on brands. Brand 1 is shared by every entity; other brands are an entity's own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import InUse
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.errors import ForeignKeyViolation
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import BRANDS as LISTING
from customer_registry.storage.rows import delete_row, insert_row, locking, update_row
from customer_registry.storage.schema import brands
from customer_registry.storage.scope import placed, shared_or_own


async def get(conn: Connection, scope: Scope, brand_id: int, *, lock: bool = False) -> Row | None:
    statement = sa.select(brands).where(brands.c.brand_id == brand_id, LISTING.scope(scope, brands))
    return await conn.fetch_one(locking(conn, statement, brands, lock))


async def usable(conn: Connection, scope: Scope, brand_id: int) -> bool:
    """Whether a customer of the scope's entity may use the brand: a shared one, or its own."""
    found = await conn.fetch_value(
        sa.select(sa.func.count())
        .select_from(brands)
        .where(brands.c.brand_id == brand_id, shared_or_own(scope, brands.c.entity_id))
    )
    return bool(found)


async def page(
    conn: Connection, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, scope, query, page)


async def insert(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> Row:
    """A brand of the entity the scope's new rows go to."""
    return await insert_row(conn, brands, placed(scope, values))


async def update(
    conn: Connection, scope: Scope, brand_id: int, values: Mapping[str, Any]
) -> Row | None:
    return await update_row(conn, LISTING, scope, brand_id, values)


async def delete(conn: Connection, scope: Scope, brand_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    try:
        return await delete_row(conn, LISTING, scope, brand_id)
    except ForeignKeyViolation as error:
        raise InUse(f"Brand #{brand_id} cannot be deleted while customers use it.") from error
