"""The real server's access log (uvicorn's line, as `customer-registry serve` sets it up, under
either server) never
shows the value of a secret-looking query parameter, whatever the route and whether or not
the route reads it; the rest of the request line is logged as usual."""

from __future__ import annotations

import time

import pytest
import requests

from tests.e2e.conftest import BOTH_SERVERS, Server

pytestmark = [pytest.mark.server, BOTH_SERVERS]

SECRET = "s3cr3t-in-the-url"  # every secret value below holds this
LOGGED_WITHIN_SECONDS = 5.0

# (method, target as sent, the target as the log must show it)
REQUESTS = [
    (
        "GET",
        f"/api/v1/customers?api_token={SECRET}1&password={SECRET}2",
        "/api/v1/customers?api_token=***&password=***",
    ),
    (
        "POST",
        f"/api/login?email=a%40example.com&PassWord={SECRET}3",
        "/api/login?email=a%40example.com&PassWord=***",
    ),
    (
        "GET",
        f"/v1/customers?page=2&token={SECRET}4&secret={SECRET}5",
        "/v1/customers?page=2&token=***&secret=***",
    ),
    ("GET", f"/api/v1.0/customers?pass%77ord={SECRET}6", "/api/v1.0/customers?pass%77ord=***"),
    ("GET", f"/api/v1/docs?Token={SECRET}7", "/api/v1/docs?Token=***"),
    ("GET", f"/nowhere?API_TOKEN={SECRET}8", "/nowhere?API_TOKEN=***"),
]


def _log_once_written(server: Server, expected: list[str]) -> str:
    """The server's output once every expected line is in it (or the deadline passed)."""
    deadline = time.monotonic() + LOGGED_WITHIN_SECONDS
    while True:
        log = server.log.read_text(errors="replace")
        if all(line in log for line in expected) or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


def test_the_access_log_masks_secrets_in_query_strings(server: Server) -> None:
    for method, target, _ in REQUESTS:
        prepared = requests.Request(method, server.url).prepare()
        prepared.url = server.url + target  # as written: `requests` would decode `%77`
        with requests.Session() as session:
            r = session.send(prepared, timeout=30)
        assert r.status_code < 500, (target, r.status_code, r.text)

    log = _log_once_written(server, [f'"{m} {logged} HTTP/1.1"' for m, _, logged in REQUESTS])

    leaked = [line for line in log.splitlines() if SECRET in line]
    assert not leaked, leaked
    for method, _, logged in REQUESTS:
        assert f'"{method} {logged} HTTP/1.1"' in log, f"{logged} not logged:\n{log}"
