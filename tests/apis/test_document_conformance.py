"""Where a service and its OpenAPI document disagreed (found by schemathesis' checks, see
tests/e2e/test_openapi_fuzz.py), each side fixed and pinned here, in process."""

from __future__ import annotations

from typing import Any

import httpx
import hypothesis
import jsonschema_rs
import pytest
from hypothesis import strategies as st

from customer_registry.apis.billing_v1.openapi import build as billing_document
from customer_registry.apis.openapi import digits_within
from customer_registry.apis.partner_v1.openapi import build as partner_document
from customer_registry.apis.sales_v1_0.openapi import build as sales_document
from customer_registry.core.fields import INT32, INT64
from tests.apis.billing_v1 import laravel

Headers = dict[str, str]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/customers/create_customer", {"POST", "PUT"}),
        ("DELETE", "/v1/customers/create_customer", {"POST", "PUT"}),
        ("PUT", "/api/v1/customers/search", {"GET", "HEAD"}),
        ("DELETE", "/api/v1/customers/search", {"GET", "HEAD"}),
    ],
)
async def test_a_path_without_parameters_answers_405_for_a_method_it_lacks(
    client: httpx.AsyncClient, admin: Headers, method: str, path: str, allowed: set[str]
) -> None:
    """Not the 404 of the route with a parameter beside it (`/customers/{customer_id}`)."""
    r = await client.request(method, path, headers={**admin, **laravel.bearer(admin)})

    assert r.status_code == 405, r.text
    assert set(r.headers["allow"].replace(" ", "").split(",")) == allowed


