"""`/v1/customers` and `/v1/customers/create_customer` (the SMARTSolar v1 pages)."""

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
from customer_registry.apis.partner_v1.listing import list_response, path_id
from customer_registry.apis.partner_v1.names import META_FIELDS, RESOURCES
from customer_registry.apis.partner_v1.render import customer_json
from customer_registry.core import customers
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage.database import Connection

_FIELDS = bodies.fields(models.Customer)
_NAMED = {"name": _FIELDS["name"][1]}  # a new customer's name, read as an update reads it
_SYSTEM_FIELDS = META_FIELDS | {"customer_id"}


@requires(Level.OVERVIEW)
async def list_customers(request: Request, caller: Caller) -> Response:
    return await list_response(
        request,
        RESOURCES["customers"],
        lambda conn, query, page: customers.list_page(conn, caller, query, page),
        customer_json,
    )


def _record(customer: customers.Customer) -> Response:
    return json_response(customer_json(customer))


async def _current(conn: Connection, caller: Caller, customer_id: int) -> bytes | memoryview:
    """The record as it is now, locked until the write's transaction ends (`If-Match`)."""
    return _record(await customers.get(conn, caller, customer_id, for_update=True)).body


@requires(Level.OVERVIEW)
async def get_customer(request: Request, caller: Caller) -> Response:
    customer_id = path_id(request, "customer_id")
    async with context(request).db.read() as conn:
        customer = await customers.get(conn, caller, customer_id)
    return conditional.answer(request, _record(customer))


@requires(Level.SYSTEM)
async def update_customer(request: Request, caller: Caller) -> Response:
    customer_id = path_id(request, "customer_id")
    body = await bodies.json_object(request)
    changes = bodies.writable(body, _FIELDS, _SYSTEM_FIELDS)
    conditioned = conditional.has_if_match(request)
    async with context(request).db.write(transaction=conditioned) as conn:
        await conditional.require_current(request, partial(_current, conn, caller, customer_id))
        customer = await customers.update(conn, caller, customer_id, changes)
        return conditional.tagged(_record(customer))


@requires(Level.SYSTEM)
async def delete_customer(request: Request, caller: Caller) -> Response:
    customer_id = path_id(request, "customer_id")
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, conn, caller, customer_id))
        await customers.delete(conn, caller, customer_id, context(request).media)
    return Response(status_code=204)


def _new_customer(body: dict[str, Any]) -> customers.NewCustomer:
    """The create_customer page's rules: an entity, a name, and an external id or code (or both)."""
    values = bodies.customer_reference(body, _NAMED)
    return customers.NewCustomer(
        entity_id=values["entity_id"],
        name=values["name"],
        external_id=values["external_customer_id"],
        code=values["external_customer_code"],
    )


@requires(Level.ADMIN)
@idempotent
async def create_customer(request: Request, caller: Caller) -> Response:
    new = _new_customer(await bodies.json_object(request))
    async with context(request).db.write() as conn:
        created = await customers.create(conn, caller, new)
        customer = created.customer
        return json_response(
            {
                "status": "success",
                # str(None), as documented: "Created Test Customer(None) successfully".
                "message": f"Created {customer.name}({customer.external_id}) successfully",
                "data": {
                    "name": customer.name,
                    "customer_id": customer.customer_id,
                    "external_customer_id": customer.external_id,
                    "external_customer_code": customer.code,
                    "entity_id": customer.entity_id,
                    "customer_entity_linker_id": created.customer_entity_linker_id,
                },
            },
            status=201,
        )
