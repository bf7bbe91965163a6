"""No error answer names an internal table: bad filter values sent to every query parameter
of every list route of the three APIs (walked from their OpenAPI documents) must not show a
table of storage/schema.py's metadata, nor a `table.column`, unless the API itself uses that
name publicly (a path segment or a parameter of its document, such as `customers`)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from customer_registry.storage.schema import metadata
from tests.apis.test_bad_integers import DOCUMENTS, ROOTS, operations
from tests.conftest import MakeUser

BAD_VALUES = ["abc", "--1", "a\x00b", "9" * 30, "1e400", "2001-13-45", "true!", "-"]


def public_names(document: dict[str, Any]) -> set[str]:
    """Every name the API shows: its path segments and its parameters."""
    names: set[str] = set()
    for path, methods in document["paths"].items():
        names.update(re.findall(r"[A-Za-z_]+", path))
        for spec in methods.values():
            if isinstance(spec, dict):
                names.update(p["name"] for p in spec.get("parameters", []))
    return names


def leaks(body: str, public: set[str]) -> list[str]:
    found = []
    for table in metadata.tables:
        if re.search(rf"\b{table}\.[a-z_]+", body):
            found.append(f"{table}.<column>")
        elif table not in public and re.search(rf"\b{table}\b", body):
            found.append(table)
    return found


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Errors the app does not handle come back as its 500 answer, whose body is scanned too."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def headers(make_user: MakeUser) -> dict[str, str]:
    return await make_user(Level.SYSTEM, Visibility.ENTITY)


async def test_no_error_names_an_internal_table(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    public = {
        api: public_names((await client.get(f"{prefix}/openapi.json")).json())
        for api, prefix in DOCUMENTS.items()
    }
    failures = []
    sent = 0
    for operation in await operations(client):
        parameters = list(operation.parameters())
        if operation.method != "GET" or any(where == "path" for where, _, _ in parameters):
            continue
        for _, name, _ in parameters:
            for bad in BAD_VALUES:
                url = ROOTS[operation.api] + operation.path
                response = await client.get(url, params={name: bad}, headers=headers)
                sent += 1
                if response.status_code >= 400:
                    found = leaks(response.text, public[operation.api])
                    if found:
                        failures.append(f"GET {url}?{name}={bad!r}: {found} {response.text}")
    print(f"internal names: {sent} bad filter values on every list route, {len(failures)} leaks")
    assert sent > 0
    assert not failures, "\n".join(failures[:30]) + f"\n({len(failures)} in all)"


async def test_a_sales_filter_error_names_the_public_field(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1.0/users", params={"id": "abc"}, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json() == {"error": "invalid_param", "error_description": "bad value for id"}
