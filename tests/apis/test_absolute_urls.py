"""Absolute URLs the APIs answer (partner `Link` headers, billing paginators, sales image
URLs, billing's version `url`, trailing-slash redirects) never take their host from the
request's Host header, which any client may forge (and a shared cache would hand the forged
links to others). They start with, in order: `CUSTOMER_REGISTRY_PUBLIC_URL`; the host a
trusted proxy forwards in X-Forwarded-Host (from FORWARDED_ALLOW_IPS only, as uvicorn's
other proxy headers); the address the connection reached."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from PIL import Image
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from customer_registry.apis.http import ForwardedHeaders
from customer_registry.app import create_app
from customer_registry.settings import Settings
from tests.conftest import database_settings

Headers = dict[str, str]
FORGED = {"Host": "evil.example"}
PUBLIC = "https://registry.example.com/customers-api"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


async def _urls(client: httpx.AsyncClient, admin: Headers, extra: Headers) -> dict[str, str]:
    """Every absolute URL the three APIs answer a client sending `extra` headers, by where
    it was found."""
    headers = {**admin, **extra}
    urls: dict[str, str] = {}

    # partner: the Link header of a list with a next page
    r = await client.get("/v1/entities", params={"results_per_page": 1}, headers=headers)
    assert r.status_code == 200, r.text
    next_link, last_link = re.findall(r"<([^>]*)>", r.headers["link"])
    urls |= {"partner next": next_link, "partner last": last_link}

    # billing: Laravel's paginator
    r = await client.get("/api/v1/brands", params={"per_page": 1}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    for key in ("first_page_url", "last_page_url", "path"):
        urls[f"billing {key}"] = body[key]

    # billing: the version's url
    r = await client.get("/api/version", headers=extra)
    assert r.status_code == 200, r.text
    urls["billing version"] = r.json()["url"]

    # sales: a customer's image, in the create's answer and in a list
    upload = {"imageFile": ("logo.png", _png(), "image/png")}
    data = {"reference": f"URL-{next(_references)}", "name": "Absolute URLs"}
    r = await client.post("/api/v1.0/customers", data=data, files=upload, headers=headers)
    assert r.status_code == 201, r.text
    urls["sales logo"] = r.json()["logo"]
    r = await client.get("/api/v1.0/customers", params={"max": 1}, headers=headers)
    assert r.status_code == 200, r.text
    urls["sales listed logo"] = r.json()["data"][0]["logo"]

    # trailing-slash redirects, in each API and outside them
    for path in ("/v1/customers/", "/api/v1.0/customers/", "/api/v1/customers/", "/v1"):
        r = await client.get(path, headers=headers)
        assert r.status_code == 307, (path, r.status_code)
        urls[f"redirect {path}"] = r.headers["location"]
    return urls


_references = itertools.count()


def _under(url: str, origin: str) -> bool:
    return url == origin or url.startswith(f"{origin}/")


@pytest.fixture
async def make_entity_pair(make_entity: Callable[[str], Awaitable[int]]) -> None:
    """Two entities, so a page of one has a next page."""
    await make_entity("second")
    await make_entity("third")


async def _client(app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=client)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.mark.usefixtures("make_entity_pair")
async def test_a_forged_host_is_never_in_a_url(client: httpx.AsyncClient, admin: Headers) -> None:
    urls = await _urls(client, admin, FORGED)
    for where, url in urls.items():
        assert "evil.example" not in url, (where, url)
        # the address the connection reached, as the ASGI server gives it
        assert _under(url, "http://testserver"), (where, url)


@pytest.fixture
async def public_app(settings: Settings, app: Any) -> AsyncIterator[Any]:
    """The service with a public URL, over the same database as `app`."""
    configured = database_settings(
        settings.database_url,
        media_dir=settings.media_dir,
        public_url=f"{PUBLIC}/",
    )
    application = create_app(configured)
    await application.state.ctx.start()
    try:
        yield application
    finally:
        await application.state.ctx.stop()


@pytest.mark.usefixtures("make_entity_pair")
async def test_with_a_public_url_every_url_starts_with_it(public_app: Any, admin: Headers) -> None:
    async with await _client(public_app) as client:
        for extra in (FORGED, {"X-Forwarded-Host": "proxy.example"}, {}):
            urls = await _urls(client, admin, extra)
            for where, url in urls.items():
                assert _under(url, PUBLIC), (where, url)
            # the path as the service serves it, after the public URL's own
            assert urls["partner next"].startswith(f"{PUBLIC}/v1/entities?"), urls
            assert urls["sales logo"].startswith(f"{PUBLIC}/media/entity1/photoCustomer/"), urls
            assert urls["redirect /v1"] == f"{PUBLIC}/v1/", urls


@pytest.mark.usefixtures("make_entity_pair")
async def test_a_trusted_proxys_forwarded_host_and_scheme_are_used(
    app: Any, admin: Headers
) -> None:
    served = ForwardedHeaders(app, "127.0.0.1")
    forwarded = {
        **FORGED,
        "X-Forwarded-Host": "registry.example.org:8443",
        "X-Forwarded-Proto": "https",
    }
    async with await _client(served, ("127.0.0.1", 123)) as client:
        for where, url in (await _urls(client, admin, forwarded)).items():
            assert _under(url, "https://registry.example.org:8443"), (where, url)


@pytest.mark.usefixtures("make_entity_pair")
async def test_an_untrusted_clients_forwarded_host_is_ignored(app: Any, admin: Headers) -> None:
    served = ForwardedHeaders(app, "127.0.0.1")
    forwarded = {**FORGED, "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    async with await _client(served, ("203.0.113.7", 123)) as client:
        for where, url in (await _urls(client, admin, forwarded)).items():
            assert _under(url, "http://testserver"), (where, url)


@pytest.mark.parametrize(
    "value",
    ["evil.example/path", "evil.example?x", "a b", "evil.example:99999", "", "user@evil.example"],
)
@pytest.mark.usefixtures("make_entity_pair")
async def test_a_forwarded_host_that_is_not_a_host_is_ignored(
    app: Any, admin: Headers, value: str
) -> None:
    served = ForwardedHeaders(app, "127.0.0.1")
    async with await _client(served) as client:
        r = await client.get(
            "/v1/entities",
            params={"results_per_page": 1},
            headers={**admin, "X-Forwarded-Host": value},
        )
    assert r.status_code == 200, r.text
    for link in re.findall(r"<([^>]*)>", r.headers["link"]):
        assert link.startswith("http://testserver/v1/entities?"), link


@pytest.mark.parametrize(
    "value",
    [
        "registry.example.com",
        "ftp://registry.example.com",
        "https://user:secret@registry.example.com",
        "https://registry.example.com/?a=1",
        "https://registry.example.com/#top",
    ],
)
def test_a_public_url_that_is_not_one_is_refused_at_start(value: str) -> None:
    with pytest.raises(ValidationError, match="public_url"):
        Settings(public_url=value)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://Registry.Example.com/", "https://registry.example.com"),
        ("http://registry.example.com:8080/api/", "http://registry.example.com:8080/api"),
        ("", None),
    ],
)
def test_a_public_url_is_kept_without_its_trailing_slash(value: str, kept: str | None) -> None:
    assert Settings(public_url=value).public_url == kept


@pytest.mark.parametrize(
    ("peer", "expected"),
    [("127.0.0.1", ("203.0.113.5", "https")), ("198.51.100.1", ("198.51.100.1", "http"))],
)
async def test_the_client_address_and_scheme_are_still_uvicorns(
    peer: str, expected: tuple[str, str]
) -> None:
    """ForwardedHeaders keeps uvicorn's X-Forwarded-For and -Proto handling (login
    throttling counts per client address), from the same trusted addresses only."""
    seen: list[tuple[str, str]] = []

    async def record(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope["client"][0], scope["scheme"]))

    async def receive() -> Message:
        raise AssertionError("no body is read")

    async def send(message: Message) -> None:
        raise AssertionError("nothing is answered")

    served = ForwardedHeaders(record, "127.0.0.1")
    headers = [(b"x-forwarded-for", b"203.0.113.5"), (b"x-forwarded-proto", b"https")]
    scope = {"type": "http", "scheme": "http", "client": (peer, 1234), "headers": headers}
    await served(scope, receive, send)
    assert seen == [expected]
