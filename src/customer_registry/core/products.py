"""Products: created by the factory, owned by an entity, held by at most one customer."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from customer_registry.core import entities
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Forbidden, Invalid, NotFound, UnknownField
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import links as link_repository
from customer_registry.storage import products as repository
from customer_registry.storage.database import Connection, Row

IMEI_LENGTH = 15
INT64 = (-(2**63), 2**63 - 1)


class Kind(Enum):
    INT = "integer"
    TEXT = "string"
    BOOL = "boolean"
    TIME = "timestamp"
    FLOAT = "number"


@dataclass(frozen=True, slots=True)
class Attribute:
    kind: Kind
    max_length: int | None = None  # TEXT only


# The device fields `_products.md` documents, in its order; the booleans default to false.
ATTRIBUTES: dict[str, Attribute] = {
    "analysis_timestamp": Attribute(Kind.TIME),
    "current_enable_flag": Attribute(Kind.BOOL),
    "desired_enable_flag": Attribute(Kind.BOOL),
    "disable_date": Attribute(Kind.TIME),
    "device_key": Attribute(Kind.TEXT, 24),
    "hub_id": Attribute(Kind.INT),
    "imsi": Attribute(Kind.TEXT, 15),
    "iccid": Attribute(Kind.TEXT, 32),
    "latest_connection_id": Attribute(Kind.INT),
    "latest_connection_location_id": Attribute(Kind.INT),
    "latest_state_id": Attribute(Kind.INT),
    "latest_enable_history_id": Attribute(Kind.INT),
    "product_type_id": Attribute(Kind.INT),
    "serial_number": Attribute(Kind.TEXT, 255),
    "shop_id": Attribute(Kind.INT),
    "software_lock": Attribute(Kind.INT),
    "rtc_network_name": Attribute(Kind.TEXT, 255),
    "ip_address": Attribute(Kind.TEXT, 15),
    "latest_rtc_connection_history_id": Attribute(Kind.INT),
    "latest_rtc_mo_status_report_time": Attribute(Kind.TIME),
    "latest_rtc_mt_status_update_time": Attribute(Kind.TIME),
    "rtc_enabled_flag": Attribute(Kind.BOOL),
    "dcm_enabled_flag": Attribute(Kind.BOOL),
    "assembler": Attribute(Kind.TEXT, 255),
    "gps_lat": Attribute(Kind.FLOAT),
    "gps_lon": Attribute(Kind.FLOAT),
}
_FLAG_DEFAULTS = {name: False for name, a in ATTRIBUTES.items() if a.kind is Kind.BOOL}
_AUDIT = ("created_at", "created_by", "modified_at", "modified_by")


@dataclass(frozen=True, slots=True)
class Product:
    product_imei: str
    entity_id: int | None
    attributes: dict[str, Any]  # ATTRIBUTES' fields, in their order
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Product:
        return cls(
            product_imei=row["product_imei"],
            entity_id=row["entity_id"],
            attributes={name: row[name] for name in ATTRIBUTES},
            **{name: row[name] for name in _AUDIT},
        )


def _problem(attribute: Attribute, value: Any) -> str | None:
    """What is wrong with `value` for `attribute` (None: nothing). Null is always allowed,
    except for the flags, which are not-null."""
    kind = attribute.kind
    if value is None:
        return "{field} may not be null." if kind is Kind.BOOL else None
    if kind is Kind.BOOL:
        return None if isinstance(value, bool) else "{field} must be true or false."
    if kind is Kind.INT:
        valid = isinstance(value, int) and not isinstance(value, bool)
        return (
            None if valid and INT64[0] <= value <= INT64[1] else "{field} must be a 64-bit integer."
        )
    if kind is Kind.FLOAT:
        valid = isinstance(value, float) and math.isfinite(value)
        return None if valid else "{field} must be a finite number."
    if kind is Kind.TIME:
        return None if isinstance(value, datetime) else "{field} must be a timestamp."
    limit = attribute.max_length or 0
    if not isinstance(value, str) or not 0 < len(value) <= limit or "\x00" in value:
        return f"{{field}} must be a string of 1 to {limit} characters."
    return None


def _validate(values: Mapping[str, Any]) -> None:
    problems: dict[str, str] = {}
    for name, value in values.items():
        if name not in ATTRIBUTES:
            raise UnknownField(name)
        problem = _problem(ATTRIBUTES[name], value)
        if problem:
            problems[name] = problem
    if problems:
        raise Invalid(problems)


def valid_imei(imei: object) -> str:
    """A product's primary key: exactly 15 digits."""
    if not isinstance(imei, str) or len(imei) != IMEI_LENGTH or not imei.isdigit():
        raise Invalid({"product_imei": "{field} must be a string of exactly 15 digits."})
    return imei


