"""The three OpenAPI documents, in process: each builds, is valid OpenAPI 3.0, describes every
route of its API, and is served with its interactive docs (Swagger UI from the installed
bundle, no CDN). The fuzzing against a real server is tests/e2e/test_openapi_fuzz.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.core.result import Ok
from starlette.routing import BaseRoute, Route

from customer_registry.apis.billing_v1 import app as billing
from customer_registry.apis.billing_v1 import openapi as billing_openapi
from customer_registry.apis.partner_v1 import app as partner
from customer_registry.apis.partner_v1 import openapi as partner_openapi
from customer_registry.apis.sales_v1_0 import app as sales
from customer_registry.apis.sales_v1_0 import openapi as sales_openapi
from tests.conftest import PASSWORD

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
        assert "default" in operation["responses"], (method, path)  # the API's error body
        assert operation["summary"], (method, path)


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
        self.schema = schemathesis.openapi.from_dict(build())
        self.prefix = APIS[name][2]
        self.checked: list[str] = []

    async def __call__(
        self, method: str, template: str, status: int, *, path: str | None = None, **kwargs: Any
    ) -> Any:
        kwargs.setdefault("headers", self.headers)
        response = await self.client.request(method, self.prefix + (path or template), **kwargs)
        assert response.status_code == status, (method, path or template, response.text)
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
