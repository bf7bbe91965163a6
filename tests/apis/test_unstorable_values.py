"""Values no stored row can hold, sent where the service looks something up or parses it:
text with NUL (PostgreSQL refuses it in any statement), a newline inside a billing number
filter, timestamps that a time zone pushes out of range. Found by fuzzing; each answers as a
missing object or a 4xx, never a 500."""

from __future__ import annotations

import itertools
import math
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.core.fields import FLOAT_LIMIT
from customer_registry.core.permissions import Level, Visibility
from customer_registry.storage.schema import metadata
from tests.apis.test_bad_integers import (
    DOCUMENTS,
    FORMATS,
    ROOTS,
    Valid,
    operations,
    request_for,
    values_words,
)
from tests.conftest import MakeUser

Headers = dict[str, str]


@pytest.fixture
async def headers(make_user: MakeUser) -> Headers:
    return await make_user(Level.SYSTEM, Visibility.ENTITY)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/customerAccounts/a%00b",
        "/api/v1.0/customers/a%00b?useExternalId=true",
        "/api/v1.0/customerCategories/a%00b?useExternalId=true",
        "/api/v1.0/users/a%00b?useExternalId=true",
    ],
)
async def test_a_reference_with_nul_is_not_found(
    client: httpx.AsyncClient, headers: Headers, path: str
) -> None:
    response = await client.get(path, headers=headers)
    assert response.status_code == 404, response.text


async def test_a_partner_reference_with_nul_is_refused_not_crashed(
    client: httpx.AsyncClient, headers: Headers
) -> None:
    imei = "356938035643809"
    created = await client.post("/v1/products", json={"product_imei": imei}, headers=headers)
    assert created.status_code == 201, created.text
    response = await client.put(
        f"/v1/products/{imei}/change_customer",
        json={"entity_id": 1, "external_customer_code": "a\x00b", "external_customer_id": None},
        headers=headers,
    )
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("field", ["id", "brand_id", "resellerLevel"])
async def test_a_newline_in_a_billing_number_filter_is_a_4xx(
    client: httpx.AsyncClient, headers: Headers, field: str
) -> None:
    response = await client.get(
        "/api/v1/customers", params={f"filter[{field}]": "1\n2"}, headers=headers
    )
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
async def test_a_timestamp_out_of_range_is_a_400(
    client: httpx.AsyncClient, headers: Headers, stamp: str
) -> None:
    response = await client.post(
        "/v1/products",
        json={"product_imei": "356938035643817", "analysis_timestamp": stamp},
        headers=headers,
    )
    assert response.status_code == 400, response.text


# --- every writable field of every route ------------------------------------------------------

# Values no column can hold, or no API could show back: NUL (PostgreSQL refuses it in text),
# text longer than any column, integers past INTEGER and BIGINT, floats past FLOAT_LIMIT
# (the sales record shows whole amounts as JSON integers, which stop at 64 bits).
NUL = "a\x00b"
TOO_LONG = "x" * 2001
NUMBERS_PAST_STORAGE = ["2147483648", "-2147483649", "9223372036854775808", "1e20", "-1e20"]
UNSTORABLE = [NUL, TOO_LONG, *NUMBERS_PAST_STORAGE]
WRITES = ("POST", "PUT", "PATCH")
LISTS_PAGE = {"partner": {"results_per_page": "100"}, "sales": {"max": "100"}, "billing": {}}


def _must_refuse(schema: dict[str, Any], bad: str) -> bool:
    """Whether the field, as its document types it, must refuse `bad` (one of
    NUMBERS_PAST_STORAGE): an integer outside the bounds the document gives (an INTEGER
    column's without them), a float past FLOAT_LIMIT."""
    description = values_words(schema)
    # A loose field is `anyOf` its forms: its integer form, where it has one, gives the bounds.
    integer = next((b for b in schema.get("anyOf", []) if b.get("type") == "integer"), schema)
    if integer.get("type") == "integer" or description.startswith(("an integer", "an id")):
        if "e" in bad:
            return True
        low, high = integer.get("minimum", -(2**31)), integer.get("maximum", 2**31 - 1)
        return not low <= int(bad) <= high
    if schema.get("type") == "number" or description.startswith("a number"):
        return abs(float(bad)) > FLOAT_LIMIT
    return False


