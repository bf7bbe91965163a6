"""The partner API's resources, one model each: the keys an object shows, in its order, each
typed as the API shows it and annotated with the column behind it (`apis/models.py`).

From these come the names queries, filters, sorts and messages use (partner -> core), which
fields are times, the reader of each field a write may send, the rendering, and the
resources' schemas in the OpenAPI document. A key's bounds (an integer's range, a text's
length) are its column's, read from the storage schema: the document states what can be
stored, and a key typed unlike its column fails at import.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, ClassVar

import msgspec
import sqlalchemy as sa

from customer_registry.apis.models import shows
from customer_registry.apis.partner_v1.bodies import strict_text
from customer_registry.core.fields import INT32, INT64
from customer_registry.core.product_attributes import ProductAttributes
from customer_registry.storage import schema as tables

Column = Callable[..., msgspec.Meta]


def _stored(
    column: sa.Column[Any], about: str, *, reads: object = None, example: object = msgspec.UNSET
) -> msgspec.Meta:
    """`shows(column)`, what it means, with the bounds of what the column stores."""
    extra = shows(str(column.name), about, reads=reads, example=example).extra
    kind = column.type
    if isinstance(kind, sa.Integer):  # BigInteger included
        low, high = INT64 if isinstance(kind, sa.BigInteger) else INT32
        return msgspec.Meta(ge=low, le=high, extra=extra)
    if isinstance(kind, sa.String) and kind.length is not None:
        return msgspec.Meta(max_length=kind.length, extra=extra)
    return msgspec.Meta(extra=extra)


# The columns several tables have, each described once: every record's meta-data, as the
# meta-data page describes it, and the dates of every link and period.
_COMMON = {
    "date_added": ("When the link (or the period) started", msgspec.UNSET),
    "date_removed": ("When the link (or the period) ended; null while it lasts", msgspec.UNSET),
    "created_at": ("Timestamp that the record was created at", msgspec.UNSET),
    "created_by": ("Username of the user who created the record", "test.user@bboxx.co.uk"),
    "modified_at": ("Timestamp that the record was last modified", msgspec.UNSET),
    "modified_by": ("User that last modified the record", "test.user@bboxx.co.uk"),
}


def _columns(table: sa.Table) -> Column:
    """The annotation of a key showing one of `table`'s columns, by the column's name, and
    what it means (by default, a common column's: `_COMMON`)."""

    def annotate(
        name: str,
        about: str | None = None,
        *,
        reads: object = None,
        example: object = msgspec.UNSET,
    ) -> msgspec.Meta:
        if about is None:
            about, example = _COMMON[name]
        return _stored(table.c[name], about, reads=reads, example=example)

    return annotate


# The product of the documents' examples.
_IMEI = "111010101010101"

_customers = _columns(tables.customers)
_entities = _columns(tables.entities)
_customer_links = _columns(tables.customer_entity_linker)
_product_links = _columns(tables.product_entity_linker)
_history = _columns(tables.customer_product_history)


class Customer(msgspec.Struct):
    ABOUT: ClassVar[str] = "A customer: someone products are sold to, in an entity"

    customer_id: Annotated[
        int,
        _customers("customer_id", "A unique integer identifier for each customer", example=1234),
    ]
    name: Annotated[str, _customers("name", "The customer's name", example="Test Customer")]
    external_customer_id: (
        Annotated[
            int,
            _customers(
                "external_id", "The customer's id in the partner's own system", example=5678
            ),
        ]
        | None
    )
    external_customer_code: (
        Annotated[
            str,
            _customers("code", "The customer's code in the partner's own system", example="C-5678"),
        ]
        | None
    )
    created_at: Annotated[datetime, _customers("created_at")]
    created_by: Annotated[str, _customers("created_by")] | None
    modified_at: Annotated[datetime, _customers("modified_at")] | None
    modified_by: Annotated[str, _customers("modified_by")] | None


class Entity(msgspec.Struct):
    ABOUT: ClassVar[str] = "An entity: an organisation (a partner) customers and products belong to"

    entity_id: Annotated[
        int, _entities("entity_id", "A unique integer identifier for each entity", example=1)
    ]
    name: Annotated[str, _entities("name", "The entity's name (unique)", example="BBOXX Rwanda")]
    bboxx_company_flag: Annotated[
        bool, _entities("bboxx_company_flag", "Whether the entity is a BBOXX company", example=True)
    ]
    tariff: Annotated[str, _entities("tariff", "The entity's tariff", example="tariff_A")] | None
    financier: (
        Annotated[
            bool, _entities("financier", "Whether the entity finances products", example=False)
        ]
        | None
    )
    geic: (
        Annotated[str, _entities("geic", "The entity's GEIC code (unique)", example="GEIC-01")]
        | None
    )
    created_at: Annotated[datetime, _entities("created_at")]
    created_by: Annotated[str, _entities("created_by")] | None
    modified_at: Annotated[datetime, _entities("modified_at")] | None
    modified_by: Annotated[str, _entities("modified_by")] | None


class CustomerEntityLinker(msgspec.Struct):
    ABOUT: ClassVar[str] = "A customer's link to the entity it belongs to, while it lasts"

    customer_entity_linker_id: Annotated[
        int,
        _customer_links(
            "customer_entity_linker_id",
            "A unique integer identifier for each link of a customer to an entity",
            example=1,
        ),
    ]
    customer_id: Annotated[int, _customer_links("customer_id", "The customer linked", example=1234)]
    entity_id: Annotated[
        int, _customer_links("entity_id", "The entity the customer belongs to", example=1)
    ]
    date_added: Annotated[datetime, _customer_links("date_added")] | None
    date_removed: Annotated[datetime, _customer_links("date_removed")] | None
    created_at: Annotated[datetime, _customer_links("created_at")]
    created_by: Annotated[str, _customer_links("created_by")] | None
    modified_at: Annotated[datetime, _customer_links("modified_at")] | None
    modified_by: Annotated[str, _customer_links("modified_by")] | None


class ProductEntityLinker(msgspec.Struct):
    ABOUT: ClassVar[str] = "A product's link to the entity it belongs to, while it lasts"

    product_entity_linker_id: Annotated[
        int,
        _product_links(
            "product_entity_linker_id",
            "A unique integer identifier for each link of a product to an entity",
            example=1,
        ),
    ]
    # A key: a string only, where 0123 and 123 differ.
    product_imei: Annotated[
        str,
        _product_links(
            "product_imei", "The IMEI of the product linked", reads=strict_text, example=_IMEI
        ),
    ]
    entity_id: Annotated[
        int, _product_links("entity_id", "The entity the product belongs to", example=1)
    ]
    date_added: Annotated[datetime, _product_links("date_added")] | None
    date_removed: Annotated[datetime, _product_links("date_removed")] | None
    created_at: Annotated[datetime, _product_links("created_at")]
    created_by: Annotated[str, _product_links("created_by")] | None
    modified_at: Annotated[datetime, _product_links("modified_at")] | None
    modified_by: Annotated[str, _product_links("modified_by")] | None


class CustomerProductHistory(msgspec.Struct):
    ABOUT: ClassVar[str] = "A period a product spent with a customer"

    customer_product_history_id: Annotated[
        int,
        _history(
            "customer_product_history_id",
            "A unique integer identifier for each period a product spent with a customer",
            example=1,
        ),
    ]
    customer_id: Annotated[
        int, _history("customer_id", "The customer who had the product", example=1234)
    ]
    product_imei: Annotated[
        str, _history("product_imei", "The IMEI of the product", reads=strict_text, example=_IMEI)
    ]
    date_added: Annotated[datetime, _history("date_added")] | None
    date_removed: Annotated[datetime, _history("date_removed")] | None
    removal_reason: (
        Annotated[
            str,
            _history(
                "removal_reason",
                "Why the product left the customer",
                example="Customer returned the unit",
            ),
        ]
        | None
    )
    created_at: Annotated[datetime, _history("created_at")]
    created_by: Annotated[str, _history("created_by")] | None
    modified_at: Annotated[datetime, _history("modified_at")] | None
    modified_by: Annotated[str, _history("modified_by")] | None


# --- products: the device fields are the core's `ProductAttributes`, typed as it types them --

_products = _columns(tables.products)


# The device fields' meanings and examples, in the products page's words where it has some: the
# one declaration of the partner's keys for the core's device fields (`_device_key`).
_DEVICE: dict[str, tuple[str, object]] = {
    "analysis_timestamp": ("When the product's data was last analysed", msgspec.UNSET),
    "current_enable_flag": ("Whether the product is enabled now", True),
    "desired_enable_flag": ("Whether the product should be enabled", True),
    "disable_date": ("When the product is to be disabled", msgspec.UNSET),
    "device_key": ("The device's key (unique)", "awjs875jg7thskr9485984rf"),
    "hub_id": ("The hub the product is kept at", 1),
    "imsi": ("The SIM card's IMSI (unique)", "000000000000000"),
    "iccid": ("The SIM card's ICCID (unique)", "8944500000000000000"),
    "latest_connection_id": ("The product's latest connection", 1),
    "latest_connection_location_id": ("Where the product last connected from", 1),
    "latest_state_id": ("The product's latest state", 1),
    "latest_enable_history_id": ("The latest change of the product's enable flag", 1),
    "product_type_id": ("The product's type", 1),
    "serial_number": ("The product's serial number (unique)", "test"),
    "shop_id": ("The shop the product is sold from", 1),
    "software_lock": ("The software lock applied to the product", 1),
    "rtc_network_name": (
        'The SIM provider: "Test-SIM-Provider", "Aeris", "Eseye" or "Wireless-Logic"',
        "Aeris",
    ),
    "ip_address": ("The product's IP address", "10.0.0.1"),
    "latest_rtc_connection_history_id": ("The product's latest RTC connection", 1),
    "latest_rtc_mo_status_report_time": ("When the device last reported its status", msgspec.UNSET),
    "latest_rtc_mt_status_update_time": (
        "When the device's status was last updated",
        msgspec.UNSET,
    ),
    "rtc_enabled_flag": ("Whether the device is RTC enabled", True),
    "dcm_enabled_flag": ("Boolean value that shows whether a device is DCM enabled or not", False),
    "assembler": ("Who assembled the product", "test"),
    "gps_lat": ("The product's latitude (GPS)", 1.0),
    "gps_lon": ("The product's longitude (GPS)", 1.0),
}


def _device_key(field: msgspec.structs.FieldInfo) -> tuple[str, Any]:
    about, example = _DEVICE[field.name]  # KeyError: a new device field, undescribed
    return field.name, Annotated[field.type, shows(field.name, about, example=example)]


Product = msgspec.defstruct(
    "Product",
    [
        (
            "product_imei",
            Annotated[
                str,
                _products(
                    "product_imei",
                    "The product's IMEI: its unique identifier",
                    reads=strict_text,
                    example=_IMEI,
                ),
            ],
        ),
        *(_device_key(field) for field in msgspec.structs.fields(ProductAttributes)),
        (
            "entity_id",
            Annotated[int, _products("entity_id", "The entity the product belongs to", example=1)]
            | None,
        ),
        (
            "created_at",
            Annotated[datetime, _products("created_at")],
        ),
        (
            "created_by",
            Annotated[
                str,
                _products("created_by"),
            ]
            | None,
        ),
        (
            "modified_at",
            Annotated[datetime, _products("modified_at")] | None,
        ),
        (
            "modified_by",
            Annotated[
                str,
                _products("modified_by"),
            ]
            | None,
        ),
    ],
    module=__name__,
    namespace={"ABOUT": "A product: a device, named by its IMEI"},
)
