"""The shape every partner list endpoint shares: `q`, paging or `single`, one read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.context import context
from customer_registry.apis.http import path_key
from customer_registry.apis.partner_v1.names import Resource
from customer_registry.apis.partner_v1.query import parse_page, parse_q
from customer_registry.apis.partner_v1.render import page_response, single_response
from customer_registry.core.errors import NotFound
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage.database import Connection

T = TypeVar("T")
Fetch = Callable[[Connection, ListQuery, PageRequest], Awaitable[Page[T]]]


async def list_response(
    request: Request,
    resource: Resource,
    fetch: Fetch[T],
    render: Callable[[T], dict[str, Any]],
) -> Response:
    asked = parse_q(request, resource)
    page = parse_page(request)
    async with context(request).db.read() as conn:
        if asked.single:  # two rows are enough to tell "one" from "several"
            return single_response(await fetch(conn, asked.query, PageRequest(1, 2)), render)
        found = await fetch(conn, asked.query, page)
    return page_response(request, found, page, render)


def path_id(request: Request, name: str) -> int:
    """An id from the path; anything that cannot be an id is simply not found."""
    raw = request.path_params[name]
    key = path_key(raw)
    if key is None:
        raise NotFound(f"{name} {raw!r} does not exist.")
    return key
