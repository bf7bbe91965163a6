"""The three OpenAPI documents as a new user reads them in the interactive docs: each operation
under a described resource tag, every field and parameter described, examples of what to
send and what comes back (each fitting its own schema, so that they cannot drift from it),
both token schemes declared, and an introduction in the product's words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from schemathesis.specs.openapi.converter import to_json_schema
from starlette.routing import Route

from customer_registry.apis import openapi as oa
from tests.apis.test_openapi_documents import APIS

Json = dict[str, Any]


@cache
def _document(name: str) -> Json:
    document: Json = APIS[name][1]()
    return document


def _operations(document: Json) -> Iterator[tuple[str, Json]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _properties(node: object, where: str = "") -> Iterator[tuple[str, Json]]:
    """Every property of every object schema in `node`, with where it is (not a rule's
    `properties`, an `anyOf` branch that narrows a declared one)."""
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
    document = _document(name)
    described = {tag["name"]: tag["description"] for tag in document["tags"]}
    assert all(described.values())
    used = set()
    for label, operation in _operations(document):
        assert len(operation["tags"]) == 1, label
        assert operation["tags"][0] in described, label
        used.add(operation["tags"][0])
    assert used == set(described)  # no empty group
    assert {"customers", "login"} <= used or name == "sales"
    assert len(used) >= 3


@pytest.mark.parametrize("name", list(APIS))
def test_every_property_and_parameter_is_described(name: str) -> None:
    document = _document(name)
    found = list(
        _properties(
            {
                **document["components"],
                "paths": document["paths"],
                "x-webhooks": document["x-webhooks"],
            }
        )
    )
    assert len(found) > 100
    for where, schema in found:
        # A `$ref` is the object it names, whose fields are described (3.0 ignores its
        # siblings: a description beside it would not be shown).
        assert schema.get("description") or "$ref" in schema, where
    for label, operation in _operations(document):
        for parameter in operation["parameters"]:
            assert parameter.get("description"), (label, parameter["name"])


def test_a_field_is_described_in_the_originals_words() -> None:
    product = _document("partner")["components"]["schemas"]["Product"]["properties"]
    assert "DCM enabled" in product["dcm_enabled_flag"]["description"]
    created = product["created_at"]["description"]
    assert created.startswith("Timestamp that the record was created at")
    record = _document("sales")["components"]["schemas"]["Customer"]["properties"]
    assert record["taxNumber"]["description"].startswith("Tax / VAT number")
    billing = _document("billing")
    parameters = billing["paths"]["/v1/customers"]["post"]["parameters"]
    brand = next(p for p in parameters if p["name"] == "brand_id")
    assert "default 1" in brand["description"]


def _converted(schema: Json) -> Json:
    converted: Json = to_json_schema(schema, "nullable", is_response_schema=True)
    return converted


def _fits(document: Json, schema: Json, value: Any) -> list[str]:
    """Why `value` does not fit the OpenAPI 3.0 `schema` (its `$ref`s into `document`)."""
    schemas = {name: _converted(found) for name, found in document["components"]["schemas"].items()}
    root = {**_converted(schema), "components": {"schemas": schemas}}
    return [str(error) for error in jsonschema_rs.validator_for(root).iter_errors(value)]


def _examples(document: Json) -> Iterator[tuple[str, Json, Any]]:
    """(where, schema, example) of every example of a body or a parameter."""
    for label, operation in _operations(document):
        for parameter in operation["parameters"]:
            if "example" in parameter:
                yield f"{label} {parameter['name']}", parameter["schema"], parameter["example"]
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            yield f"{label} {media}", content["schema"], content["example"]
        for status, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                yield f"{label} {status}", content["schema"], content["example"]
    for name, response in document["components"]["responses"].items():
        for content in response.get("content", {}).values():
            yield name, content["schema"], content["example"]


@pytest.mark.parametrize("name", list(APIS))
def test_every_operation_shows_what_to_send_and_what_comes_back(name: str) -> None:
    """A body's example in each of its media types, an example of each path parameter, and
    of each answer's body (a 204's: its errors', among the responses)."""
    document = _document(name)
    for label, operation in _operations(document):
        for content in operation.get("requestBody", {}).get("content", {}).values():
            assert "example" in content, label
        for parameter in operation["parameters"]:
            if parameter["in"] == "path":
                assert "example" in parameter, (label, parameter["name"])
        for status, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                assert "example" in content, (label, status)


def _schema_examples(node: object, where: str = "") -> Iterator[tuple[str, Json, Any]]:
    """(where, schema, example) of every schema in `node` that gives its own example (a
    field's, which the operations' examples are made of)."""
    if isinstance(node, dict):
        if "example" in node and "schema" not in node:  # not a parameter's or a body's
            yield where, {k: v for k, v in node.items() if k != "example"}, node["example"]
        for key, value in node.items():
            yield from _schema_examples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schema_examples(value, f"{where}[{index}]")


@pytest.mark.parametrize("name", list(APIS))
def test_every_fields_example_fits_its_schema(name: str) -> None:
    document = _document(name)
    found = list(_schema_examples({"paths": document["paths"], **document["components"]}))
    assert len(found) > 40
    for where, schema, value in found:
        assert not _fits(document, schema, value), (where, value, _fits(document, schema, value))


@pytest.mark.parametrize("name", list(APIS))
def test_every_example_fits_its_schema(name: str) -> None:
    document = _document(name)
    found = list(_examples(document))
    assert len(found) > 40
    for where, schema, value in found:
        assert not _fits(document, schema, value), (where, value, _fits(document, schema, value))


def test_the_originals_examples_are_shown() -> None:
    partner = _document("partner")["paths"]["/customers/create_customer"]["put"]
    sent = partner["requestBody"]["content"]["application/json"]["example"]
    assert sent["external_customer_code"] == "tc_0123"
    answer = partner["responses"]["201"]["content"]["application/json"]["example"]
    assert answer["message"] == "Created Test Customer(1234) successfully"


@pytest.mark.parametrize("name", list(APIS))
def test_both_token_schemes_are_declared_and_named_by_each_operation_needing_one(
    name: str,
) -> None:
    document = _document(name)
    declared = document["components"]["securitySchemes"]
    assert set(declared) == {oa.TOKEN, oa.BEARER}
    assert declared[oa.TOKEN]["in"] == "header"
    assert "Token token=" in declared[oa.TOKEN]["description"]
    assert declared[oa.BEARER]["scheme"] == "bearer"
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
                assert operation["security"] == [{oa.TOKEN: []}, {oa.BEARER: []}]
    assert needing > 10


@pytest.mark.parametrize("name", list(APIS))
def test_the_introduction_speaks_of_the_product_and_its_original(name: str) -> None:
    document = _document(name)
    assert "Compatible with" in document["info"]["description"]
    assert "seed" not in json.dumps(document).lower()
