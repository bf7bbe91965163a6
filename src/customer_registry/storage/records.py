"""The queries behind a full customer record: the customer with everything it names, for
a whole page of customers at once (three queries, however many customers)."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.storage.database import Connection, Prepared, Row
from customer_registry.storage.schema import (
    contacts,
    currencies,
    customer_categories,
    customer_payment_types,
    customer_segmentations,
    customers,
    entities,
    payment_types,
    regions,
    users,
)

_parent = customers.alias("parent")


def _named(table: sa.FromClause, prefix: str, *columns: str) -> list[sa.Label[Any]]:
    return [table.c[name].label(f"{prefix}_{name}") for name in columns]


_RECORDS = sa.select(
    customers,
    entities.c.name.label("organization"),
    *_named(customer_categories, "category", "reference", "name"),
    *_named(customer_segmentations, "segmentation", "reference", "name"),
    *_named(regions, "region", "reference", "name"),
    *_named(currencies, "currency", "reference"),
    *_named(users, "creator", "username", "display_name"),
    *_named(_parent, "parent", "code", "name"),
).select_from(
    customers.join(entities, entities.c.entity_id == customers.c.entity_id)
    .outerjoin(
        customer_categories,
        customer_categories.c.category_id == customers.c.category_id,
    )
    .outerjoin(
        customer_segmentations,
        customer_segmentations.c.segmentation_id == customers.c.segmentation_id,
    )
    .outerjoin(regions, regions.c.region_id == customers.c.region_id)
    .outerjoin(currencies, currencies.c.currency_id == customers.c.currency_id)
    .outerjoin(users, users.c.user_id == customers.c.creator_id)
    .outerjoin(_parent, _parent.c.customer_id == customers.c.parent_customer_id)
)


_link = customer_payment_types
_PAYMENT_TYPES = (
    sa.select(_link.c.customer_id, payment_types)
    .join(payment_types, payment_types.c.payment_type_id == _link.c.payment_type_id)
    .order_by(_link.c.customer_id, payment_types.c.payment_type_id)
)
_CONTACTS = sa.select(contacts).order_by(contacts.c.customer_id, contacts.c.contact_id)


def _among(column: sa.Column[Any], count: int) -> sa.ColumnElement[bool]:
    """`column IN (:k0, :k1, …)`: one bind parameter per key, so that a statement is compiled
    once per number of keys (a page size, or one for a get by id) rather than expanded and
    rendered again at every call, which cost a sales page of 50 about a sixth of its time."""
    return column.in_([sa.bindparam(f"k{n}", type_=column.type) for n in range(count)])


def _keys(ids: Collection[int]) -> dict[str, int]:
    return {f"k{n}": key for n, key in enumerate(ids)}


@functools.lru_cache(maxsize=128)
def _records_of(count: int, in_entity: bool) -> Prepared:
    statement = _RECORDS.where(_among(customers.c.customer_id, count))
    if in_entity:
        statement = statement.where(customers.c.entity_id == sa.bindparam("entity_id"))
    return Prepared(statement)


@functools.lru_cache(maxsize=128)
def _payment_types_of(count: int) -> Prepared:
    return Prepared(_PAYMENT_TYPES.where(_among(_link.c.customer_id, count)))


@functools.lru_cache(maxsize=128)
def _contacts_of(count: int) -> Prepared:
    return Prepared(_CONTACTS.where(_among(contacts.c.customer_id, count)))


async def customers_with_names(
    conn: Connection, ids: Collection[int], entity_id: int | None
) -> Sequence[Row]:
    """The customers `ids` (of `entity_id` only, unless None) with what they name."""
    if not ids:
        return []
    if entity_id is None:
        return await conn.fetch_all(_records_of(len(ids), False), **_keys(ids))
    statement = _records_of(len(ids), True)
    return await conn.fetch_all(statement, entity_id=entity_id, **_keys(ids))


async def payment_types_of(conn: Connection, ids: Collection[int]) -> Sequence[Row]:
    return await conn.fetch_all(_payment_types_of(len(ids)), **_keys(ids)) if ids else []


async def contacts_of(conn: Connection, ids: Collection[int]) -> Sequence[Row]:
    return await conn.fetch_all(_contacts_of(len(ids)), **_keys(ids)) if ids else []
