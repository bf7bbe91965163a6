"""The billing API's objects, declared once: each key in the order the original shows it,
typed as it shows it, with the core field behind it (`shows`).

From these come the API's parameters and their readers, its filters, the names its messages
use (`names.py`), its rendering (`render.py`) and the schemas of its document (`openapi.py`).
A key no core field fills is shown as its default, the value the original's example shows.
"""

# The keys are spelled as the API spells them (`customerAccount`), mixed case included.
# ruff: noqa: N815

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import msgspec

from customer_registry.apis.models import described, shows
from customer_registry.apis.params import boolean
from customer_registry.core.fields import INT32

Id = Annotated[int, msgspec.Meta(ge=1, le=INT32[1])]  # a row id (`core.fields.is_key`)
# Laravel's JSON dates: `2020-08-04T10:42:27.000000Z`.
Timestamp = Annotated[
    str,
    msgspec.Meta(
        extra_json_schema={"format": "date-time", "example": "2020-08-04T10:42:27.000000Z"}
    ),
]
_CREATED = "When the object was created"
_UPDATED = "When the object was last changed"
# A boolean column as Laravel shows it; read with its `boolean` rule (`reads=boolean`).
Flag = Annotated[
    int, msgspec.Meta(extra_json_schema={"enum": [0, 1], "description": "a flag: 1 or 0"})
]


def _not_kept(value: str) -> msgspec.Meta:
    return msgspec.Meta(extra_json_schema={"description": f"not kept here: always {value}"})


# Keys this registry does not keep: always their column's default in the original.
Null = Annotated[None, _not_kept("null")]
Zero = Annotated[Literal[0], _not_kept("0")]
One = Annotated[Literal[1], _not_kept("1")]


class Customer(msgspec.Struct, kw_only=True):
    """`customers.md`: the documented key order, every key present."""

    ABOUT: ClassVar[str] = "A customer, with its account and commercial details"
    id: Annotated[Id, shows("customer_id", "The customer's id", example=113)]
    brand_id: Annotated[
        int, shows("brand_id", "Branding attached to this customer, default 1", example=1)
    ]
    representative_id: Annotated[
        int | None, shows("representative_id", "Salesperson in charge of the customer")
    ]
    customerAccount: Annotated[
        str | None,
        shows("code", "customerAccount, automatically created if not provided", example="123456"),
    ]
    accountsReference: Annotated[
        str | None,
        shows(
            "secondary_code",
            "Reference in the accounting system, if different from customerAccount",
        ),
    ]
    name: Annotated[str, shows("name", "Name of the customer", example="Société")]
    brand: Annotated[str | None, shows("trading_name", "Trading name of the customer, if exists")]
    registrationNumber: Annotated[
        str | None, shows("registration_number", "Registration number of the customer")
    ]
    taxRegistrationNumber: Annotated[
        str | None,
        shows("tax_registration_number", "Tax registration number of the customer"),
    ]
    mainContactFirstName: Null = None
    mainContactLastName: Null = None
    type: Annotated[str | None, shows("company_type", "Type of company")]
    capital: Annotated[str | None, shows("capital", "Capital in your currency")]
    activityCode: Null = None
    sector_id: Null = None
    origin_id: Null = None
    mainAddressLine1: Annotated[str | None, shows("address_line1", "Main address, first line")]
    mainAddressLine2: Annotated[str | None, shows("address_line2", "Main address, second line")]
    # `postalCode`: the original's own spelling of the parameter.
    mainAddressPostalCode: Annotated[
        str | None,
        shows(
            "postal_code",
            "Main address, postal code",
            sent_as=("mainAddressPostalCode", "postalCode"),
        ),
    ]
    mainAddressCity: Annotated[str | None, shows("city", "Main address, city")]
    mainAddressCountry: Annotated[str | None, shows("country", "Main address, country")]
    emailAddress: Annotated[str | None, shows("email", "E-mail address")]
    accountEmailAddress: Null = None
    website: Annotated[str | None, shows("website", "Web site")]
    phone: Annotated[str | None, shows("phone", "Phone number")]
    mobilePhone: Annotated[str | None, shows("mobile", "Mobile phone number")]
    fax: Annotated[str | None, shows("fax", "Fax number")]
    logo: Null = None
    active: Annotated[Flag, shows("active", "Boolean, default true", reads=boolean)]
    activity: Null = None
    category: Null = None
    qualification: Null = None
    prospection_code_id: One = 1
    isReseller: Annotated[Flag, shows("is_reseller", "Boolean, default false", reads=boolean)]
    resellerLevel: Annotated[int, shows("reseller_level", "The reseller's level", example=0)]
    language_id: One = 1
    acceptEmails: One = 1
    acceptCalls: One = 1
    supplier: Zero = 0
    chargeVAT: Annotated[
        Flag,
        shows(
            "charge_vat",
            "Boolean, default true (set to false if you are not charging VAT to this customer)",
            reads=boolean,
        ),
    ]
    applyVATAutoReverseOperators: Annotated[
        Flag,
        shows(
            "apply_vat_auto_reverse",
            "Boolean, default false (set to true if you apply auto-reverse for VAT for this "
            "customer on Telecom services)",
            reads=boolean,
        ),
    ]
    language: Null = None
    comment: Annotated[str | None, shows("comment", "Free text about the customer")]
    mergeInvoices: One = 1
    isGroupingAccount: Zero = 0
    chargeGroupingAccount: Null = None
    isPayer: Zero = 0
    ftp: Zero = 0
    ftpServer: Null = None
    ftpUsername: Null = None
    ftpPassword: Null = None
    ftpHomeDirectory: Null = None
    ftpAccountId: Null = None
    ftpAssociatedEmail: Null = None
    quickSearch: Null = None
    suppliers: Null = None
    onCallDuty: Annotated[
        Flag,
        shows(
            "on_call_duty",
            "Boolean, default false (set to true if the customer is under on call duty contract)",
            reads=boolean,
        ),
    ]
    vip: Annotated[
        Flag,
        shows("vip", "Boolean, default false (set to true if customer is vip)", reads=boolean),
    ]
    canSendSms: Zero = 0
    smsAuthorisation: Null = None
    numberOfInvoices: Zero = 0
    lastInvoice: Null = None
    quickSearchLabel: Null = None
    quickSearchIndex: Zero = 0
    created_at: Annotated[Timestamp, shows("created_at", _CREATED)]
    updated_at: Annotated[Timestamp, shows("modified_at", _UPDATED)]


