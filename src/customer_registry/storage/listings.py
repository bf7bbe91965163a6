"""What each table exposes to list queries, and how the tables relate: declarations only.

All listings live here so relations may point both ways (customers -> their product history
-> its customer) without circular imports. A new relation is one `relate` line; its scope
says which of the related rows a caller may see (through `scope.py`, like every scope).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from customer_registry.storage.listing import Listing, Relation, same
from customer_registry.storage.schema import customer_entity_linker, customers, entities
from customer_registry.storage.scope import by_entity


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
