"""The three OpenAPI documents, in process: each builds, is valid OpenAPI 3.0, describes every
route of its API, and is served with its interactive docs (Swagger UI from the installed
bundle, no CDN). The fuzzing against a real server is tests/e2e/test_openapi_fuzz.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
from schemathesis.core.result import Ok
from starlette.routing import BaseRoute, Route

from customer_registry.apis import openapi as oa
from customer_registry.apis.billing_v1 import app as billing
from customer_registry.apis.billing_v1 import openapi as billing_openapi
from customer_registry.apis.context import Context
from customer_registry.apis.partner_v1 import app as partner
from customer_registry.apis.partner_v1 import openapi as partner_openapi
from customer_registry.apis.sales_v1_0 import app as sales
from customer_registry.apis.sales_v1_0 import openapi as sales_openapi
from customer_registry.apis.sales_v1_0.catalogues import COLLECTIONS
from customer_registry.core import webhooks
from customer_registry.core.permissions import Level, Visibility
from tests.apis.billing_v1 import laravel
from tests.conftest import PASSWORD, MakeUser

# name: (routes, build, where the API is mounted, where its document and docs are served)
APIS: dict[str, tuple[Sequence[BaseRoute], Callable[[], dict[str, Any]], str, str]] = {
    "partner": (partner.ROUTES, partner_openapi.build, "/v1", "/v1"),
    "sales": (sales.ROUTES, sales_openapi.build, "/api/v1.0", "/api/v1.0"),
    "billing": (billing.ROUTES, billing_openapi.build, "/api", "/api/v1"),
}
BUNDLE = "/docs-assets/swagger-ui-bundle.js"


def _operations(routes: Sequence[BaseRoute]) -> set[tuple[str, str]]:
    """(path, method) of every route but the document's own two."""
    found = set()
    for route in routes:
        assert isinstance(route, Route)
        if getattr(route.endpoint, "undocumented", False):
            continue
        found |= {
            (route.path, method.lower()) for method in route.methods or () if method != "HEAD"
        }
    return found


@pytest.mark.parametrize("name", list(APIS))
def test_the_document_is_valid_openapi_3_0(name: str) -> None:
    _, build, mount, _ = APIS[name]
    document = build()
    assert document["openapi"].startswith("3.0.")
    assert document["servers"] == [{"url": mount}]
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()  # against the OpenAPI 3.0 meta-schema
    operations = []
    for result in schema.get_all_operations():  # every $ref resolves
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    assert operations


@pytest.mark.parametrize("name", list(APIS))
def test_the_document_describes_every_route_and_nothing_else(name: str) -> None:
    routes, build, _, _ = APIS[name]
    document = build()
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    routed = _operations(routes)
    assert described == routed
    assert len(routed) >= 18
    for path, method in routed:
        operation = document["paths"][path][method]
        assert operation["summary"], (method, path)


def _routes(name: str) -> list[tuple[Route, str]]:
    routes, _, _, _ = APIS[name]
    return [
        (route, method.lower())
        for route in routes
        if isinstance(route, Route) and not getattr(route.endpoint, "undocumented", False)
        for method in sorted(route.methods or ())
        if method != "HEAD"
    ]


