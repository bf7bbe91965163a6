"""The billing API's names for core fields, and how its loose parameters are typed."""

from __future__ import annotations

from customer_registry.apis.params import Converter, boolean, integer, text
from customer_registry.core import customers

# Billing parameter -> (core field, converter). `postalCode` is the pack's spelling.
CUSTOMER_PARAMETERS: dict[str, tuple[str, Converter]] = {
    "brand_id": ("brand_id", integer),
    "representative_id": ("representative_id", integer),
    "customerAccount": ("code", text),
    "accountsReference": ("secondary_code", text),
    "name": ("name", text),
    "brand": ("trading_name", text),
    "registrationNumber": ("registration_number", text),
    "taxRegistrationNumber": ("tax_registration_number", text),
    "type": ("company_type", text),
    "capital": ("capital", text),
    "mainAddressLine1": ("address_line1", text),
    "mainAddressLine2": ("address_line2", text),
    "mainAddressPostalCode": ("postal_code", text),
    "postalCode": ("postal_code", text),
    "mainAddressCity": ("city", text),
    "mainAddressCountry": ("country", text),
    "website": ("website", text),
    "emailAddress": ("email", text),
    "phone": ("phone", text),
    "mobilePhone": ("mobile", text),
    "fax": ("fax", text),
    "comment": ("comment", text),
    "active": ("active", boolean),
    "isReseller": ("is_reseller", boolean),
    "resellerLevel": ("reseller_level", integer),
    "chargeVAT": ("charge_vat", boolean),
    "applyVATAutoReverseOperators": ("apply_vat_auto_reverse", boolean),
    "onCallDuty": ("on_call_duty", boolean),
    "vip": ("vip", boolean),
}


def _max_length(core: str) -> int | None:
    if core == "name":
        return customers.NAME_MAX
    if core == "code":
        return customers.CODE_MAX
    return customers.DETAILS[core].max_length


# The core's length limits, for the validator's `max` message.
CUSTOMER_MAX_LENGTHS = {
    name: limit
    for name, (core, to_type) in CUSTOMER_PARAMETERS.items()
    if to_type is text and (limit := _max_length(core)) is not None
}
# Parameters whose null means "not given" (the default): the core's not-null details.
CUSTOMER_DEFAULTED = frozenset(
    name
    for name, (core, _) in CUSTOMER_PARAMETERS.items()
    if core in customers.DETAILS and not customers.DETAILS[core].nullable
)

CORE_TO_BILLING = {
    core: name for name, (core, _) in CUSTOMER_PARAMETERS.items() if name != "postalCode"
}
CORE_TO_BILLING["postal_code"] = "mainAddressPostalCode"

# Customer-object keys a list may filter or sort on -> core field.
FILTERABLE = {
    "id": "customer_id",
    "customerAccount": "code",
    "name": "name",
    **{name: core for core, name in CORE_TO_BILLING.items() if core not in ("code", "name")},
    "created_at": "created_at",
    "updated_at": "modified_at",
}

CONTACT_PARAMETERS: dict[str, tuple[str, Converter]] = {
    "firstName": ("first_name", text),
    "lastName": ("last_name", text),
    "phone": ("phone", text),
    "mobilePhone": ("mobile", text),
    "emailAddress": ("email", text),
}

# How error messages name a core field: the customers' names, and the contacts' own (their
# phone, mobile and email share the customers'). Kept apart from CORE_TO_BILLING, whose
# inverse lays out the customer object.
FIELD_NAMES = CORE_TO_BILLING | {core: name for name, (core, _) in CONTACT_PARAMETERS.items()}

BRAND_PARAMETERS: dict[str, tuple[str, Converter]] = {"name": ("name", text)}
