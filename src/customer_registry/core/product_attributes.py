"""A product's device fields (`_products.md`), declared once, typed.

Each field is declared here and nowhere else in the core or the storage schema: the schema
makes the `products` table's column from it (`storage.schema.detail_columns`), between the
product's key and its entity, and the core reads its limits back from that column. A new
device field is a field here and a migration.

This module imports nothing of the service, so the storage schema may read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

# A BIGINT column: the original's foreign keys to tables this service does not keep (hubs,
# shops, states…) are plain 64-bit integers here.
BigInt = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
Text15 = Annotated[str, msgspec.Meta(max_length=15)]
Text24 = Annotated[str, msgspec.Meta(max_length=24)]
Text32 = Annotated[str, msgspec.Meta(max_length=32)]
Text255 = Annotated[str, msgspec.Meta(max_length=255)]


class ProductAttributes(msgspec.Struct, frozen=True):
    """In the table's column order (a product is read from its row by position: every product
    of every page is). Not null in the original, but a product is created here from its IMEI
    alone, so only the flags are never null (false unless sent)."""

    analysis_timestamp: datetime | None = None
    current_enable_flag: bool = False
    desired_enable_flag: bool = False
    disable_date: datetime | None = None
    device_key: Text24 | None = None
    hub_id: BigInt | None = None
    imsi: Text15 | None = None
    iccid: Text32 | None = None
    latest_connection_id: BigInt | None = None
    latest_connection_location_id: BigInt | None = None
    latest_state_id: BigInt | None = None
    latest_enable_history_id: BigInt | None = None
    product_type_id: BigInt | None = None
    serial_number: Text255 | None = None
    shop_id: BigInt | None = None
    software_lock: BigInt | None = None
    rtc_network_name: Text255 | None = None
    ip_address: Text15 | None = None
    latest_rtc_connection_history_id: BigInt | None = None
    latest_rtc_mo_status_report_time: datetime | None = None
    latest_rtc_mt_status_update_time: datetime | None = None
    rtc_enabled_flag: bool = False
    dcm_enabled_flag: bool = False
    assembler: Text255 | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
