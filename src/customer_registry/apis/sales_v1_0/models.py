"""The sales API's resources, each declared once: the original's customer record (every key of
its example, in its order, those this registry does not keep included) and a contact, each key
with its meaning in the original's words where it gives some.

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

from typing import Annotated, ClassVar

import msgspec

from customer_registry.apis.models import described, shows
from customer_registry.apis.sales_v1_0.params import Id, country, currency, due_date_type
from customer_registry.core.fields import INT32

Key = Annotated[int, msgspec.Meta(ge=1, le=INT32[1])]  # core.fields.is_key
Timestamp = Annotated[
    str | None,
    msgspec.Meta(extra_json_schema={"format": "date-time", "example": "2015-12-17T23:00:00Z"}),
]
_NOT_KEPT = "Not kept here: always null"
_HREF = described("The object's URL", example="/api/v1.0/customerCategories/2")


class Link(msgspec.Struct):
    """An object a record names, with its URL under the API."""

    id: Annotated[Key, described("The object's id", example=2)]
    reference: Annotated[str | None, described("The object's reference", example="jewelry")]
    name: Annotated[str | None, described("The object's name", example="Jewelry and accessories")]
    href: Annotated[str | None, _HREF]  # never null, though the document has always stated it so


class RegionLink(msgspec.Struct):
    """The document's region shows no reference."""

    id: Annotated[Key, described("The region's id", example=3)]
    name: Annotated[str | None, described("The region's name", example="New York")]
    href: Annotated[str, described("The region's URL", example="/api/v1.0/regions/3")]


class Creator(msgspec.Struct):
    userId: Annotated[Key, described("The user's id", example=2)]
    reference: Annotated[str | None, described("The user's reference", example="emp-002")]
    href: Annotated[str, described("The user's URL", example="/api/v1.0/users/2")]


class Contact(msgspec.Struct):
    ABOUT: ClassVar[str] = "A person to reach at a customer"

    id: Annotated[Key, shows("contact_id", "The contact's id", example=12, sent=False)]
    customerId: Annotated[  # a create's own parameter
        Key, shows("customer_id", "The customer the contact belongs to", example=256, sent=False)
    ]
    firstName: Annotated[str | None, shows("first_name", "First name", example="Marie")]
    lastName: Annotated[str | None, shows("last_name", "Last name", example="Curie")]
    phone: Annotated[str | None, shows("phone", "Phone number", example="+33 4 93 00 00 00")]
    mobile: Annotated[
        str | None, shows("mobile", "Mobile phone number", example="+33 6 00 00 00 00")
    ]
    email: Annotated[str | None, shows("email", "E-mail address", example="marie@example.com")]
    dateCreated: Annotated[Timestamp, described("When the contact was created")]
    lastUpdated: Annotated[Timestamp, described("When the contact was last changed")]
    href: Annotated[str, described("The contact's URL", example="/api/v1.0/contacts/12")]


