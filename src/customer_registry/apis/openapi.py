"""OpenAPI 3 documents, built from each API's route table so they cannot drift from it.

The route table gives the paths, the methods and (from each handler's `requires`) the
permission level; each API adds, per operation, what a table cannot say: the parameters,
the body and the answer's shape (`Spec`). A route without a Spec fails the build (and the
tests), so a new endpoint cannot go undocumented. Each document is served at `openapi.json`
with interactive docs (Swagger UI, served from the installed bundle: no CDN) at `docs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from customer_registry.apis.http import json_response

Schema = dict[str, Any]
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
DOCS_ASSETS = "/docs-assets"  # where the root app serves Swagger UI's files


# --- schemas --------------------------------------------------------------------------------


def string(*, nullable: bool = True, **more: Any) -> Schema:
    return {"type": "string", "nullable": nullable, **more}


def integer(*, nullable: bool = True, **more: Any) -> Schema:
    return {"type": "integer", "nullable": nullable, **more}


def number(*, nullable: bool = True) -> Schema:
    return {"type": "number", "nullable": nullable}


def boolean(*, nullable: bool = True) -> Schema:
    return {"type": "boolean", "nullable": nullable}


def timestamp(*, nullable: bool = True) -> Schema:
    return string(nullable=nullable, format="date-time")


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def record(properties: Mapping[str, Schema], *, nullable: bool = False) -> Schema:
    """An object answered with every one of `properties` (null where unknown)."""
    return {
        "type": "object",
        "nullable": nullable,
        "properties": dict(properties),
        "required": list(properties),
    }


def fields(properties: Mapping[str, Schema], required: Sequence[str] = ()) -> Schema:
    """A request body or form: `properties`, of which `required` must be sent."""
    found: Schema = {"type": "object", "properties": dict(properties)}
    if required:
        found["required"] = list(required)
    return found


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


# --- loose values: what the form-minded APIs read from a form field or a JSON value ----------

NULL: Schema = {"nullable": True, "enum": [None]}
NO_NUL = "^[^\\x00]*$"  # text the databases can store
EMPTY: Schema = {"type": "string", "enum": [""], "description": "empty: as null"}


def any_case(word: str) -> str:
    """A regular expression for `word` in any letter case (JSON Schema patterns have no flag
    for it)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def one_of_words(words: Sequence[str]) -> str:
    """A pattern for any of `words`, in any letter case."""
    return "^({})$".format("|".join(any_case(word) for word in words))


def digits_within(low: int, high: int) -> str:
    """A pattern for decimal integers that all lie within [low, high]: as many digits as the
    smaller bound's magnitude has, less one (a sound, if not complete, description)."""
    width = len(str(min(abs(low), abs(high)))) - 1
    sign = "-?" if low < 0 else ""
    return f"^{sign}[0-9]{{1,{width}}}$"


def loose(*branches: Schema, nullable: bool, description: str) -> Schema:
    """One of `branches`; null (or, from a form, an empty value) too where `nullable`."""
    found = [*branches, NULL, EMPTY] if nullable else list(branches)
    return {"anyOf": found, "description": description}


def textual(schema: Schema) -> Schema:
    """`schema` as a query string or a form carries it: text only, so never null (a form's
    `null` is the four letters). An empty value, where documented, stands for null."""
    if schema.get("type") == "object" and "properties" in schema:
        properties = {name: textual(value) for name, value in schema["properties"].items()}
        return {**schema, "properties": properties}
    if "anyOf" in schema:
        return {**schema, "anyOf": [branch for branch in schema["anyOf"] if branch is not NULL]}
    if schema.get("nullable"):
        return {**schema, "nullable": False}
    return schema


# --- operations -----------------------------------------------------------------------------

ID = integer(nullable=False, minimum=1)


@dataclass(frozen=True, slots=True)
class Spec:
    """What the route table cannot say about one operation."""

    summary: str
    query: Mapping[str, Schema] = field(default_factory=dict)
    path: Mapping[str, Schema] = field(default_factory=dict)  # default: an integer id
    body: Schema | None = None
    media_types: tuple[str, ...] = (JSON,)
    status: int = 200
    response: Schema | None = None  # None: no body


_PATH_PARAMETER = re.compile(r"{(\w+)}")


def _operation(route: Route, method: str, spec: Spec, error: Schema) -> Schema:
    level = getattr(route.endpoint, "required_level", None)
    operation: Schema = {
        "summary": spec.summary,
        "operationId": f"{method.lower()}_{route.path.strip('/').replace('/', '_') or 'root'}",
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": spec.path.get(name, ID)}
            for name in _PATH_PARAMETER.findall(route.path)
        ]
        + [
            {"name": name, "in": "query", "required": False, "schema": textual(schema)}
            for name, schema in spec.query.items()
        ],
    }
    if level is not None:
        operation["description"] = f"Needs the `{level.name}` permission level."
        operation["security"] = [{"token": []}, {"bearer": []}]
    else:
        operation["security"] = []
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                media: {"schema": spec.body if media == JSON else textual(spec.body)}
                for media in spec.media_types
            },
        }
    success: Schema = {"description": "Success"}
    if spec.response is not None:
        success["content"] = {JSON: {"schema": spec.response}}
    operation["responses"] = {
        str(spec.status): success,
        "default": {"description": "An error", "content": {JSON: {"schema": error}}},
    }
    return operation


def document(
    *,
    title: str,
    description: str,
    server: str,
    routes: Sequence[BaseRoute],
    specs: Mapping[tuple[str, str], Spec],
    error: Schema,
    schemas: Mapping[str, Schema],
) -> Schema:
    """The OpenAPI document of one API: every (method, path) of `routes` needs its Spec."""
    paths: dict[str, Schema] = {}
    for route in routes:
        if not isinstance(route, Route) or getattr(route.endpoint, "undocumented", False):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            spec = specs[(method, route.path)]  # KeyError: an undocumented operation
            paths.setdefault(route.path, {})[method.lower()] = _operation(
                route, method, spec, error
            )
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0", "description": description},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": dict(schemas),
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token token=<token>`",
                },
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }


# --- serving --------------------------------------------------------------------------------

_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: "{spec}", dom_id: "#docs"}});</script>
</body></html>
"""


def routes(build: Callable[[], Schema], title: str, prefix: str = "") -> list[Route]:
    """`<prefix>/openapi.json` (built once, on first use) and `<prefix>/docs`."""
    built: list[Schema] = []

    async def openapi_json(request: Request) -> Response:
        if not built:
            built.append(build())
        return json_response(built[0])

    async def docs(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        assets = request.scope.get("app_root_path", "") + DOCS_ASSETS
        page = _DOCS_PAGE.format(title=title, assets=assets, spec=f"{root}{prefix}/openapi.json")
        return HTMLResponse(page)

    openapi_json.undocumented = docs.undocumented = True  # type: ignore[attr-defined]
    return [
        Route(f"{prefix}/openapi.json", openapi_json, methods=["GET"]),
        Route(f"{prefix}/docs", docs, methods=["GET"]),
    ]
