"""An entity's settings as the sales API's organisation: whether regions apply, from which
level. An entity without a settings row has geographical locations off."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from customer_registry.core import entities
from customer_registry.core.catalogues import MAX_REGION_LEVEL
from customer_registry.core.errors import Invalid
from customer_registry.core.fields import validate
from customer_registry.core.permissions import Caller
from customer_registry.core.scope import Scope
from customer_registry.storage import organizations as repository
from customer_registry.storage import schema
from customer_registry.storage.attributes import attributes
from customer_registry.storage.database import Connection

FIELDS = attributes(schema.organization_settings, ("geographical_locations", "region_level"))


@dataclass(frozen=True, slots=True)
class Organization:
    entity_id: int
    name: str
    geographical_locations: bool
    region_level: int | None


async def get(
    conn: Connection, caller: Caller, entity_id: int, *, for_update: bool = False
) -> Organization:
    """The entity's organisation (`for_update`: its entity locked until the transaction
    ends, which every update of its settings takes first)."""
    entity = await entities.get(conn, caller, entity_id, for_update=for_update)
    row = await repository.settings(conn, caller.scope.for_entity(entity_id))
    return Organization(
        entity_id=entity_id,
        name=entity.name,
        geographical_locations=bool(row and row["geographical_locations"]),
        region_level=row["region_level"] if row else None,
    )


async def update(
    conn: Connection, caller: Caller, entity_id: int, changes: Mapping[str, Any]
) -> Organization:
    existing = await get(conn, caller, entity_id, for_update=True)  # no update lost to another
    validate(FIELDS, changes)
    level = changes.get("region_level", existing.region_level)
    if level is not None and not 1 <= level <= MAX_REGION_LEVEL:
        raise Invalid({"region_level": f"{{field}} must be between 1 and {MAX_REGION_LEVEL}."})
    await repository.save_settings(
        conn,
        caller.scope.for_entity(entity_id),
        {
            "geographical_locations": changes.get(
                "geographical_locations", existing.geographical_locations
            ),
            "region_level": level,
        },
    )
    return await get(conn, caller, entity_id)


async def check_region_level(conn: Connection, scope: Scope, level: int) -> None:
    """With geographical locations on, a customer's region (in the scope's entity) sits at
    the configured level or below it (a higher number)."""
    row = await repository.settings(conn, scope)
    configured = row["region_level"] if row and row["geographical_locations"] else None
    if configured is not None and level < configured:
        raise Invalid({"region_id": f"The region must be at level {configured} or below."})
