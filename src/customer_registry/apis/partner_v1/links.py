"""`/v1/customer_entity_linker`, `/v1/product_entity_linker`, `/v1/customer_product_history`."""

from __future__ import annotations

from functools import partial

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.context import context
from customer_registry.apis.http import Endpoint, json_response, requires
from customer_registry.apis.partner_v1 import bodies, models
from customer_registry.apis.partner_v1.listing import list_response, path_id
from customer_registry.apis.partner_v1.names import META_FIELDS, RESOURCES
from customer_registry.apis.partner_v1.render import history_json, link_renderer
from customer_registry.core import history, links
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage.database import Connection


def _link_endpoints(
    table: links.LinkTable, model: type[msgspec.Struct], resource: str
) -> tuple[Endpoint, Endpoint, Endpoint, Endpoint]:
    """List, get, update and delete for one kind of entity link (the two share every rule)."""
    render = link_renderer(model, table)
    key = table.key.name
    fields = bodies.fields(model)

    async def current(conn: Connection, caller: Caller, link_id: int) -> bytes | memoryview:
        """The link as it is now, locked until the write's transaction ends (`If-Match`)."""
        link = await links.get(conn, caller, table, link_id, for_update=True)
        return json_response(render(link)).body

    @requires(Level.OVERVIEW)
    async def list_links(request: Request, caller: Caller) -> Response:
        return await list_response(
            request,
            RESOURCES[resource],
            lambda conn, query, page: links.list_page(conn, caller, table, query, page),
            render,
        )

    @requires(Level.OVERVIEW)
    async def get_link(request: Request, caller: Caller) -> Response:
        link_id = path_id(request, key)
        async with context(request).db.read() as conn:
            link = await links.get(conn, caller, table, link_id)
        return conditional.answer(request, json_response(render(link)))

    @requires(Level.SYSTEM)
    async def update_link(request: Request, caller: Caller) -> Response:
        link_id = path_id(request, key)
        body = await bodies.json_object(request)
        changes = bodies.writable(body, fields, META_FIELDS | {key})
        for required in (table.owner.name, "entity_id"):
            if required in changes and changes[required] is None:
                changes.pop(required)  # not-null columns: null means "leave it"
        async with context(request).db.write() as conn:
            await conditional.require_current(request, partial(current, conn, caller, link_id))
            link = await links.update(conn, caller, table, link_id, changes)
            return conditional.tagged(json_response(render(link)))

    @requires(Level.SYSTEM)
    async def delete_link(request: Request, caller: Caller) -> Response:
        link_id = path_id(request, key)
        async with context(request).db.write() as conn:
            await conditional.require_current(request, partial(current, conn, caller, link_id))
            await links.delete(conn, caller, table, link_id)
        return Response(status_code=204)

    return list_links, get_link, update_link, delete_link


(
    list_customer_links,
    get_customer_link,
    update_customer_link,
    delete_customer_link,
) = _link_endpoints(links.CUSTOMER_LINKS, models.CustomerEntityLinker, "customer_entity_linker")
(
    list_product_links,
    get_product_link,
    update_product_link,
    delete_product_link,
) = _link_endpoints(links.PRODUCT_LINKS, models.ProductEntityLinker, "product_entity_linker")


@requires(Level.OVERVIEW)
async def list_history(request: Request, caller: Caller) -> Response:
    return await list_response(
        request,
        RESOURCES["customer_product_history"],
        lambda conn, query, page: history.list_page(conn, caller, query, page),
        history_json,
    )


@requires(Level.OVERVIEW)
async def get_history(request: Request, caller: Caller) -> Response:
    history_id = path_id(request, "customer_product_history_id")
    async with context(request).db.read() as conn:
        row = await history.get(conn, caller, history_id)
    return conditional.answer(request, json_response(history_json(row)))


@requires(Level.SYSTEM)
async def delete_history(request: Request, caller: Caller) -> Response:
    history_id = path_id(request, "customer_product_history_id")
    async with context(request).db.write() as conn:
        await conditional.require_current(request, partial(_history_now, conn, caller, history_id))
        await history.delete(conn, caller, history_id)
    return Response(status_code=204)


async def _history_now(conn: Connection, caller: Caller, history_id: int) -> bytes | memoryview:
    """The history row as it is now, locked until the delete's transaction ends (`If-Match`)."""
    return json_response(
        history_json(await history.get(conn, caller, history_id, for_update=True))
    ).body
