"""Customers: the operations every API calls, and the rules they keep."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from customer_registry.core import brands, entities
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Forbidden, Invalid, NotFound, NotUnique, UnknownField
from customer_registry.core.fields import Attribute, Kind, validate
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import customers as repository
from customer_registry.storage import identity
from customer_registry.storage.database import Connection, Row
from customer_registry.storage.schema import DEFAULT_BRAND_ID

NAME_MAX = 255
CODE_MAX = 100
INT64 = (-(2**63), 2**63 - 1)

ACCOUNT_PREFIX = "CL"
_ACCOUNT_ATTEMPTS = 10_000


def _text(length: int) -> Attribute:
    return Attribute(Kind.TEXT, length)


# Commercial details (the billing and sales APIs'), beside name and identifiers.
DETAILS: dict[str, Attribute] = {
    "secondary_code": _text(CODE_MAX),
    "brand_id": Attribute(Kind.INT, nullable=False),
    "representative_id": Attribute(Kind.INT),
    "trading_name": _text(255),
    "registration_number": _text(255),
    "tax_registration_number": _text(255),
    "company_type": _text(255),
    "capital": _text(50),
    "address_line1": _text(255),
    "address_line2": _text(255),
    "postal_code": _text(50),
    "city": _text(255),
    "country": _text(255),
    "website": _text(255),
    "email": _text(255),
    "phone": _text(50),
    "mobile": _text(50),
    "fax": _text(50),
    "comment": _text(2000),
    "active": Attribute(Kind.BOOL, nullable=False),
    "is_reseller": Attribute(Kind.BOOL, nullable=False),
    "reseller_level": Attribute(Kind.INT, nullable=False),
    "charge_vat": Attribute(Kind.BOOL, nullable=False),
    "apply_vat_auto_reverse": Attribute(Kind.BOOL, nullable=False),
    "on_call_duty": Attribute(Kind.BOOL, nullable=False),
    "vip": Attribute(Kind.BOOL, nullable=False),
}
DEFAULTS: dict[str, Any] = {
    "brand_id": DEFAULT_BRAND_ID,
    "active": True,
    "is_reseller": False,
    "reseller_level": 0,
    "charge_vat": True,
    "apply_vat_auto_reverse": False,
    "on_call_duty": False,
    "vip": False,
}

# Fields a client may change; ids, entity and audit fields are the system's.
WRITABLE = frozenset({"name", "external_id", "code", *DETAILS})
_AUDIT = ("created_at", "created_by", "modified_at", "modified_by")


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: int
    entity_id: int
    name: str
    external_id: int | None
    code: str | None
    details: dict[str, Any]  # DETAILS' fields
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Customer:
        return cls(
            customer_id=row["customer_id"],
            entity_id=row["entity_id"],
            name=row["name"],
            external_id=row["external_id"],
            code=row["code"],
            details={name: row[name] for name in DETAILS},
            **{name: row[name] for name in _AUDIT},
        )


@dataclass(frozen=True, slots=True)
class NewCustomer:
    entity_id: int
    name: str
    external_id: int | None = None
    code: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Created:
    customer: Customer
    customer_entity_linker_id: int


def _validate(changes: Mapping[str, Any]) -> None:
    validate(DETAILS, {k: v for k, v in changes.items() if k in DETAILS})
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


async def get_by_code(conn: Connection, caller: Caller, code: str) -> Customer:
    """The customer with account/reference `code` in the caller's own entity."""
    row = await repository.by_identifier(conn, caller, caller.entity_id, None, code)
    if row is None:
        raise NotFound(f"No customer with the account {code!r}.")
    return Customer.from_row(row)


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Customer]:
    total = await repository.count(conn, caller, query)
    skipped = (page.page - 1) * page.per_page
    rows = await repository.page(conn, caller, query, page) if total > skipped else []
    return Page([Customer.from_row(row) for row in rows], total)


async def _check_references(conn: Connection, entity_id: int, values: Mapping[str, Any]) -> None:
    """The brand and the representative a customer names must be usable in its entity."""
    if values.get("brand_id") is not None:
        await brands.require_usable(conn, entity_id, values["brand_id"])
    representative = values.get("representative_id")
    if representative is not None and not await identity.user_in_entity(
        conn, representative, entity_id
    ):
        raise Invalid({"representative_id": "The selected {field} is invalid."})


async def _insert_with_account(conn: Connection, values: Mapping[str, Any]) -> Row:
    """Insert with the entity's next free generated account (CL0001, CL0002, …)."""
    entity_id = values["entity_id"]
    for _ in range(_ACCOUNT_ATTEMPTS):
        number = await repository.next_account_number(conn, entity_id)
        code = f"{ACCOUNT_PREFIX}{number:04d}"
        result = await repository.insert_or_conflict(conn, {**values, "code": code})
        if not isinstance(result, str):
            return result
        if result != "code":
            raise NotUnique(result, values[result], entity_id)
    raise NotUnique("code", None, entity_id)  # ten thousand taken in a row: give up


async def create(
    conn: Connection, caller: Caller, new: NewCustomer, *, generate_code: bool = False
) -> Created:
    """Create a customer in `new.entity_id` and record its first entity link.

    With `generate_code` and no code given, the entity's next account code is assigned.
    """
    if not caller.can_see_entity(new.entity_id):
        raise Forbidden("You may only create customers in your own entity.")
    await entities.require_existing(conn, caller, new.entity_id, field="entity_id")
    for name in new.details:
        if name not in DETAILS:
            raise UnknownField(name)
    values = {
        **DEFAULTS,
        **new.details,
        "name": new.name,
        "external_id": new.external_id,
        "code": new.code,
    }
    _validate(values)
    await _check_references(conn, new.entity_id, values)
    now = utcnow()
    audit = {"created_at": now, "created_by": caller.username}
    row_values = {**values, "entity_id": new.entity_id, **audit}
    if generate_code and new.code is None:
        row = await _insert_with_account(conn, row_values)
    else:
        row = await repository.insert(conn, row_values)
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
    for name in changes:
        if name not in WRITABLE:
            raise UnknownField(name)
    _validate(changes)
    if not changes:
        return existing
    await _check_references(conn, existing.entity_id, changes)
    values = {**changes, "modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, customer_id, existing.entity_id, values)
    return Customer.from_row(row)


async def delete(conn: Connection, caller: Caller, customer_id: int) -> None:
    await get(conn, caller, customer_id)
    await repository.delete(conn, customer_id)
