"""`/api/v1.0/users`, read-only: the users of the caller's organisation (what `createdBy`
links to). A user's `reference` is their username."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, path_key
from customer_registry.apis.sales_v1_0.listing import parse_list, parse_page
from customer_registry.apis.sales_v1_0.params import external_ids_asked
from customer_registry.apis.sales_v1_0.render import list_json, user_json
from customer_registry.core import users
from customer_registry.core.errors import missing
from customer_registry.core.permissions import Caller, Level

USER_FILTERS = {"id": "user_id", "reference": "username", "name": "display_name"}


@requires_in_entity(Level.OVERVIEW)
async def list_users(request: Request, caller: Caller) -> Response:
    query = parse_list(request, USER_FILTERS, {})
    page = parse_page(request)
    async with context(request).db.read() as conn:
        found = await users.list_page(conn, caller, query, page)
    return list_json([user_json(request, user) for user in found.items], found, page)


@requires_in_entity(Level.OVERVIEW)
async def get_user(request: Request, caller: Caller) -> Response:
    raw: str = request.path_params["key"]
    async with context(request).db.read() as conn:
        if external_ids_asked(request):
            user = await users.by_username(conn, caller, raw)
        elif (key := path_key(raw)) is not None:
            user = await users.get(conn, caller, key)
        else:
            raise missing("user", "id", raw)
    return conditional.answer(request, json_response(user_json(request, user)))
