"""The service's router picks the route Starlette's own would, for every path of the three
APIs' route tables and their near misses.

`http.Router` tries only the routes that could match a path (those under its parent path,
a route without parameters by comparing its path as a string), where Starlette tries each
route's pattern in turn: the first full match wins, else the first partial one (the path
matched, not the method), else none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest
from starlette import routing
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Scope

from customer_registry.apis.billing_v1.app import ROUTES as BILLING
from customer_registry.apis.http import Router
from customer_registry.apis.partner_v1.app import ROUTES as PARTNER
from customer_registry.apis.sales_v1_0.app import ROUTES as SALES

TABLES: dict[str, Sequence[BaseRoute]] = {"partner": PARTNER, "sales": SALES, "billing": BILLING}
METHODS = ("GET", "POST", "PUT", "DELETE")


def _numbered(routes: Sequence[BaseRoute]) -> list[Route]:
    """The table's routes, each answering its place in the table (and nothing else)."""

    def endpoint(place: int) -> Any:
        async def answer(request: Request) -> Response:
            return Response(str(place))

        return answer

    numbered = []
    for place, route in enumerate(routes):
        assert isinstance(route, Route), route
        numbered.append(Route(route.path, endpoint(place), methods=route.methods))
    return numbered


def _paths(routes: Sequence[Route]) -> list[str]:
    """Each route's path with its parameters filled in several ways, every literal segment
    of the tables in a parameter's place too, and the near misses: a trailing slash, one
    more segment, one fewer, a trailing newline (a pattern's `$` matches before one)."""
    segments = {"1", "x", "0", "-1", "1.5"} | {
        part for route in routes for part in route.path.split("/") if part and "{" not in part
    }
    paths: set[str] = {"/", ""}
    for route in routes:
        template = re.sub(r"\{[^}]+\}", "{}", route.path)
        for segment in segments:
            path = template.replace("{}", segment)
            paths |= {path, f"{path}/", f"{path}/x", path.rpartition("/")[0], f"{path}\n"}
    return sorted(paths)


async def _answer(router: routing.Router, path: str, method: str) -> tuple[int, bytes]:
    scope: Scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "scheme": "http",
        "server": ("testserver", 80),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await router(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


@pytest.mark.parametrize("api", TABLES)
async def test_the_router_picks_the_route_starlettes_would(api: str) -> None:
    routes = _numbered(TABLES[api])
    ours = Router(routes)
    ours.default = ours.not_found  # its redirects are another test's (test_absolute_urls)
    starlettes = routing.Router(routes, redirect_slashes=False)
    paths = _paths(routes)
    assert len(paths) > 50
    different = []
    answered = set()  # the routes that answered some path
    for path in paths:
        for method in METHODS:
            expected = await _answer(starlettes, path, method)
            found = await _answer(ours, path, method)
            if found != expected:
                different.append((method, path, expected, found))
            if found[0] == 200:
                answered.add(int(found[1]))
    assert different == []
    # The tables are routed, not only refused: each route answers some path of its own.
    assert answered == set(range(len(routes)))
