"""The billing API's objects, declared once: each key in the order the original shows it,
typed as it shows it, with the core field behind it (`shows`).

From these come the API's parameters and their readers, its filters, the names its messages
use (`names.py`), its rendering (`render.py`) and the schemas of its document (`openapi.py`).
A key no core field fills is shown as its default, the value the original's example shows.
"""

# The keys are spelled as the API spells them (`customerAccount`), mixed case included.
# ruff: noqa: N815

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from customer_registry.apis.models import shows
from customer_registry.apis.params import boolean
from customer_registry.core.fields import INT32

Id = Annotated[int, msgspec.Meta(ge=1, le=INT32[1])]  # a row id (`core.fields.is_key`)
# Laravel's JSON dates: `2020-08-04T10:42:27.000000Z`.
Timestamp = Annotated[str, msgspec.Meta(extra_json_schema={"format": "date-time"})]
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

    id: Annotated[Id, shows("customer_id")]
    brand_id: Annotated[int, shows("brand_id")]
    representative_id: Annotated[int | None, shows("representative_id")]
    customerAccount: Annotated[str | None, shows("code")]
    accountsReference: Annotated[str | None, shows("secondary_code")]
    name: Annotated[str, shows("name")]
    brand: Annotated[str | None, shows("trading_name")]
    registrationNumber: Annotated[str | None, shows("registration_number")]
    taxRegistrationNumber: Annotated[str | None, shows("tax_registration_number")]
    mainContactFirstName: Null = None
    mainContactLastName: Null = None
    type: Annotated[str | None, shows("company_type")]
    capital: Annotated[str | None, shows("capital")]
    activityCode: Null = None
    sector_id: Null = None
    origin_id: Null = None
    mainAddressLine1: Annotated[str | None, shows("address_line1")]
    mainAddressLine2: Annotated[str | None, shows("address_line2")]
    # `postalCode`: the seed's own spelling of the parameter.
    mainAddressPostalCode: Annotated[
        str | None, shows("postal_code", sent_as=("mainAddressPostalCode", "postalCode"))
    ]
    mainAddressCity: Annotated[str | None, shows("city")]
    mainAddressCountry: Annotated[str | None, shows("country")]
    emailAddress: Annotated[str | None, shows("email")]
    accountEmailAddress: Null = None
    website: Annotated[str | None, shows("website")]
    phone: Annotated[str | None, shows("phone")]
    mobilePhone: Annotated[str | None, shows("mobile")]
    fax: Annotated[str | None, shows("fax")]
    logo: Null = None
    active: Annotated[Flag, shows("active", reads=boolean)]
    activity: Null = None
    category: Null = None
    qualification: Null = None
    prospection_code_id: One = 1
    isReseller: Annotated[Flag, shows("is_reseller", reads=boolean)]
    resellerLevel: Annotated[int, shows("reseller_level")]
    language_id: One = 1
    acceptEmails: One = 1
    acceptCalls: One = 1
    supplier: Zero = 0
    chargeVAT: Annotated[Flag, shows("charge_vat", reads=boolean)]
    applyVATAutoReverseOperators: Annotated[Flag, shows("apply_vat_auto_reverse", reads=boolean)]
    language: Null = None
    comment: Annotated[str | None, shows("comment")]
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
    onCallDuty: Annotated[Flag, shows("on_call_duty", reads=boolean)]
    vip: Annotated[Flag, shows("vip", reads=boolean)]
    canSendSms: Zero = 0
    smsAuthorisation: Null = None
    numberOfInvoices: Zero = 0
    lastInvoice: Null = None
    quickSearchLabel: Null = None
    quickSearchIndex: Zero = 0
    created_at: Annotated[Timestamp, shows("created_at")]
    updated_at: Annotated[Timestamp, shows("modified_at")]


# Laravel's validator checks the parameters in the order of its rules: the create's documented
# list (customers.md), with those it does not list (e-mail, phones, comment) after `website`.
# That is not the object's order: each of these is checked just before the other.
CHECKED_BEFORE = {"website": "emailAddress", "comment": "active"}


class Contact(msgspec.Struct, kw_only=True):
    """A customer's contact: Laravel's polymorphic `contactable`."""

    id: Annotated[Id, shows("contact_id")]
    contactable_type: Literal["App\\Customer"] = "App\\Customer"
    contactable_id: Annotated[Id, shows("customer_id")]
    firstName: Annotated[str | None, shows("first_name")]
    lastName: Annotated[str | None, shows("last_name")]
    phone: Annotated[str | None, shows("phone")]
    mobilePhone: Annotated[str | None, shows("mobile")]
    emailAddress: Annotated[str | None, shows("email")]
    created_at: Annotated[Timestamp, shows("created_at")]
    updated_at: Annotated[Timestamp, shows("modified_at")]


class Brand(msgspec.Struct, kw_only=True):
    id: Annotated[Id, shows("brand_id")]
    name: Annotated[str, shows("name")]
    created_at: Annotated[Timestamp, shows("created_at")]
    updated_at: Annotated[Timestamp, shows("modified_at")]
