"""`/api/v1.0/organization`: the caller's organisation (their entity) and its sales settings:
whether geographical locations are on, and the region level customers' regions must reach."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response
from customer_registry.apis.params import boolean, integer, parameters
from customer_registry.apis.sales_v1_0.params import Field, convert
from customer_registry.core import organizations
from customer_registry.core.organizations import Organization
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage.database import Connection

_PARAMETERS: dict[str, Field] = {
    "geographicalLocations": ("geographical_locations", boolean),
    "regionLevel": ("region_level", integer),
}


def _json(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.entity_id,
        "name": organization.name,
        "geographicalLocations": organization.geographical_locations,
        "regionLevel": organization.region_level,
    }


async def _current(conn: Connection, caller: Caller) -> bytes | memoryview:
    """The organisation as it is now, locked until the write's transaction ends
    (`If-Match`)."""
    found = await organizations.get(conn, caller, caller.entity_id, for_update=True)
    return json_response(_json(found)).body


@requires_in_entity(Level.OVERVIEW)
async def get_organization(request: Request, caller: Caller) -> Response:
    async with context(request).db.read() as conn:
        found = await organizations.get(conn, caller, caller.entity_id)
    return conditional.answer(request, json_response(_json(found)))


@requires_in_entity(Level.ADMIN)
async def update_organization(request: Request, caller: Caller) -> Response:
    changes = convert(await parameters(request), _PARAMETERS)
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, conn, caller))
        found = await organizations.update(conn, caller, caller.entity_id, changes)
        return conditional.tagged(json_response(_json(found)))
