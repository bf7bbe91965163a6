"""The queries behind a full customer record: the customer with everything it names, for
a whole page of customers at once (three queries, however many customers)."""

from __future__ import annotations

from collections.abc import Collection
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

# One customer's record (the hot path: get by id), compiled once.
_ONE: sa.BindParameter[int] = sa.bindparam("customer_id")
_RECORD_ANY = Prepared(_RECORDS.where(customers.c.customer_id == _ONE))
_RECORD_IN_ENTITY = Prepared(
    _RECORDS.where(
        customers.c.customer_id == _ONE, customers.c.entity_id == sa.bindparam("entity_id")
    )
)
_PAYMENT_TYPES_OF_ONE = Prepared(_PAYMENT_TYPES.where(_link.c.customer_id == _ONE))
_CONTACTS_OF_ONE = Prepared(_CONTACTS.where(contacts.c.customer_id == _ONE))


async def customers_with_names(
    conn: Connection, ids: Collection[int], entity_id: int | None
) -> list[Row]:
    """The customers `ids` (of `entity_id` only, unless None) with what they name."""
    if len(ids) == 1:
        (key,) = ids
        if entity_id is None:
            return await conn.fetch_all(_RECORD_ANY, customer_id=key)
        return await conn.fetch_all(_RECORD_IN_ENTITY, customer_id=key, entity_id=entity_id)
    statement = _RECORDS.where(customers.c.customer_id.in_(ids))
    if entity_id is not None:
        statement = statement.where(customers.c.entity_id == entity_id)
    return await conn.fetch_all(statement)


async def payment_types_of(conn: Connection, ids: Collection[int]) -> list[Row]:
    if len(ids) == 1:
        (key,) = ids
        return await conn.fetch_all(_PAYMENT_TYPES_OF_ONE, customer_id=key)
    return await conn.fetch_all(_PAYMENT_TYPES.where(_link.c.customer_id.in_(ids)))


async def contacts_of(conn: Connection, ids: Collection[int]) -> list[Row]:
    if len(ids) == 1:
        (key,) = ids
        return await conn.fetch_all(_CONTACTS_OF_ONE, customer_id=key)
    return await conn.fetch_all(_CONTACTS.where(contacts.c.customer_id.in_(ids)))
