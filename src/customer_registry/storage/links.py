"""Every query on entity links: which entity a customer or a product belongs to, over time.

Customers and products keep the entity of their current link (date_removed IS NULL) in their
own `entity_id` column, so visibility checks need no join; the core keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import Invalid
from customer_registry.core.fields import check_storable, is_key
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Row, storable
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.listing import Listing, fetch_page
from customer_registry.storage.listings import CUSTOMER_ENTITY_LINKS, PRODUCT_ENTITY_LINKS
from customer_registry.storage.rows import delete_row, locking, update_row
from customer_registry.storage.schema import (
    customer_entity_linker,
    customers,
    product_entity_linker,
    products,
)
from customer_registry.storage.scope import entity_scope, placed


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


async def get(
    conn: Connection, scope: Scope, links: LinkTable, link_id: int, *, lock: bool = False
) -> Row | None:
    statement = sa.select(links.table).where(
        links.key == link_id, links.listing.scope(scope, links.table)
    )
    return await conn.fetch_one(locking(conn, statement, links.table, lock))


async def page(
    conn: Connection, scope: Scope, links: LinkTable, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    return await fetch_page(conn, links.listing, scope, query, page)


def _refused(links: LinkTable, error: UniqueViolation | ForeignKeyViolation) -> Invalid:
    if isinstance(error, UniqueViolation) and error.constraint == links.current_index:
        return Invalid({"date_removed": "{field}: there is already a current link for this owner."})
    if isinstance(error, ForeignKeyViolation):
        return Invalid({links.owner.name: "{field} or entity_id does not exist."})
    raise error


async def insert(
    conn: Connection, scope: Scope, links: LinkTable, values: Mapping[str, Any]
) -> Row:
    """A link of the owner to the entity the scope's new rows go to."""
    values = placed(scope, values)
    check_storable(links.table, values)
    try:
        row = await conn.fetch_one(sa.insert(links.table).values(**values).returning(links.table))
    except (UniqueViolation, ForeignKeyViolation) as error:
        raise _refused(links, error) from error
    assert row is not None
    return row


async def update(
    conn: Connection, scope: Scope, links: LinkTable, link_id: int, values: Mapping[str, Any]
) -> Row | None:
    """The updated link; None when it was deleted since it was read (see `rows.update_row`)."""
    try:
        return await update_row(conn, links.listing, scope, link_id, values)
    except (UniqueViolation, ForeignKeyViolation) as error:
        raise _refused(links, error) from error


async def delete(conn: Connection, scope: Scope, links: LinkTable, link_id: int) -> bool:
    """Whether the row was there to delete (see `rows.deleted`)."""
    return await delete_row(conn, links.listing, scope, link_id)


async def close_current(
    conn: Connection, scope: Scope, links: LinkTable, owner: object, values: Mapping[str, Any]
) -> None:
    """End the owner's current link (if any): `values` carry date_removed and the audit. The
    owner is one the scope sees, and so is its current link (its entity is the owner's)."""
    check_storable(links.table, values)
    await conn.execute(
        sa.update(links.table)
        .where(
            links.owner == owner,
            links.table.c.date_removed.is_(None),
            links.listing.scope(scope, links.table),
        )
        .values(**values)
    )


# An owner's own entity follows its current link, whichever entity that is: a link the
# scope sees may belong to an owner now in another entity (a customer moved since), and
# changing that link still moves the owner. The two queries below are the reviewed
# exceptions to scoping (tests/storage/test_scoped_queries.py).
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


async def owner_exists(conn: Connection, scope: Scope, links: LinkTable, owner: object) -> bool:
    if not storable(owner) or (isinstance(owner, int) and not is_key(owner)):
        return False  # no row can have it (PostgreSQL would refuse to compare it)
    found = await conn.fetch_value(
        sa.select(sa.func.count())
        .select_from(links.owner_key.table)
        .where(links.owner_key == owner, entity_scope(scope, links.owner_entity))
    )
    return bool(found)