async def get(conn: Connection, caller: Caller, imei: str, *, lock: bool = False) -> Product:
    row = await repository.get(conn, caller, imei, lock=lock)
    if row is None:
        raise NotFound(f"Product {imei} does not exist.")
    return Product.from_row(row)


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Product]:
    total = await repository.count(conn, caller, query)
    skipped = (page.page - 1) * page.per_page
    rows = await repository.page(conn, caller, query, page) if total > skipped else []
    return Page([Product.from_row(row) for row in rows], total)


async def _check_entity(conn: Connection, caller: Caller, entity_id: int) -> None:
    if not caller.can_see_entity(entity_id):
        raise Forbidden("You may only place products in your own entity.")
    await entities.require_existing(conn, caller, entity_id, field="entity_id")


async def _open_link(conn: Connection, caller: Caller, imei: str, entity_id: int) -> None:
    now = utcnow()
    await link_repository.insert(
        conn,
        link_repository.PRODUCT_LINKS,
        {
            "product_imei": imei,
            "entity_id": entity_id,
            "date_added": now,
            "created_at": now,
            "created_by": caller.username,
        },
    )


async def _move(conn: Connection, caller: Caller, imei: str, entity_id: int | None) -> None:
    """Close the product's current entity link and open one to `entity_id` (None: no entity)."""
    now = utcnow()
    audit = {"modified_at": now, "modified_by": caller.username}
    await link_repository.close_current(
        conn, link_repository.PRODUCT_LINKS, imei, {"date_removed": now, **audit}
    )
    if entity_id is not None:
        await _open_link(conn, caller, imei, entity_id)
    await link_repository.set_owner_entity(conn, link_repository.PRODUCT_LINKS, imei, entity_id)


async def create(
    conn: Connection,
    caller: Caller,
    imei: str,
    entity_id: int | None,
    attributes: Mapping[str, Any],
) -> Product:
    """A new product, linked to `entity_id` (ENTITY callers: their own entity by default)."""
    valid_imei(imei)
    values = {**_FLAG_DEFAULTS, **attributes}
    _validate(values)
    if entity_id is None and not caller.sees_all_entities:
        entity_id = caller.entity_id
    if entity_id is not None:
        await _check_entity(conn, caller, entity_id)
    row = await repository.insert(
        conn,
        {
            **values,
            "product_imei": imei,
            "entity_id": entity_id,
            "created_at": utcnow(),
            "created_by": caller.username,
        },
    )
    if entity_id is not None:
        await _open_link(conn, caller, imei, entity_id)
    return Product.from_row(row)


async def update(
    conn: Connection, caller: Caller, imei: str, changes: Mapping[str, Any]
) -> Product:
    """Change the device fields sent; a new `entity_id` closes the old entity link."""
    existing = await get(conn, caller, imei)
    attributes = {name: value for name, value in changes.items() if name != "entity_id"}
    _validate(attributes)
    moving = "entity_id" in changes and changes["entity_id"] != existing.entity_id
    if not attributes and not moving:
        return existing
    if moving:
        entity_id = changes["entity_id"]
        if entity_id is None and not caller.sees_all_entities:
            raise Forbidden("You may only place products in your own entity.")
        if entity_id is not None:
            await _check_entity(conn, caller, entity_id)
        await _move(conn, caller, imei, entity_id)
    audit = {"modified_at": utcnow(), "modified_by": caller.username}
    return Product.from_row(await repository.update(conn, imei, {**attributes, **audit}))


async def delete(conn: Connection, caller: Caller, imei: str) -> None:
    await get(conn, caller, imei)
    await repository.delete(conn, imei)
