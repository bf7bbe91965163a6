"""Every query on entity links: which entity a customer or a product belongs to, over time.

Customers and products keep the entity of their current link (date_removed IS NULL) in their
own `entity_id` column, so visibility checks need no join; the core keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import Invalid
from customer_registry.core.fields import check_storable, is_key
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.storage.database import Connection, Row, storable
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.listing import Listing, fetch_page
from customer_registry.storage.listings import CUSTOMER_ENTITY_LINKS, PRODUCT_ENTITY_LINKS
from customer_registry.storage.rows import deleted
from customer_registry.storage.schema import (
    customer_entity_linker,
    customers,
    product_entity_linker,
    products,
)
from customer_registry.storage.scope import entity_scope


@dataclass(frozen=True, slots=True)
class LinkTable:
    """One kind of entity link: its table, and the owner (customer or product) it links."""

    table: sa.Table
    key: sa.Column[Any]  # the link's own id
    owner: sa.Column[Any]  # the owner's key on the link table
    owner_key: sa.Column[Any]  # the owner's key on its own table
    owner_entity: sa.Column[Any]  # the owner's denormalised current entity
    current_index: str  # the partial unique index: one current link per owner
    listing: Listing


CUSTOMER_LINKS = LinkTable(
    customer_entity_linker,
    customer_entity_linker.c.customer_entity_linker_id,
    customer_entity_linker.c.customer_id,
    customers.c.customer_id,
    customers.c.entity_id,
    "uq_customer_entity_linker_current_customer",
    CUSTOMER_ENTITY_LINKS,
)
PRODUCT_LINKS = LinkTable(
    product_entity_linker,
    product_entity_linker.c.product_entity_linker_id,
    product_entity_linker.c.product_imei,
    products.c.product_imei,
    products.c.entity_id,
    "uq_product_entity_linker_current_product",
    PRODUCT_ENTITY_LINKS,
)


def _scope(links: LinkTable, caller: Caller) -> sa.ColumnElement[bool]:
    return links.listing.scope(caller, links.table)


async def get(conn: Connection, caller: Caller, links: LinkTable, link_id: int) -> Row | None:
    return await conn.fetch_one(
        sa.select(links.table).where(links.key == link_id, _scope(links, caller))
    )


async def page(
    conn: Connection, caller: Caller, links: LinkTable, query: ListQuery, page: PageRequest
) -> tuple[int, list[Row]]:
    return await fetch_page(conn, links.listing, caller, query, page)


def _refused(links: LinkTable, error: UniqueViolation | ForeignKeyViolation) -> Invalid:
    if isinstance(error, UniqueViolation) and error.constraint == links.current_index:
        return Invalid({"date_removed": "{field}: there is already a current link for this owner."})
    if isinstance(error, ForeignKeyViolation):
        return Invalid({links.owner.name: "{field} or entity_id does not exist."})
    raise error


async def insert(conn: Connection, links: LinkTable, values: Mapping[str, Any]) -> Row:
    check_storable(links.table, values)
    try:
        row = await conn.fetch_one(sa.insert(links.table).values(**values).returning(links.table))
    except (UniqueViolation, ForeignKeyViolation) as error:
        raise _refused(links, error) from error
    assert row is not None
    return row


async def update(
    conn: Connection, links: LinkTable, link_id: int, values: Mapping[str, Any]
) -> Row | None:
    """The updated link; None when it was deleted since it was read (see `rows.update_row`)."""
    check_storable(links.table, values)
    statement = (
        sa.update(links.table).where(links.key == link_id).values(**values).returning(links.table)
    )
    try:
        return await conn.fetch_one(statement)
    except (UniqueViolation, ForeignKeyViolation) as error:
        raise _refused(links, error) from error


async def delete(conn: Connection, links: LinkTable, link_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    return deleted(await conn.execute(sa.delete(links.table).where(links.key == link_id)))


async def close_current(
    conn: Connection, links: LinkTable, owner: object, values: Mapping[str, Any]
) -> None:
    """End the owner's current link (if any): `values` carry date_removed and the audit."""
    check_storable(links.table, values)
    await conn.execute(
        sa.update(links.table)
        .where(links.owner == owner, links.table.c.date_removed.is_(None))
        .values(**values)
    )


async def current_entity(conn: Connection, links: LinkTable, owner: object) -> int | None:
    value = await conn.fetch_value(
        sa.select(links.table.c.entity_id).where(
            links.owner == owner, links.table.c.date_removed.is_(None)
        )
    )
    return None if value is None else int(value)


async def set_owner_entity(
    conn: Connection, links: LinkTable, owner: object, entity_id: int | None
) -> None:
    try:
        await conn.execute(
            sa.update(links.owner_key.table)
            .where(links.owner_key == owner)
            .values({links.owner_entity.name: entity_id})
        )
    except UniqueViolation as error:  # a customer's external id or code is taken there
        message = f"{{field}}: the customer's identifiers are already used in entity #{entity_id}."
        raise Invalid({"entity_id": message}) from error


async def owner_exists(conn: Connection, caller: Caller, links: LinkTable, owner: object) -> bool:
    if not storable(owner) or (isinstance(owner, int) and not is_key(owner)):
        return False  # no row can have it (PostgreSQL would refuse to compare it)
    found = await conn.fetch_value(
        sa.select(sa.func.count())
        .select_from(links.owner_key.table)
        .where(links.owner_key == owner, entity_scope(caller, links.owner_entity))
    )
    return bool(found)
