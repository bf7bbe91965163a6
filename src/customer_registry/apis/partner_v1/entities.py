"""`/v1/entities` (`_entities.md`)."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, requires
from customer_registry.apis.idempotency import idempotent
from customer_registry.apis.partner_v1 import bodies, models
from customer_registry.apis.partner_v1.listing import list_response, path_id
from customer_registry.apis.partner_v1.names import META_FIELDS, RESOURCES
from customer_registry.apis.partner_v1.render import entity_json
from customer_registry.core import entities
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage.database import Connection

_FIELDS = bodies.fields(models.Entity)
_SYSTEM_FIELDS = META_FIELDS | {"entity_id"}


async def _changes(request: Request) -> dict[str, object]:
    body = await bodies.json_object(request)
    return bodies.writable(body, _FIELDS, _SYSTEM_FIELDS)


@requires(Level.OVERVIEW)
async def list_entities(request: Request, caller: Caller) -> Response:
    return await list_response(
        request,
        RESOURCES["entities"],
        lambda conn, query, page: entities.list_page(conn, caller, query, page),
        entity_json,
    )


def _record(entity: entities.Entity) -> Response:
    return json_response(entity_json(entity))


async def _current(conn: Connection, caller: Caller, entity_id: int) -> bytes | memoryview:
    """The entity as it is now, locked until the write's transaction ends (`If-Match`)."""
    return _record(await entities.get(conn, caller, entity_id, for_update=True)).body


@requires(Level.OVERVIEW)
async def get_entity(request: Request, caller: Caller) -> Response:
    entity_id = path_id(request, "entity_id")
    async with context(request).db.read() as conn:
        entity = await entities.get(conn, caller, entity_id)
    return conditional.answer(request, _record(entity))


@requires(Level.SYSTEM)
@idempotent
async def create_entity(request: Request, caller: Caller) -> Response:
    values = await _changes(request)
    async with context(request).db.write() as conn:
        entity = await entities.create(conn, caller, values)
        return json_response(entity_json(entity), status=201)


@requires(Level.SYSTEM)
async def update_entity(request: Request, caller: Caller) -> Response:
    entity_id = path_id(request, "entity_id")
    changes = await _changes(request)
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, conn, caller, entity_id))
        entity = await entities.update(conn, caller, entity_id, changes)
        return conditional.tagged(_record(entity))


@requires(Level.SYSTEM)
async def delete_entity(request: Request, caller: Caller) -> Response:
    entity_id = path_id(request, "entity_id")
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, conn, caller, entity_id))
        await entities.delete(conn, caller, entity_id)
    return Response(status_code=204)
