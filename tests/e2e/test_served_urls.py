"""The server as `customer-registry serve` runs it, under either HTTP server: the absolute
URLs it answers take their host from the connection, or from a trusted proxy's
X-Forwarded-Host (loopback is trusted by default, as uvicorn trusts it for X-Forwarded-For),
never from the Host header; and a 405 names every method of the path."""

from __future__ import annotations

import requests

from tests.e2e.conftest import BOTH_SERVERS, Server
from tests.e2e.conftest import REQUEST_TIMEOUT_SECONDS as TIMEOUT

pytestmark = BOTH_SERVERS


def _version_url(server: Server, headers: dict[str, str]) -> str:
    r = requests.get(f"{server.url}/api/version", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    url: str = r.json()["url"]
    return url


def test_a_forged_host_is_not_the_services_url(server: Server) -> None:
    assert _version_url(server, {"Host": "evil.example"}) == server.url


def test_a_trusted_proxys_forwarded_host_and_scheme_make_the_services_url(server: Server) -> None:
    forwarded = {
        "Host": "evil.example",
        "X-Forwarded-Host": "registry.example.org",
        "X-Forwarded-Proto": "https",
    }
    assert _version_url(server, forwarded) == "https://registry.example.org"


def test_a_redirect_names_the_service(server: Server) -> None:
    r = requests.get(
        f"{server.url}/api/v1/customers/",
        headers={"Host": "evil.example"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert r.status_code == 307
    assert r.headers["location"] == f"{server.url}/api/v1/customers"


def test_405_names_every_method_of_the_path(server: Server) -> None:
    r = requests.patch(f"{server.url}/v1/customers/1", timeout=TIMEOUT)
    assert r.status_code == 405
    assert r.headers["allow"] == "DELETE, GET, HEAD, PUT"