class Customer(msgspec.Struct):
    """The original's customer record. Booleans and links are nullable as the document has
    always stated them, though the registry always gives some."""

    ABOUT: ClassVar[str] = "A customer's full record"
    id: Annotated[Key, shows("customer_id", "The customer's id", example=256, sent=False)]
    reference: Annotated[
        str | None,
        shows(
            "code",
            "The customer's reference: unique; names it with useExternalId=true",
            example="NC-3",
        ),
    ]
    reference2: Annotated[str | None, shows("secondary_code", "A second reference")]
    name: Annotated[str, shows("name", "The customer's name", example="Marie's Jewelry")]
    categoryReference: Annotated[
        str | None, described("The reference of the customer's category", example="jewelry")
    ]
    customerCategory: Annotated[
        Link | None,
        shows(
            "category_id",
            "The customer category (sent as `categoryId`, its id); by default, the root "
            "customer category",
            reads=Id("customer category id"),
            sent_as=("categoryId",),
        ),
    ]
    # A parameter with a rule of its own (`customers._Input`).
    isSubCustomer: Annotated[
        bool | None,
        described(
            "Whether the customer is a sub-customer of another; by default, false", example=False
        ),
    ]
    parentCustomer: Annotated[
        Link | None,
        shows(
            "parent_customer_id",
            "The parent customer (sent as `parentCustomerId`, its identifier); required if "
            "isSubCustomer is true",
            reads=Id("parent customer id"),
            sent_as=("parentCustomerId",),
        ),
    ]
    billWithParent: Annotated[
        bool | None,
        shows(
            "bill_with_parent",
            "Whether the customer is billed with its parent; by default, false",
            example=True,
        ),
    ]
    customerSegmentationReference: Annotated[
        str | None, described("The reference of the customer's segmentation", example="seg_a")
    ]
    customerSegmentation: Annotated[
        Link | None,
        shows(
            "segmentation_id",
            "The customer segmentation (sent as `customerSegmentationId`, its id)",
            reads=Id("customer segmentation id"),
            sent_as=("customerSegmentationId",),
        ),
    ]
    pocTenus: Annotated[str | None, described(_NOT_KEPT)]
    email: Annotated[
        str | None, shows("email", "E-mail address", example="contact@mariesjewelry.example")
    ]
    # `imageFile` sets it.
    logo: Annotated[
        str | None,
        shows(
            "logo",
            "The URL of the customer's image, sent as `imageFile` (jpg, gif, png or bmp); "
            "`small_` or `medium_` before the image's name for a resized one",
            sent=False,
            filtered=False,
        ),
    ]
    phone: Annotated[str | None, shows("phone", "Phone number", example="+33 4 93 00 00 00")]
    mobile: Annotated[str | None, shows("mobile", "Mobile phone number")]
    fax: Annotated[str | None, shows("fax", "Fax number")]
    # Free text, up to 2000 characters: no list filters on it.
    comment: Annotated[
        str | None, shows("comment", "Free text, up to 2000 characters", filtered=False)
    ]
    barcode: Annotated[str | None, shows("barcode", "The customer's barcode")]
    isSameAddress: Annotated[
        bool | None,
        shows(
            "is_same_address",
            "If shipping address is the same as billing address; by default, true",
            example=True,
        ),
    ]
    billingCountry: Annotated[
        str | None,
        shows(
            "country",
            "ISO country code or country name of billing (FR, France)",
            reads=country,
            example="FR",
        ),
    ]
    billingCity: Annotated[str | None, shows("city", "Billing city", example="Nice")]
    billingPostalCode: Annotated[
        str | None, shows("postal_code", "Billing postal code", example="06000")
    ]
    billingAddress: Annotated[
        str | None, shows("address_line1", "Billing address", example="1 Promenade des Anglais")
    ]
    billingLat: Annotated[float | None, shows("billing_lat", "Billing latitude", example=43.695)]
    billingLng: Annotated[float | None, shows("billing_lng", "Billing longitude", example=7.265)]
    country: Annotated[
        str | None,
        shows(
            "shipping_country",
            "ISO country code or country name of shipping (FR, France)",
            reads=country,
        ),
    ]
    city: Annotated[str | None, shows("shipping_city", "Shipping city")]
    postalCode: Annotated[str | None, shows("shipping_postal_code", "Shipping postal code")]
    address: Annotated[str | None, shows("shipping_address", "Shipping address")]
    latitude: Annotated[float | None, shows("shipping_lat", "Shipping latitude")]
    longitude: Annotated[float | None, shows("shipping_lng", "Shipping longitude")]
    isCredit: Annotated[bool | None, described(_NOT_KEPT)]
    creditLimit: Annotated[
        float | None, shows("credit_limit", "The customer's credit limit", example=5000)
    ]
    balance: Annotated[float | None, described(_NOT_KEPT)]
    maxChequePeriod: Annotated[float | None, described(_NOT_KEPT)]
    maxChequeValue: Annotated[float | None, described(_NOT_KEPT)]
    appliedCashBackOutput: Annotated[float | None, described(_NOT_KEPT)]
    returnDiscount: Annotated[float | None, described(_NOT_KEPT)]
    invoicesPerRoute: Annotated[float | None, described(_NOT_KEPT)]
    isActive: Annotated[
        bool | None,
        shows("active", "Whether the customer is active; by default, true", example=True),
    ]
    onHold: Annotated[
        bool | None,
        shows("on_hold", "Whether the customer is on hold; by default, false", example=False),
    ]
    onHoldReason: Annotated[str | None, shows("on_hold_reason", "Why the customer is on hold")]
    paymentTerm: Annotated[str | None, described(_NOT_KEPT)]
    createdBy: Annotated[
        Creator | None,
        shows(
            "creator_id",
            "The user who created the customer (sent as `userId`)",
            reads=Id("user id"),
            sent_as=("userId",),
        ),
    ]
    dueDateConfigNumber: Annotated[
        int | None,
        shows(
            "due_date_config_number",
            "Number of days before payment is due; required if `dueDateConfigType` is specified",
            example=7,
        ),
    ]
    dueDateConfigType: Annotated[
        str | None,
        shows(
            "due_date_config_type",
            'Should be equal to 1 if "after the invoice date" or 2 if "after the end of the '
            'invoice month"; shown by name',
            reads=due_date_type,
            example="daysAfterInvoiceDate",
        ),
    ]
    # A parameter of its own form (`params.payment_types`).
    paymentTypes: Annotated[list[Link | None], described("The payment types the customer may use")]
    website: Annotated[
        str | None, shows("website", "Web site", example="https://mariesjewelry.example")
    ]
    taxNumber: Annotated[
        str | None, shows("tax_registration_number", "Tax / VAT number", example="FR40303265045")
    ]
    companyRegistrationNumber: Annotated[
        str | None, shows("registration_number", "Company registration number", example="303265045")
    ]
    contacts: Annotated[list[Contact], described("The customer's contacts")]
    # Sent and shown as a code that the core looks up among the entity's currencies: no list
    # compares it with the stored id.
    currency: Annotated[
        str | None,
        shows(
            "currency_id",
            "ISO code of a configured currency (with exchange rate); by default, the "
            "organisation's currency",
            reads=currency,
            filtered=False,
            example="EUR",
        ),
    ]
    customerRisk: Annotated[
        str | None, shows("customer_risk", "The customer's risk", example="low")
    ]
    customerRiskColor: Annotated[
        str | None,
        shows(
            "customer_risk_color",
            "The colour of the customer's risk (#FFFFFF, #1BE9D8)",
            example="#1BE9D8",
        ),
    ]
    organization: Annotated[
        str | None, described("The organisation the customer belongs to", example="entity1")
    ]
    dateCreated: Annotated[
        Timestamp, shows("created_at", "When the customer was created", sent=False)
    ]
    lastUpdated: Annotated[
        Timestamp, shows("modified_at", "When the customer was last changed", sent=False)
    ]
    region: Annotated[
        RegionLink | None,
        shows(
            "region_id",
            "The customer's region (sent as `regionId`, the numeric value of its id); used only "
            "if geographical locations are activated",
            reads=Id("region id"),
            sent_as=("regionId",),
        ),
    ]


# The order of the original's parameter table (a request's first problem is the one answered, and
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
