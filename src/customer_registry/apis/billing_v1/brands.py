"""`/api/v1/brands`: the brands a customer's `brand_id` names."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

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


@requires_in_entity(Level.OVERVIEW)
async def get_brand(request: Request, caller: Caller) -> Response:
    brand_id = _brand_id(request)
    async with context(request).db.read() as conn:
        brand = await brands.get(conn, caller, brand_id)
    return json_response({"brand": brand_json(brand)})


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
        brand = await brands.update(conn, caller, brand_id, values)
        return json_response({"response": brand.brand_id})


@requires_in_entity(Level.SYSTEM)
async def delete_brand(request: Request, caller: Caller) -> Response:
    brand_id = _brand_id(request)
    async with context(request).db.write() as conn:
        await brands.delete(conn, caller, brand_id)
        return json_response({"response": True})
