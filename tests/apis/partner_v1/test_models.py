"""The partner models are the one declaration of each resource's fields: the renderers, the
queries' names, the write readers and the document must say what they say, and each key
must be typed as the column it shows is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
import sqlalchemy as sa

from customer_registry.apis.models import core_names, keys
from customer_registry.apis.partner_v1 import bodies, models, render
from customer_registry.apis.partner_v1.names import RESOURCES
from customer_registry.apis.partner_v1.openapi import build
from customer_registry.core.customers import Customer
from customer_registry.core.entities import Entity
from customer_registry.core.history import HistoryRow
from customer_registry.core.links import CUSTOMER_LINKS, PRODUCT_LINKS, Link
from customer_registry.core.products import Product
from customer_registry.storage import schema as tables

# Resource key -> (component name, model, table, its renderer from a row).
_RESOURCES: dict[str, tuple[str, type[msgspec.Struct], sa.Table, Callable[[Any], Any]]] = {
    "customers": (
        "Customer",
        models.Customer,
        tables.customers,
        lambda row: render.customer_json(Customer.from_row(row)),
    ),
    "entities": (
        "Entity",
        models.Entity,
        tables.entities,
        lambda row: render.entity_json(Entity.from_row(row)),
    ),
    "products": (
        "Product",
        models.Product,
        tables.products,
        lambda row: render.product_json(Product.from_row(row)),
    ),
    "customer_entity_linker": (
        "CustomerEntityLinker",
        models.CustomerEntityLinker,
        tables.customer_entity_linker,
        lambda row: render.link_renderer(models.CustomerEntityLinker, CUSTOMER_LINKS)(
            Link.from_row(CUSTOMER_LINKS, row)
        ),
    ),
    "product_entity_linker": (
        "ProductEntityLinker",
        models.ProductEntityLinker,
        tables.product_entity_linker,
        lambda row: render.link_renderer(models.ProductEntityLinker, PRODUCT_LINKS)(
            Link.from_row(PRODUCT_LINKS, row)
        ),
    ),
    "customer_product_history": (
        "CustomerProductHistory",
        models.CustomerProductHistory,
        tables.customer_product_history,
        lambda row: render.history_json(HistoryRow.from_row(row)),
    ),
}
_KINDS: dict[type[mi.Type], type[sa.types.TypeEngine[Any]]] = {
    mi.IntType: sa.Integer,
    mi.StrType: sa.String,
    mi.BoolType: sa.Boolean,
    mi.FloatType: sa.Float,
    mi.DateTimeType: sa.DateTime,
}


def _row(table: sa.Table) -> dict[str, Any]:
    """A value of its column's kind in every column, no two alike (booleans aside)."""
    row: dict[str, Any] = {}
    for n, column in enumerate(table.c):
        kind = column.type
        if isinstance(kind, sa.Boolean):
            row[column.name] = n % 2 == 0
        elif isinstance(kind, sa.Integer):
            row[column.name] = 1000 + n
        elif isinstance(kind, sa.Float):
            row[column.name] = n + 0.5
        elif isinstance(kind, sa.DateTime):
            row[column.name] = datetime(2016, 7, 1, 12, 34, 45, 123456) + timedelta(days=n)
        else:
            row[column.name] = f"v{n}"
    return row


@pytest.mark.parametrize("resource", list(_RESOURCES))
def test_every_key_is_rendered_in_the_model_order_from_its_core_field(resource: str) -> None:
    _, model, table, render_row = _RESOURCES[resource]
    row = _row(table)
    rendered = render_row(row)
    assert list(rendered) == [key.name for key in keys(model)]
    for key in keys(model):
        value = row[str(key.core)]
        expected = render.timestamp(value) if isinstance(value, datetime) else value
        assert rendered[key.name] == expected, key.name


@pytest.mark.parametrize("resource", list(_RESOURCES))
def test_each_key_is_typed_as_its_column_is_stored(resource: str) -> None:
    _, model, table, _ = _RESOURCES[resource]
    for key in keys(model):
        column = table.c[str(key.core)]
        assert isinstance(column.type, _KINDS[type(key.type)]), key.name
        assert key.nullable == bool(column.nullable), key.name


@pytest.mark.parametrize("resource", list(_RESOURCES))
def test_queries_name_the_model_keys(resource: str) -> None:
    model = _RESOURCES[resource][1]
    found = RESOURCES[resource]
    assert dict(found.fields) == core_names(model)
    assert list(found.fields) == [key.name for key in keys(model)]
    assert found.times == {k.name for k in keys(model) if isinstance(k.type, mi.DateTimeType)}


@pytest.mark.parametrize("resource", list(_RESOURCES))
def test_the_document_states_the_model(resource: str) -> None:
    name, model, _, _ = _RESOURCES[resource]
    document = build()
    record = document["components"]["schemas"][name]
    assert list(record["properties"]) == [key.name for key in keys(model)]
    assert record["required"] == [key.name for key in keys(model)]
    for key in keys(model):
        assert record["properties"][key.name]["nullable"] == key.nullable, key.name
    item = next(p for p in document["paths"] if p.startswith(f"/{resource}/{{"))
    write = document["paths"][item].get("put")
    if write is not None:  # every key is named: set, or sent and ignored
        body = write["requestBody"]["content"]["application/json"]["schema"]
        assert list(body["properties"]) == [key.name for key in keys(model)]


def test_writes_read_each_key_by_its_type_or_its_own_reader() -> None:
    fields = bodies.fields(models.Product)
    assert fields["product_imei"] == ("product_imei", bodies.strict_text)
    assert fields["entity_id"] == ("entity_id", bodies.integer)
    assert fields["disable_date"] == ("disable_date", bodies.timestamp)
    assert fields["current_enable_flag"] == ("current_enable_flag", bodies.boolean)
    assert fields["serial_number"] == ("serial_number", bodies.text)
    assert bodies.fields(models.Customer)["external_customer_code"] == ("code", bodies.text)
