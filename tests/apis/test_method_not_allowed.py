"""405 on every path of the three APIs, from their route tables: a method the path does not
accept gets 405 in the API's own error format, with an `Allow` header naming exactly the
methods the path does accept (those that do not get 405; HEAD wherever GET is).

The route tables give each method of a path a route of its own, and Starlette's `Allow`
named only the first route's (`GET, HEAD` where PUT and DELETE work too).

The billing API answers OPTIONS as Laravel's router does, for any path it routes: 200, no
body, `Allow` naming the path's routes' methods without spaces (OPTIONS itself not among
them, as in its 405s)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import httpx
import pytest
from starlette.routing import BaseRoute, Route

from customer_registry.apis.billing_v1.app import ROUTES as BILLING
from customer_registry.apis.partner_v1.app import ROUTES as PARTNER
from customer_registry.apis.sales_v1_0.app import ROUTES as SALES

# Each API: its mount, its route table, its 405 body.
APIS: dict[str, tuple[str, Sequence[BaseRoute], Mapping[str, str]]] = {
    "partner": ("/v1", PARTNER, {"message": "Method not allowed"}),
    "sales": (
        "/api/v1.0",
        SALES,
        {"error": "method_not_allowed", "error_description": "Method not allowed."},
    ),
    # Laravel's MethodNotAllowedHttpException names the method and the route's own methods.
    "billing": (
        "/api",
        BILLING,
        {
            "message": "The {method} method is not supported for this route. Supported methods: {allow}."
        },
    ),
}
# Every method a client might send (CONNECT has no path to name).
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
# APIs whose framework answers OPTIONS itself, outside the routes (Laravel's router).
OPTIONS_ANSWERED = {"billing"}


def _paths() -> list[tuple[str, str, frozenset[str]]]:
    """(API, a concrete path, the methods its table gives that path's own template)."""
    cases: dict[tuple[str, str], set[str]] = {}
    for api, (mount, routes, _) in APIS.items():
        for route in routes:
            assert isinstance(route, Route), route
            assert route.methods, route
            path = mount + re.sub(r"\{[^}]+\}", "1", route.path)
            cases.setdefault((api, path), set()).update(route.methods)
    return [(api, path, frozenset(methods)) for (api, path), methods in cases.items()]


PATHS = _paths()


def test_every_api_has_paths_with_several_routes() -> None:
    """The case the defect lived in: a path whose methods are routes of their own."""
    several = {api for api, _, methods in PATHS if len(methods - {"HEAD"}) > 1}
    assert several == set(APIS)


@pytest.mark.parametrize(("api", "path", "tabled"), PATHS, ids=[f"{a} {p}" for a, p, _ in PATHS])
async def test_a_method_the_path_does_not_accept_gets_405_naming_those_it_does(
    client: httpx.AsyncClient, api: str, path: str, tabled: frozenset[str]
) -> None:
    # Without a token: every accepted method stops at authentication, nothing is written.
    answers = {method: await client.request(method, path) for method in METHODS}
    if api in OPTIONS_ANSWERED:
        options = answers.pop("OPTIONS")
        assert (options.status_code, options.content) == (200, b""), options.text
    accepted = {method for method, r in answers.items() if r.status_code != 405}
    assert tabled <= accepted, (tabled, accepted)
    assert "HEAD" in accepted or "GET" not in accepted
    refused = set(answers) - accepted
    assert refused, "every path refuses some method"
    for method in refused:
        r = answers[method]
        allow = {name.strip() for name in r.headers["allow"].split(",")}
        assert allow == accepted, (method, r.headers["allow"])
        if api in OPTIONS_ANSWERED:
            assert options.headers["allow"] == r.headers["allow"].replace(" ", "")
        if method != "HEAD":  # a HEAD answer has no body
            expected = {
                key: text.format(method=method, allow=r.headers["allow"])
                for key, text in APIS[api][2].items()
            }
            assert r.json() == expected, (method, r.text)
