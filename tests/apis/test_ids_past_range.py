"""Ids past their column's range (2**31, 2**63, 10**30), sent wherever the three APIs look an
object up by an id the client gives: every id in a path, and every body or query parameter
that names another object by its id (an entity, a customer, a brand, a parent…), walked from
the OpenAPI documents.

No row holds such an id, so each must be answered as a missing object is: exactly the answer
an id within range that names nothing (2**31 - 1) gets, the id aside; or, where the API's own
grammar does not read the value as an integer at all (a JSON number past 64 bits is a float to
the JSON parser; PHP's integers stop at 64 bits), exactly the answer text that is no integer
gets. Never a 5xx: PostgreSQL refuses to compare an INTEGER column with a number past its
range, so an unchecked lookup fails there. A GLOBAL user's lookups reach the database with any
entity; an ENTITY user's are cut short by visibility first: both are tried.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from tests.apis.test_bad_integers import (
    FORMATS,
    Operation,
    Valid,
    is_integer,
    operations,
    request_for,
)
from tests.apis.test_unstorable_values import _setup
from tests.conftest import MakeUser

PAST_RANGE = (2**31, 2**63, 10**30)
MISSING = 2**31 - 1  # within range, and no row has it
NOT_AN_INTEGER = "x"
# Per API, the body and query parameters that name another object by its id (the others
# typed as integers are values: a product's `hub_id`, a sales `dueDateConfigNumber`).
REFERENCES = {
    "partner": {"entity_id", "customer_id"},
    "sales": {
        "categoryId",
        "parentCustomerId",
        "customerSegmentationId",
        "userId",
        "regionId",
        "parentId",
        "customerId",
    },
    "billing": {"brand_id", "representative_id", "contactable_id"},
}
# What an operation needs beside the id under test, which its document cannot mark required
# (one of two fields).
NEEDED = {
    ("partner", "/products/{product_imei}/change_customer"): {"external_customer_code": "C9"},
    ("partner", "/customers/create_customer"): {"external_customer_code": "C9"},
}
Headers = dict[str, str]


@dataclass(frozen=True)
class Place:
    """An id an operation looks an object up by, and the objects its other path parameters
    name."""

    operation: Operation
    where: str  # path, query or body
    name: str
    paths: Mapping[str, str]

    def label(self) -> str:
        return f"{self.operation.method} {self.operation.path} {self.where} {self.name}"

    def encodings(self, value: int) -> list[Any]:
        """The value as a client may send it: text, and a number in a JSON body too."""
        if self.where == "body" and self.operation.body_type() == "application/json":
            return [value, str(value)]
        return [str(value)]

    async def send(
        self, client: httpx.AsyncClient, headers: Headers, valid: Valid, value: Any
    ) -> tuple[int, str]:
        """The answer's status and body, the id it may echo taken out."""
        operation = self.operation
        url, query, form, body = request_for(
            operation, valid, self.where, self.name, value, self.paths
        )
        if body is not None:
            body = {**NEEDED.get((operation.api, operation.path), {}), **body}
        response = await client.request(
            operation.method, url, params=query, data=form, json=body, headers=headers
        )
        if response.status_code >= 400 and not FORMATS[operation.api](response.json()):
            return response.status_code, f"not the API's format: {response.text}"
        text = response.text
        for shown in (str(value), str(float(value)) if isinstance(value, int) else None):
            text = text if shown is None else text.replace(shown, "{id}")
        return response.status_code, text


def _places(found: list[Operation], paths: Mapping[str, str]) -> Iterator[Place]:
    """Every id an operation looks an object up by. A list's query parameters are filters,
    whose grammar (ids within range) the documents give, not lookups."""
    for operation in found:
        lists = operation.method == "GET" and "{" not in operation.path
        named = {**paths}
        if operation.path.startswith("/customerCategories/"):
            named["key"] = paths["category"]  # not the root, which may have no parent
        for where, name, schema in operation.parameters():
            if not is_integer(schema):
                continue
            if where == "path" or (name in REFERENCES[operation.api] and not lists):
                yield Place(operation, where, name, named)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Errors the app does not handle come back as its 500 answer, so every one is listed."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _objects(client: httpx.AsyncClient, headers: Headers) -> tuple[Valid, dict[str, str]]:
    """Objects for the paths to name: id 1 of each kind, and a category that is not the root."""
    valid, paths = await _setup(client, headers)
    made = await client.post(
        "/api/v1.0/customerCategories", data={"reference": "K1", "name": "K"}, headers=headers
    )
    assert made.status_code == 201, made.text
    return valid, {**paths, "category": str(made.json()["id"])}


async def test_an_id_past_its_columns_range_is_answered_as_a_missing_one(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    valid, paths = await _objects(client, await make_user(Level.SYSTEM, Visibility.GLOBAL))
    places = list(_places(await operations(client), paths))
    failures: list[str] = []
    sent = 0
    for visibility in (Visibility.GLOBAL, Visibility.ENTITY):
        headers = await make_user(Level.SYSTEM, visibility)
        for place in places:
            for value in (v for bad in PAST_RANGE for v in place.encodings(bad)):
                expected = {
                    await place.send(client, headers, valid, type(value)(MISSING)),
                    await place.send(client, headers, valid, NOT_AN_INTEGER),
                }
                answer = await place.send(client, headers, valid, value)
                sent += 3
                if answer not in expected:
                    label = f"{visibility.name} {place.label()}={value!r}"
                    failures.append(f"{label}: {answer} not one of {expected}")
    kinds = Counter((p.operation.api, p.where == "path") for p in places)
    print(  # pytest -s shows the figures
        f"ids past range: {len(places)} places ({dict(kinds)} by API and path or not), "
        f"{sent} requests, {len(failures)} failures"
    )
    # Each API has ids in paths and in bodies or queries (the walk found them).
    assert all(kinds[(api, in_path)] for api in REFERENCES for in_path in (True, False))
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} in all)"
