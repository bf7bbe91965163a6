"""Every query on brands. Brand 1 is shared by every entity; other brands are an entity's own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import InUse
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.errors import ForeignKeyViolation
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import BRANDS as LISTING
from customer_registry.storage.rows import deleted, insert_row, update_row
from customer_registry.storage.schema import brands


def _scope(caller: Caller) -> sa.ColumnElement[bool]:
    return LISTING.scope(caller, brands)


async def get(conn: Connection, caller: Caller, brand_id: int) -> Row | None:
    return await conn.fetch_one(
        sa.select(brands).where(brands.c.brand_id == brand_id, _scope(caller))
    )


async def usable(conn: Connection, entity_id: int, brand_id: int) -> bool:
    found = await conn.fetch_value(
        sa.select(sa.func.count())
        .select_from(brands)
        .where(
            brands.c.brand_id == brand_id,
            sa.or_(brands.c.entity_id.is_(None), brands.c.entity_id == entity_id),
        )
    )
    return bool(found)


async def page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, caller, query, page)


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    return await insert_row(conn, brands, values)


async def update(conn: Connection, brand_id: int, values: Mapping[str, Any]) -> Row | None:
    return await update_row(conn, brands, brands.c.brand_id, brand_id, values)


async def delete(conn: Connection, brand_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    try:
        return deleted(await conn.execute(sa.delete(brands).where(brands.c.brand_id == brand_id)))
    except ForeignKeyViolation as error:
        raise InUse(f"Brand #{brand_id} cannot be deleted while customers use it.") from error