def _out_of_column(column: sa.Column[Any], value: Any) -> bool:
    """Whether a stored value is one the column's type cannot hold on PostgreSQL, or one an
    API cannot render (read back from SQLite, which stores what it is given)."""
    kind = column.type
    if value is None:
        return False
    if isinstance(kind, sa.String):
        return "\x00" in value or (kind.length is not None and len(value) > kind.length)
    if isinstance(kind, sa.BigInteger):
        return not -(2**63) <= value < 2**63
    if isinstance(kind, sa.Integer) and not isinstance(kind, sa.Boolean):
        return not -(2**31) <= value < 2**31
    if isinstance(kind, sa.Float):
        return not math.isfinite(value) or abs(value) > FLOAT_LIMIT
    return False


def _names_public_fields(body: dict[str, Any], public: set[str]) -> bool:
    """Whether a validation error names only fields as the route's clients know them (its
    parameters), never a column; other refusals (a missing object, a 415) name no field."""
    fields = body.get("validation_errors", body.get("errors"))
    if isinstance(fields, dict):
        return set(fields) <= public | {"missing_data"}
    if body.get("error") == "invalid_param":  # (invalid_param_type uses the seed's labels)
        return body["error_description"].split(" ", 1)[0] in public
    return True


async def _stored_out_of_range(ctx: Context) -> list[str]:
    found = []
    async with ctx.db.read() as conn:
        for table in metadata.sorted_tables:
            for row in await conn.fetch_all(sa.select(table)):
                for column in table.columns:
                    if _out_of_column(column, row[column.name]):
                        found.append(f"{table.name}.{column.name}={row[column.name]!r:.40}")
    return found


async def _list_routes_render(
    client: httpx.AsyncClient, headers: Headers, valid: Valid
) -> list[str]:
    """Every list route of the three APIs, every page: each must answer 200."""
    failures = []
    for operation in await operations(client):
        has_path = any(where == "path" for where, _, _ in operation.parameters())
        if operation.method != "GET" or has_path or operation.path.endswith("openapi.json"):
            continue
        url = ROOTS[operation.api] + operation.path
        required = {
            p["name"]: str(valid.value(p["name"], p.get("schema", {})))
            for p in operation.document.get("parameters", [])
            if p.get("required") or p["name"].startswith("contactable")
        }
        for page in range(1, 50):
            params = {**LISTS_PAGE[operation.api], **required}
            if operation.api == "sales":
                params["offset"] = str((page - 1) * 100)
            else:
                params["page"] = str(page)
            response = await client.get(url, params=params, headers=headers)
            if response.status_code != 200:
                failures.append(f"GET {url} page {page}: {response.status_code}")
                break
            if len(response.content) < 400 or '"data":[]' in response.text:
                break  # an empty page, or an object that is not a list
            if operation.api == "partner" and response.json().get("objects") == []:
                break
    return failures


async def _setup(client: httpx.AsyncClient, headers: Headers) -> tuple[Valid, dict[str, str]]:
    """Objects for the update routes to name (id 1 of each kind), and valid values."""
    sales = await client.post(
        "/api/v1.0/customers", data={"reference": "S1", "name": "S"}, headers=headers
    )
    assert sales.status_code == 201, sales.text
    for path in ("customerSegmentations", "paymentTypes", "regions"):
        made = await client.post(
            f"/api/v1.0/{path}", data={"reference": "C1", "name": "C"}, headers=headers
        )
        assert made.status_code == 201, (path, made.text)
    made = await client.post(
        "/api/v1.0/currencies", data={"code": "EUR", "exchangeRate": "1"}, headers=headers
    )
    assert made.status_code == 201, made.text
    made = await client.post(
        "/api/v1.0/contacts", data={"customerId": sales.json()["id"]}, headers=headers
    )
    assert made.status_code == 201, made.text
    billing = await client.post("/api/v1/customers", data={"name": "B"}, headers=headers)
    brand = await client.post("/api/v1/brands", data={"name": "Brand"}, headers=headers)
    imei = "356938035643809"
    made = await client.post(
        "/v1/products", json={"product_imei": imei, "entity_id": 1}, headers=headers
    )
    assert made.status_code == 201, made.text
    valid = Valid(sales.json()["id"], billing.json()["response"], itertools.count())
    paths = {"product_imei": imei, "brand": str(brand.json()["response"])}
    return valid, paths


