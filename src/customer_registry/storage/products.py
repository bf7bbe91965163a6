"""Every query on products."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import NotUnique
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.errors import UniqueViolation
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import PRODUCTS
from customer_registry.storage.rows import delete_row, insert_row, update_row
from customer_registry.storage.schema import products

LISTING = PRODUCTS


async def get(conn: Connection, scope: Scope, imei: str, *, lock: bool = False) -> Row | None:
    statement = sa.select(products).where(
        products.c.product_imei == imei, LISTING.scope(scope, products)
    )
    if lock and conn.dialect_name == "postgresql":
        statement = statement.with_for_update()
    return await conn.fetch_one(statement)


async def page(
    conn: Connection, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    """The query's total and the asked page of rows."""
    return await fetch_page(conn, LISTING, scope, query, page)


# The key and the device identifiers are unique: which constraint protects which field.
_UNIQUE_FIELDS = {
    "pk_products": "product_imei",
    **{f"uq_products_{name}": name for name in ("device_key", "imsi", "iccid", "serial_number")},
}


def _not_unique(error: UniqueViolation, values: Mapping[str, Any]) -> NotUnique:
    field = _UNIQUE_FIELDS.get(error.constraint or "")
    if field is None:
        raise error
    return NotUnique(field, values.get(field))


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    """A new product, in the entity the core checked the scope sees (or in none)."""
    return await insert_row(conn, products, values, not_unique=_not_unique)


async def update(
    conn: Connection, scope: Scope, imei: str, values: Mapping[str, Any]
) -> Row | None:
    return await update_row(conn, LISTING, scope, imei, values, not_unique=_not_unique)


async def delete(conn: Connection, scope: Scope, imei: str) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    return await delete_row(conn, LISTING, scope, imei)
