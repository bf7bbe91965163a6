"""The sales API's resources, each declared once: seed 002's customer record (every key of its
example, in its order, those this registry does not keep included) and a contact.

From these come the parameters a create or update reads and how (`names.py`), what a list
filters and sorts on, how messages name a field, the order and names of what `render.py`
shows, and the record schemas of the OpenAPI document. A key that shows a core field is a
parameter under its own name (or `sent_as`), read by its type's reader unless `reads` names
another; `sent=False` keys are only shown; every key with a core field is a list filter
unless `filtered=False`.
"""

# The keys are the API's own names, camelCase as the document spells them.
# ruff: noqa: N815

from __future__ import annotations

from typing import Annotated

import msgspec

from customer_registry.apis.models import shows
from customer_registry.apis.sales_v1_0.params import Id, country, currency, due_date_type
from customer_registry.core.fields import INT32

Key = Annotated[int, msgspec.Meta(ge=1, le=INT32[1])]  # core.fields.is_key
Timestamp = Annotated[str | None, msgspec.Meta(extra_json_schema={"format": "date-time"})]


class Link(msgspec.Struct):
    """An object a record names, with its URL under the API."""

    id: Key
    reference: str | None
    name: str | None
    href: str | None  # never null, though the document has always stated it so


class RegionLink(msgspec.Struct):
    """The document's region shows no reference."""

    id: Key
    name: str | None
    href: str


class Creator(msgspec.Struct):
    userId: Key
    reference: str | None
    href: str


class Contact(msgspec.Struct):
    id: Annotated[Key, shows("contact_id", sent=False)]
    customerId: Annotated[Key, shows("customer_id", sent=False)]  # a create's own parameter
    firstName: Annotated[str | None, shows("first_name")]
    lastName: Annotated[str | None, shows("last_name")]
    phone: Annotated[str | None, shows("phone")]
    mobile: Annotated[str | None, shows("mobile")]
    email: Annotated[str | None, shows("email")]
    dateCreated: Timestamp
    lastUpdated: Timestamp
    href: str


class Customer(msgspec.Struct):
    """Seed 002's customer record. Booleans and links are nullable as the document has
    always stated them, though the registry always gives some."""

    id: Annotated[Key, shows("customer_id", sent=False)]
    reference: Annotated[str | None, shows("code")]
    reference2: Annotated[str | None, shows("secondary_code")]
    name: Annotated[str, shows("name")]
    categoryReference: str | None
    customerCategory: Annotated[
        Link | None,
        shows("category_id", reads=Id("customer category id"), sent_as=("categoryId",)),
    ]
    isSubCustomer: bool | None  # a parameter with a rule of its own (`customers._Input`)
    parentCustomer: Annotated[
        Link | None,
        shows("parent_customer_id", reads=Id("parent customer id"), sent_as=("parentCustomerId",)),
    ]
    billWithParent: Annotated[bool | None, shows("bill_with_parent")]
    customerSegmentationReference: str | None
    customerSegmentation: Annotated[
        Link | None,
        shows(
            "segmentation_id",
            reads=Id("customer segmentation id"),
            sent_as=("customerSegmentationId",),
        ),
    ]
    pocTenus: str | None
    email: Annotated[str | None, shows("email")]
    logo: Annotated[str | None, shows("logo", sent=False, filtered=False)]  # `imageFile` sets it
    phone: Annotated[str | None, shows("phone")]
    mobile: Annotated[str | None, shows("mobile")]
    fax: Annotated[str | None, shows("fax")]
    # Free text, up to 2000 characters: no list filters on it.
    comment: Annotated[str | None, shows("comment", filtered=False)]
    barcode: Annotated[str | None, shows("barcode")]
    isSameAddress: Annotated[bool | None, shows("is_same_address")]
    billingCountry: Annotated[str | None, shows("country", reads=country)]
    billingCity: Annotated[str | None, shows("city")]
    billingPostalCode: Annotated[str | None, shows("postal_code")]
    billingAddress: Annotated[str | None, shows("address_line1")]
    billingLat: Annotated[float | None, shows("billing_lat")]
    billingLng: Annotated[float | None, shows("billing_lng")]
    country: Annotated[str | None, shows("shipping_country", reads=country)]
    city: Annotated[str | None, shows("shipping_city")]
    postalCode: Annotated[str | None, shows("shipping_postal_code")]
    address: Annotated[str | None, shows("shipping_address")]
    latitude: Annotated[float | None, shows("shipping_lat")]
    longitude: Annotated[float | None, shows("shipping_lng")]
    isCredit: bool | None
    creditLimit: Annotated[float | None, shows("credit_limit")]
    balance: float | None
    maxChequePeriod: float | None
    maxChequeValue: float | None
    appliedCashBackOutput: float | None
    returnDiscount: float | None
    invoicesPerRoute: float | None
    isActive: Annotated[bool | None, shows("active")]
    onHold: Annotated[bool | None, shows("on_hold")]
    onHoldReason: Annotated[str | None, shows("on_hold_reason")]
    paymentTerm: str | None
    createdBy: Annotated[
        Creator | None, shows("creator_id", reads=Id("user id"), sent_as=("userId",))
    ]
    dueDateConfigNumber: Annotated[int | None, shows("due_date_config_number")]
    dueDateConfigType: Annotated[str | None, shows("due_date_config_type", reads=due_date_type)]
    paymentTypes: list[Link | None]  # a parameter of its own form (`params.payment_types`)
    website: Annotated[str | None, shows("website")]
    taxNumber: Annotated[str | None, shows("tax_registration_number")]
    companyRegistrationNumber: Annotated[str | None, shows("registration_number")]
    contacts: list[Contact]
    # Sent and shown as a code that the core looks up among the entity's currencies: no list
    # compares it with the stored id.
    currency: Annotated[str | None, shows("currency_id", reads=currency, filtered=False)]
    customerRisk: Annotated[str | None, shows("customer_risk")]
    customerRiskColor: Annotated[str | None, shows("customer_risk_color")]
    organization: str | None
    dateCreated: Annotated[Timestamp, shows("created_at", sent=False)]
    lastUpdated: Annotated[Timestamp, shows("modified_at", sent=False)]
    region: Annotated[
        RegionLink | None, shows("region_id", reads=Id("region id"), sent_as=("regionId",))
    ]


# The order of seed 002's parameter table (a request's first problem is the one answered, and
# a list's `sort` states its fields in it): the record's id first and its timestamps last,
# as lists have always named them. A key not named here comes after these, in the record's
# order.
ORDER = (
    "id",
    "reference",
    "name",
    "reference2",
    "barcode",
    "isActive",
    "categoryId",
    "parentCustomerId",
    "billWithParent",
    "customerSegmentationId",
    "userId",
    "isSameAddress",
    "billingCountry",
    "billingCity",
    "billingPostalCode",
    "billingAddress",
    "billingLat",
    "billingLng",
    "country",
    "city",
    "postalCode",
    "address",
    "latitude",
    "longitude",
    "email",
    "phone",
    "mobile",
    "fax",
    "comment",
    "website",
    "creditLimit",
    "dueDateConfigNumber",
    "dueDateConfigType",
    "taxNumber",
    "companyRegistrationNumber",
    "currency",
    "regionId",
    "customerRisk",
    "customerRiskColor",
    "onHold",
    "onHoldReason",
    "dateCreated",
    "lastUpdated",
)
