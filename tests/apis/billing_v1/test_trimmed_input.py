"""Laravel's TrimStrings takes PHP's trim() characters (spaces, tabs, line ends, vertical tab
and NUL) off both ends of every input before anything reads it, and ConvertEmptyStringsToNull
makes what is left empty null. The billing API reads its input so, and its document must say
the same of every write's parameters: around a value those characters change nothing (a NUL
at an end is no NUL in the value, and they do not count against a text's maximum length); a
NUL inside stays one, refused; nothing left is null.

Found by fuzzing: a brand named "\\x00…" was accepted (rightly) where the document refused it.
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import pytest

from tests.conftest import MakeUser

Json = dict[str, Any]
AROUND = " \x00\t"  # trimmed off, NUL included
# Per write: a body whose every kind of parameter is sent (text, flag, integer).
WRITES = {
    ("post", "/v1/customers", "/api/v1/customers"): {
        "name": "Trimmed",
        "brand": "Trading",
        "vip": "1",
        "resellerLevel": "12",
    },
    ("post", "/v1/brands", "/api/v1/brands"): {"name": "Brand"},
    ("put", "/v1/brands/{brand}", "/api/v1/brands/{brand}"): {"name": "Renamed"},
}
# The longest text each parameter takes, once trimmed.
LONGEST = {"name": 255, "brand": 255}


@pytest.fixture
async def document(client: httpx.AsyncClient) -> Json:
    found: Json = (await client.get("/api/v1/openapi.json")).json()
    return found


def _schema(document: Json, method: str, path: str, media: str) -> Any:
    body = document["paths"][path][method]["requestBody"]["content"][media]["schema"]
    return jsonschema_rs.validator_for({**body, "components": document["components"]})


def _variants(body: dict[str, str], customer: bool) -> dict[str, tuple[dict[str, str], bool]]:
    """Each parameter in turn wrapped in trimmed characters (valid), blank where it may be
    null (valid), with a NUL inside (invalid: where it has an inside)."""
    found: dict[str, tuple[dict[str, str], bool]] = {}
    for name, value in body.items():
        found[f"{name} wrapped"] = ({**body, name: f"{AROUND}{value}{AROUND}"}, True)
        if len(value) > 1:
            inside = f"{value[:1]}\x00{value[1:]}"
            found[f"{name} with NUL inside"] = ({**body, name: inside}, False)
        if name != "name":
            found[f"{name} blank"] = ({**body, name: AROUND}, True)
        if name in LONGEST:
            longest = "x" * LONGEST[name]
            found[f"{name} longest, wrapped"] = ({**body, name: f"{AROUND}{longest}{AROUND}"}, True)
            found[f"{name} too long"] = ({**body, name: f"{longest}x"}, False)
            # A form feed is no space to PHP's trim() (it is to a regex's `\s`): text, but for
            # a customer's name, which the registry's rule finds blank (Python's str.strip()).
            form_feed = {**body, name: f"{AROUND}\f{AROUND}"}
            found[f"{name} a form feed, wrapped"] = (form_feed, not (customer and name == "name"))
    return found


@pytest.mark.parametrize("media", ["application/json", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize(("method", "path", "url"), list(WRITES), ids=[w[1] for w in WRITES])
async def test_the_document_and_the_service_read_input_as_laravel_trims_it(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    document: Json,
    media: str,
    method: str,
    path: str,
    url: str,
) -> None:
    headers = await make_user()
    brand = await client.post("/api/v1/brands", json={"name": "Named"}, headers=headers)
    target = url.format(brand=brand.json()["response"])
    validator = _schema(document, method, path, media)
    for label, (body, valid) in _variants(
        WRITES[(method, path, url)], path == "/v1/customers"
    ).items():
        json, form = (body, None) if media == "application/json" else (None, body)
        response = await client.request(method, target, headers=headers, json=json, data=form)
        assert validator.is_valid(body) is valid, (label, body)
        assert (response.status_code < 300) is valid, (label, response.text)
