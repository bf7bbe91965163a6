"""The catalogues a record links to, each under the same mount with list/get/create/update/
delete: `customerCategories`, `customerSegmentations`, `paymentTypes`, `regions`,
`currencies`. One set of handlers, one declaration per catalogue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from customer_registry.apis import conditional
from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.context import context
from customer_registry.apis.http import Endpoint, json_response, path_key
from customer_registry.apis.idempotency import idempotent
from customer_registry.apis.params import boolean, integer, number, parameters, text
from customer_registry.apis.sales_v1_0.listing import parse_list, parse_page
from customer_registry.apis.sales_v1_0.params import (
    Field,
    Id,
    convert,
    external_ids,
    external_ids_asked,
)
from customer_registry.apis.sales_v1_0.render import href, item_json, list_json
from customer_registry.core import catalogues
from customer_registry.core.catalogues import (
    Catalogue,
    CurrencyFields,
    Item,
    NoFields,
    RegionFields,
    TreeFields,
)
from customer_registry.core.errors import missing
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage.database import Connection

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Collection:
    path: str  # "paymentTypes"
    catalogue: Catalogue[Any]
    parameters: dict[str, Field]  # sales name -> (core field, reader)
    own_keys: Callable[[Request, Any], Json]  # the catalogue's own keys of its Item

    @property
    def filters(self) -> dict[str, str]:
        shown = {"id": self.catalogue.listing.key.name, "reference": "reference", "name": "name"}
        return shown | {name: core for name, (core, _) in self.parameters.items()}

    def json(self, request: Request, item: Item[Any]) -> Json:
        return item_json(request, self.path, item, self.own_keys(request, item))


_NAMED: dict[str, Field] = {"reference": ("reference", text), "name": ("name", text)}


def _parent(path: str) -> Callable[[Request, Item[TreeFields | RegionFields]], Json]:
    def extra(request: Request, item: Item[TreeFields | RegionFields]) -> Json:
        parent = item.extra.parent_id
        return {
            "parentId": parent,
            "parentHref": None if parent is None else href(request, path, parent),
        }

    return extra


def _category(request: Request, item: Item[TreeFields]) -> Json:
    return {"isRoot": item.extra.parent_id is None, **_parent("customerCategories")(request, item)}


def _none(request: Request, item: Item[NoFields]) -> Json:
    return {}


def _region(request: Request, item: Item[RegionFields]) -> Json:
    return {"level": item.extra.level, **_parent("regions")(request, item)}


def _currency(request: Request, item: Item[CurrencyFields]) -> Json:
    return {
        "code": item.reference,
        "exchangeRate": item.extra.exchange_rate,
        "isDefault": item.extra.is_default,
    }


COLLECTIONS = (
    Collection(
        "customerCategories",
        catalogues.CUSTOMER_CATEGORIES,
        {**_NAMED, "parentId": ("parent_id", Id("parent customer category id"))},
        _category,
    ),
    Collection("customerSegmentations", catalogues.CUSTOMER_SEGMENTATIONS, _NAMED, _none),
    Collection("paymentTypes", catalogues.CUSTOMER_PAYMENT_TYPES, _NAMED, _none),
    Collection(
        "regions",
        catalogues.CUSTOMER_REGIONS,
        {
            **_NAMED,
            "level": ("level", integer),
            "parentId": ("parent_id", Id("parent region id")),
        },
        _region,
    ),
    Collection(
        "currencies",
        catalogues.CUSTOMER_CURRENCIES,
        {
            "reference": ("reference", text),
            "code": ("reference", text),  # the ISO code (or the currency's name)
            "exchangeRate": ("exchange_rate", number),
            "isDefault": ("is_default", boolean),
        },
        _currency,
    ),
)


async def _key(conn: Connection, caller: Caller, collection: Collection, request: Request) -> int:
    raw: str = request.path_params["key"]
    catalogue = collection.catalogue
    if external_ids_asked(request):
        return (await catalogues.by_reference(conn, catalogue, caller.scope, raw)).id
    key = path_key(raw)
    if key is None:
        raise missing(catalogue.kind, "id", raw)
    return key


def _values(collection: Collection, params: Json) -> Json:
    """The values sent, typed; a parent named by reference is found by the core."""
    return convert(params, collection.parameters, external=external_ids(params))


def endpoints(collection: Collection) -> list[Route]:
    catalogue = collection.catalogue

    async def current(
        request: Request, conn: Connection, caller: Caller, key: int
    ) -> bytes | memoryview:
        """The object as it is now, locked until the write's transaction ends (`If-Match`)."""
        item = await catalogues.get(conn, catalogue, caller.scope, key, for_update=True)
        return json_response(collection.json(request, item)).body

    @requires_in_entity(Level.OVERVIEW)
    async def list_items(request: Request, caller: Caller) -> Response:
        query = parse_list(request, collection.filters, collection.parameters)
        page = parse_page(request)
        async with context(request).db.read() as conn:
            found = await catalogues.list_page(conn, caller, catalogue, query, page)
        return list_json([collection.json(request, item) for item in found.items], found, page)

    @requires_in_entity(Level.OVERVIEW)
    async def get_item(request: Request, caller: Caller) -> Response:
        async with context(request).db.read() as conn:
            key = await _key(conn, caller, collection, request)
            item = await catalogues.get(conn, catalogue, caller.scope, key)
        return conditional.answer(request, json_response(collection.json(request, item)))

    @requires_in_entity(Level.ADMIN)
    @idempotent
    async def create_item(request: Request, caller: Caller) -> Response:
        values = _values(collection, await parameters(request))
        async with context(request).db.write() as conn:
            item = await catalogues.create(conn, caller, catalogue, values)
            return json_response(collection.json(request, item), status=201)

    @requires_in_entity(Level.ADMIN)
    async def update_item(request: Request, caller: Caller) -> Response:
        params = await parameters(request)
        async with context(request).db.write() as conn:
            key = await _key(conn, caller, collection, request)  # a missing one is told first
            await conditional.require_current(request, partial(current, request, conn, caller, key))
            values = _values(collection, params)
            item = await catalogues.update(conn, caller, catalogue, key, values)
            return conditional.tagged(json_response(collection.json(request, item)))

    @requires_in_entity(Level.SYSTEM)
    async def delete_item(request: Request, caller: Caller) -> Response:
        async with context(request).db.write() as conn:
            key = await _key(conn, caller, collection, request)
            await conditional.require_current(request, partial(current, request, conn, caller, key))
            await catalogues.delete(conn, caller, catalogue, key)
        return Response(status_code=204)

    handlers: list[tuple[str, Endpoint, list[str]]] = [
        ("", list_items, ["GET"]),
        ("", create_item, ["POST"]),
        ("/{key}", get_item, ["GET"]),
        ("/{key}", update_item, ["PUT", "PATCH"]),
        ("/{key}", delete_item, ["DELETE"]),
    ]
    return [
        Route(
            f"/{collection.path}{suffix}",
            handler,
            methods=methods,
            name=f"{collection.path}{suffix}:{methods[0]}",
        )
        for suffix, handler, methods in handlers
    ]
