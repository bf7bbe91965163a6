"""What each table exposes to list queries, and how the tables relate: declarations only.

All listings live here so relations may point both ways (customers -> their product history
-> its customer) without circular imports. A new relation is one `relate` line; its scope
says which of the related rows a caller may see (through `scope.py`, like every scope).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from customer_registry.core.scope import Scope
from customer_registry.storage.listing import Listing, Relation, same
from customer_registry.storage.schema import (
    brands,
    contacts,
    currencies,
    customer_categories,
    customer_entity_linker,
    customer_product_history,
    customer_segmentations,
    customers,
    entities,
    payment_types,
    product_entity_linker,
    products,
    regions,
    users,
)
from customer_registry.storage.scope import Visible, by_entity, shared_or_scoped, through


def _fields(table: sa.Table, *hidden: str) -> dict[str, sa.Column[Any]]:
    return {c.name: c for c in table.columns if c.name not in hidden}


CUSTOMERS = Listing(
    table=customers,
    key=customers.c.customer_id,
    fields=_fields(customers, "entity_id"),
    scope=by_entity("entity_id"),
)

CUSTOMER_ENTITY_LINKS = Listing(
    table=customer_entity_linker,
    key=customer_entity_linker.c.customer_entity_linker_id,
    fields=_fields(customer_entity_linker),
    scope=by_entity("entity_id"),
)

ENTITIES = Listing(
    table=entities,
    key=entities.c.entity_id,
    fields=_fields(entities),
    scope=by_entity("entity_id"),
)


def _own_or_shared(scope: Scope, table: sa.FromClause) -> Visible:
    """Brands: the shared ones (no entity) and those of the entities the scope sees."""
    return shared_or_scoped(scope, table.c.entity_id)


BRANDS = Listing(
    table=brands,
    key=brands.c.brand_id,
    fields=_fields(brands, "entity_id"),
    scope=_own_or_shared,
)

PRODUCTS = Listing(
    table=products,
    key=products.c.product_imei,
    fields=_fields(products),
    scope=by_entity("entity_id"),
)

PRODUCT_ENTITY_LINKS = Listing(
    table=product_entity_linker,
    key=product_entity_linker.c.product_entity_linker_id,
    fields=_fields(product_entity_linker),
    scope=by_entity("entity_id"),
)


def _through_customer(scope: Scope, table: sa.FromClause) -> Visible:
    """A history row (or a contact) is seen by whoever sees its customer."""
    return through(scope, table.c.customer_id, customers.c.customer_id)


CUSTOMER_PRODUCT_HISTORY = Listing(
    table=customer_product_history,
    key=customer_product_history.c.customer_product_history_id,
    fields=_fields(customer_product_history),
    scope=_through_customer,
)

CUSTOMER_PRODUCT_HISTORY.relate(
    Relation(
        "customer",
        target=CUSTOMERS,
        link=same("customer_id", "customer_id"),
        many=False,
        scope=by_entity("entity_id"),
    ),
    Relation(
        "product",
        target=PRODUCTS,
        link=same("product_imei", "product_imei"),
        many=False,
        scope=by_entity("entity_id"),
    ),
)

ENTITIES.relate(
    Relation(
        "product_entity_linker",
        target=PRODUCT_ENTITY_LINKS,
        link=same("entity_id", "entity_id"),
        many=True,
        scope=by_entity("entity_id"),
    ),
)

PRODUCTS.relate(
    Relation(
        "product_entity_linker",
        target=PRODUCT_ENTITY_LINKS,
        link=same("product_imei", "product_imei"),
        many=True,
        scope=by_entity("entity_id"),
    ),
    Relation(
        "customer_product_history",
        target=CUSTOMER_PRODUCT_HISTORY,
        link=same("product_imei", "product_imei"),
        many=True,
        scope=_through_customer,
    ),
)

CUSTOMERS.relate(
    Relation(
        "customer_product_history",
        target=CUSTOMER_PRODUCT_HISTORY,
        link=same("customer_id", "customer_id"),
        many=True,
        scope=_through_customer,
    ),
)

CUSTOMERS.relate(
    Relation(
        "customer_entity_linker",
        target=CUSTOMER_ENTITY_LINKS,
        link=same("customer_id", "customer_id"),
        many=True,
        # A customer's history may name other entities: an ENTITY caller sees only the links
        # to their own, so no filter can reveal where a customer was before.
        scope=by_entity("entity_id"),
    ),
)

CONTACTS = Listing(
    table=contacts,
    key=contacts.c.contact_id,
    fields=_fields(contacts),
    scope=_through_customer,
)


# The sales catalogues: each an entity's own.
def _catalogue(table: sa.Table) -> Listing:
    key = next(iter(table.primary_key.columns))
    return Listing(table=table, key=key, fields=_fields(table), scope=by_entity("entity_id"))


CATEGORIES = _catalogue(customer_categories)
SEGMENTATIONS = _catalogue(customer_segmentations)
PAYMENT_TYPES = _catalogue(payment_types)
REGIONS = _catalogue(regions)
CURRENCIES = _catalogue(currencies)

USERS = Listing(
    table=users,
    key=users.c.user_id,
    fields=_fields(users, "password_hash"),
    scope=by_entity("entity_id"),
)
