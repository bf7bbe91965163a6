"""The partner API's resources, one model each: the keys an object shows, in its order, each
typed as the API shows it and annotated with the column behind it (`apis/models.py`).

From these come the names queries, filters, sorts and messages use (partner -> core), which
fields are times, the reader of each field a write may send, the rendering, and the
resources' schemas in the OpenAPI document. A key's bounds (an integer's range, a text's
length) are its column's, read from the storage schema: the document states what can be
stored, and a key typed unlike its column fails at import.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa

from customer_registry.apis.models import shows
from customer_registry.apis.partner_v1.bodies import strict_text
from customer_registry.core.fields import INT32, INT64
from customer_registry.core.product_attributes import ProductAttributes
from customer_registry.storage import schema as tables

Column = Callable[..., msgspec.Meta]


def _stored(column: sa.Column[Any], *, reads: object = None) -> msgspec.Meta:
    """`shows(column)`, with the bounds of what the column stores."""
    extra = shows(str(column.name), reads=reads).extra
    kind = column.type
    if isinstance(kind, sa.Integer):  # BigInteger included
        low, high = INT64 if isinstance(kind, sa.BigInteger) else INT32
        return msgspec.Meta(ge=low, le=high, extra=extra)
    if isinstance(kind, sa.String) and kind.length is not None:
        return msgspec.Meta(max_length=kind.length, extra=extra)
    return msgspec.Meta(extra=extra)


def _columns(table: sa.Table) -> Column:
    """The annotation of a key showing one of `table`'s columns, by the column's name."""

    def annotate(name: str, *, reads: object = None) -> msgspec.Meta:
        return _stored(table.c[name], reads=reads)

    return annotate


_customers = _columns(tables.customers)
_entities = _columns(tables.entities)
_customer_links = _columns(tables.customer_entity_linker)
_product_links = _columns(tables.product_entity_linker)
_history = _columns(tables.customer_product_history)


class Customer(msgspec.Struct):
    customer_id: Annotated[int, _customers("customer_id")]
    name: Annotated[str, _customers("name")]
    external_customer_id: Annotated[int, _customers("external_id")] | None
    external_customer_code: Annotated[str, _customers("code")] | None
    created_at: Annotated[datetime, _customers("created_at")]
    created_by: Annotated[str, _customers("created_by")] | None
    modified_at: Annotated[datetime, _customers("modified_at")] | None
    modified_by: Annotated[str, _customers("modified_by")] | None


class Entity(msgspec.Struct):
    entity_id: Annotated[int, _entities("entity_id")]
    name: Annotated[str, _entities("name")]
    bboxx_company_flag: Annotated[bool, _entities("bboxx_company_flag")]
    tariff: Annotated[str, _entities("tariff")] | None
    financier: Annotated[bool, _entities("financier")] | None
    geic: Annotated[str, _entities("geic")] | None
    created_at: Annotated[datetime, _entities("created_at")]
    created_by: Annotated[str, _entities("created_by")] | None
    modified_at: Annotated[datetime, _entities("modified_at")] | None
    modified_by: Annotated[str, _entities("modified_by")] | None


class CustomerEntityLinker(msgspec.Struct):
    customer_entity_linker_id: Annotated[int, _customer_links("customer_entity_linker_id")]
    customer_id: Annotated[int, _customer_links("customer_id")]
    entity_id: Annotated[int, _customer_links("entity_id")]
    date_added: Annotated[datetime, _customer_links("date_added")] | None
    date_removed: Annotated[datetime, _customer_links("date_removed")] | None
    created_at: Annotated[datetime, _customer_links("created_at")]
    created_by: Annotated[str, _customer_links("created_by")] | None
    modified_at: Annotated[datetime, _customer_links("modified_at")] | None
    modified_by: Annotated[str, _customer_links("modified_by")] | None


class ProductEntityLinker(msgspec.Struct):
    product_entity_linker_id: Annotated[int, _product_links("product_entity_linker_id")]
    # A key: a string only, where 0123 and 123 differ.
    product_imei: Annotated[str, _product_links("product_imei", reads=strict_text)]
    entity_id: Annotated[int, _product_links("entity_id")]
    date_added: Annotated[datetime, _product_links("date_added")] | None
    date_removed: Annotated[datetime, _product_links("date_removed")] | None
    created_at: Annotated[datetime, _product_links("created_at")]
    created_by: Annotated[str, _product_links("created_by")] | None
    modified_at: Annotated[datetime, _product_links("modified_at")] | None
    modified_by: Annotated[str, _product_links("modified_by")] | None


class CustomerProductHistory(msgspec.Struct):
    customer_product_history_id: Annotated[int, _history("customer_product_history_id")]
    customer_id: Annotated[int, _history("customer_id")]
    product_imei: Annotated[str, _history("product_imei", reads=strict_text)]
    date_added: Annotated[datetime, _history("date_added")] | None
    date_removed: Annotated[datetime, _history("date_removed")] | None
    removal_reason: Annotated[str, _history("removal_reason")] | None
    created_at: Annotated[datetime, _history("created_at")]
    created_by: Annotated[str, _history("created_by")] | None
    modified_at: Annotated[datetime, _history("modified_at")] | None
    modified_by: Annotated[str, _history("modified_by")] | None


# --- products: the device fields are the core's `ProductAttributes`, typed as it types them --

_products = _columns(tables.products)


def _device_key(field: msgspec.structs.FieldInfo) -> tuple[str, Any]:
    return field.name, Annotated[field.type, shows(field.name)]


Product = msgspec.defstruct(
    "Product",
    [
        ("product_imei", Annotated[str, _products("product_imei", reads=strict_text)]),
        *(_device_key(field) for field in msgspec.structs.fields(ProductAttributes)),
        ("entity_id", Annotated[int, _products("entity_id")] | None),
        ("created_at", Annotated[datetime, _products("created_at")]),
        ("created_by", Annotated[str, _products("created_by")] | None),
        ("modified_at", Annotated[datetime, _products("modified_at")] | None),
        ("modified_by", Annotated[str, _products("modified_by")] | None),
    ],
    module=__name__,
)