# Laravel's validator checks the parameters in the order of its rules: the create's documented
# list (customers.md), with those it does not list (e-mail, phones, comment) after `website`.
# That is not the object's order: each of these is checked just before the other.
CHECKED_BEFORE = {"website": "emailAddress", "comment": "active"}


class Contact(msgspec.Struct, kw_only=True):
    """A customer's contact: Laravel's polymorphic `contactable`."""

    ABOUT: ClassVar[str] = "A person to reach at a customer"
    id: Annotated[Id, shows("contact_id", "The contact's id", example=7)]
    contactable_type: Annotated[
        Literal["App\\Customer"], described("What the contact belongs to: a customer")
    ] = "App\\Customer"
    contactable_id: Annotated[
        Id, shows("customer_id", "The id of the customer the contact belongs to", example=113)
    ]
    firstName: Annotated[str | None, shows("first_name", "First name", example="Marie")]
    lastName: Annotated[str | None, shows("last_name", "Last name", example="Curie")]
    phone: Annotated[str | None, shows("phone", "Phone number")]
    mobilePhone: Annotated[str | None, shows("mobile", "Mobile phone number")]
    emailAddress: Annotated[
        str | None, shows("email", "E-mail address", example="marie@example.com")
    ]
    created_at: Annotated[Timestamp, shows("created_at", _CREATED)]
    updated_at: Annotated[Timestamp, shows("modified_at", _UPDATED)]


class Brand(msgspec.Struct, kw_only=True):
    ABOUT: ClassVar[str] = "A brand customers are sold under"

    id: Annotated[Id, shows("brand_id", "The brand's id", example=1)]
    name: Annotated[str, shows("name", "The brand's name", example="BlueRockTEL")]
    created_at: Annotated[Timestamp, shows("created_at", _CREATED)]
    updated_at: Annotated[Timestamp, shows("modified_at", _UPDATED)]
