"""The query behind a full customer record: the customer with everything it names, its
payment types and its contacts, in one statement (one round trip) for one customer or for a
whole page of them: what it names is joined (one row each at most), its payment types and
contacts come as JSON arrays (`storage/json_rows.py`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa

from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Prepared, Row
from customer_registry.storage.json_rows import JsonReader, JsonRows
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
from customer_registry.storage.scope import entity_scope, of_owner, per_scope_kind, scope_values

_parent = customers.alias("parent")
_link = customer_payment_types
_PAYMENT_TYPE_COLUMNS = (
    payment_types.c.payment_type_id,
    payment_types.c.reference,
    payment_types.c.name,
)
read_payment_types = JsonReader(_PAYMENT_TYPE_COLUMNS)
read_contacts = JsonReader(contacts.columns)


def _named(table: sa.FromClause, prefix: str, *columns: str) -> list[sa.Label[Any]]:
    return [table.c[name].label(f"{prefix}_{name}") for name in columns]


def _names(customer: sa.FromClause) -> tuple[list[sa.Label[Any]], sa.FromClause]:
    """What a customer row names (its entity, catalogue objects, creator, parent), and
    `customer` joined to them: each by its key, so still one row per customer."""
    columns = [
        entities.c.name.label("organization"),
        *_named(customer_categories, "category", "reference", "name"),
        *_named(customer_segmentations, "segmentation", "reference", "name"),
        *_named(regions, "region", "reference", "name"),
        *_named(currencies, "currency", "reference"),
        *_named(users, "creator", "username", "display_name"),
        *_named(_parent, "parent", "code", "name"),
    ]
    c = customer.c
    joined = (
        customer.join(entities, entities.c.entity_id == c.entity_id)
        .outerjoin(customer_categories, customer_categories.c.category_id == c.category_id)
        .outerjoin(
            customer_segmentations,
            customer_segmentations.c.segmentation_id == c.segmentation_id,
        )
        .outerjoin(regions, regions.c.region_id == c.region_id)
        .outerjoin(currencies, currencies.c.currency_id == c.currency_id)
        .outerjoin(users, users.c.user_id == c.creator_id)
        .outerjoin(_parent, _parent.c.customer_id == c.parent_customer_id)
    )
    return columns, joined


# A customer's payment types are its entity's, and its contacts are seen through it.
def _payment_types_of(scope: Scope, customer: sa.FromClause) -> JsonRows:
    rows = (
        sa.select(*_PAYMENT_TYPE_COLUMNS)
        .select_from(
            _link.join(payment_types, payment_types.c.payment_type_id == _link.c.payment_type_id)
        )
        .where(
            _link.c.customer_id == customer.c.customer_id,
            entity_scope(scope, payment_types.c.entity_id),
        )
        .correlate(customer)
    )
    return JsonRows(rows, [payment_types.c.payment_type_id])


def _contacts_of(scope: Scope, customer: sa.FromClause) -> JsonRows:
    rows = (
        sa.select(contacts)
        .where(of_owner(scope, contacts.c.customer_id, customer, "customer_id"))
        .correlate(customer)
    )
    return JsonRows(rows, [contacts.c.contact_id])


def _record_columns(
    scope: Scope, customer: sa.FromClause
) -> tuple[list[sa.ColumnElement[Any]], sa.FromClause]:
    """The columns of a record, for each row of `customer`, and what they are read from."""
    named, joined = _names(customer)
    columns: list[sa.ColumnElement[Any]] = [
        *(customer.c[column.name] for column in customers.columns),
        *named,
        _payment_types_of(scope, customer).label("payment_types"),
        _contacts_of(scope, customer).label("contacts"),
    ]
    return columns, joined


def _among(column: sa.Column[Any], count: int) -> sa.ColumnElement[bool]:
    """`column IN (:k0, :k1, …)`: one bind parameter per key, so that a statement is compiled
    once per number of keys (one for a get by id) rather than expanded and rendered again at
    every call."""
    return column.in_([sa.bindparam(f"k{n}", type_=column.type) for n in range(count)])


def _keys(ids: Collection[int]) -> dict[str, int]:
    return {f"k{n}": key for n, key in enumerate(ids)}


@per_scope_kind
def _records_of(scope: Scope, count: int) -> Prepared:
    columns, joined = _record_columns(scope, customers)
    return Prepared(
        sa.select(*columns)
        .select_from(joined)
        .where(_among(customers.c.customer_id, count), entity_scope(scope, customers.c.entity_id))
    )


async def records_of(conn: Connection, scope: Scope, ids: Collection[int]) -> Sequence[Row]:
    """The customers `ids` the scope sees, each with what it names, its payment types and
    contacts (read them with `read_payment_types` and `read_contacts`)."""
    if not ids:
        return []
    statement = _records_of(scope, len(ids))
    return await conn.fetch_all(statement, **scope_values(scope), **_keys(ids))
