"""Every query on the sales catalogues (categories, segmentations, payment types, regions,
currencies): one set of statements for all, since each is an entity's own table of objects
with a `reference` unique in the entity."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import InUse, NotUnique
from customer_registry.core.fields import check_storable
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import (
    Connection,
    Prepared,
    Row,
    insert_ignoring_conflicts,
    storable,
)
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.listing import Listing, fetch_page
from customer_registry.storage.rows import delete_row, insert_row, locking, update_row
from customer_registry.storage.schema import currencies, customer_categories
from customer_registry.storage.scope import own_entity, per_scope_kind, placed, scope_values


def _in_scope(listing: Listing, scope: Scope) -> sa.Select[Any]:
    """The catalogue's objects of the scope's own entity: a catalogue is one entity's list,
    and what a request names in it (a customer's category, a parent) is resolved there."""
    return sa.select(listing.table).where(own_entity(scope, listing.table.c.entity_id))


async def get(
    conn: Connection, listing: Listing, scope: Scope, key: int, *, lock: bool = False
) -> Row | None:
    statement = _in_scope(listing, scope).where(listing.key == key)
    return await conn.fetch_one(locking(conn, statement, listing.table, lock))


async def by_reference(
    conn: Connection, listing: Listing, scope: Scope, reference: str
) -> Row | None:
    if not storable(reference):
        return None
    return await conn.fetch_one(
        _in_scope(listing, scope).where(listing.table.c.reference == reference)
    )


async def where(conn: Connection, listing: Listing, scope: Scope, **equal: Any) -> Sequence[Row]:
    statement = _in_scope(listing, scope)
    for name, value in equal.items():
        statement = statement.where(listing.table.c[name] == value)
    return await conn.fetch_all(statement.order_by(listing.key))


async def keys_in_entity(
    conn: Connection, listing: Listing, scope: Scope, keys: Collection[int]
) -> set[int]:
    """Which of `keys` name objects of the scope's entity (one query for a whole list)."""
    if not keys:
        return set()
    rows = await conn.fetch_all(
        sa.select(listing.key).where(
            own_entity(scope, listing.table.c.entity_id), listing.key.in_(keys)
        )
    )
    return {row[listing.key.name] for row in rows}


async def page(
    conn: Connection, listing: Listing, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    return await fetch_page(conn, listing, scope, query, page)


def _not_unique(error: UniqueViolation, values: Mapping[str, Any]) -> NotUnique:
    if (error.constraint or "").endswith("_reference"):
        return NotUnique("reference", values.get("reference"), values.get("entity_id"))
    raise error


async def insert(
    conn: Connection, listing: Listing, scope: Scope, values: Mapping[str, Any]
) -> Row:
    """An object of the entity the scope's new rows go to."""
    return await insert_row(conn, listing.table, placed(scope, values), not_unique=_not_unique)


async def update(
    conn: Connection, listing: Listing, scope: Scope, key: int, values: Mapping[str, Any]
) -> Row | None:
    return await update_row(conn, listing, scope, key, values, not_unique=_not_unique)


async def update_where(
    conn: Connection, listing: Listing, scope: Scope, values: Mapping[str, Any], **equal: Any
) -> None:
    """Change every object of the scope's entity whose fields are `equal`."""
    check_storable(listing.table, values)
    statement = sa.update(listing.table).where(own_entity(scope, listing.table.c.entity_id))
    for name, value in equal.items():
        statement = statement.where(listing.table.c[name] == value)
    await conn.execute(statement.values(**values))


async def delete(conn: Connection, listing: Listing, scope: Scope, key: int, in_use: str) -> bool:
    """Delete, or InUse (`in_use` says why) while customers or children point at it;
    whether the row was there to delete (see `rows.deleted`)."""
    try:
        return await delete_row(conn, listing, scope, key)
    except ForeignKeyViolation as error:
        raise InUse(in_use) from error


async def insert_root_category(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> None:
    """The scope's entity's root category, unless it has one (the partial unique index
    decides)."""
    statement = insert_ignoring_conflicts(conn, customer_categories)
    await conn.execute(statement.values(**placed(scope, values)))


@per_scope_kind
def _new_customer_defaults(scope: Scope) -> Prepared:
    return Prepared(
        sa.select(
            sa.select(customer_categories.c.category_id)
            .where(
                own_entity(scope, customer_categories.c.entity_id),
                customer_categories.c.parent_id.is_(None),
            )
            .scalar_subquery()
            .label("category_id"),
            sa.select(currencies.c.currency_id)
            .where(own_entity(scope, currencies.c.entity_id), currencies.c.is_default.is_(True))
            .scalar_subquery()
            .label("currency_id"),
        )
    )


async def new_customer_defaults(conn: Connection, scope: Scope) -> Row:
    """The scope's entity's root category and default currency (`category_id`,
    `currency_id`, either None when absent), in one round trip: every create needs them."""
    row = await conn.fetch_one(_new_customer_defaults(scope), **scope_values(scope))
    assert row is not None
    return row
