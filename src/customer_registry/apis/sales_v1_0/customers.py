"""`/api/v1.0/customers`: create (form, multipart with `imageFile`, or JSON), read by id or
by reference, list, update, delete; every answer the original's full record."""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, path_key
from customer_registry.apis.idempotency import idempotent
from customer_registry.apis.media import read_image
from customer_registry.apis.params import WrongType, boolean, parameters
from customer_registry.apis.sales_v1_0.listing import parse_list, parse_page
from customer_registry.apis.sales_v1_0.names import CUSTOMER_FILTERS, CUSTOMER_PARAMETERS
from customer_registry.apis.sales_v1_0.params import (
    InvalidParamType,
    convert,
    external_ids,
    external_ids_asked,
    payment_types,
)
from customer_registry.apis.sales_v1_0.render import list_json, record_json
from customer_registry.core import customers, media, records
from customer_registry.core.errors import missing
from customer_registry.core.permissions import Caller, Level
from customer_registry.core.references import Reference
from customer_registry.storage.database import Connection

# What a create must send, and so what an update may not empty (the original's `Required: yes`).
REQUIRED = ("reference", "name")


def _customer(request: Request) -> int | Reference:
    """The customer the path names: its id, or its reference with `useExternalId=true`."""
    raw: str = request.path_params["customer"]
    if external_ids_asked(request):
        return Reference(raw)
    key = path_key(raw)
    if key is None:
        raise missing("customer", "id", raw)
    return key


def _is_sub_customer(params: dict[str, Any]) -> bool | None:
    try:
        return boolean(params.get("isSubCustomer"))
    except WrongType:
        raise InvalidParamType("isSubCustomer") from None


class _Input:
    """A create or update request, read and typed before any transaction opens: values that
    may be references (the core finds them), and the image checked and resized."""

    def __init__(self, params: dict[str, Any], *, creates: bool) -> None:
        external = external_ids(params)
        required, kept = (REQUIRED, ()) if creates else ((), REQUIRED)
        self.values = convert(
            params, CUSTOMER_PARAMETERS, required=required, kept=kept, external=external
        )
        self.sub_customer = _is_sub_customer(params)
        if self.sub_customer is False:
            self.values["parent_customer_id"] = None
        self.payment_types = (
            payment_types(params["paymentTypes"], external) if "paymentTypes" in params else None
        )
        upload = params.get("imageFile")
        self.upload = None if upload in (None, "") else upload
        self.image: media.NewImage | None = None

    async def read_image(self, request: Request) -> None:
        if self.upload is not None:
            self.image = await read_image(context(request), self.upload)


@requires_in_entity(Level.ADMIN)
@idempotent
async def create_customer(request: Request, caller: Caller) -> Response:
    given = _Input(await parameters(request, files=True), creates=True)
    # Before the image is decoded: a create without the parent it needs costs nothing more.
    customers.require_parent(given.sub_customer, given.values.get("parent_customer_id"))
    await given.read_image(request)
    details = dict(given.values)
    new = customers.NewCustomer(
        entity_id=caller.entity_id,
        name=details.pop("name"),
        code=details.pop("code"),
        details=details,
    )
    async with context(request).db.write() as conn:
        created = await customers.create(
            conn, caller, new, payment_types=given.payment_types, image=given.image
        )
        record = await records.record(conn, caller, created.customer.customer_id)
        return json_response(record_json(request, record), status=201)


async def _current(request: Request, conn: Connection, caller: Caller) -> bytes | memoryview:
    """The record as it is now, the customer locked until the write's transaction ends
    (`If-Match`)."""
    customer_id = await customers.identified(conn, caller, _customer(request))
    await customers.get(conn, caller, customer_id, for_update=True)
    record = await records.record(conn, caller, customer_id)
    return json_response(record_json(request, record)).body


@requires_in_entity(Level.OVERVIEW)
async def get_customer(request: Request, caller: Caller) -> Response:
    async with context(request).db.read() as conn:
        customer_id = await customers.identified(conn, caller, _customer(request))
        record = await records.record(conn, caller, customer_id)
    return conditional.answer(request, json_response(record_json(request, record)))


@requires_in_entity(Level.OVERVIEW)
async def list_customers(request: Request, caller: Caller) -> Response:
    query = parse_list(request, CUSTOMER_FILTERS, CUSTOMER_PARAMETERS)
    page = parse_page(request)
    async with context(request).db.read() as conn:
        found = await records.list_page(conn, caller, query, page)
    return list_json([record_json(request, record) for record in found.items], found, page)


@requires_in_entity(Level.ADMIN)
async def update_customer(request: Request, caller: Caller) -> Response:
    given = _Input(await parameters(request, files=True), creates=False)
    await given.read_image(request)
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, request, conn, caller))
        updated = await customers.update(
            conn,
            caller,
            _customer(request),
            given.values,
            payment_types=given.payment_types,
            image=given.image,
            sub_customer=given.sub_customer,
        )
        record = await records.record(conn, caller, updated.customer_id)
        return conditional.tagged(json_response(record_json(request, record)))


@requires_in_entity(Level.SYSTEM)
async def delete_customer(request: Request, caller: Caller) -> Response:
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_current, request, conn, caller))
        await customers.delete(conn, caller, _customer(request), context(request).media)
    return Response(status_code=204)
