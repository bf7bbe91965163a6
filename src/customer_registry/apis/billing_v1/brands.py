"""`/api/v1/brands`: the brands a customer's `brand_id` names."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.billing_v1.names import BRAND_PARAMETERS
from customer_registry.apis.billing_v1.params import convert, request_input
from customer_registry.apis.billing_v1.query import parse_page
from customer_registry.apis.billing_v1.render import brand_json, paginator
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, path_key
from customer_registry.apis.idempotency import idempotent
from customer_registry.core import brands
from customer_registry.core.errors import NotFound
from customer_registry.core.permissions import Caller, Level
from customer_registry.core.query import ListQuery
from customer_registry.storage.database import Connection


def _brand_id(request: Request) -> int:
    raw: str = request.path_params["brand"]
    key = path_key(raw)
    if key is None:
        raise NotFound(f"No query results for model [App\\Brand] {raw}")
    return key


@requires_in_entity(Level.OVERVIEW)
async def list_brands(request: Request, caller: Caller) -> Response:
    page = parse_page(request)
    async with context(request).db.read() as conn:
        found = await brands.list_page(conn, caller, ListQuery(), page)
    return paginator(request, found, page, brand_json)


def _record(brand: brands.Brand) -> Response:
    return json_response({"brand": brand_json(brand)})


async def _current(conn: Connection, caller: Caller, brand_id: int) -> bytes | memoryview:
    """The brand as it is now, locked until the write's transaction ends (`If-Match`)."""
    return _record(await brands.get(conn, caller, brand_id, for_update=True)).body


@requires_in_entity(Level.OVERVIEW)
async def get_brand(request: Request, caller: Caller) -> Response:
    brand_id = _brand_id(request)
    async with context(request).db.read() as conn:
        brand = await brands.get(conn, caller, brand_id)
    return conditional.answer(request, _record(brand))


@requires_in_entity(Level.ADMIN)
@idempotent
async def create_brand(request: Request, caller: Caller) -> Response:
    values = convert(await request_input(request), BRAND_PARAMETERS, required=("name",))
    async with context(request).db.write() as conn:
        brand = await brands.create(conn, caller, values)
        return json_response({"response": brand.brand_id}, status=201)


@requires_in_entity(Level.ADMIN)
async def update_brand(request: Request, caller: Caller) -> Response:
    brand_id = _brand_id(request)
    values = convert(await request_input(request), BRAND_PARAMETERS)
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, conn, caller, brand_id))
        brand = await brands.update(conn, caller, brand_id, values)
        # Laravel's answer is the id; its ETag is still the record's, for the next write.
        tag = conditional.entity_tag(_record(brand).body)
        return json_response({"response": brand.brand_id}, headers={"ETag": tag})


@requires_in_entity(Level.SYSTEM)
async def delete_brand(request: Request, caller: Caller) -> Response:
    brand_id = _brand_id(request)
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, conn, caller, brand_id))
        await brands.delete(conn, caller, brand_id)
        return json_response({"response": True})
