"""The sales API's names for core fields, and how each parameter is read."""

from __future__ import annotations

from customer_registry.apis.params import boolean, integer, number, text
from customer_registry.apis.sales_v1_0.params import (
    Field,
    Id,
    country,
    currency,
    due_date_type,
)

# Sales parameter -> (core field, reader), in the document's order.
CUSTOMER_PARAMETERS: dict[str, Field] = {
    "reference": ("code", text),
    "name": ("name", text),
    "reference2": ("secondary_code", text),
    "barcode": ("barcode", text),
    "isActive": ("active", boolean),
    "categoryId": ("category_id", Id("customer category id")),
    "parentCustomerId": ("parent_customer_id", Id("parent customer id")),
    "billWithParent": ("bill_with_parent", boolean),
    "customerSegmentationId": (
        "segmentation_id",
        Id("customer segmentation id"),
    ),
    "userId": ("creator_id", Id("user id")),
    "isSameAddress": ("is_same_address", boolean),
    "billingCountry": ("country", country),
    "billingCity": ("city", text),
    "billingPostalCode": ("postal_code", text),
    "billingAddress": ("address_line1", text),
    "billingLat": ("billing_lat", number),
    "billingLng": ("billing_lng", number),
    "country": ("shipping_country", country),
    "city": ("shipping_city", text),
    "postalCode": ("shipping_postal_code", text),
    "address": ("shipping_address", text),
    "latitude": ("shipping_lat", number),
    "longitude": ("shipping_lng", number),
    "email": ("email", text),
    "phone": ("phone", text),
    "mobile": ("mobile", text),
    "fax": ("fax", text),
    "comment": ("comment", text),
    "website": ("website", text),
    "creditLimit": ("credit_limit", number),
    "dueDateConfigNumber": ("due_date_config_number", integer),
    "dueDateConfigType": ("due_date_config_type", due_date_type),
    "taxNumber": ("tax_registration_number", text),
    "companyRegistrationNumber": ("registration_number", text),
    "currency": ("currency_id", currency),
    "regionId": ("region_id", Id("region id")),
    "customerRisk": ("customer_risk", text),
    "customerRiskColor": ("customer_risk_color", text),
    "onHold": ("on_hold", boolean),
    "onHoldReason": ("on_hold_reason", text),
}

CORE_TO_SALES = {core: name for name, (core, _) in CUSTOMER_PARAMETERS.items()}
CORE_TO_SALES |= {"customer_id": "id", "modified_at": "lastUpdated", "created_at": "dateCreated"}

# What a customer list may filter (exact match) and sort on: sales name -> core field.
CUSTOMER_FILTERS = {
    "id": "customer_id",
    **{
        name: core
        for name, (core, reader) in CUSTOMER_PARAMETERS.items()
        if core not in ("currency_id", "comment")
    },
    "dateCreated": "created_at",
    "lastUpdated": "modified_at",
}

CONTACT_PARAMETERS: dict[str, Field] = {
    "firstName": ("first_name", text),
    "lastName": ("last_name", text),
    "phone": ("phone", text),
    "mobile": ("mobile", text),
    "email": ("email", text),
}
CORE_TO_SALES |= {core: name for name, (core, _) in CONTACT_PARAMETERS.items()}
CONTACT_FILTERS = {
    "id": "contact_id",
    "customerId": "customer_id",
    **{name: core for name, (core, _) in CONTACT_PARAMETERS.items()},
}
# The catalogues' and the organisation's fields, for messages.
CORE_TO_SALES |= {
    "parent_id": "parentId",
    "exchange_rate": "exchangeRate",
    "is_default": "isDefault",
    "geographical_locations": "geographicalLocations",
    "region_level": "regionLevel",
}
