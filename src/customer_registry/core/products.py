"""Products: created by the factory, owned by an entity, held by at most one customer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from customer_registry.core import entities
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Forbidden, Invalid, NotFound
from customer_registry.core.fields import Attribute, is_decimal, validate
from customer_registry.core.permissions import Caller
from customer_registry.core.product_attributes import ProductAttributes
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import links as link_repository
from customer_registry.storage import products as repository
from customer_registry.storage import schema
from customer_registry.storage.attributes import attributes
from customer_registry.storage.database import Connection, Row

IMEI_LENGTH = 15


# The device fields (`ProductAttributes`), with the limits of the columns made from them.
ATTRIBUTES: dict[str, Attribute] = attributes(schema.products, ProductAttributes.__struct_fields__)
# What a new product's never-null fields (the flags) are unless sent: the table has no
# server defaults for them.
_DEFAULTS = {
    name: getattr(ProductAttributes(), name)
    for name, attribute in ATTRIBUTES.items()
    if not attribute.nullable
}
_AUDIT = ("created_at", "created_by", "modified_at", "modified_by")
_ATTRIBUTE_VALUES = itemgetter(*ATTRIBUTES)  # a row's, in ProductAttributes' order


@dataclass(frozen=True, slots=True)
class Product:
    product_imei: str
    entity_id: int | None
    attributes: ProductAttributes
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Product:
        return cls(
            product_imei=row["product_imei"],
            entity_id=row["entity_id"],
            attributes=ProductAttributes(*_ATTRIBUTE_VALUES(row)),
            **{name: row[name] for name in _AUDIT},
        )


def valid_imei(imei: object) -> str:
    """A product's primary key: exactly 15 digits."""
    if not isinstance(imei, str) or len(imei) != IMEI_LENGTH or not is_decimal(imei):
        raise Invalid({"product_imei": "{field} must be a string of exactly 15 digits."})
    return imei


async def get(conn: Connection, caller: Caller, imei: str, *, lock: bool = False) -> Product:
    row = await repository.get(conn, caller.scope, imei, lock=lock)
    if row is None:
        raise _missing(imei)
    return Product.from_row(row)


def _missing(imei: str) -> NotFound:
    return NotFound(f"Product {imei} does not exist.")


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Product]:
    total, rows = await repository.page(conn, caller.scope, query, page)
    return Page([Product.from_row(row) for row in rows], total)


async def _check_entity(conn: Connection, caller: Caller, entity_id: int) -> None:
    if not caller.can_see_entity(entity_id):
        raise Forbidden("You may only place products in your own entity.")
    await entities.require_existing(conn, caller, entity_id, field="entity_id")


async def _open_link(conn: Connection, caller: Caller, imei: str, entity_id: int) -> None:
    now = utcnow()
    await link_repository.insert(
        conn,
        caller.scope.for_entity(entity_id),
        link_repository.PRODUCT_LINKS,
        {"product_imei": imei, "date_added": now, "created_at": now, "created_by": caller.username},
    )


async def _move(conn: Connection, caller: Caller, imei: str, entity_id: int | None) -> None:
    """Close the product's current entity link and open one to `entity_id` (None: no entity)."""
    now = utcnow()
    audit = {"modified_at": now, "modified_by": caller.username}
    await link_repository.close_current(
        conn, caller.scope, link_repository.PRODUCT_LINKS, imei, {"date_removed": now, **audit}
    )
    if entity_id is not None:
        await _open_link(conn, caller, imei, entity_id)
    await link_repository.set_owner_entity(conn, link_repository.PRODUCT_LINKS, imei, entity_id)


async def create(
    conn: Connection,
    caller: Caller,
    imei: str,
    entity_id: int | None,
    attributes: Mapping[str, Any],
) -> Product:
    """A new product, linked to `entity_id` (ENTITY callers: their own entity by default)."""
    valid_imei(imei)
    values = {**_DEFAULTS, **attributes}
    validate(ATTRIBUTES, values)
    if entity_id is None and not caller.sees_all_entities:
        entity_id = caller.entity_id
    if entity_id is not None:
        await _check_entity(conn, caller, entity_id)
    row = await repository.insert(
        conn,
        {
            **values,
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
    """Change the device fields sent; a new `entity_id` closes the old entity link."""
    existing = await get(conn, caller, imei)
    attributes = {name: value for name, value in changes.items() if name != "entity_id"}
    validate(ATTRIBUTES, attributes)
    moving = "entity_id" in changes and changes["entity_id"] != existing.entity_id
    if not attributes and not moving:
        return existing
    if moving:
        entity_id = changes["entity_id"]
        if entity_id is None and not caller.sees_all_entities:
            raise Forbidden("You may only place products in your own entity.")
        if entity_id is not None:
            await _check_entity(conn, caller, entity_id)
        await _move(conn, caller, imei, entity_id)
    audit = {"modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, caller.scope, imei, {**attributes, **audit})
    if row is None:
        raise _missing(imei)  # another request deleted it first
    return Product.from_row(row)


async def delete(conn: Connection, caller: Caller, imei: str) -> None:
    await get(conn, caller, imei)
    if not await repository.delete(conn, caller.scope, imei):
        raise _missing(imei)  # another request deleted it first
