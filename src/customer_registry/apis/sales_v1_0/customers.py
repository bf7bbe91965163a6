"""`/api/v1.0/customers`: create (form, multipart with `imageFile`, or JSON), read by id or
by reference, list, update, delete; every answer the full record of seed 002."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, path_key
from customer_registry.apis.media import (
    delete_customer_and_image,
    forget_image,
    read_image,
    store_image,
)
from customer_registry.apis.params import WrongType, boolean, parameters
from customer_registry.apis.sales_v1_0.listing import parse_list, parse_page
from customer_registry.apis.sales_v1_0.names import CUSTOMER_FILTERS, CUSTOMER_PARAMETERS
from customer_registry.apis.sales_v1_0.params import (
    InvalidParamType,
    MissingParam,
    convert,
    external_ids,
    payment_types,
    resolve,
    resolve_all,
)
from customer_registry.apis.sales_v1_0.render import list_json, record_json
from customer_registry.core import customers, images, records
from customer_registry.core.errors import NotFound, missing
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage.database import Connection

# What a create must send, and so what an update may not empty (seed 002: `Required: yes`).
REQUIRED = ("reference", "name")


async def _customer_id(conn: Connection, caller: Caller, request: Request) -> int:
    """The customer the path names: by id, or by reference with `useExternalId=true`."""
    raw: str = request.path_params["customer"]
    if external_ids(request.query_params):
        try:
            return (await customers.get_by_code(conn, caller, raw)).customer_id
        except NotFound:
            raise missing("customer", "reference", raw) from None
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
    """A create or update request, read and typed before any transaction opens."""

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
        self.image: images.PreparedImage | None = None

    def check_parent(self, stored_parent: int | None) -> None:
        """A sub-customer needs a parent: the one sent, else the one it has."""
        parent = self.values.get("parent_customer_id", stored_parent)
        if self.sub_customer and parent is None:
            raise MissingParam("parentCustomerId")

    async def read_image(self, request: Request) -> None:
        if self.upload is not None:
            self.image = await read_image(context(request), self.upload)

    async def resolved(
        self, request: Request, conn: Connection, caller: Caller
    ) -> tuple[dict[str, Any], list[int] | None]:
        """Values with references turned into ids, and the new image stored."""
        values = await resolve_all(conn, caller, self.values)
        types = await resolve(conn, caller, self.payment_types)
        if self.image is not None:
            name = getattr(self.upload, "filename", None)
            stored = store_image(context(request), conn, caller.entity_id, name, self.image)
            values["logo"] = stored
        return values, types


@requires_in_entity(Level.ADMIN)
async def create_customer(request: Request, caller: Caller) -> Response:
    given = _Input(await parameters(request, files=True), creates=True)
    given.check_parent(None)
    await given.read_image(request)
    async with context(request).db.write() as conn:
        values, types = await given.resolved(request, conn, caller)
        new = customers.NewCustomer(
            entity_id=caller.entity_id,
            name=values.pop("name"),
            code=values.pop("code"),
            details=values,
        )
        created = await customers.create(conn, caller, new, payment_types=types)
        record = await records.record(conn, caller, created.customer.customer_id)
        return json_response(record_json(request, record), status=201)


@requires_in_entity(Level.OVERVIEW)
async def get_customer(request: Request, caller: Caller) -> Response:
    async with context(request).db.read() as conn:
        record = await records.record(conn, caller, await _customer_id(conn, caller, request))
    return json_response(record_json(request, record))


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
        customer_id = await _customer_id(conn, caller, request)
        existing = await customers.get(conn, caller, customer_id, for_update=True)
        given.check_parent(existing.details["parent_customer_id"])
        values, types = await given.resolved(request, conn, caller)
        if "logo" in values:
            forget_image(context(request), conn, existing.details["logo"])
        await customers.update(conn, caller, customer_id, values, payment_types=types)
        record = await records.record(conn, caller, customer_id)
        return json_response(record_json(request, record))


@requires_in_entity(Level.SYSTEM)
async def delete_customer(request: Request, caller: Caller) -> Response:
    async with context(request).db.write() as conn:
        wanted = await _customer_id(conn, caller, request)
        await delete_customer_and_image(context(request), conn, caller, wanted)
    return Response(status_code=204)
