"""`/v1/products` and the two moves: `change_customer`, `expire_customer`."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, requires
from customer_registry.apis.idempotency import idempotent
from customer_registry.apis.partner_v1 import bodies, models
from customer_registry.apis.partner_v1.listing import list_response
from customer_registry.apis.partner_v1.names import META_FIELDS, RESOURCES
from customer_registry.apis.partner_v1.render import product_json
from customer_registry.core import history, products
from customer_registry.core.errors import Invalid, NotFound
from customer_registry.core.fields import is_decimal
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage.database import Connection

_FIELDS = bodies.fields(models.Product)


def _imei(request: Request) -> str:
    """The product's key from the path: anything but 15 digits is simply not found."""
    imei: str = request.path_params["product_imei"]
    if len(imei) != products.IMEI_LENGTH or not is_decimal(imei):
        raise NotFound(f"Product {imei!r} does not exist.")
    return imei


@requires(Level.OVERVIEW)
async def list_products(request: Request, caller: Caller) -> Response:
    return await list_response(
        request,
        RESOURCES["products"],
        lambda conn, query, page: products.list_page(conn, caller, query, page),
        product_json,
    )


def _record(product: products.Product) -> Response:
    return json_response(product_json(product))


async def _current(conn: Connection, caller: Caller, imei: str) -> bytes | memoryview:
    """The product as it is now, locked until the write's transaction ends (`If-Match`)."""
    return _record(await products.get(conn, caller, imei, lock=True)).body


@requires(Level.OVERVIEW)
async def get_product(request: Request, caller: Caller) -> Response:
    imei = _imei(request)
    async with context(request).db.read() as conn:
        product = await products.get(conn, caller, imei)
    return conditional.answer(request, _record(product))


@requires(Level.FACTORY)
@idempotent
async def create_product(request: Request, caller: Caller) -> Response:
    body = await bodies.json_object(request)
    values = bodies.writable(body, _FIELDS, META_FIELDS)
    if "product_imei" not in values:
        raise Invalid({"product_imei": "Missing product_imei."})
    imei = products.valid_imei(values.pop("product_imei"))
    entity_id = values.pop("entity_id", None)
    async with context(request).db.write() as conn:
        product = await products.create(conn, caller, imei, entity_id, values)
        return json_response(product_json(product), status=201)


@requires(Level.SYSTEM)
async def update_product(request: Request, caller: Caller) -> Response:
    imei = _imei(request)
    body = await bodies.json_object(request)
    changes = bodies.writable(body, _FIELDS, META_FIELDS | {"product_imei"})
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, conn, caller, imei))
        product = await products.update(conn, caller, imei, changes)
        return conditional.tagged(_record(product))


@requires(Level.SYSTEM)
async def delete_product(request: Request, caller: Caller) -> Response:
    imei = _imei(request)
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, conn, caller, imei))
        await products.delete(conn, caller, imei)
    return Response(status_code=204)


def _move_arguments(body: dict[str, Any]) -> dict[str, Any]:
    """`change_customer`'s payload: entity_id, and an external id or code (or both)."""
    values = bodies.customer_reference(body, {})
    return {
        "entity_id": values["entity_id"],
        "external_id": values["external_customer_id"],
        "code": values["external_customer_code"],
    }


@requires(Level.ADMIN)
@idempotent
async def change_customer(request: Request, caller: Caller) -> Response:
    imei = _imei(request)
    body = await bodies.json_object(request)
    arguments = _move_arguments(body)
    async with context(request).db.write() as conn:
        moved = await history.change_customer(
            conn, caller, imei, reason=body.get("reason"), **arguments
        )
        customer = moved.customer
        return json_response(
            {
                "status": "success",
                "message": f"Customer {customer.name} ({customer.customer_id}) changed to {imei}",
                "data": {
                    "name": customer.name,
                    "customer_id": customer.customer_id,
                    "external_customer_id": customer.external_id,
                    "external_customer_code": customer.code,
                    "new_product_imei": imei,
                    "removal_reason": moved.history.removal_reason,
                },
            }
        )


@requires(Level.ADMIN)
@idempotent
async def expire_customer(request: Request, caller: Caller) -> Response:
    imei = _imei(request)
    body = await bodies.json_object(request)
    async with context(request).db.write() as conn:
        await history.expire_customer(conn, caller, imei, body.get("reason"))
        return json_response(
            {"status": "success", "message": f"Product {imei} removed from customer", "data": None}
        )
