"""A customer's contacts: the people to call. Seen by whoever sees the customer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customer_registry.core import changes as change_log
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


async def get(
    conn: Connection, caller: Caller, contact_id: int, *, for_update: bool = False
) -> Contact:
    """A contact of a customer the caller may see (`for_update`: locked until the
    transaction ends, so that a change recorded from it is from what it was)."""
    row = (
        await repository.get(conn, caller.scope, contact_id, lock=for_update)
        if is_key(contact_id)
        else None
    )
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
    created = Contact.from_row(row)
    await _record(conn, caller, "contact.created", None, created)
    return created


async def update(
    conn: Connection, caller: Caller, contact_id: int, changes: Mapping[str, Any]
) -> Contact:
    existing = await get(conn, caller, contact_id, for_update=True)
    validate(FIELDS, changes)
    if not changes:
        return existing
    values = {**changes, "modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, caller.scope, contact_id, values)
    if row is None:
        raise missing("contact", "id", contact_id)  # another request deleted it first
    updated = Contact.from_row(row)
    await _record(conn, caller, "contact.updated", existing, updated)
    return updated


async def delete(conn: Connection, caller: Caller, contact_id: int) -> None:
    existing = await get(conn, caller, contact_id, for_update=True)
    if not await repository.delete(conn, caller.scope, contact_id):
        raise missing("contact", "id", contact_id)  # another request deleted it first
    await _record(conn, caller, "contact.deleted", existing, None)


async def _record(
    conn: Connection, caller: Caller, action: str, before: Contact | None, after: Contact | None
) -> None:
    """The change in the contact's customer's history."""
    contact = after or before
    assert contact is not None
    await change_log.record(
        conn,
        caller,
        customer_id=contact.customer_id,
        action=action,
        before=_fields(before),
        after=_fields(after),
        subject=contact.contact_id,
    )


def _fields(contact: Contact | None) -> dict[str, Any]:
    return {} if contact is None else {name: getattr(contact, name) for name in FIELDS}
