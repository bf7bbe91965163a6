"""The core's field limits read from the schema (storage/attributes.py): one declaration of
each column's kind, length, nullability and default."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from customer_registry.core import brands, contacts, customers, organizations, products
from customer_registry.core.fields import Attribute, Kind, problem
from customer_registry.storage import schema
from customer_registry.storage.attributes import attribute, columns_except, default, defaults

_TABLE = sa.Table(
    "sample",
    sa.MetaData(),
    sa.Column("key", sa.Integer(), primary_key=True),
    sa.Column("big", sa.BigInteger(), nullable=True),
    sa.Column("label", sa.String(7), nullable=False),
    sa.Column("flag", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("off", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("level", sa.Integer(), nullable=False, server_default=sa.text("-3")),
    sa.Column("ratio", sa.Float(), nullable=True),
    sa.Column("seen", sa.DateTime(), nullable=True),
    sa.Column("named", sa.String(10), server_default=sa.text("'x'")),
    sa.Column("blob", sa.LargeBinary()),
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("big", Attribute(Kind.BIGINT)),
        ("label", Attribute(Kind.TEXT, 7, nullable=False)),
        ("flag", Attribute(Kind.BOOL, nullable=False)),
        ("level", Attribute(Kind.INT, nullable=False)),
        ("ratio", Attribute(Kind.FLOAT)),
        ("seen", Attribute(Kind.TIME)),
    ],
)
def test_a_column_becomes_the_attribute_the_core_checks(name: str, expected: Attribute) -> None:
    assert attribute(_TABLE.c[name]) == expected


def test_a_column_of_a_type_the_core_does_not_check_is_refused() -> None:
    with pytest.raises(TypeError, match="blob"):
        attribute(_TABLE.c.blob)


def test_defaults_are_read_from_the_server_defaults() -> None:
    assert defaults(_TABLE, ["key", "flag", "off", "level", "ratio"]) == {
        "flag": True,
        "off": False,
        "level": -3,
    }
    with pytest.raises(TypeError, match="named"):
        default(_TABLE.c.named)


def test_columns_except_keeps_the_table_order_and_names_a_missing_column() -> None:
    assert columns_except(_TABLE, "key", "blob", "named")[:3] == ["big", "label", "flag"]
    with pytest.raises(KeyError, match="nothing"):
        columns_except(_TABLE, "nothing")


def test_the_core_refuses_a_text_one_past_the_schemas_length() -> None:
    """Every text field the core checks, of every resource, by the schema's own length."""
    checked = [
        (schema.customers, customers.DETAILS),
        (schema.products, products.ATTRIBUTES),
        (schema.contacts, contacts.FIELDS),
        (schema.brands, brands.FIELDS),
        (schema.organization_settings, organizations.FIELDS),
    ]
    texts = 0
    for table, fields in checked:
        for name, field in fields.items():
            column_type = table.c[name].type
            if not isinstance(column_type, sa.String):
                continue
            texts += 1
            length = column_type.length or 0
            assert problem(field, "x" * length) is None, name
            assert problem(field, "x" * (length + 1)) is not None, name
    assert texts == 39  # a resource whose fields stopped being checked shows here
    assert customers.NAME_MAX == 255
    assert customers.CODE_MAX == 100


def test_customer_defaults_are_the_schemas() -> None:
    assert customers.DEFAULTS["brand_id"] == schema.DEFAULT_BRAND_ID
    assert customers.DEFAULTS["is_same_address"] is True
    assert customers.DEFAULTS["on_hold"] is False


def test_customer_defaults_pass_the_rules_of_their_fields() -> None:
    """A create checks only the values it was given: the defaults it adds must pass."""
    assert customers.field_problems(customers.DEFAULTS) == {}
