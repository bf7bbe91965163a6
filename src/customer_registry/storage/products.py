"""Every query on products."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import NotUnique
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.storage.database import Connection, Row, insert_ignoring_conflicts
from customer_registry.storage.listing import count_statement, page_statement
from customer_registry.storage.listings import PRODUCTS
from customer_registry.storage.schema import products

LISTING = PRODUCTS


def _scope(caller: Caller) -> sa.ColumnElement[bool]:
    return LISTING.scope(caller, products)


async def get(conn: Connection, caller: Caller, imei: str, *, lock: bool = False) -> Row | None:
    statement = sa.select(products).where(products.c.product_imei == imei, _scope(caller))
    if lock and conn.dialect_name == "postgresql":
        statement = statement.with_for_update()
    return await conn.fetch_one(statement)


async def count(conn: Connection, caller: Caller, query: ListQuery) -> int:
    return int(await conn.fetch_value(count_statement(LISTING, query, caller)))


async def page(conn: Connection, caller: Caller, query: ListQuery, page: PageRequest) -> list[Row]:
    statement = page_statement(LISTING, query, caller, page)
    return [] if statement is None else await conn.fetch_all(statement)


async def insert(conn: Connection, values: Mapping[str, Any]) -> Row:
    statement = insert_ignoring_conflicts(conn, products).values(**values).returning(products)
    row = await conn.fetch_one(statement)
    if row is None:
        raise NotUnique("product_imei", values["product_imei"])
    return row


async def update(conn: Connection, imei: str, values: Mapping[str, Any]) -> Row:
    statement = (
        sa.update(products)
        .where(products.c.product_imei == imei)
        .values(**values)
        .returning(products)
    )
    row = await conn.fetch_one(statement)
    assert row is not None
    return row


async def delete(conn: Connection, imei: str) -> None:
    await conn.execute(sa.delete(products).where(products.c.product_imei == imei))
