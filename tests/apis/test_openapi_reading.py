"""The three OpenAPI documents as a new user reads them in the interactive docs: each operation
under a described resource tag, every field and parameter described, the token schemes an
operation needs declared, and an introduction in the product's words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.routing import Route

from customer_registry.apis import openapi as oa
from tests.apis.test_openapi_documents import APIS


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _properties(node: object, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of every object schema in `node`, with where it is."""
    if isinstance(node, dict):
        if node.get("type") == "object":
            for name, schema in node.get("properties", {}).items():
                yield f"{where}/{name}", schema
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}[{index}]")


@pytest.mark.parametrize("name", list(APIS))
def test_every_operation_is_under_one_described_tag(name: str) -> None:
    document = APIS[name][1]()
    described = {tag["name"]: tag["description"] for tag in document["tags"]}
    assert all(described.values())
    used = set()
    for label, operation in _operations(document):
        assert len(operation["tags"]) == 1, label
        assert operation["tags"][0] in described, label
        used.add(operation["tags"][0])
    assert used == set(described)  # no empty group
    assert "customers" in used
    assert len(used) >= 4


@pytest.mark.parametrize("name", list(APIS))
def test_every_property_and_parameter_is_described(name: str) -> None:
    document = APIS[name][1]()
    found = list(_properties(document))
    assert len(found) > 100
    for where, schema in found:
        assert schema.get("description"), where
    for label, operation in _operations(document):
        for parameter in operation["parameters"]:
            assert parameter.get("description"), (label, parameter["name"])


def test_a_field_is_described_in_the_originals_words() -> None:
    partner = APIS["partner"][1]()
    product = partner["components"]["schemas"]["Product"]["properties"]
    assert "DCM enabled" in product["dcm_enabled_flag"]["description"]
    sales = APIS["sales"][1]()
    record = sales["components"]["schemas"]["Customer"]["properties"]
    assert record["taxNumber"]["description"] == "Tax / VAT number"
    billing = APIS["billing"][1]()
    created = billing["paths"]["/v1/customers"]["post"]["parameters"]
    brand = next(p for p in created if p["name"] == "brand_id")
    assert "default 1" in brand["description"]


def test_a_list_parameter_named_after_a_field_filters_on_it() -> None:
    sales = APIS["sales"][1]()
    listed = {p["name"]: p for p in sales["paths"]["/customers"]["get"]["parameters"]}
    assert listed["billingCity"]["description"].startswith("Only those whose `billingCity`")
    assert not listed["sort"]["description"].startswith("Only those")


@pytest.mark.parametrize(
    ("name", "schemes"),
    [("partner", {oa.TOKEN, oa.BEARER}), ("sales", {oa.BEARER}), ("billing", {oa.BEARER})],
)
def test_the_token_schemes_are_declared_and_named_by_each_operation_needing_one(
    name: str, schemes: set[str]
) -> None:
    document = APIS[name][1]()
    declared = document["components"]["securitySchemes"]
    assert set(declared) == schemes
    if oa.TOKEN in schemes:
        assert declared[oa.TOKEN]["in"] == "header"
        assert "Token token=" in declared[oa.TOKEN]["description"]
    assert all(declared[s].get("scheme", "bearer") == "bearer" for s in schemes - {oa.TOKEN})
    routes = {
        (route.path, method.lower()): route
        for route in APIS[name][0]
        if isinstance(route, Route)
        for method in route.methods or ()
    }
    needing = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            level = getattr(routes[(path, method)].endpoint, "required_level", None)
            if level is None:
                assert operation["security"] == [], (method, path)
            else:
                needing += 1
                assert operation["security"] == [{s: []} for s in sorted(schemes, reverse=True)]
    assert needing > 10


@pytest.mark.parametrize("name", list(APIS))
def test_the_introduction_speaks_of_the_product_and_its_original(name: str) -> None:
    document = APIS[name][1]()
    description = document["info"]["description"]
    assert "Compatible with" in description
    assert "seed" not in json.dumps(document).lower()