async def test_billing_filters_on_the_address_lines_are_applied(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    """`filter[mainAddressLine1]` has a digit in its name: it was ignored, every row listed."""
    headers = laravel.bearer(admin)
    for name, line in (("North", "1 High Street"), ("South", "2 Low Road")):
        body = {"name": name, "mainAddressLine1": line, "mainAddressLine2": f"{name} side"}
        r = await client.post("/api/v1/customers", json=body, headers=headers)
        assert r.status_code == 201, r.text

    for key, value in (("mainAddressLine1", "2 Low Road"), ("mainAddressLine2", "South side")):
        r = await client.get("/api/v1/customers", params={f"filter[{key}]": value}, headers=headers)

        assert r.status_code == 200, r.text
        assert [row["name"] for row in r.json()["data"]] == ["South"]


async def test_sales_lists_refuse_a_wrong_order_even_without_sort(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    headers = laravel.bearer(admin)
    r = await client.get("/api/v1.0/customers", params={"order": "sideways"}, headers=headers)

    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_param_type"


def _bodies(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path} {media}", content["schema"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for media, content in operation.get("requestBody", {}).get("content", {}).items()
    ]


@pytest.mark.parametrize("build", [partner_document, sales_document, billing_document])
def test_every_required_field_of_a_body_is_one_of_its_properties(build: Any) -> None:
    """The sales catalogues named required fields by their core names (`exchange_rate`)."""
    for label, schema in _bodies(build()):
        assert set(schema.get("required", [])) <= set(schema.get("properties", {})), label


@pytest.mark.parametrize("build", [sales_document, billing_document])
def test_a_form_or_a_query_string_is_never_documented_as_null(build: Any) -> None:
    """A form's `null` is four letters: only a JSON body can send null."""
    document = build()
    for label, schema in _bodies(document):
        if label.endswith("application/json"):
            continue
        for name, value in schema.get("properties", {}).items():
            assert not value.get("nullable"), f"{label} {name}"
            assert {"nullable": True, "enum": [None]} not in value.get("anyOf", []), label
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation["parameters"]:
                assert not parameter.get("schema", {}).get("nullable"), parameter["name"]


@pytest.mark.parametrize(
    ("build", "create", "item"),
    [
        (partner_document, ("post", "/customers/create_customer"), "/customers/{customer_id}"),
        (partner_document, ("post", "/products"), "/products/{product_imei}"),
        (sales_document, ("post", "/customers"), "/customers/{customer}"),
        (sales_document, ("post", "/regions"), "/regions/{key}"),
        (billing_document, ("post", "/v1/customers"), "/v1/customers/{customer}"),
        (billing_document, ("post", "/v1/brands"), "/v1/brands/{brand}"),
    ],
)
def test_a_create_links_to_every_operation_on_what_it_created(
    build: Any, create: tuple[str, str], item: str
) -> None:
    """OpenAPI `links`: what a client (and schemathesis' stateful run) follows from a create."""
    document = build()
    method, path = create
    answer = next(iter(document["paths"][path][method]["responses"].values()))
    targets = {link["operationId"] for link in answer["links"].values()}
    expected = {
        operation["operationId"]
        for found, operations in document["paths"].items()
        if found == item or found.startswith(f"{item}/")
        for operation in operations.values()
    }
    assert targets == expected
    ids = {
        op["operationId"] for operations in document["paths"].values() for op in operations.values()
    }
    assert targets <= ids


@hypothesis.given(
    st.sampled_from([INT32, INT64, (1, INT32[1]), (1, 10), (0, 10**12)]).flatmap(
        lambda bounds: st.tuples(st.just(bounds), st.from_regex(digits_within(*bounds)))
    )
)
def test_a_documented_digits_pattern_names_only_integers_in_range(
    drawn: tuple[tuple[int, int], str],
) -> None:
    """What a document says a loose integer may be is always accepted (its range included)."""
    (low, high), text = drawn
    assert low <= int(text) <= high


# (changes to a valid sales create, whether the create document and the service accept them)
_SALES_CUSTOMER_RANGES: list[tuple[dict[str, Any], bool]] = [
    ({"latitude": 90.5}, False),
    ({"latitude": -90}, True),
    ({"billingLat": "89.75"}, True),
    ({"billingLat": "-90.5"}, False),
    ({"longitude": -180.01}, False),
    ({"billingLng": 180}, True),
    ({"dueDateConfigNumber": 3651}, False),
    ({"dueDateConfigNumber": -1}, False),
    ({"dueDateConfigNumber": 3650}, True),
    ({"dueDateConfigNumber": "365"}, True),
    ({"paymentTypes": None}, True),
    ({"paymentTypes": "[]"}, True),
    ({"paymentTypes": '[{"id"=07}]'}, False),  # JSON has no leading zeros
    # The rules across fields: a due date type needs its days, a sub-customer its parent.
    ({"dueDateConfigType": 1}, False),
    ({"dueDateConfigType": "daysAfterInvoiceDate", "dueDateConfigNumber": None}, False),
    ({"dueDateConfigType": "2", "dueDateConfigNumber": 30}, True),
    ({"dueDateConfigType": None}, True),
    ({"dueDateConfigType": ""}, True),
    ({"isSubCustomer": "YES"}, False),
    ({"isSubCustomer": True, "parentCustomerId": None}, False),
    ({"isSubCustomer": "off"}, True),
    ({"isSubCustomer": 0}, True),
]


@pytest.mark.parametrize(("changes", "valid"), _SALES_CUSTOMER_RANGES)
async def test_the_sales_create_document_states_the_ranges_the_service_keeps(
    client: httpx.AsyncClient, admin: Headers, changes: dict[str, Any], valid: bool
) -> None:
    """Coordinates, a due date's days, no payment types: what the document allows is created,
    what it does not is refused."""
    headers = laravel.bearer(admin)
    url = "/api/v1.0/customers"
    body = {"reference": "R", "name": "Ranged", **changes}
    schema = sales_document()["paths"]["/customers"]["post"]["requestBody"]["content"]
    validator = jsonschema_rs.Draft4Validator(schema["application/json"]["schema"])

    assert validator.is_valid(body) is valid
    r = await client.post(url, json=body, headers=headers)
    assert r.status_code == (201 if valid else 400), r.text


# (changes to a customer with a due date and no parent, whether the update document and the
# service accept them): what the rules refuse whatever is stored.
_SALES_UPDATE_RULES: list[tuple[dict[str, Any], bool]] = [
    ({"dueDateConfigNumber": None, "dueDateConfigType": 2}, False),
    ({"dueDateConfigNumber": "", "dueDateConfigType": ""}, True),
    ({"dueDateConfigType": 2, "dueDateConfigNumber": 10}, True),
    ({"dueDateConfigType": 2}, True),  # the stored days
    ({"isSubCustomer": True, "parentCustomerId": ""}, False),
    ({"isSubCustomer": "false"}, True),
]


@pytest.mark.parametrize(("changes", "valid"), _SALES_UPDATE_RULES)
async def test_the_sales_update_document_states_the_rules_across_fields(
    client: httpx.AsyncClient, admin: Headers, changes: dict[str, Any], valid: bool
) -> None:
    headers = laravel.bearer(admin)
    stored = {"reference": "R", "name": "Due", "dueDateConfigType": 1, "dueDateConfigNumber": 30}
    created = await client.post("/api/v1.0/customers", json=stored, headers=headers)
    assert created.status_code == 201, created.text
    path = sales_document()["paths"]["/customers/{customer}"]
    schema = path["put"]["requestBody"]["content"]["application/json"]["schema"]

    assert jsonschema_rs.Draft4Validator(schema).is_valid(changes) is valid
    url = f"/api/v1.0/customers/{created.json()['id']}"
    r = await client.put(url, json=changes, headers=headers)
    assert r.status_code == (200 if valid else 400), r.text