def _answer(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A response of an operation, its `$ref` to the document's responses followed."""
    reference = response.get("$ref")
    if reference is None:
        return response
    answer: dict[str, Any] = document["components"]["responses"][reference.rsplit("/", 1)[1]]
    return answer


@pytest.mark.parametrize("name", list(APIS))
def test_each_operation_lists_its_error_statuses_from_what_the_route_declares(name: str) -> None:
    """No `default`: each error status by itself, with the API's body. A route that needs a
    token lists 401, one above the lowest level 403, a path parameter 404, a body 408 and
    413 and the API's refusal of bad input; every one 500, and 503 unless it answers
    without the database (the billing health check)."""
    _, build, _, _ = APIS[name]
    document = build()
    invalid = 422 if name == "billing" else 400
    for route, method in _routes(name):
        operation = document["paths"][route.path][method]
        responses = operation["responses"]
        statuses = {int(status) for status in responses if status != "default"}
        label = f"{method.upper()} {route.path}"
        assert "default" not in responses, label
        assert len([s for s in statuses if s < 400 and s != 304]) == 1, label
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert (304 in statuses) is ("If-None-Match" in headers), label
        assert (412 in statuses) is ("If-Match" in headers), label
        level = getattr(route.endpoint, "required_level", None)
        assert (401 in statuses) is (level is not None or route.path.endswith("login")), label
        if level is not None:
            assert (403 in statuses) is (level > Level.OVERVIEW), label
        if "{" in route.path:
            assert 404 in statuses, label
        if "requestBody" in operation:
            assert {408, 413, invalid} <= statuses, label
        else:
            assert not {408, 413} & statuses, label
        assert 500 in statuses, label
        assert (503 in statuses) is (route.path != "/version"), label
        for status in statuses - {200, 201, 204, 304}:
            answer = _answer(document, responses[str(status)])
            assert answer["description"], (label, status)
            assert "schema" in answer["content"]["application/json"], (label, status)


@pytest.mark.parametrize("name", list(APIS))
def test_a_customers_record_is_documented_with_its_conditions(name: str) -> None:
    """Its GET: If-None-Match, the ETag and 304; its updates and delete: If-Match and 412."""
    _, build, _, _ = APIS[name]
    document = build()
    item = {
        "partner": "/customers/{customer_id}",
        "sales": "/customers/{customer}",
        "billing": "/v1/customers/{customer}",
    }[name]
    for method, operation in document["paths"][item].items():
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        responses = operation["responses"]
        if method == "get":
            assert headers == {"If-None-Match"}
            assert "ETag" in responses["200"]["headers"]
            assert "ETag" in responses["304"]["headers"]
        else:
            assert headers == {"If-Match"}, method
            answer = _answer(document, responses["412"])
            assert "If-Match" in answer["description"]
            assert "schema" in answer["content"]["application/json"]


# The operations that take an Idempotency-Key: every create, and the partner product moves.
_IDEMPOTENT = {
    "partner": {
        ("/customers/create_customer", "post"),
        ("/customers/create_customer", "put"),
        ("/entities", "post"),
        ("/products", "post"),
        ("/products/{product_imei}/change_customer", "put"),
        ("/products/{product_imei}/expire_customer", "put"),
    },
    "sales": {
        ("/customers", "post"),
        ("/contacts", "post"),
        *((f"/{collection.path}", "post") for collection in COLLECTIONS),
    },
    "billing": {("/v1/customers", "post"), ("/v1/contacts", "post"), ("/v1/brands", "post")},
}


@pytest.mark.parametrize("name", list(APIS))
def test_every_create_is_documented_with_its_idempotency_key(name: str) -> None:
    """The header, the 422 of a key sent with another request, and `Idempotent-Replayed`."""
    _, build, _, _ = APIS[name]
    document = build()
    found = set()
    for route, method in _routes(name):
        operation = document["paths"][route.path][method]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        if "Idempotency-Key" not in headers:
            continue
        found.add((route.path, method))
        answer = _answer(document, operation["responses"]["422"])
        assert "Idempotency-Key" in answer["description"], (route.path, method)
        (success,) = (r for status, r in operation["responses"].items() if status < "300")
        assert "Idempotent-Replayed" in success["headers"]
    assert found == _IDEMPOTENT[name]


def test_the_partner_document_names_its_own_refusals() -> None:
    """415 where only JSON is read; a record's URL answers a missing record with an empty
    object, a list (`"single": true`) and a move with a message; a delete refused while in
    use (entities, customers) lists 400, the others do not; logins list 401 and 429."""
    document = APIS["partner"][1]()
    paths = document["paths"]

    def statuses(method: str, path: str) -> set[int]:
        return {int(s) for s in paths[path][method]["responses"]}

    def not_found(method: str, path: str) -> str:
        ref: str = paths[path][method]["responses"]["404"]["$ref"]
        return ref.rsplit("/", 1)[1]

    assert 415 in statuses("put", "/customers/{customer_id}")
    assert 415 not in statuses("post", "/auth/login")  # a form, or JSON
    assert {401, 429} <= statuses("post", "/auth/login")
    assert not_found("get", "/customers/{customer_id}") == "RecordNotFound"
    assert not_found("get", "/customers") == "NotFound"
    assert not_found("put", "/products/{product_imei}/change_customer") == "NotFound"
    assert 400 in statuses("delete", "/entities/{entity_id}")
    assert 400 in statuses("delete", "/customers/{customer_id}")
    assert 400 not in statuses("delete", "/products/{product_imei}")
    assert 403 not in statuses("get", "/customers/{customer_id}")


def test_the_billing_and_sales_documents_name_their_own_refusals() -> None:
    billing, sales = APIS["billing"][1](), APIS["sales"][1]()

    def statuses(document: dict[str, Any], method: str, path: str) -> set[int]:
        return {int(s) for s in document["paths"][path][method]["responses"]}

    assert 400 in statuses(billing, "get", "/v1/customers")  # an unknown filter or sort
    assert 400 in statuses(billing, "get", "/v1/customers/search")  # a NUL in the term
    assert 400 not in statuses(billing, "get", "/v1/brands")
    assert 400 in statuses(billing, "post", "/v1/brands")  # a body that is no JSON object
    assert 422 in statuses(billing, "delete", "/v1/brands/{brand}")  # in use
    assert 404 in statuses(billing, "get", "/v1/contacts")  # a missing customer
    assert statuses(billing, "get", "/version") == {200, 500}
    assert 404 in statuses(sales, "post", "/customers")  # a payment type, a parent…
    assert 404 in statuses(sales, "post", "/currencies")  # a code ISO does not have
    assert 404 not in statuses(sales, "post", "/paymentTypes")
    assert 415 not in statuses(sales, "post", "/customers")  # any other body: no parameters


@pytest.mark.parametrize("name", list(APIS))
async def test_the_document_and_its_docs_are_served(name: str, client: httpx.AsyncClient) -> None:
    _, build, _, served = APIS[name]
    document = await client.get(f"{served}/openapi.json")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/json"
    assert document.json() == build()
    docs = await client.get(f"{served}/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert f'src="{BUNDLE}"' in docs.text
    assert f'url: "{served}/openapi.json"' in docs.text


async def test_swagger_ui_is_served_from_the_installed_bundle(client: httpx.AsyncClient) -> None:
    bundle = await client.get(BUNDLE)
    assert bundle.status_code == 200
    assert "SwaggerUIBundle" in bundle.text
    assert (await client.get("/docs-assets/swagger-ui.css")).status_code == 200


# --- real answers against their documents ---------------------------------------------------
# The fuzzing (tests/e2e) sends random requests, which rarely succeed at the harder paths
# (a login, `"single": true`, a product changing hands): here each documented shape is
# produced on purpose, and checked against the document.

IMEI = "013777894687000"


class Checked:
    """Sends requests and checks each answer against the operation its document describes."""

    def __init__(self, client: httpx.AsyncClient, name: str, headers: dict[str, str]) -> None:
        _, build, _, _ = APIS[name]
        self.client, self.headers = client, headers
        self.document = build()
        self.schema = schemathesis.openapi.from_dict(self.document)
        self.prefix = APIS[name][2]
        self.checked: list[str] = []

    async def __call__(
        self, method: str, template: str, status: int, *, path: str | None = None, **kwargs: Any
    ) -> Any:
        kwargs.setdefault("headers", self.headers)
        response = await self.client.request(method, self.prefix + (path or template), **kwargs)
        assert response.status_code == status, (method, path or template, response.text)
        # The status is one the operation lists (schemathesis checks only those it lists).
        responses = self.document["paths"][template][method.lower()]["responses"]
        assert str(status) in responses, (method, template, status, list(responses))
        for header, value in (
            _answer(self.document, responses[str(status)]).get("headers", {}).items()
        ):
            assert not value["required"] or header in response.headers, (template, header)
        self.schema[template][method].validate_response(response)  # raises if it does not fit
        self.checked.append(f"{method} {template} {status}")
        return response.json() if response.content else None


async def test_partner_answers_fit_the_document(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    call = Checked(client, "partner", admin)
    login = {"username": "root@example.com", "password": PASSWORD}
    await call("POST", "/auth/login", 200, data=login, headers={})
    await call("POST", "/auth/login", 200, json=login, headers={})
    await call("POST", "/auth/login", 401, data={**login, "password": "wrong"}, headers={})
    await call("POST", "/auth/login", 400, data={}, headers={})
    new = {"entity_id": 1, "name": "Test Customer", "external_customer_id": 1234}
    created = await call("POST", "/customers/create_customer", 201, json=new)
    await call(
        "PUT",
        "/customers/create_customer",
        201,
        json={"entity_id": 1, "name": "Other", "external_customer_code": "tc_0123"},
    )
    await call("POST", "/customers/create_customer", 400, json=new)  # not unique
    await call("POST", "/customers/create_customer", 400, json={"entity_id": 1, "name": "x"})
    await call("POST", "/customers/create_customer", 415, content=b"{}", headers=admin)
    customer = f"/customers/{created['data']['customer_id']}"
    await call("GET", "/customers", 200)
    single = {"filters": [{"name": "external_customer_id", "op": "eq", "val": 1234}]}
    await call("GET", "/customers", 200, params={"q": json.dumps({**single, "single": True})})
    await call("GET", "/customers", 400, params={"q": json.dumps({"single": True})})  # several
    await call("GET", "/customers", 400, params={"q": "{not json"})
    await call("GET", "/customers", 400, params={"page": "x"})
    await call("GET", "/customers", 200, params={"page": "0"})  # a Python slice, as 0.17
    await call("GET", "/customers/{customer_id}", 200, path=customer)
    await call("GET", "/customers/{customer_id}", 404, path="/customers/999")
    await call("PUT", "/customers/{customer_id}", 200, path=customer, json={"name": "changed"})
    await call("PUT", "/customers/{customer_id}", 400, path=customer, json={"entity_id": 2})
    entity = await call("POST", "/entities", 201, json={"name": "E2", "financier": True})
    await call("GET", "/entities", 200, params={"results_per_page": 1, "page": 2})
    entity_path = f"/entities/{entity['entity_id']}"
    await call("PUT", "/entities/{entity_id}", 200, path=entity_path, json={"tariff": "T"})
    product = {"product_imei": IMEI, "entity_id": 1, "gps_lat": 1.5, "hub_id": 7}
    await call(
        "POST", "/products", 201, json={**product, "analysis_timestamp": "2016-07-01 12:34:45"}
    )
    item = f"/products/{IMEI}"
    await call("GET", "/products/{product_imei}", 200, path=item)
    await call("PUT", "/products/{product_imei}", 200, path=item, json={"imsi": "123"})
    move = {"entity_id": 1, "external_customer_id": 1234, "reason": "sold"}
    await call(
        "PUT",
        "/products/{product_imei}/change_customer",
        200,
        path=f"{item}/change_customer",
        json=move,
    )
    for resource in ("customer_entity_linker", "product_entity_linker", "customer_product_history"):
        await call("GET", f"/{resource}", 200)
        await call("GET", f"/{resource}/{{{resource}_id}}", 200, path=f"/{resource}/1")
    await call(
        "PUT",
        "/customer_entity_linker/{customer_entity_linker_id}",
        200,
        path="/customer_entity_linker/1",
        json={"date_added": "2016-07-01T12:34:45Z"},
    )
    await call(
        "PUT",
        "/products/{product_imei}/expire_customer",
        200,
        path=f"{item}/expire_customer",
        json={"reason": "returned"},
    )
    await call("DELETE", "/products/{product_imei}", 204, path=item)
    await call("DELETE", "/customers/{customer_id}", 204, path=customer)
    await call("DELETE", "/entities/{entity_id}", 204, path=entity_path)
    await call("DELETE", "/entities/{entity_id}", 400, path="/entities/1")  # in use
    await call("GET", "/customers", 401, headers={})
    assert len(call.checked) >= 35


async def test_billing_answers_fit_the_document(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    token = admin["Authorization"].removeprefix("Token token=")
    call = Checked(client, "billing", {"Authorization": f"Bearer {token}"})
    login = {"email": "root@example.com", "password": PASSWORD}
    await call("POST", "/login", 200, data=login, headers={})
    await call("POST", "/login", 401, json={**login, "password": "wrong"}, headers={})
    await call("POST", "/login", 422, data={}, headers={})
    await call("GET", "/version", 200, headers={})
    # The seed's request: parameters in the query string, no body.
    seed = {"name": "Société", "customerAccount": "123456"}
    created = await call("POST", "/v1/customers", 201, params=seed)
    await call("POST", "/v1/customers", 201, data={"name": "Form", "vip": "1", "brand_id": "1"})
    await call("POST", "/v1/customers", 201, json={"name": "Json", "chargeVAT": False})
    await call("POST", "/v1/customers", 422, json={"customerAccount": "123456", "vip": "maybe"})
    customer = f"/v1/customers/{created['response']}"
    await call("GET", "/v1/customers/{customer}", 200, path=customer)
    await call("GET", "/v1/customers/{customer}", 404, path="/v1/customers/999")
    await call(
        "GET", "/v1/customerAccounts/{customerAccount}", 200, path="/v1/customerAccounts/123456"
    )
    await call("PUT", "/v1/customers/{customer}", 200, path=customer, json={"isReseller": True})
    await call("PATCH", "/v1/customers/{customer}", 200, path=customer, data={"website": "w"})
    listed = {"filter[id]": ">0", "filter[vip]": "1", "sort": "-created_at,name", "per_page": 1}
    await call("GET", "/v1/customers", 200, params=listed)
    await call("GET", "/v1/customers", 400, params={"filter[nope]": "1"})
    await call("GET", "/v1/customers", 422, params={"per_page": "0"})
    await call("GET", "/v1/customers/search", 200, params={"term": "soc"})
    contactable = {"contactable_type": "App\\Customer", "contactable_id": created["response"]}
    await call("POST", "/v1/contacts", 201, json={**contactable, "firstName": "Ann"})
    await call("GET", "/v1/contacts", 200, params=contactable)
    await call("GET", "/v1/contacts", 422, params={})
    brand = await call("POST", "/v1/brands", 201, data={"name": "B2"})
    brand_path = f"/v1/brands/{brand['response']}"
    await call("GET", "/v1/brands", 200)
    await call("GET", "/v1/brands/{brand}", 200, path=brand_path)
    await call("PUT", "/v1/brands/{brand}", 200, path=brand_path, json={"name": "B3"})
    await call("PATCH", "/v1/brands/{brand}", 200, path=brand_path, params={"name": "B4"})
    await call("DELETE", "/v1/brands/{brand}", 200, path=brand_path)
    await call("DELETE", "/v1/customers/{customer}", 200, path=customer)
    await call("GET", "/v1/customers", 401, headers={})
    assert len(call.checked) >= 25


# --- error answers against their documents ---------------------------------------------------
# Each refusal produced on purpose: its status is one the operation lists, and its body (and
# required headers) what the document gives for it.


def _too_large(ctx: Context, name: str) -> bytes:
    """A JSON body one byte past the API's limit (the sales API has room for an image)."""
    limit = ctx.settings.max_body_bytes
    if name == "sales":
        limit += 2 * ctx.settings.max_image_bytes
    return b'{"name": "' + b"x" * (limit - 11) + b'"}'


async def _throttled(call: Checked, path: str, fields: dict[str, str], limit: int) -> None:
    """Wrong passwords up to the limit (401 each), then 429 even before the password."""
    for _ in range(limit):
        await call("POST", path, 401, data=fields, headers={})
    await call("POST", path, 429, data=fields, headers={})


async def test_partner_refusals_fit_the_document(
    client: httpx.AsyncClient, admin: dict[str, str], make_user: MakeUser, ctx: Context
) -> None:
    call = Checked(client, "partner", admin)
    overview = await make_user(Level.OVERVIEW)
    entity_user = await make_user(Level.SYSTEM, Visibility.ENTITY)
    await call("GET", "/customers/{customer_id}", 401, path="/customers/1", headers={})
    bad_token = {"Authorization": "Token token=nope"}
    await call(
        "DELETE", "/products/{product_imei}", 401, path=f"/products/{IMEI}", headers=bad_token
    )
    await call(
        "PUT", "/customers/{customer_id}", 403, path="/customers/1", json={}, headers=overview
    )
    await call("POST", "/entities", 403, json={"name": "E"}, headers=entity_user)
    await call("GET", "/entities/{entity_id}", 404, path="/entities/999")
    await call(
        "DELETE",
        "/customer_product_history/{customer_product_history_id}",
        404,
        path="/customer_product_history/x",
    )
    missing = {"filters": [{"name": "name", "op": "eq", "val": "nobody"}], "single": True}
    await call("GET", "/customers", 404, params={"q": json.dumps(missing)})
    await call(
        "PUT",
        "/products/{product_imei}/expire_customer",
        404,
        path=f"/products/{IMEI}/expire_customer",
        json={"reason": "returned"},
    )
    await call(
        "POST",
        "/products",
        400,
        content=b"{oops",
        headers={**admin, "Content-Type": "application/json"},
    )
    await call("POST", "/products", 400, json={"product_imei": IMEI, "colour": "red"})
    await call(
        "PUT",
        "/entities/{entity_id}",
        400,
        path="/entities/1",
        json={"bboxx_company_flag": "maybe"},
    )
    await call(
        "POST",
        "/entities",
        413,
        content=_too_large(ctx, "partner"),
        headers={**admin, "Content-Type": "application/json"},
    )
    await call("PUT", "/entities/{entity_id}", 415, path="/entities/1", data={"name": "form"})
    await call("POST", "/auth/login", 400, json=[], headers={})
    await _throttled(
        call,
        "/auth/login",
        {"username": "nobody@example.com", "password": "guess"},
        ctx.settings.login_max_failures,
    )
    assert len(call.checked) >= 20


async def test_billing_refusals_fit_the_document(
    client: httpx.AsyncClient, admin: dict[str, str], make_user: MakeUser, ctx: Context
) -> None:
    call = Checked(client, "billing", laravel.bearer(admin))
    overview = laravel.bearer(await make_user(Level.OVERVIEW))
    json_type = {**call.headers, "Content-Type": "application/json"}
    await call("GET", "/v1/brands", 401, headers={})
    await call("POST", "/v1/brands", 403, data={"name": "B"}, headers=overview)
    await call("DELETE", "/v1/customers/{customer}", 403, path="/v1/customers/1", headers=overview)
    await call("GET", "/v1/customers/{customer}", 404, path="/v1/customers/x")
    await call(
        "GET", "/v1/customerAccounts/{customerAccount}", 404, path="/v1/customerAccounts/none"
    )
    await call("PUT", "/v1/brands/{brand}", 404, path="/v1/brands/999", json={"name": "B"})
    await call(
        "GET",
        "/v1/contacts",
        404,
        params={"contactable_type": "App\\Customer", "contactable_id": 999},
    )
    await call(
        "POST",
        "/v1/contacts",
        404,
        json={"contactable_type": "App\\Customer", "contactable_id": 999},
    )
    await call("POST", "/v1/customers", 400, content=b"[1]", headers=json_type)
    await call("GET", "/v1/customers", 400, params={"sort": "nope"})
    await call("GET", "/v1/customers/search", 400, params={"term": "a\x00b"})
    await call("GET", "/v1/customers/search", 422, params={"per_page": "-1"})
    await call("PATCH", "/v1/brands/{brand}", 422, path="/v1/brands/1", json={"name": "shared"})
    brand = (await call("POST", "/v1/brands", 201, json={"name": "In use"}))["response"]
    await call("POST", "/v1/customers", 201, json={"name": "Branded", "brand_id": brand})
    await call("DELETE", "/v1/brands/{brand}", 422, path=f"/v1/brands/{brand}")
    await call("POST", "/v1/brands", 413, content=_too_large(ctx, "billing"), headers=json_type)
    await call("POST", "/login", 422, json={"email": "x"}, headers={})
    await _throttled(
        call,
        "/login",
        {"email": "nobody@example.com", "password": "guess"},
        ctx.settings.login_max_failures,
    )
    assert len(call.checked) >= 20


async def test_sales_refusals_fit_the_document(
    client: httpx.AsyncClient, admin: dict[str, str], make_user: MakeUser, ctx: Context
) -> None:
    call = Checked(client, "sales", laravel.bearer(admin))
    overview = laravel.bearer(await make_user(Level.OVERVIEW))
    json_type = {**call.headers, "Content-Type": "application/json"}
    await call("GET", "/customers", 401, headers={})
    await call("POST", "/customers", 403, json={"reference": "R", "name": "N"}, headers=overview)
    await call("DELETE", "/contacts/{key}", 403, path="/contacts/1", headers=overview)
    await call("GET", "/customers/{customer}", 404, path="/customers/999")
    await call("GET", "/users/{key}", 404, path="/users/x")
    body = {"reference": "R", "name": "N", "paymentTypes": "999"}
    await call("POST", "/customers", 404, json=body)
    await call("POST", "/currencies", 404, json={"code": "XXQ", "exchangeRate": 1})
    await call("POST", "/customers", 400, json={"name": "no reference"})
    await call("POST", "/customers", 400, content=b"{oops", headers=json_type)
    await call("GET", "/customers", 400, params={"order": "sideways"})
    root = (await call("GET", "/customerCategories", 200, params={"reference": "root"}))["data"][0]
    await call("DELETE", "/customerCategories/{key}", 400, path=f"/customerCategories/{root['id']}")
    await call("PUT", "/organization", 413, content=_too_large(ctx, "sales"), headers=json_type)
    assert len(call.checked) >= 13


# A method no route of the path has, per API: (path, method).
_REFUSED_METHODS = {
    "partner": [("/customers", "POST"), ("/customer_entity_linker", "POST")],
    "sales": [("/organization", "DELETE"), ("/users/{key}", "PUT")],
    "billing": [("/v1/customers/search", "DELETE"), ("/version", "POST")],
}


@pytest.mark.parametrize("name", list(APIS))
async def test_a_method_a_path_does_not_have_gets_the_documents_405(
    name: str, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """405 is the answer of no operation (the method is not one of the path's): its body
    and `Allow` are the document's `MethodNotAllowed` response."""
    _, build, mount, _ = APIS[name]
    document = build()
    answer = document["components"]["responses"]["MethodNotAllowed"]
    validator = jsonschema_rs.validator_for(
        {**answer["content"]["application/json"]["schema"], "components": document["components"]}
    )
    for template, method in _REFUSED_METHODS[name]:
        assert method.lower() not in document["paths"][template]
        path = template.replace("{key}", "1")
        r = await client.request(method, mount + path, headers=laravel.bearer(admin))
        assert r.status_code == 405, r.text
        validator.validate(r.json())
        assert all(header in r.headers for header in answer["headers"]), r.headers


@pytest.mark.parametrize(
    "path", ["/customers/create_customer", "/products/{product_imei}/change_customer"]
)
async def test_the_partner_document_takes_a_customer_named_in_every_form_the_api_does(
    path: str, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """A body naming the customer by one identifier, in any form that identifier's own
    schema takes (a code that is a number, an id's digits), is valid for the document as
    for the API; without either, or with both null, it is not."""
    body = partner_openapi.build()["paths"][path]["put"]["requestBody"]["content"]
    one_of_them = jsonschema_rs.validator_for(
        {"anyOf": body["application/json"]["schema"]["anyOf"]}
    )
    for named in ({"external_customer_code": 403681}, {"external_customer_id": "7"}):
        assert one_of_them.is_valid(named), named
    for unnamed in ({}, {"external_customer_id": None, "external_customer_code": None}):
        assert not one_of_them.is_valid(unnamed), unnamed
    r = await client.put(
        "/v1/customers/create_customer",
        json={"entity_id": 1, "name": "Numbered", "external_customer_code": 403681},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["external_customer_code"] == "403681"


@pytest.mark.parametrize(
    "name", ["\x85", "\x1c\x1f", "\u3000 ", "\ufeff", "a\x85", "\x0b", "", "\t\x00"]
)
def test_a_blank_name_is_what_the_core_refuses(name: str) -> None:
    """The documents' blank and not-blank names (JSON Schema's regular expressions, whose
    `\\s` is ECMA-262's) are exactly those the core's rule (Python's str.strip()) refuses
    and takes: a fuzzer found `\\x85`, blank to Python and not to `\\s`."""
    refused = not name.strip() or "\x00" in name
    assert jsonschema_rs.validator_for({"pattern": oa.NOT_BLANK}).is_valid(name) is not refused
    blank = jsonschema_rs.validator_for({"pattern": oa.BLANK}).is_valid(name)
    assert blank is (not name.replace("\x00", "").strip())


@pytest.mark.parametrize("name", list(APIS))
def test_the_webhooks_events_are_documented(name: str) -> None:
    """OpenAPI 3.1's `webhooks`, as `x-webhooks` of these 3.0 documents: the event's body,
    every type, and the signature a receiver must check."""
    _, build, _, _ = APIS[name]
    post = build()["x-webhooks"]["customerChange"]["post"]
    (signature,) = post["parameters"]
    assert (signature["name"], signature["in"], signature["required"]) == (
        "Registry-Signature",
        "header",
        True,
    )
    event = post["requestBody"]["content"]["application/json"]["schema"]
    assert event["properties"]["type"]["enum"] == list(webhooks.EVENTS)
    assert set(event["properties"]["data"]["properties"]) == {"customer", "changes", "subject"}
