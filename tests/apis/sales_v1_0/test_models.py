"""The sales models are what the API reads, renders and documents: nothing drifts from them."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import msgspec
from starlette.requests import Request

from customer_registry.apis.models import core_names, filters, keys, response_schema
from customer_registry.apis.sales_v1_0 import models, names, openapi
from customer_registry.apis.sales_v1_0.render import contact_json, record_json
from customer_registry.core.contacts import Contact
from customer_registry.core.customer_details import CustomerDetails
from customer_registry.core.customers import Customer
from customer_registry.core.records import Record, Ref

_NOW = datetime(2015, 12, 17, 23, 0, 0)
_CONTACT = Contact(
    5, 17, "Marie", "Curie", "+33 1", "+33 6", "m@example.com", _NOW, "t", None, None
)
# Every detail the record shows set, each to a value of its own.
_DETAILS = CustomerDetails(
    secondary_code="NC-3b",
    email="e@example.com",
    phone="+33 4",
    mobile="+33 7",
    fax="+33 5",
    comment="a comment",
    barcode="123",
    bill_with_parent=True,
    is_same_address=False,
    country="FR",
    city="Nice",
    postal_code="06000",
    address_line1="1 rue",
    billing_lat=43.7,
    billing_lng=7.26,
    shipping_country="IT",
    shipping_city="Rome",
    shipping_postal_code="00100",
    shipping_address="2 via",
    shipping_lat=41.9,
    shipping_lng=12.5,
    credit_limit=5000.0,
    due_date_config_number=7,
    due_date_config_type=1,
    tax_registration_number="VAT1",
    registration_number="REG1",
    customer_risk="low",
    customer_risk_color="#1BE9D8",
    on_hold=True,
    on_hold_reason="unpaid",
    active=False,
    category_id=2,
    segmentation_id=1,
    region_id=3,
    currency_id=4,
    parent_customer_id=9,
    creator_id=2,
    logo="entity1/photoCustomer/logo.png",
)
_RECORD = Record(
    customer=Customer(17, 1, "Marie's Jewelry", None, "NC-3", _DETAILS, _NOW, "t", None, None),
    organization="entity1",
    category=Ref(2, "jewelry", "Jewelry and accessories"),
    segmentation=Ref(1, "seg_a", "Segmentation A"),
    region=Ref(3, "ny", "New York"),
    creator=Ref(2, "emp-002", "Employee"),
    parent=Ref(9, "PARENT-1", "Parent company"),
    currency="USD",
    payment_types=(Ref(7, "cash", "cash"), Ref(8, "cheque", "cheque")),
    contacts=(_CONTACT,),
)


def _request() -> Request:
    settings = SimpleNamespace(public_url=None)
    app = SimpleNamespace(state=SimpleNamespace(ctx=SimpleNamespace(settings=settings)))
    return Request(
        {
            "type": "http",
            "app": app,
            "root_path": "/api/v1.0",
            "server": ("127.0.0.1", 8000),
            "headers": [],
            "path": "/api/v1.0/customers/17",
        }
    )


def test_the_record_renders_every_key_of_the_model_in_its_order_and_types() -> None:
    rendered = record_json(_request(), _RECORD)
    assert list(rendered) == [key.name for key in keys(models.Customer)]
    assert list(rendered["contacts"][0]) == [key.name for key in keys(models.Contact)]
    msgspec.convert(rendered, models.Customer)  # every value of the type the model states


def test_a_detail_is_shown_as_stored_unless_the_record_shows_it_otherwise() -> None:
    rendered = record_json(_request(), _RECORD)
    shown_otherwise = {
        "customerCategory",
        "parentCustomer",
        "customerSegmentation",
        "logo",
        "creditLimit",
        "createdBy",
        "dueDateConfigType",
        "currency",
        "region",
    }
    details = core_names(models.Customer).items()
    as_stored = {
        name: getattr(_DETAILS, core)
        for name, core in details
        if core in CustomerDetails.__struct_fields__ and name not in shown_otherwise
    }
    assert {name: rendered[name] for name in as_stored} == as_stored
    assert len(as_stored) == 30


def test_a_link_the_record_does_not_name_is_null_not_the_stored_id() -> None:
    # The details keep the ids (category 2, segmentation 1…); what the scope does not see
    # comes as no link.
    bare = msgspec.structs.replace(
        _RECORD, category=None, segmentation=None, region=None, creator=None, parent=None
    )
    rendered = record_json(_request(), bare)
    for name in ("customerCategory", "customerSegmentation", "region", "createdBy"):
        assert rendered[name] is None, name
    assert rendered["categoryReference"] is None
    assert rendered["customerSegmentationReference"] is None
    assert rendered["parentCustomer"] is None
    assert rendered["isSubCustomer"] is False


def test_a_contact_renders_every_key_of_its_model() -> None:
    rendered = contact_json(_request(), _CONTACT)
    assert list(rendered) == [key.name for key in keys(models.Contact)]
    assert msgspec.convert(rendered, models.Contact).firstName == "Marie"


def test_the_document_states_the_models_as_the_answers() -> None:
    document = openapi.build()
    assert document["components"]["schemas"]["Customer"] == response_schema(models.Customer)
    contact = document["paths"]["/contacts/{key}"]["get"]["responses"]["200"]
    assert contact["content"]["application/json"]["schema"] == response_schema(models.Contact)


def test_parameters_and_filters_are_the_models_keys_in_the_seeds_order() -> None:
    shown = [key for key in keys(models.Customer) if key.core is not None]
    assert set(names.CUSTOMER_PARAMETERS) == {name for key in shown for name in key.sent_as}
    assert filters(models.Customer) == names.CUSTOMER_FILTERS
    # The order names only what the record reads or filters (a new key needs no place in it).
    assert set(models.ORDER) <= set(names.CUSTOMER_PARAMETERS) | set(names.CUSTOMER_FILTERS)
    assert list(names.CUSTOMER_FILTERS) == [n for n in models.ORDER if n in names.CUSTOMER_FILTERS]
