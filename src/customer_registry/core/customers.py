"""Customers: the operations every API calls, and the rules they keep."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customer_registry.core import entities
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Forbidden, Invalid, NotFound, UnknownField
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import customers as repository
from customer_registry.storage.database import Connection, Row

NAME_MAX = 255
CODE_MAX = 100
INT64 = (-(2**63), 2**63 - 1)

# Fields a client may change; ids, entity and audit fields are the system's.
WRITABLE = frozenset({"name", "external_id", "code"})


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: int
    entity_id: int
    name: str
    external_id: int | None
    code: str | None
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Customer:
        return cls(**row)


@dataclass(frozen=True, slots=True)
class NewCustomer:
    entity_id: int
    name: str
    external_id: int | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Created:
    customer: Customer
    customer_entity_linker_id: int


def _validate(changes: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if "name" in changes:
        name = changes["name"]
        if not isinstance(name, str) or not name.strip() or "\x00" in name:
            errors["name"] = "{field} must be a non-empty string."
        elif len(name) > NAME_MAX:
            errors["name"] = f"{{field}} must be at most {NAME_MAX} characters."
    external_id = changes.get("external_id")
    if external_id is not None and (
        isinstance(external_id, bool)
        or not isinstance(external_id, int)
        or not INT64[0] <= external_id <= INT64[1]
    ):
        errors["external_id"] = "{field} must be a 64-bit integer."
    code = changes.get("code")
    if code is not None and (
        not isinstance(code, str) or not 0 < len(code) <= CODE_MAX or "\x00" in code
    ):
        errors["code"] = f"{{field}} must be a string of 1 to {CODE_MAX} characters."
    if errors:
        raise Invalid(errors)


async def get(conn: Connection, caller: Caller, customer_id: int) -> Customer:
    row = await repository.get(conn, caller, customer_id)
    if row is None:
        raise NotFound(f"Customer #{customer_id} does not exist.")
    return Customer.from_row(row)


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Customer]:
    total = await repository.count(conn, caller, query)
    skipped = (page.page - 1) * page.per_page
    rows = await repository.page(conn, caller, query, page) if total > skipped else []
    return Page([Customer.from_row(row) for row in rows], total)


async def create(conn: Connection, caller: Caller, new: NewCustomer) -> Created:
    """Create a customer in `new.entity_id` and record its first entity link."""
    if not caller.can_see_entity(new.entity_id):
        raise Forbidden("You may only create customers in your own entity.")
    await entities.require_existing(conn, caller, new.entity_id, field="entity_id")
    values = {"name": new.name, "external_id": new.external_id, "code": new.code}
    _validate(values)
    now = utcnow()
    audit = {"created_at": now, "created_by": caller.username}
    row = await repository.insert(conn, {**values, "entity_id": new.entity_id, **audit})
    link = await repository.insert_link(
        conn,
        {"customer_id": row["customer_id"], "entity_id": new.entity_id, "date_added": now, **audit},
    )
    return Created(Customer.from_row(row), link["customer_entity_linker_id"])


async def update(
    conn: Connection, caller: Caller, customer_id: int, changes: Mapping[str, Any]
) -> Customer:
    """Change the fields sent (a partial update); the audit fields follow."""
    existing = await get(conn, caller, customer_id)
    for field in changes:
        if field not in WRITABLE:
            raise UnknownField(field)
    _validate(changes)
    if not changes:
        return existing
    values = {**changes, "modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, customer_id, existing.entity_id, values)
    return Customer.from_row(row)


async def delete(conn: Connection, caller: Caller, customer_id: int) -> None:
    await get(conn, caller, customer_id)
    await repository.delete(conn, customer_id)
