"""A customer's commercial details (the billing and sales APIs'), declared once, typed.

Each field is declared here and nowhere else in the core or the storage schema: the schema
makes the `customers` table's column from it (`storage.schema.detail_columns`: its kind,
its length from `max_length`, NOT NULL where `None` is not allowed, and a server default from
the field's default), and the core reads its limits back from that column. A new detail is a
field here and a migration; each API then names it in its own model.

This module imports nothing of the service, so the storage schema may read it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

DEFAULT_BRAND_ID = 1  # the shared brand every entity starts with (it cannot be deleted)

# Text of at most so many characters (the column's length).
Text7 = Annotated[str, msgspec.Meta(max_length=7)]
Text50 = Annotated[str, msgspec.Meta(max_length=50)]
Text100 = Annotated[str, msgspec.Meta(max_length=100)]
Text255 = Annotated[str, msgspec.Meta(max_length=255)]
Text500 = Annotated[str, msgspec.Meta(max_length=500)]
Text1000 = Annotated[str, msgspec.Meta(max_length=1000)]
Text2000 = Annotated[str, msgspec.Meta(max_length=2000)]


class CustomerDetails(msgspec.Struct, frozen=True):
    """In the table's column order. An `…_id` field names a row of another table; the schema
    declares those links.

    Not `kw_only`: every customer read builds one from its row positionally (by name through
    `operator.itemgetter`), 1.5 µs against 4.6 µs for keywords (measured on an asyncpg row),
    which is 150 µs on a page of fifty. Elsewhere, name the fields."""

    secondary_code: Text100 | None = None
    # Billing's details. Flags are never null: a create that leaves one out gets its default.
    brand_id: int = DEFAULT_BRAND_ID
    representative_id: int | None = None
    trading_name: Text255 | None = None
    registration_number: Text255 | None = None
    tax_registration_number: Text255 | None = None
    company_type: Text255 | None = None
    capital: Text50 | None = None
    address_line1: Text255 | None = None
    address_line2: Text255 | None = None
    postal_code: Text50 | None = None
    city: Text255 | None = None
    country: Text255 | None = None
    website: Text255 | None = None
    email: Text255 | None = None
    phone: Text50 | None = None
    mobile: Text50 | None = None
    fax: Text50 | None = None
    comment: Text2000 | None = None
    active: bool = True
    is_reseller: bool = False
    reseller_level: int = 0
    charge_vat: bool = True
    apply_vat_auto_reverse: bool = False
    on_call_duty: bool = False
    vip: bool = False
    # Sales' details: catalogue links, the parent customer, shipping address, credit, image.
    category_id: int | None = None
    segmentation_id: int | None = None
    region_id: int | None = None
    currency_id: int | None = None
    parent_customer_id: int | None = None
    bill_with_parent: bool = False
    creator_id: int | None = None  # the user sales names (`userId`); not who made the call
    barcode: Text100 | None = None
    billing_lat: float | None = None
    billing_lng: float | None = None
    is_same_address: bool = True
    shipping_country: Text255 | None = None
    shipping_city: Text255 | None = None
    shipping_postal_code: Text50 | None = None
    shipping_address: Text255 | None = None
    shipping_lat: float | None = None
    shipping_lng: float | None = None
    credit_limit: float | None = None
    due_date_config_number: int | None = None
    due_date_config_type: int | None = None
    customer_risk: Text255 | None = None
    customer_risk_color: Text7 | None = None
    on_hold: bool = False
    on_hold_reason: Text1000 | None = None
    logo: Text500 | None = None  # the stored image, relative to the media directory
