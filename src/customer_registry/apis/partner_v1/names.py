"""The partner API's names for core fields, per resource (the core's name when they agree)."""

from __future__ import annotations

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

ENTITY_FIELDS = {
    name: name
    for name in (
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
}

# Sent by clients, set by the system: ignored on writes, as `_meta_data.md` says.
META_FIELDS = frozenset({"created_at", "created_by", "modified_at", "modified_by"})

# Core name -> partner name, for wording errors.
PARTNER_NAMES = {core: partner for partner, core in CUSTOMER_FIELDS.items()}


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


_AUDIT = ("created_at", "created_by", "modified_at", "modified_by")

PRODUCT_FIELDS = _same("product_imei", "entity_id", *_AUDIT)
CUSTOMER_LINK_FIELDS = _same(
    "customer_entity_linker_id", "customer_id", "entity_id", "date_added", "date_removed", *_AUDIT
)
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
