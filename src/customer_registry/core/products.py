"""Products: created by the factory, owned by an entity, held by at most one customer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customer_registry.core import entities
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Forbidden, Invalid, NotFound, UnknownField
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import links as link_repository
from customer_registry.storage import products as repository
from customer_registry.storage.database import Connection, Row

IMEI_LENGTH = 15


@dataclass(frozen=True, slots=True)
class Product:
    product_imei: str
    entity_id: int | None
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Product:
        return cls(**row)


def valid_imei(imei: object) -> str:
    """A product's primary key: exactly 15 digits."""
    if not isinstance(imei, str) or len(imei) != IMEI_LENGTH or not imei.isdigit():
        raise Invalid({"product_imei": "{field} must be a string of exactly 15 digits."})
    return imei


async def get(conn: Connection, caller: Caller, imei: str, *, lock: bool = False) -> Product:
    row = await repository.get(conn, caller, imei, lock=lock)
    if row is None:
        raise NotFound(f"Product {imei} does not exist.")
    return Product.from_row(row)


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Product]:
    total = await repository.count(conn, caller, query)
    skipped = (page.page - 1) * page.per_page
    rows = await repository.page(conn, caller, query, page) if total > skipped else []
    return Page([Product.from_row(row) for row in rows], total)


async def _check_entity(conn: Connection, caller: Caller, entity_id: int) -> None:
    if not caller.can_see_entity(entity_id):
        raise Forbidden("You may only place products in your own entity.")
    await entities.require_existing(conn, caller, entity_id, field="entity_id")


async def _open_link(conn: Connection, caller: Caller, imei: str, entity_id: int) -> None:
    now = utcnow()
    await link_repository.insert(
        conn,
        link_repository.PRODUCT_LINKS,
        {
            "product_imei": imei,
            "entity_id": entity_id,
            "date_added": now,
            "created_at": now,
            "created_by": caller.username,
        },
    )


async def _move(conn: Connection, caller: Caller, imei: str, entity_id: int | None) -> None:
    """Close the product's current entity link and open one to `entity_id` (None: no entity)."""
    now = utcnow()
    audit = {"modified_at": now, "modified_by": caller.username}
    await link_repository.close_current(
        conn, link_repository.PRODUCT_LINKS, imei, {"date_removed": now, **audit}
    )
    if entity_id is not None:
        await _open_link(conn, caller, imei, entity_id)
    await link_repository.set_owner_entity(conn, link_repository.PRODUCT_LINKS, imei, entity_id)


async def create(conn: Connection, caller: Caller, imei: str, entity_id: int | None) -> Product:
    """A new product, linked to `entity_id` (ENTITY callers: their own entity by default)."""
    valid_imei(imei)
    if entity_id is None and not caller.sees_all_entities:
        entity_id = caller.entity_id
    if entity_id is not None:
        await _check_entity(conn, caller, entity_id)
    row = await repository.insert(
        conn,
        {
            "product_imei": imei,
            "entity_id": entity_id,
            "created_at": utcnow(),
            "created_by": caller.username,
        },
    )
    if entity_id is not None:
        await _open_link(conn, caller, imei, entity_id)
    return Product.from_row(row)


async def update(
    conn: Connection, caller: Caller, imei: str, changes: Mapping[str, Any]
) -> Product:
    """The one thing a product here has to change: its entity (closing the old link)."""
    existing = await get(conn, caller, imei)
    for field in changes:
        if field != "entity_id":
            raise UnknownField(field)
    if "entity_id" not in changes or changes["entity_id"] == existing.entity_id:
        return existing
    entity_id = changes["entity_id"]
    if entity_id is None and not caller.sees_all_entities:
        raise Forbidden("You may only place products in your own entity.")
    if entity_id is not None:
        await _check_entity(conn, caller, entity_id)
    await _move(conn, caller, imei, entity_id)
    await repository.update(conn, imei, {"modified_at": utcnow(), "modified_by": caller.username})
    return await get(conn, caller, imei)


async def delete(conn: Connection, caller: Caller, imei: str) -> None:
    await get(conn, caller, imei)
    await repository.delete(conn, imei)
