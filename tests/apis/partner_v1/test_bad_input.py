"""Malformed requests get the partner API's 4xx, never a 500 and never a partial write."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

Headers = dict[str, str]
CREATE = "/v1/customers/create_customer"
GOOD = b'{"name": "n", "external_customer_id": 1, "entity_id": 1}'


async def _nothing_written(client: httpx.AsyncClient, admin: Headers) -> None:
    r = await client.get("/v1/customers", headers=admin)
    assert r.json()["num_results"] == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"not json",
        b"",
        b"[1, 2]",
        b'"text"',
        b"null",
        b"\xff\xfe",
        b'{"name": NaN}',
        b"[" * 5000,
    ],
)
async def test_undecodable_bodies(client: httpx.AsyncClient, admin: Headers, body: bytes) -> None:
    headers = {**admin, "Content-Type": "application/json"}
    for method, path in (("PUT", CREATE), ("POST", "/v1/entities")):
        r = await client.request(method, path, content=body, headers=headers)
        assert (r.status_code, r.json()) == (400, {"message": "Unable to decode data"}), (
            path,
            body[:10],
        )
    await _nothing_written(client, admin)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_non_json_bodies_are_unsupported(
    client: httpx.AsyncClient, admin: Headers, content_type: str | None
) -> None:
    headers = dict(admin)
    if content_type:
        headers["Content-Type"] = content_type
    for method, path in (("PUT", CREATE), ("POST", CREATE), ("POST", "/v1/entities")):
        r = await client.request(method, path, content=GOOD, headers=headers)
        assert r.status_code == 415, (method, path)
        assert r.json() == {"message": 'Request must have "Content-Type: application/json" header'}
    await _nothing_written(client, admin)


async def test_charset_is_fine(client: httpx.AsyncClient, admin: Headers) -> None:
    headers = {**admin, "Content-Type": "application/json; charset=utf-8"}
    r = await client.put(CREATE, content=GOOD, headers=headers)
    assert r.status_code == 201


async def test_huge_bodies_are_refused(client: httpx.AsyncClient, admin: Headers) -> None:
    headers = {**admin, "Content-Type": "application/json"}
    huge = (
        b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'", "external_customer_id": 1, "entity_id": 1}'
    )
    r = await client.put(CREATE, content=huge, headers=headers)
    assert r.status_code == 413
    assert "message" in r.json()

    async def chunks() -> AsyncIterator[
        bytes
    ]:  # no Content-Length: the limit still holds while streaming
        for _ in range(40):
            yield b"x" * 65536

    r = await client.put(CREATE, content=chunks(), headers=headers)
    assert r.status_code == 413
    await _nothing_written(client, admin)


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Token",
        "Token token=",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Token token=" + "x" * 64,
        "Bearer \u00e9t\u00e9",
    ],
)
async def test_bad_credentials(client: httpx.AsyncClient, authorization: str) -> None:
    # Raw bytes, so a non-ASCII header reaches the server as a client could send it.
    headers = {b"Authorization": authorization.encode()} if authorization else {}
    r = await client.get("/v1/customers", headers=headers)
    assert r.status_code == 401
    assert "message" in r.json()


async def test_unknown_paths_and_methods(client: httpx.AsyncClient, admin: Headers) -> None:
    r = await client.get("/v1/nothing-here", headers=admin)
    assert (r.status_code, r.json()) == (404, {"message": "Not found"})
    r = await client.patch("/v1/customers/1", headers=admin)
    assert (r.status_code, r.json()) == (405, {"message": "Method not allowed"})
    r = await client.get(CREATE, headers=admin)
    assert r.status_code in (404, 405)
