"""`/api/v1.0/contacts`: the people to call at a customer (`customerId`), the same contacts
the billing API shows; also listed in each customer record."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, path_key
from customer_registry.apis.idempotency import idempotent
from customer_registry.apis.params import parameters
from customer_registry.apis.sales_v1_0.listing import parse_list, parse_page
from customer_registry.apis.sales_v1_0.names import CONTACT_FILTERS, CONTACT_PARAMETERS
from customer_registry.apis.sales_v1_0.params import Id, convert, external_ids
from customer_registry.apis.sales_v1_0.render import contact_json, list_json
from customer_registry.core import contacts
from customer_registry.core.errors import missing
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage.database import Connection

_CUSTOMER = {"customerId": ("customer_id", Id("customer id"))}


def _contact_id(request: Request) -> int:
    raw: str = request.path_params["key"]
    key = path_key(raw)
    if key is None:
        raise missing("contact", "id", raw)
    return key


@requires_in_entity(Level.OVERVIEW)
async def list_contacts(request: Request, caller: Caller) -> Response:
    query = parse_list(request, CONTACT_FILTERS, {**CONTACT_PARAMETERS, **_CUSTOMER})
    page = parse_page(request)
    async with context(request).db.read() as conn:
        found = await contacts.list_page(conn, caller, query, page)
    return list_json([contact_json(request, c) for c in found.items], found, page)


async def _current(request: Request, conn: Connection, caller: Caller) -> bytes | memoryview:
    """The contact as it is now, locked until the write's transaction ends (`If-Match`)."""
    contact = await contacts.get(conn, caller, _contact_id(request), for_update=True)
    return json_response(contact_json(request, contact)).body


@requires_in_entity(Level.OVERVIEW)
async def get_contact(request: Request, caller: Caller) -> Response:
    async with context(request).db.read() as conn:
        contact = await contacts.get(conn, caller, _contact_id(request))
    return conditional.answer(request, json_response(contact_json(request, contact)))


@requires_in_entity(Level.ADMIN)
@idempotent
async def create_contact(request: Request, caller: Caller) -> Response:
    params = await parameters(request)
    external = external_ids(params)
    owner = convert(params, _CUSTOMER, required=("customerId",), external=external)
    values = convert(params, CONTACT_PARAMETERS)
    async with context(request).db.write() as conn:
        contact = await contacts.create(conn, caller, owner["customer_id"], values)
        return json_response(contact_json(request, contact), status=201)


@requires_in_entity(Level.ADMIN)
async def update_contact(request: Request, caller: Caller) -> Response:
    values = convert(await parameters(request), CONTACT_PARAMETERS)
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, request, conn, caller))
        contact = await contacts.update(conn, caller, _contact_id(request), values)
        return conditional.tagged(json_response(contact_json(request, contact)))


@requires_in_entity(Level.SYSTEM)
async def delete_contact(request: Request, caller: Caller) -> Response:
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, request, conn, caller))
        await contacts.delete(conn, caller, _contact_id(request))
    return Response(status_code=204)
