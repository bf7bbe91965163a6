"""Brands (billing): the trading brand a customer is billed under. Brand 1 always exists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customer_registry.core.clock import utcnow
from customer_registry.core.errors import InUse, Invalid, NotFound
from customer_registry.core.fields import is_key, validate
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage import brands as repository
from customer_registry.storage import schema
from customer_registry.storage.attributes import attributes
from customer_registry.storage.database import Connection, Row

FIELDS = attributes(schema.brands, ("name",))


@dataclass(frozen=True, slots=True)
class Brand:
    brand_id: int
    entity_id: int | None  # None: shared by every entity
    name: str
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Brand:
        return cls(**row)


async def get(
    conn: Connection, caller: Caller, brand_id: int, *, for_update: bool = False
) -> Brand:
    """A brand the caller sees (`for_update`: locked until the transaction ends)."""
    row = (
        await repository.get(conn, caller.scope, brand_id, lock=for_update)
        if is_key(brand_id)
        else None
    )
    if row is None:
        raise _missing(brand_id)
    return Brand.from_row(row)


def _missing(brand_id: int) -> NotFound:
    return NotFound(f"Brand #{brand_id} does not exist.")


async def require_usable(conn: Connection, scope: Scope, brand_id: int) -> None:
    """A customer (of the scope's entity) may use a shared brand or one of its entity's."""
    if not await repository.usable(conn, scope, brand_id):
        raise Invalid({"brand_id": "The selected {field} is invalid."})


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Brand]:
    total, rows = await repository.page(conn, caller.scope, query, page)
    return Page([Brand.from_row(row) for row in rows], total)


async def create(conn: Connection, caller: Caller, values: Mapping[str, Any]) -> Brand:
    """A brand of the caller's entity."""
    if values.get("name") is None:
        raise Invalid({"name": "The {field} field is required."})
    validate(FIELDS, values)
    row = await repository.insert(
        conn, caller.scope, {**values, "created_at": utcnow(), "created_by": caller.username}
    )
    return Brand.from_row(row)


async def _own(conn: Connection, caller: Caller, brand_id: int) -> Brand:
    """A brand the caller may change: their entity's, not a shared one."""
    brand = await get(conn, caller, brand_id)
    if brand.entity_id is None:
        raise InUse(f"Brand #{brand_id} is shared by every entity and cannot be changed.")
    return brand


async def update(
    conn: Connection, caller: Caller, brand_id: int, changes: Mapping[str, Any]
) -> Brand:
    existing = await _own(conn, caller, brand_id)
    validate(FIELDS, changes)
    if not changes:
        return existing
    values = {**changes, "modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, caller.scope, brand_id, values)
    if row is None:
        raise _missing(brand_id)  # another request deleted it first
    return Brand.from_row(row)


async def delete(conn: Connection, caller: Caller, brand_id: int) -> None:
    await _own(conn, caller, brand_id)  # brand 1 is shared: never deleted
    if not await repository.delete(conn, caller.scope, brand_id):
        raise _missing(brand_id)  # another request deleted it first
