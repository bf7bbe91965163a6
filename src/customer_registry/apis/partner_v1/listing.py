"""The shape every partner list endpoint shares: `q`, paging or `single`, one read; and the
not-found answer of every record read, changed or deleted by its id."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, path_key
from customer_registry.apis.partner_v1.names import Resource
from customer_registry.apis.partner_v1.query import MAX_WINDOW, Invalid, parse_page, parse_q
from customer_registry.apis.partner_v1.render import page_response, single_response
from customer_registry.core.errors import NotFound
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.storage.database import Connection

T = TypeVar("T")
Json = dict[str, Any]
Fetch = Callable[[Connection, ListQuery, PageRequest], Awaitable[Page[T]]]


async def list_response(
    request: Request,
    resource: Resource,
    fetch: Fetch[T],
    render: Callable[[T], Json],
) -> Response:
    asked = parse_q(request, resource)
    page = parse_page(request)
    async with context(request).db.read() as conn:
        if asked.single:  # two objects are enough to tell "one" from "several"
            whole = _whole_result(asked.query)
            return single_response(await fetch(conn, whole, PageRequest(1, 2)), render)
        found = await _page(conn, fetch, asked.query, page)
    if asked.offset_in_text and page.start > 0 and found.items:
        # 0.17 adds a page's start to the offset as it was sent: text fails there (a 500).
        raise Invalid
    objects = [render(item) for item in found.items]
    if asked.query.rows_may_recur:
        objects = _each_once(objects, resource.key)
    return page_response(request, Page(objects, found.total), page)


def _whole_result(query: ListQuery) -> ListQuery:
    """The query as Flask-Restless 0.17 reads its whole result (`single`, pages before the
    first): SQLAlchemy 1.3 loads each object once, however many rows a join lists it in."""
    return replace(query, distinct=True) if query.rows_may_recur else query


def _each_once(objects: list[Json], key: str) -> list[Json]:
    """A page's objects as SQLAlchemy 1.3 loads the rows of one query (Flask-Restless 0.17
    reads a page so): an object a join lists more than once appears where it first does."""
    seen: set[Any] = set()
    once = []
    for item in objects:
        if item[key] not in seen:
            seen.add(item[key])
            once.append(item)
    return once


async def _page(conn: Connection, fetch: Fetch[T], query: ListQuery, page: PageRequest) -> Page[T]:
    """The asked page. Flask-Restless cuts pages out of the whole result as Python slices a
    list, `[start:min(num_results, end)]`: a page before the first (0, -1, …) counts back from
    the end of the result, and one past the end is empty. Those (rare) pages, and grouped
    queries (whose `num_results` is not the result's length), need the total first."""
    grouped = _miscounted(query)
    if not grouped and 0 <= page.start <= MAX_WINDOW:
        return await fetch(conn, query, page)
    total = (await fetch(conn, query, PageRequest(1, 1))).total
    told = min(total, 1) if grouped else total
    end = min(told, page.start + page.per_page)
    # The slice is taken from the whole result's objects (each once: see _whole_result).
    whole = _whole_result(query)
    length = total if whole is query else (await fetch(conn, whole, PageRequest(1, 1))).total
    first, last, _ = slice(page.start, end).indices(length)
    if last <= first:
        return Page([], told)
    found = await fetch(conn, whole, PageRequest(1, last - first, offset=first))
    return Page(found.items, told)


def _miscounted(query: ListQuery) -> bool:
    """Whether Flask-Restless 0.17 tells `num_results` of this query as 1 (0 without rows).
    It counts by putting `count(*)` in the query's own SELECT, which keeps its GROUP BY and
    OFFSET and reads the first row: the size of the first group after the offset. PostgreSQL
    groups whole rows only by the primary key (see `query.parse_q`), so every group is one
    row. With a `limit` it counts the rows of the query instead, rightly."""
    return bool(query.group_by) and query.limit is None


def path_id(request: Request, name: str) -> int:
    """An id from the path; anything that cannot be an id is simply not found."""
    raw = request.path_params[name]
    key = path_key(raw)
    if key is None:
        raise NotFound(f"{name} {raw!r} does not exist.")
    return key


Endpoint = Callable[[Request], Awaitable[Response]]


def by_id(endpoint: Endpoint) -> Endpoint:
    """A record's own URL (GET, PUT, DELETE): Flask-Restless answers a missing record with 404
    and an empty object (its "No result found" is only for `single` queries)."""

    @functools.wraps(endpoint)
    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except NotFound:
            return json_response({}, 404)

    answer.missing_record_is_empty = True  # type: ignore[attr-defined]  # for the document
    return answer
