"""The customers table's detail columns are made from the core's CustomerDetails."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
import pytest
import sqlalchemy as sa

from customer_registry.core.customer_details import CustomerDetails
from customer_registry.core.product_attributes import ProductAttributes
from customer_registry.storage import schema
from customer_registry.storage.attributes import default


class _Record(msgspec.Struct, kw_only=True):
    label: Annotated[str, msgspec.Meta(max_length=7)] | None = None
    flag: bool = True
    off: bool = False
    level: int = -3
    ratio: float | None = None
    count: int | None = None


def test_each_field_becomes_a_column_of_its_kind_length_nullability_and_default() -> None:
    label, flag, off, level, ratio, count = schema.detail_columns(_Record)
    assert isinstance(label.type, sa.String)
    assert label.type.length == 7
    assert label.nullable
    assert isinstance(flag.type, sa.Boolean)
    assert not flag.nullable
    assert default(flag) is True
    assert default(off) is False
    assert isinstance(level.type, sa.Integer)
    assert default(level) == -3
    assert isinstance(ratio.type, sa.Float)
    assert ratio.nullable
    assert ratio.server_default is None
    assert isinstance(count.type, sa.Integer)
    assert count.nullable


def test_a_field_the_schema_cannot_store_is_refused() -> None:
    class Unbounded(msgspec.Struct):
        note: str | None = None

    class Undefaulted(msgspec.Struct):
        note: Annotated[str, msgspec.Meta(max_length=3)] = "abc"

    with pytest.raises(TypeError):
        schema.detail_columns(Unbounded)  # a text column needs its length
    with pytest.raises(TypeError):
        schema.detail_columns(Undefaulted)  # a NOT NULL column needs a literal default


def test_the_customers_table_holds_every_detail_in_its_order() -> None:
    names = [str(column.name) for column in schema.customers.c]
    fields = list(CustomerDetails.__struct_fields__)
    start = names.index(fields[0])
    assert names[start : start + len(fields)] == fields


def test_times_64_bit_integers_and_columns_without_server_defaults() -> None:
    class Device(msgspec.Struct):
        seen: datetime | None = None
        hub: Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)] | None = None
        count: Annotated[int, msgspec.Meta(ge=0, le=10)] | None = None
        flag: bool = False

    seen, hub, count, flag = schema.detail_columns(Device, server_defaults=False)
    assert isinstance(seen.type, sa.DateTime)
    assert isinstance(hub.type, sa.BigInteger)
    assert isinstance(count.type, sa.Integer)
    assert not isinstance(count.type, sa.BigInteger)
    assert not flag.nullable
    assert flag.server_default is None


def test_the_products_table_holds_every_device_field_after_its_key_and_entity() -> None:
    names = [str(column.name) for column in schema.products.c]
    fields = list(ProductAttributes.__struct_fields__)
    assert names[2 : 2 + len(fields)] == fields