async def test_no_writable_field_stores_what_cannot_be_stored_or_shown(
    app: Any, ctx: Context, headers: Headers
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        valid, paths = await _setup(client, headers)
        failures: list[str] = []
        pairs = dict.fromkeys(DOCUMENTS, 0)
        sent = 0
        for operation in await operations(client):
            if operation.method not in WRITES:
                continue
            for where, name, schema in operation.parameters():
                if where == "path":
                    continue
                pairs[operation.api] += 1
                for bad in UNSTORABLE:
                    url, query, form, body = request_for(operation, valid, where, name, bad, paths)
                    response = await client.request(
                        operation.method, url, params=query, data=form, json=body, headers=headers
                    )
                    sent += 1
                    status = response.status_code
                    label = f"{operation.method} {url} {name}={bad[:12]!r}"
                    refused = bad in NUMBERS_PAST_STORAGE and _must_refuse(schema, bad)
                    if status >= 500 or (refused and status < 400):
                        failures.append(f"{label}: {status} {response.text[:160]}")
                    elif status >= 400 and not FORMATS[operation.api](response.json()):
                        failures.append(f"{label}: not the API's format {response.text[:160]}")
                    elif status in (400, 422) and not _names_public_fields(
                        response.json(), {n for _, n, _ in operation.parameters()}
                    ):
                        failures.append(f"{label}: names a non-public field {response.text[:160]}")
        failures += await _stored_out_of_range(ctx)
        failures += await _list_routes_render(client, headers, valid)
    print(  # docs/reliability.md's figures: pytest -s shows them
        "stored values: "
        + ", ".join(f"{api} {pairs[api]} (route, field) pairs" for api in DOCUMENTS)
        + f", {sent} writes, {len(failures)} failures"
    )
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} in all)"


async def test_a_sales_credit_limit_past_what_renders_is_refused_and_lists_still_answer(
    client: httpx.AsyncClient, headers: Headers
) -> None:
    response = await client.post(
        "/api/v1.0/customers",
        data={"reference": "R1", "name": "N", "creditLimit": "1e20"},
        headers=headers,
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_param"
    assert "creditLimit" in response.json()["error_description"]
    listed = await client.get("/api/v1.0/customers", headers=headers)
    assert listed.status_code == 200, listed.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/customer_entity_linker/1", {"customer_id": 2147483648}, "customer_id"),
        ("/v1/product_entity_linker/1", {"product_imei": "35693803564\x003809"}, "product_imei"),
    ],
)
async def test_a_link_update_with_an_unstorable_value_is_a_400(
    client: httpx.AsyncClient, headers: Headers, path: str, body: dict[str, Any], field: str
) -> None:
    made = await client.post(
        "/v1/customers/create_customer",
        json={"entity_id": 1, "name": "N", "external_customer_code": "C1"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    imei = "356938035643809"
    made = await client.post(
        "/v1/products", json={"product_imei": imei, "entity_id": 1}, headers=headers
    )
    assert made.status_code == 201, made.text
    response = await client.put(path, json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert field in response.json()["validation_errors"]


# --- an answer that cannot be rendered ------------------------------------------------------


class Unrenderable(Exception):
    pass


@pytest.mark.parametrize(
    ("module", "method", "path", "kwargs"),
    [
        (
            "customer_registry.apis.sales_v1_0.customers",
            "POST",
            "/api/v1.0/customers",
            {"data": {"reference": "R1", "name": "N"}},
        ),
        (
            "customer_registry.apis.billing_v1.customers",
            "POST",
            "/api/v1/customers",
            {"data": {"name": "N"}},
        ),
        (
            "customer_registry.apis.partner_v1.customers",
            "POST",
            "/v1/customers/create_customer",
            {"json": {"entity_id": 1, "name": "N", "external_customer_code": "C1"}},
        ),
        (
            "customer_registry.apis.partner_v1.entities",
            "POST",
            "/v1/entities",
            {"json": {"name": "E"}},
        ),
    ],
)
async def test_a_write_whose_answer_cannot_be_rendered_is_not_committed(
    app: Any,
    ctx: Context,
    admin: Headers,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
) -> None:
    """The answer is built inside the write's transaction: if building it fails, nothing the
    request wrote stays (the client, told 500, would otherwise retry a write that was made)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise Unrenderable

    before = await _all_rows(ctx)
    monkeypatch.setattr(f"{module}.json_response", refuse)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.request(method, path, headers=admin, **kwargs)
    assert response.status_code == 500
    assert await _all_rows(ctx) == before


async def _all_rows(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the tokens' (whose last use a request may touch)."""
    async with ctx.db.read() as conn:
        return {
            table.name: [dict(row) for row in await conn.fetch_all(sa.select(table))]
            for table in metadata.sorted_tables
            if table.name not in ("tokens", "login_failures")
        }
