"""Entities (tenants): the operations every API calls, and the rules they keep."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customer_registry.core import catalogues
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Forbidden, Invalid, NotFound, UnknownField
from customer_registry.core.fields import is_key
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage import entities as repository
from customer_registry.storage import schema
from customer_registry.storage.attributes import attribute
from customer_registry.storage.database import Connection, Row

WRITABLE = frozenset({"name", "bboxx_company_flag", "tariff", "financier", "geic"})
_TEXT_FIELDS = ("name", "tariff", "geic")
_TEXT_MAX = {name: attribute(schema.entities.c[name]).max_length or 0 for name in _TEXT_FIELDS}
_BOOL_FIELDS = ("bboxx_company_flag", "financier")
_REQUIRED = ("name", "bboxx_company_flag")
# Unique across every entity: a caller who sees only their own entity may not change them,
# or "not unique" would tell them that another entity (which they cannot see) holds a value.
_UNIQUE_ACROSS_ENTITIES = ("name", "geic")


@dataclass(frozen=True, slots=True)
class Entity:
    entity_id: int
    name: str
    bboxx_company_flag: bool
    tariff: str | None
    financier: bool | None
    geic: str | None
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Entity:
        return cls(**row)


def _validate(values: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    for field in values:
        if field not in WRITABLE:
            raise UnknownField(field)
    for field, limit in _TEXT_MAX.items():
        value = values.get(field)
        if value is not None and (
            not isinstance(value, str) or not 0 < len(value) <= limit or "\x00" in value
        ):
            errors[field] = f"{{field}} must be a string of 1 to {limit} characters."
    for field in _BOOL_FIELDS:
        value = values.get(field)
        if value is not None and not isinstance(value, bool):
            errors[field] = "{field} must be true or false."
    for field in _REQUIRED:
        if field in values and values[field] is None:
            errors[field] = "{field} may not be null."
    if errors:
        raise Invalid(errors)


async def get(
    conn: Connection, caller: Caller, entity_id: int, *, for_update: bool = False
) -> Entity:
    """An entity the caller sees (`for_update`: locked until the transaction ends)."""
    row = (
        await repository.get(conn, caller.scope, entity_id, lock=for_update)
        if is_key(entity_id)
        else None
    )
    if row is None:
        raise _missing(entity_id)
    return Entity.from_row(row)


def _missing(entity_id: int) -> NotFound:
    return NotFound(f"Entity #{entity_id} does not exist.")


async def require_existing(conn: Connection, caller: Caller, entity_id: int, field: str) -> None:
    """An entity named in a write must exist (and be visible): a field error otherwise."""
    if not is_key(entity_id) or await repository.get(conn, caller.scope, entity_id) is None:
        raise Invalid({field: f"Entity #{entity_id} does not exist."})


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Entity]:
    total, rows = await repository.page(conn, caller.scope, query, page)
    return Page([Entity.from_row(row) for row in rows], total)


async def create(conn: Connection, caller: Caller, values: Mapping[str, Any]) -> Entity:
    if not caller.sees_all_entities:
        raise Forbidden("Only users with GLOBAL visibility can create entities.")
    values = {"bboxx_company_flag": False, **values}
    if "name" not in values:
        raise Invalid({"name": "{field} is required."})
    _validate(values)
    row = await repository.insert(
        conn, {**values, "created_at": utcnow(), "created_by": caller.username}
    )
    # The new entity's first row: its category tree's root.
    scope = caller.scope.for_entity(row["entity_id"])
    await catalogues.create_root_category(conn, scope, caller.username)
    return Entity.from_row(row)


async def update(
    conn: Connection, caller: Caller, entity_id: int, changes: Mapping[str, Any]
) -> Entity:
    existing = await get(conn, caller, entity_id)
    _validate(changes)
    if not changes:
        return existing
    _check_unique_fields_are_allowed(caller, existing, changes)
    values = {**changes, "modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, caller.scope, entity_id, values)
    if row is None:
        raise _missing(entity_id)  # another request deleted it first
    return Entity.from_row(row)


def _check_unique_fields_are_allowed(
    caller: Caller, existing: Entity, changes: Mapping[str, Any]
) -> None:
    """Only GLOBAL callers change the fields unique across entities (sending the value the
    entity already has changes nothing, and is allowed): the refusal comes before the value
    is compared with any other entity's, so it is the same whether one holds it or not."""
    if caller.sees_all_entities:
        return
    current = {"name": existing.name, "geic": existing.geic}
    if any(f in changes and changes[f] != current[f] for f in _UNIQUE_ACROSS_ENTITIES):
        raise Forbidden("Only users with GLOBAL visibility can change an entity's name or geic.")


async def delete(conn: Connection, caller: Caller, entity_id: int) -> None:
    await get(conn, caller, entity_id)
    if not await repository.delete(conn, caller.scope, entity_id):
        raise _missing(entity_id)  # another request deleted it first
