"""The billing models are the one declaration of its objects: what is rendered, read and
documented must not drift from them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from customer_registry.apis.billing_v1 import models
from customer_registry.apis.billing_v1.names import (
    BRAND_PARAMETERS,
    CONTACT_PARAMETERS,
    CUSTOMER_PARAMETERS,
    FILTERABLE,
    max_length,
)
from customer_registry.apis.billing_v1.openapi import build
from customer_registry.apis.billing_v1.render import brand_json, contact_json, customer_json
from customer_registry.apis.models import core_names, keys, response_schema
from customer_registry.apis.params import boolean, integer, text
from customer_registry.core import contacts, customers
from customer_registry.core.brands import Brand
from customer_registry.core.contacts import Contact
from customer_registry.core.customer_details import CustomerDetails
from customer_registry.core.customers import Customer

_WHEN = datetime(2020, 8, 4, 10, 42, 27, tzinfo=UTC)
_DETAILS = CustomerDetails(
    brand_id=2,
    representative_id=5,
    secondary_code="REF",
    trading_name="Acme",
    postal_code="75001",
    email="a@example.com",
    comment="c",
    active=False,
    vip=True,
    reseller_level=3,
)
_CUSTOMER = Customer(
    customer_id=113,
    entity_id=1,
    name="Société",
    external_id=None,
    code="CL0001",
    details=_DETAILS,
    created_at=_WHEN,
    created_by="x",
    modified_at=None,
    modified_by=None,
)
_CONTACT = Contact(
    contact_id=7,
    customer_id=113,
    first_name="Jeanne",
    last_name=None,
    phone="01",
    mobile=None,
    email="j@example.com",
    created_at=_WHEN,
    created_by="x",
    modified_at=_WHEN,
    modified_by="x",
)
_BRAND = Brand(
    brand_id=2,
    entity_id=1,
    name="Acme",
    created_at=_WHEN,
    created_by="x",
    modified_at=None,
    modified_by=None,
)
RENDERED: list[tuple[type[msgspec.Struct], dict[str, Any]]] = [
    (models.Customer, customer_json(_CUSTOMER)),
    (models.Contact, contact_json(_CONTACT)),
    (models.Brand, brand_json(_BRAND)),
]


@pytest.mark.parametrize(("model", "rendered"), RENDERED)
def test_every_key_of_the_model_is_rendered_in_its_order_and_type(
    model: type[msgspec.Struct], rendered: dict[str, Any]
) -> None:
    assert list(rendered) == [key.name for key in keys(model)]
    msgspec.convert(rendered, model)  # each value of the type the model shows (strictly)


def test_the_customer_shows_its_core_fields_and_the_defaults_of_the_others() -> None:
    rendered = customer_json(_CUSTOMER)
    for key in keys(models.Customer):
        if key.core is None:
            assert rendered[key.name] == key.default, key.name
        elif key.core in customers.DETAILS:
            value = getattr(_DETAILS, key.core)
            shown = int(value) if isinstance(value, bool) else value
            assert type(rendered[key.name]) is type(shown), key.name
            assert rendered[key.name] == shown, key.name
    assert rendered["accountsReference"] == "REF"
    assert rendered["mainAddressPostalCode"] == "75001"
    assert (rendered["active"], rendered["vip"]) == (0, 1)
    assert rendered["updated_at"] == rendered["created_at"] == "2020-08-04T10:42:27.000000Z"


def test_the_documents_schemas_are_the_models() -> None:
    document = build()
    customer = document["components"]["schemas"]["Customer"]
    assert list(customer["properties"]) == [key.name for key in keys(models.Customer)]
    for name, schema in response_schema(models.Customer)["properties"].items():
        core = core_names(models.Customer).get(name)
        limit = max_length(core) if core is not None and core in customers.WRITABLE else None
        expected = schema if limit is None else {**schema, "maxLength": limit}
        assert customer["properties"][name] == expected, name
    paths = document["paths"]
    contacts = paths["/v1/contacts"]["get"]["responses"]["200"]["content"]["application/json"]
    assert contacts["schema"]["properties"]["data"]["items"] == response_schema(models.Contact)
    brand = paths["/v1/brands/{brand}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert brand["schema"]["properties"]["brand"] == response_schema(models.Brand)


def test_a_client_sends_each_key_the_core_lets_it_write() -> None:
    shown = core_names(models.Customer)
    writable = {name for name, core in shown.items() if core in customers.WRITABLE}
    assert set(CUSTOMER_PARAMETERS) == writable | {"postalCode"}
    assert CUSTOMER_PARAMETERS["postalCode"] == CUSTOMER_PARAMETERS["mainAddressPostalCode"]
    assert CUSTOMER_PARAMETERS["vip"] == ("vip", boolean)
    assert CUSTOMER_PARAMETERS["resellerLevel"] == ("reseller_level", integer)
    assert CUSTOMER_PARAMETERS["customerAccount"] == ("code", text)
    contact = core_names(models.Contact)
    assert set(CONTACT_PARAMETERS) == {name for name in contact if contact[name] in contacts.FIELDS}
    assert not {"id", "contactable_id", "created_at"} & set(CONTACT_PARAMETERS)
    assert list(BRAND_PARAMETERS) == ["name"]


def test_the_validator_checks_the_parameters_in_the_creates_documented_order() -> None:
    """Laravel answers the first broken rule first: the order of its rules (customers.md's
    parameter list), where it is not the object's."""
    order = list(CUSTOMER_PARAMETERS)
    assert order.index("website") == order.index("emailAddress") - 1
    assert order.index("comment") == order.index("active") - 1
    assert order[:3] == ["brand_id", "representative_id", "customerAccount"]


def test_every_kept_key_is_a_filter() -> None:
    assert core_names(models.Customer) == FILTERABLE
    assert list(FILTERABLE)[:3] == ["id", "customerAccount", "name"]
    assert list(FILTERABLE)[-2:] == ["created_at", "updated_at"]
