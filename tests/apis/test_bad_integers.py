"""Text that is not an integer in the documented grammar (`core.fields.INTEGER_GRAMMAR`: an
optional minus sign, then ASCII digits) sent to every parameter of every route of the three
APIs, walked from their OpenAPI documents (which are built from the route tables): path
parameters, query parameters and body fields. Each answer is a 2xx (a text field took the
text as text) or a 4xx in the API's own error format, never a 5xx; a parameter the document
types as an integer (or describes as an integer or an id) must refuse every one of them.

A create or update gets the document's required fields with valid values beside the bad one,
so the bad value is what is judged, not a missing field."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from customer_registry.apis import openapi as oa
from customer_registry.apis.partner_v1.names import RESOURCES
from customer_registry.core.permissions import Level, Visibility
from tests.conftest import MakeUser

Json = dict[str, Any]

NOT_INTEGERS = ["--1", "+-1", "1_000", "١٢٣", " 1", "1e3", "9" * 20, "9" * 5000]
# Laravel's TrimStrings middleware trims every input before its `integer` rule reads it, so
# to the billing API (as to the original) this is 1 in a query or body parameter.
TRIMMED_BY_LARAVEL = " 1"
HUGE_JSON_NUMBER = 10**30
# Flask-Restless 0.17 reads the partner paging parameters with Python's int() (surrounding
# spaces, `_` between digits and any script's digits included), and so does the partner API.
PYTHON_INT_PARAMETERS = {("partner", "query", "page"), ("partner", "query", "results_per_page")}


def python_int(text: Any) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True  # a JSON number past every integer column, for JSON bodies


DOCUMENTS = {"partner": "/v1", "sales": "/api/v1.0", "billing": "/api/v1"}
# Billing's login and version live under /api, beside /api/v1.
ROOTS = {"partner": "/v1", "sales": "/api/v1.0", "billing": "/api"}
LOGINS = {"/auth/login", "/login"}  # their throttling would answer 429 to the later probes


def partner_format(body: Json) -> bool:
    # `{}`: Flask-Restless 0.17's 404 for a record's own URL naming no record.
    return set(body) in ({"message"}, {"validation_errors"}, set())


def sales_format(body: Json) -> bool:
    return set(body) == {"error", "error_description"}


def billing_format(body: Json) -> bool:
    return "message" in body and set(body) <= {"message", "errors"}


FORMATS: dict[str, Callable[[Json], bool]] = {
    "partner": partner_format,
    "sales": sales_format,
    "billing": billing_format,
}


@dataclass(frozen=True)
class Operation:
    api: str
    method: str
    path: str  # the template, from the API's root: /customers/{customer_id}
    document: Json

    def parameters(self) -> Iterator[tuple[str, str, Json]]:
        """(where, name, schema) of each parameter: path, query or body."""
        for parameter in self.document.get("parameters", []):
            yield parameter["in"], parameter["name"], parameter.get("schema", {})
        for name, schema in self.body_schema().get("properties", {}).items():
            yield "body", name, schema

    def body_type(self) -> str | None:
        content = self.document.get("requestBody", {}).get("content", {})
        return next(iter(content), None)

    def body_schema(self) -> Json:
        media = self.body_type()
        if media is None:
            return {}
        schema: Json = self.document["requestBody"]["content"][media].get("schema", {})
        return schema


def values_words(schema: Json) -> str:
    """What the document says of a parameter's values: its description after what the field
    means (`oa.explain`), as "an integer…" where a loose form does not say it by its type."""
    return str(schema.get("description", "")).rpartition(oa.MEANING_SEPARATOR)[2]


def is_integer(schema: Json) -> bool:
    """Whether the document says the parameter takes an integer (or an id)."""
    words = values_words(schema)
    return schema.get("type") == "integer" or words.startswith(("an integer", "an id"))


def integer_names(found: list[Operation]) -> dict[str, set[str]]:
    """Per API, the names its document types as integers or ids somewhere (a create's
    `categoryId`), and `id`: a list filter of the same name takes the same values. (Billing's
    `filter[...]` has its own grammar, comma-separated comparisons with spaces allowed.)"""
    names: dict[str, set[str]] = {api: {"id"} for api in DOCUMENTS}
    for operation in found:
        names[operation.api] |= {
            name for _, name, schema in operation.parameters() if is_integer(schema)
        }
    return names


async def operations(client: httpx.AsyncClient) -> list[Operation]:
    found = []
    for api, prefix in DOCUMENTS.items():
        document = (await client.get(f"{prefix}/openapi.json")).json()
        for path, methods in document["paths"].items():
            if path in LOGINS:
                continue
            for method, spec in methods.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    found.append(Operation(api, method.upper(), path, spec))
    return found


# Parameters naming the object a contact belongs to: the documents do not mark them required
# (a form may send them in the query), but a contact needs them.
OWNERS = {"customerId", "contactable_type", "contactable_id"}


@dataclass
class Valid:
    """Valid values for the parameters a request needs beside the one under test."""

    sales_customer: int
    billing_customer: int
    serial: Iterator[int]

    def value(self, name: str, schema: Json) -> Any:
        n = next(self.serial)
        special = {
            "customerId": str(self.sales_customer),
            "contactable_id": str(self.billing_customer),
            "contactable_type": "App\\Customer",
            "entity_id": 1,
            "product_imei": str(356938035000000 + n),
            "code": "EUR",
            "reference": f"R{n}",
        }
        if name in special:
            return special[name]
        if schema.get("type") == "integer":
            return 1
        return f"valid {n}"


def request_for(
    operation: Operation,
    valid: Valid,
    where: str,
    name: str,
    bad: Any,
    paths: Mapping[str, str] | None = None,
) -> tuple[str, Json, Json | None, Json | None]:
    """(url, query, form body, JSON body) with `bad` in the parameter under test; the other
    path parameters name the object `paths` gives, or id 1."""
    named = paths or {}
    path_values = {
        p_name: quote(str(bad), safe="")
        if (p_where, p_name) == (where, name)
        else named.get(p_name, "1")
        for p_where, p_name, _ in operation.parameters()
        if p_where == "path"
    }
    url = ROOTS[operation.api] + operation.path.format(**path_values)
    query: Json = {name: bad} if where == "query" else {}
    body: Json = {}
    schema = operation.body_schema()
    for required in schema.get("required", []):
        body[required] = valid.value(required, schema["properties"].get(required, {}))
    for wanted in OWNERS & set(schema.get("properties", {})) - {name}:
        body[wanted] = valid.value(wanted, {})
    for parameter in operation.document.get("parameters", []):
        wanted = parameter["name"]
        needed = parameter.get("required") or wanted in OWNERS
        if parameter["in"] == "query" and needed and wanted != name and not schema:
            value = valid.value(wanted, parameter.get("schema", {}))
            (body if operation.body_type() else query)[wanted] = value
    if where == "body":
        body[name] = bad
    if operation.body_type() == "application/json":
        return url, query, None, body
    if operation.body_type() is None:
        return url, query, None, None
    return url, query, {k: str(v) for k, v in body.items()}, None


@pytest.fixture
async def headers(make_user: MakeUser) -> dict[str, str]:
    return await make_user(Level.SYSTEM, Visibility.ENTITY)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Errors the app does not handle come back as its 500 answer, so every one is listed."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_every_parameter_refuses_what_is_not_an_integer(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    sales = await client.post(
        "/api/v1.0/customers", data={"reference": "S1", "name": "S"}, headers=headers
    )
    billing = await client.post("/api/v1/customers", data={"name": "B"}, headers=headers)
    valid = Valid(sales.json()["id"], billing.json()["response"], itertools.count())
    failures: list[str] = []
    pairs = dict.fromkeys(DOCUMENTS, 0)
    integer_pairs = dict.fromkeys(DOCUMENTS, 0)
    sent = 0
    found = await operations(client)
    integers = integer_names(found)
    for operation in found:
        filters = operation.method == "GET"
        for where, name, schema in operation.parameters():
            pairs[operation.api] += 1
            integer = is_integer(schema) or (
                filters and where == "query" and name in integers[operation.api]
            )
            integer_pairs[operation.api] += integer
            values: list[Any] = [
                bad
                for bad in NOT_INTEGERS
                if not (
                    operation.api == "billing" and where != "path" and bad == TRIMMED_BY_LARAVEL
                )
            ]
            if integer and operation.body_type() == "application/json" and where == "body":
                values.append(HUGE_JSON_NUMBER)
            for bad in values:
                url, query, form, body = request_for(operation, valid, where, name, bad)
                response = await client.request(
                    operation.method, url, params=query, data=form, json=body, headers=headers
                )
                sent += 1
                label = f"{operation.method} {url[:80]} {where} {name}={str(bad)[:12]!r}"
                status = response.status_code
                # An integer to int() is one to the partner paging parameters, as to 0.17.
                must_refuse = integer and not (
                    (operation.api, where, name) in PYTHON_INT_PARAMETERS and python_int(bad)
                )
                if status >= 500 or (must_refuse and status < 400):
                    failures.append(f"{label}: {status} {response.text[:200]}")
                elif status >= 400 and not FORMATS[operation.api](response.json()):
                    failures.append(f"{label}: not the API's format: {response.text[:200]}")
    print(  # docs/reliability.md's figures: pytest -s shows them
        "integers not in the grammar: "
        + ", ".join(f"{api} {pairs[api]} (route, parameter) pairs" for api in DOCUMENTS)
        + f" ({sum(integer_pairs.values())} typed as integers or ids), {sent} requests, "
        + f"{len(failures)} failures"
    )
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} in all)"


async def test_every_partner_query_field_refuses_what_is_not_an_integer(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """The partner lists' `q` filters, on every field of every resource (RESOURCES, the route
    table the queries are parsed with): 400 in the partner format, never a 5xx."""
    failures = []
    sent = 0
    for resource, spec in RESOURCES.items():
        for name in spec.fields:
            for bad in [*NOT_INTEGERS, HUGE_JSON_NUMBER]:
                query = {"filters": [{"name": name, "op": "eq", "val": bad}]}
                response = await client.get(
                    f"/v1/{resource}", params={"q": json.dumps(query)}, headers=headers
                )
                sent += 1
                if response.status_code >= 500 or (
                    response.status_code >= 400 and not partner_format(response.json())
                ):
                    failures.append(f"{resource} {name}={str(bad)[:12]!r}: {response.text[:160]}")
    print(f"partner q filters: {sent} requests, {len(failures)} failures")
    assert not failures, "\n".join(failures[:40])
