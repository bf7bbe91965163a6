"""What a query on each partner resource may name: its fields (partner -> core, from its model
in `models.py`) and its relations; and the names errors are worded with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec
import msgspec.inspect as mi

from customer_registry.apis.models import core_names, keys
from customer_registry.apis.partner_v1 import models


@dataclass(frozen=True, slots=True)
class RelationNames:
    core: str  # the relation's name in the core
    resource: str  # the related resource's key in RESOURCES (by key: relations may cycle)


@dataclass(frozen=True, slots=True)
class Resource:
    """What a query on one partner resource may name: fields and relations, partner -> core,
    and which fields are times (Flask-Restless reads a value for them itself)."""

    fields: Mapping[str, str]
    relations: Mapping[str, RelationNames] = field(default_factory=dict)
    times: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, model: type[msgspec.Struct], relations: Mapping[str, RelationNames] | None = None
    ) -> Resource:
        times = frozenset(k.name for k in keys(model) if isinstance(k.type, mi.DateTimeType))
        return cls(core_names(model), relations or {}, times)

    @property
    def key(self) -> str:
        """The primary key's partner name: each resource's fields start with it."""
        return next(iter(self.fields))


def _same(*names: str) -> dict[str, RelationNames]:
    """Relations the core names as the API does, to the resource of that name."""
    return {name: RelationNames(name, name) for name in names}


RESOURCES: dict[str, Resource] = {
    "customers": Resource.of(
        models.Customer, _same("customer_entity_linker", "customer_product_history")
    ),
    "customer_entity_linker": Resource.of(models.CustomerEntityLinker),
    "entities": Resource.of(models.Entity, _same("product_entity_linker")),
    "products": Resource.of(
        models.Product, _same("product_entity_linker", "customer_product_history")
    ),
    "product_entity_linker": Resource.of(models.ProductEntityLinker),
    "customer_product_history": Resource.of(
        models.CustomerProductHistory,
        {
            "customer": RelationNames("customer", "customers"),
            "product": RelationNames("product", "products"),
        },
    ),
}

# Sent by clients, set by the system: ignored on writes, as `_meta_data.md` says.
META_FIELDS = frozenset({"created_at", "created_by", "modified_at", "modified_by"})

# Core name -> partner name, for wording errors.
PARTNER_NAMES = {core: partner for partner, core in core_names(models.Customer).items()}
