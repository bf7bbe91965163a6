"""The partner API's names for core fields and relations, per resource (the core's name when
they agree)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from customer_registry.core.fields import Kind
from customer_registry.core.products import ATTRIBUTES


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


CUSTOMER_FIELDS = {
    "customer_id": "customer_id",
    "name": "name",
    "external_customer_id": "external_id",
    "external_customer_code": "code",
    "created_at": "created_at",
    "created_by": "created_by",
    "modified_at": "modified_at",
    "modified_by": "modified_by",
}

ENTITY_FIELDS = _same(
    "entity_id",
    "name",
    "bboxx_company_flag",
    "tariff",
    "financier",
    "geic",
    "created_at",
    "created_by",
    "modified_at",
    "modified_by",
)

CUSTOMER_LINK_FIELDS = _same(
    "customer_entity_linker_id",
    "customer_id",
    "entity_id",
    "date_added",
    "date_removed",
    "created_at",
    "created_by",
    "modified_at",
    "modified_by",
)


_AUDIT = ("created_at", "created_by", "modified_at", "modified_by")

PRODUCT_FIELDS = _same("product_imei", *ATTRIBUTES, "entity_id", *_AUDIT)
PRODUCT_LINK_FIELDS = _same(
    "product_entity_linker_id", "product_imei", "entity_id", "date_added", "date_removed", *_AUDIT
)
HISTORY_FIELDS = _same(
    "customer_product_history_id",
    "customer_id",
    "product_imei",
    "date_added",
    "date_removed",
    "removal_reason",
    *_AUDIT,
)


@dataclass(frozen=True, slots=True)
class RelationNames:
    core: str  # the relation's name in the core
    resource: str  # the related resource's key in RESOURCES (by key: relations may cycle)


_AUDIT_TIMES = frozenset({"created_at", "modified_at"})
_LINK_TIMES = _AUDIT_TIMES | {"date_added", "date_removed"}
_PRODUCT_TIMES = _AUDIT_TIMES | {n for n, a in ATTRIBUTES.items() if a.kind is Kind.TIME}


@dataclass(frozen=True, slots=True)
class Resource:
    """What a query on one partner resource may name: fields and relations, partner -> core,
    and which fields are times (Flask-Restless reads a value for them itself)."""

    fields: Mapping[str, str]
    relations: Mapping[str, RelationNames] = field(default_factory=dict)
    times: frozenset[str] = _AUDIT_TIMES

    @property
    def key(self) -> str:
        """The primary key's partner name: each resource's fields start with it."""
        return next(iter(self.fields))


RESOURCES: dict[str, Resource] = {
    "customers": Resource(
        CUSTOMER_FIELDS,
        {
            "customer_entity_linker": RelationNames(
                "customer_entity_linker", "customer_entity_linker"
            ),
            "customer_product_history": RelationNames(
                "customer_product_history", "customer_product_history"
            ),
        },
    ),
    "customer_entity_linker": Resource(CUSTOMER_LINK_FIELDS, times=_LINK_TIMES),
    "entities": Resource(
        ENTITY_FIELDS,
        {"product_entity_linker": RelationNames("product_entity_linker", "product_entity_linker")},
    ),
    "products": Resource(
        PRODUCT_FIELDS,
        {
            "product_entity_linker": RelationNames(
                "product_entity_linker", "product_entity_linker"
            ),
            "customer_product_history": RelationNames(
                "customer_product_history", "customer_product_history"
            ),
        },
        times=_PRODUCT_TIMES,
    ),
    "product_entity_linker": Resource(PRODUCT_LINK_FIELDS, times=_LINK_TIMES),
    "customer_product_history": Resource(
        HISTORY_FIELDS,
        {
            "customer": RelationNames("customer", "customers"),
            "product": RelationNames("product", "products"),
        },
        times=_LINK_TIMES,
    ),
}

# Sent by clients, set by the system: ignored on writes, as `_meta_data.md` says.
META_FIELDS = frozenset({"created_at", "created_by", "modified_at", "modified_by"})

# Core name -> partner name, for wording errors.
PARTNER_NAMES = {core: partner for partner, core in CUSTOMER_FIELDS.items()}
