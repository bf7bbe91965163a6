"""A customer's contacts: the people to call. Seen by whoever sees the customer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customer_registry.core import customers
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import missing
from customer_registry.core.fields import is_key, validate
from customer_registry.core.permissions import Caller
from customer_registry.core.query import Condition, ListQuery, Op, Page, PageRequest
from customer_registry.core.references import Reference
from customer_registry.storage import contacts as repository
from customer_registry.storage import schema
from customer_registry.storage.attributes import attributes
from customer_registry.storage.database import Connection, Row

FIELDS = attributes(schema.contacts, ("first_name", "last_name", "phone", "mobile", "email"))


@dataclass(frozen=True, slots=True)
class Contact:
    contact_id: int
    customer_id: int
    first_name: str | None
    last_name: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Contact:
        return cls(**row)


async def get(conn: Connection, caller: Caller, contact_id: int) -> Contact:
    """A contact of a customer the caller may see."""
    row = await repository.get(conn, caller.scope, contact_id) if is_key(contact_id) else None
    if row is None:
        raise missing("contact", "id", contact_id)
    return Contact.from_row(row)


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Contact]:
    """The contacts of every customer the caller may see."""
    total, rows = await repository.page(conn, caller.scope, query, page)
    return Page([Contact.from_row(row) for row in rows], total)


async def of_customer(
    conn: Connection, caller: Caller, customer_id: int, page: PageRequest
) -> Page[Contact]:
    await customers.get(conn, caller, customer_id)  # a customer the caller cannot see: 404
    query = ListQuery(filters=(Condition("customer_id", Op.EQ, customer_id),))
    total, rows = await repository.page(conn, caller.scope, query, page)
    return Page([Contact.from_row(row) for row in rows], total)


async def create(
    conn: Connection, caller: Caller, customer: int | Reference, values: Mapping[str, Any]
) -> Contact:
    """A contact of the customer named by id or by Reference."""
    customer_id = await customers.identified(conn, caller, customer)
    await customers.get(conn, caller, customer_id)
    validate(FIELDS, values)
    row = await repository.insert(
        conn,
        {
            **values,
            "customer_id": customer_id,
            "created_at": utcnow(),
            "created_by": caller.username,
        },
    )
    return Contact.from_row(row)


async def update(
    conn: Connection, caller: Caller, contact_id: int, changes: Mapping[str, Any]
) -> Contact:
    existing = await get(conn, caller, contact_id)
    validate(FIELDS, changes)
    if not changes:
        return existing
    values = {**changes, "modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, caller.scope, contact_id, values)
    if row is None:
        raise missing("contact", "id", contact_id)  # another request deleted it first
    return Contact.from_row(row)


async def delete(conn: Connection, caller: Caller, contact_id: int) -> None:
    await get(conn, caller, contact_id)
    if not await repository.delete(conn, caller.scope, contact_id):
        raise missing("contact", "id", contact_id)  # another request deleted it first
