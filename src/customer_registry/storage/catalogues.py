"""Every query on the sales catalogues (categories, segmentations, payment types, regions,
currencies): one set of statements for all, since each is an entity's own table of objects
with a `reference` unique in the entity."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import InUse, NotUnique
from customer_registry.core.fields import check_storable
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.storage.database import (
    Connection,
    Prepared,
    Row,
    insert_ignoring_conflicts,
    storable,
)
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.listing import Listing, fetch_page
from customer_registry.storage.rows import deleted, insert_row, update_row
from customer_registry.storage.schema import currencies, customer_categories


def _in_entity(listing: Listing, entity_id: int) -> sa.Select[Any]:
    return sa.select(listing.table).where(listing.table.c.entity_id == entity_id)


async def get(conn: Connection, listing: Listing, entity_id: int, key: int) -> Row | None:
    return await conn.fetch_one(_in_entity(listing, entity_id).where(listing.key == key))


async def by_reference(
    conn: Connection, listing: Listing, entity_id: int, reference: str
) -> Row | None:
    if not storable(reference):
        return None
    return await conn.fetch_one(
        _in_entity(listing, entity_id).where(listing.table.c.reference == reference)
    )


async def where(conn: Connection, listing: Listing, entity_id: int, **equal: Any) -> Sequence[Row]:
    statement = _in_entity(listing, entity_id)
    for name, value in equal.items():
        statement = statement.where(listing.table.c[name] == value)
    return await conn.fetch_all(statement.order_by(listing.key))


async def keys_in_entity(
    conn: Connection, listing: Listing, entity_id: int, keys: Collection[int]
) -> set[int]:
    """Which of `keys` name objects of the entity (one query for a whole list)."""
    if not keys:
        return set()
    rows = await conn.fetch_all(
        sa.select(listing.key).where(listing.table.c.entity_id == entity_id, listing.key.in_(keys))
    )
    return {row[listing.key.name] for row in rows}


async def page(
    conn: Connection, listing: Listing, caller: Caller, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    return await fetch_page(conn, listing, caller, query, page)


def _not_unique(error: UniqueViolation, values: Mapping[str, Any]) -> NotUnique:
    if (error.constraint or "").endswith("_reference"):
        return NotUnique("reference", values.get("reference"), values.get("entity_id"))
    raise error


async def insert(conn: Connection, listing: Listing, values: Mapping[str, Any]) -> Row:
    return await insert_row(conn, listing.table, values, not_unique=_not_unique)


async def update(
    conn: Connection, listing: Listing, key: int, values: Mapping[str, Any]
) -> Row | None:
    return await update_row(conn, listing.table, listing.key, key, values, not_unique=_not_unique)


async def update_where(
    conn: Connection, listing: Listing, entity_id: int, values: Mapping[str, Any], **equal: Any
) -> None:
    check_storable(listing.table, values)
    statement = sa.update(listing.table).where(listing.table.c.entity_id == entity_id)
    for name, value in equal.items():
        statement = statement.where(listing.table.c[name] == value)
    await conn.execute(statement.values(**values))


async def delete(conn: Connection, listing: Listing, key: int, in_use: str) -> bool:
    """Delete, or InUse (`in_use` says why) while customers or children point at it;
    whether the row was there to delete (see `rows.deleted`)."""
    try:
        return deleted(await conn.execute(sa.delete(listing.table).where(listing.key == key)))
    except ForeignKeyViolation as error:
        raise InUse(in_use) from error


async def insert_root_category(conn: Connection, values: Mapping[str, Any]) -> None:
    """The entity's root category, unless it has one (the partial unique index decides)."""
    await conn.execute(insert_ignoring_conflicts(conn, customer_categories).values(**values))


_NEW_CUSTOMER_DEFAULTS = Prepared(
    sa.select(
        sa.select(customer_categories.c.category_id)
        .where(
            customer_categories.c.entity_id == sa.bindparam("entity_id"),
            customer_categories.c.parent_id.is_(None),
        )
        .scalar_subquery()
        .label("category_id"),
        sa.select(currencies.c.currency_id)
        .where(
            currencies.c.entity_id == sa.bindparam("entity_id"),
            currencies.c.is_default.is_(True),
        )
        .scalar_subquery()
        .label("currency_id"),
    )
)


async def new_customer_defaults(conn: Connection, entity_id: int) -> Row:
    """The entity's root category and default currency (`category_id`, `currency_id`, either
    None when absent), in one round trip: every create needs them."""
    row = await conn.fetch_one(_NEW_CUSTOMER_DEFAULTS, entity_id=entity_id)
    assert row is not None
    return row
