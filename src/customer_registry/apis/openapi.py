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
from datetime import timedelta
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from customer_registry.apis.idempotency import HEADER as IDEMPOTENCY_KEY
from customer_registry.apis.idempotency import KEY_CHARACTER, KEY_MAX, REPLAYED
from customer_registry.core import webhooks
from customer_registry.core.fields import FLOAT_LIMIT, INT32
from customer_registry.core.idempotency import KEPT_FOR
from customer_registry.core.permissions import Level

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


# What every number the APIs store may be (core.fields.FLOAT_LIMIT: whole amounts stay exact).
_NUMBER_RANGE = {"minimum": -FLOAT_LIMIT, "maximum": FLOAT_LIMIT}


def number(*, nullable: bool = True) -> Schema:
    return {"type": "number", "nullable": nullable, **_NUMBER_RANGE}


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


# Between what a field means and what its schema says of its values (the tests read the
# latter, after the last one, as the type of a loosely typed field: "an integer…").
MEANING_SEPARATOR = " — "


def explain(meaning: str, detail: str | None) -> str:
    """A field's description: what it means (the documents' words), then what its schema
    says of its values, if anything."""
    return meaning if not detail else f"{meaning}{MEANING_SEPARATOR}{detail}"


def filtering(name: str, meaning: str, schema: Schema) -> Schema:
    """A list's filter on field `name` (`schema`: what it compares), described by what the
    field means."""
    # The field's words, starting a sentence of their own elsewhere, go on this one.
    lowered = meaning if meaning[1:2].isupper() else meaning[:1].lower() + meaning[1:]
    return about(f"Only those whose `{name}` is this: {lowered}", schema)


def about(meaning: str, schema: Schema, example: Any = None) -> Schema:
    """`schema` described by `meaning` (and an example value): for a parameter or a field
    that no model declares (a page's, a login's)."""
    found = {**schema, "description": explain(meaning, schema.get("description"))}
    if example is not None:
        found["example"] = example
    return found


# --- loose values: what the form-minded APIs read from a form field or a JSON value ----------

NULL: Schema = {"nullable": True, "enum": [None]}
NO_NUL = "^[^\\x00]*$"  # text the databases can store
# What Python's str.strip() removes (the core's test of a blank name), which is not what a
# JSON Schema's `\s` (ECMA-262) matches: it adds \x1c-\x1f and \x85, and lacks \ufeff.
PYTHON_SPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680"
    "\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# Text with something else than spaces and NUL (a customer's name).
NOT_BLANK = f"^[^\\x00]*[^{PYTHON_SPACE}\\x00][^\\x00]*$"
BLANK = f"^[{PYTHON_SPACE}\\x00]*$"
EMPTY: Schema = {"type": "string", "enum": [""], "description": "empty: as null"}


def any_case(word: str) -> str:
    """A regular expression for `word` in any letter case (JSON Schema patterns have no flag
    for it)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def one_of_words(words: Sequence[str]) -> str:
    """A pattern for any of `words`, in any letter case."""
    return "^({})$".format("|".join(any_case(word) for word in words))


def digits_within(low: int, high: int) -> str:
    """A pattern for decimal integers that all lie within [low, high] (sound, if not complete:
    a few values at the far ends of a wide range are left out)."""
    if high - low <= 100:
        return "^({})$".format("|".join(str(value) for value in range(low, high + 1)))
    width = len(str(high)) - 1  # every number of that many digits is at most `high`
    if low > 1:
        raise ValueError(f"no digits pattern for integers from {low}")
    digits = f"[1-9][0-9]{{0,{width - 1}}}" if low == 1 else f"[0-9]{{1,{width}}}"
    if low >= 0:
        return f"^{digits}$"
    negative = min(width, len(str(-low)) - 1)
    return f"^({digits}|-[0-9]{{1,{negative}}})$"


def loose(*branches: Schema, nullable: bool, description: str) -> Schema:
    """One of `branches`; null (or, from a form, an empty value) too where `nullable`."""
    found = [*branches, NULL, EMPTY] if nullable else list(branches)
    return {"anyOf": found, "description": description}


def page_number(description: str) -> Schema:
    """A page or a page size as the list APIs read it: digits from 1 (fewer than 16); empty is
    the default."""
    number = integer(nullable=False, minimum=1, maximum=10**15 - 1)
    return {"anyOf": [number, EMPTY], "description": description}


def loose_boolean(words: Sequence[str], *, nullable: bool = True) -> Schema:
    """A flag as `apis.params.boolean` reads it: JSON true/false or 1/0, or one of `words`."""
    return loose(
        {"type": "boolean"},
        {"type": "integer", "enum": [0, 1]},
        {"type": "string", "pattern": one_of_words(words)},
        nullable=nullable,
        description="true, false, 1 or 0",
    )


def loose_integer(low: int, high: int, *, nullable: bool = True) -> Schema:
    """An integer as `apis.params.integer` reads it: a JSON integer or its digits."""
    return loose(
        {"type": "integer", "minimum": low, "maximum": high},
        {"type": "string", "pattern": digits_within(low, high)},
        nullable=nullable,
        description="an integer",
    )


# A JSON number's text (Python's `str`, as `apis.params.text` takes it) is at most this long
# for any number a client sends: 17 significant digits with a sign, a point and an exponent
# (`-1.7976931348623157e+308`); integers stop at 20 characters (the JSON decoder reads larger
# ones as floats). Where a text field holds that many, a number is stored as its text.
NUMBER_TEXT_MAX = 24


def text(
    max_length: int | None,
    *,
    nullable: bool = True,
    empty: bool = False,
    pattern: str = NO_NUL,
    **more: Any,
) -> Schema:
    """Text as the APIs read it (`apis.params.text`): a string of 1 to `max_length` characters
    without NUL; a JSON number is taken as its text where it always fits; `empty`: "" is
    taken as null."""
    limits = {"maxLength": max_length} if max_length is not None else {}
    branches = [string(nullable=False, minLength=1, pattern=pattern, **limits)]
    if max_length is None or max_length >= NUMBER_TEXT_MAX:
        branches.append({"type": "number"})
    if nullable:
        branches.append(NULL)
    if nullable and empty:
        branches.append(EMPTY)
    return {"anyOf": branches, **more}


def loose_number(*, nullable: bool = True, limit: int | None = None) -> Schema:
    """A number as `apis.params.number` reads it: a finite JSON number or its decimal text,
    within ±`limit` where a rule says so, else within what every number field stores
    (FLOAT_LIMIT). Its text's whole part stays below the limit, so that any fraction does."""
    bounds = _NUMBER_RANGE if limit is None else {"minimum": -limit, "maximum": limit}
    whole = digits_within(0, int(bounds["maximum"]) - 1)[1:-1]
    return loose(
        {"type": "number", **bounds},
        {"type": "string", "pattern": rf"^-?{whole}(\.[0-9]{{1,15}})?$"},
        nullable=nullable,
        description="a number" if limit is None else f"a number from -{limit} to {limit}",
    )


def needs(field: str, unless: Schema, needed: str, value: Schema, *, sent: bool = True) -> Schema:
    """A rule across a body's fields: unless `field` is left out or sent as `unless`, `needed`
    must be `value` (and, where `sent`, be sent). JSON Schema's `if`/`then`, spelled with the
    `anyOf` OpenAPI 3.0 has; without `not`, which schemathesis cannot judge beside a file."""
    then: Schema = {"properties": {needed: value}}
    return {
        "anyOf": [{"properties": {field: unless}}, {"required": [needed], **then} if sent else then]
    }


def textual(schema: Schema) -> Schema:
    """`schema` as a query string or a form carries it: text only, so never null (a form's
    `null` is the four letters) nor a JSON list. An empty value, where documented, stands for
    null."""
    if schema.get("type") == "object" and "properties" in schema:
        properties = {name: textual(value) for name, value in schema["properties"].items()}
        return {**schema, "properties": properties}
    if "anyOf" in schema:
        kept = [b for b in schema["anyOf"] if b is not NULL and b.get("type") != "array"]
        return {**schema, "anyOf": kept}
    if schema.get("nullable"):
        return {**schema, "nullable": False}
    return schema


def not_null(schema: Schema) -> Schema:
    """`schema` without null (or the empty value standing for it): a value that must be there."""
    if "anyOf" in schema:
        kept = [branch for branch in schema["anyOf"] if branch is not NULL and branch is not EMPTY]
        return {**schema, "anyOf": kept}
    found = {**schema, "nullable": False}
    if found.get("type") == "string":
        found.setdefault("minLength", 1)
    return found


# --- operations -----------------------------------------------------------------------------

ID = integer(nullable=False, minimum=1, maximum=INT32[1])  # core.fields.is_key


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
    creates: Creates | None = None
    # Error statuses beyond those its declarations give (see `_error_answers`): a login's
    # refusals, a data rule's (an object still in use).
    errors: tuple[int, ...] = ()
    database: bool = True  # False: it answers without the database (never 503)
    # A record's GET or a write on it with conditional requests (`apis.conditional`): the
    # GET's ETag, If-None-Match and 304; a write's If-Match and 412.
    conditional: bool = False
    # The request body's and the answer's examples, the documents' where they have one; None:
    # made from the schema's own examples (`example`).
    body_example: Any = None
    response_example: Any = None


_PATH_PARAMETER = re.compile(r"{(\w+)}")


def operation_id(method: str, path: str) -> str:
    return f"{method.lower()}_{path.strip('/').replace('/', '_') or 'root'}"


@dataclass(frozen=True, slots=True)
class Creates:
    """What a create's answer names: the object at `item`, its key at `pointer` in the body
    (a JSON pointer). Becomes the answer's OpenAPI `links` to every operation on `item` and
    below it, so a client (and schemathesis' stateful run) can follow create -> read ->
    update -> delete."""

    item: str
    pointer: str
    # Other parameters of the linked operations, set to these values where an operation takes
    # them (the sales `useExternalId=false`: the key is the answer's id, not a reference).
    constants: Mapping[str, str] = field(default_factory=dict)
    # The item's own answers (get, update) are the object too, its key at the same pointer:
    # they link on to every operation on it (create -> update -> read -> delete).
    answered_by_item: bool = False


# --- error answers -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """One error answer of an API: its name among the document's responses (components),
    what it means, its body's schema (None: no body), the headers it always carries and an
    example of its body."""

    name: str
    description: str
    body: Schema | None
    headers: Mapping[str, Schema] = field(default_factory=dict)
    example: Any = None


# Each error status's name among a document's responses, and what it means in every API (an
# API may word one its own way).
MEANINGS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "A parameter or the body cannot be read, or breaks a rule"),
    401: ("Unauthorized", "No valid token: missing, wrong, expired or revoked"),
    403: ("Forbidden", "The caller may not do this: its permission level, or its entity"),
    404: ("NotFound", "No such object, or one the caller may not see"),
    405: (
        "MethodNotAllowed",
        "A method the path does not have (the answer of no operation here); `Allow` names "
        "those it has",
    ),
    408: ("RequestTimeout", "The body took too long to arrive; the connection closes"),
    413: ("PayloadTooLarge", "The body is larger than the API takes"),
    412: (
        "PreconditionFailed",
        "`If-Match` names no version the record still is (it changed since): nothing was "
        "written; read it again",
    ),
    415: ("UnsupportedMediaType", "The body is not of a media type the operation reads"),
    422: ("UnprocessableEntity", "A parameter is missing, of the wrong type or breaks a rule"),
    429: (
        "TooManyRequests",
        "Too many failed logins for this username or address: retry after `Retry-After` seconds",
    ),
    500: ("InternalServerError", "A failure the service did not foresee"),
    503: (
        "ServiceUnavailable",
        "The database cannot be reached: retry after `Retry-After` seconds",
    ),
}
_HEADERS: dict[int, Mapping[str, Schema]] = {
    405: {"Allow": {"type": "string", "description": "the path's methods, comma-separated"}},
    429: {"Retry-After": {"type": "integer", "minimum": 0, "description": "seconds"}},
    503: {"Retry-After": {"type": "integer", "minimum": 0, "description": "seconds"}},
}


def answer(
    status: int, body: Schema | None, description: str | None = None, *, example: Any = None
) -> Answer:
    """The answer of `status`, named and described as MEANINGS says (unless `description`),
    with the headers that status always carries (`Retry-After`, `Allow`) and an example."""
    name, meaning = MEANINGS[status]
    return Answer(name, description or meaning, body, _HEADERS.get(status, {}), example)


def closed(properties: Mapping[str, Schema]) -> Schema:
    """An error body with exactly these keys."""
    return {**record(properties), "additionalProperties": False}


# Whatever an operation declares, it may fail in a way the service did not foresee (500, in
# the API's format, as the originals document it), and if it reads the database, find it
# away (503): listed on every operation rather than left to a `default`, so that a status an
# operation does not list is a real disagreement.
UNFORESEEN, UNAVAILABLE = 500, 503
METHOD_NOT_ALLOWED = 405
PRECONDITION_FAILED = 412
KEY_REUSED_STATUS = 422
KEY_REUSED = (
    "The `Idempotency-Key` was sent with another request (method, path, query or body): "
    "nothing was done"
)
# A login's own: wrong credentials, and too many failures (auth.login's throttling).
LOGIN_REFUSALS = (401, 429)


def _no_conventions(route: Route, method: str, spec: Spec) -> Mapping[int, Answer]:
    return {}


@dataclass(frozen=True, slots=True)
class Errors:
    """How one API answers errors.

    `answers`: the answer of each error status the API gives, 405 included (the answer to a
    method a path does not have: no operation of the document, so only among its responses,
    for clients to read). `invalid`: the status of a parameter or a body that breaks a rule
    (400; Laravel's 422). `conventions`: the statuses the API's own handlers add to an
    operation, each with its answer (which may differ from `answers`' for that status),
    beyond what every API derives from the declarations (`_error_answers`).
    """

    answers: Mapping[int, Answer]
    invalid: int
    conventions: Callable[[Route, str, Spec], Mapping[int, Answer]] = _no_conventions


def _error_answers(route: Route, method: str, spec: Spec, errors: Errors) -> dict[int, Answer]:
    """Every error status the operation can answer, from what the route declares: a level
    (a token: 401; above the lowest level, which every caller has: 403), a path parameter
    (an object that may not exist: 404), parameters or a body (which may break a rule), a
    body (which may be too large, 413, or too slow, 408); then the API's conventions and the
    Spec's own."""
    statuses = {UNFORESEEN, *spec.errors}
    if spec.database:
        statuses.add(UNAVAILABLE)
    level = getattr(route.endpoint, "required_level", None)
    if level is not None:
        statuses.add(401)
        if level > min(Level):
            statuses.add(403)
    if _PATH_PARAMETER.search(route.path):
        statuses.add(404)
    if spec.query or spec.body is not None:
        statuses.add(errors.invalid)
    if spec.body is not None:
        statuses |= {408, 413}
    if spec.conditional and method != "GET":
        statuses.add(PRECONDITION_FAILED)
    if _idempotent(route):  # a malformed key, a key sent with another request
        statuses |= {errors.invalid, KEY_REUSED_STATUS}
    found = {status: errors.answers[status] for status in statuses}
    found |= errors.conventions(route, method, spec)
    return dict(sorted(found.items()))


def _response(answer: Answer, schemas: Mapping[str, Schema]) -> Schema:
    response: Schema = {"description": answer.description}
    if answer.body is not None:
        found = answer.example
        if found is None:
            found = example(answer.body, schemas)
        response["content"] = {JSON: {"schema": answer.body, "example": found}}
    if answer.headers:
        response["headers"] = {
            name: {"required": True, "schema": schema} for name, schema in answer.headers.items()
        }
    return response


def _parameter(name: str, where: str, schema: Schema) -> Schema:
    """A path or query parameter, described as its schema describes its values (the
    description is declared once, with the schema: `about`)."""
    found: Schema = {"name": name, "in": where, "required": where == "path", "schema": schema}
    if "description" in schema:
        found["description"] = schema["description"]
    if "example" in schema:
        found["example"] = schema["example"]
    return found


def _operation(
    route: Route,
    method: str,
    spec: Spec,
    errors: Mapping[int, Answer],
    schemas: Mapping[str, Schema],
) -> Schema:
    level = getattr(route.endpoint, "required_level", None)
    operation: Schema = {
        "summary": spec.summary,
        "operationId": operation_id(method, route.path),
        "parameters": [
            _parameter(name, "path", spec.path.get(name, ID))
            for name in _PATH_PARAMETER.findall(route.path)
        ]
        + [_parameter(name, "query", textual(schema)) for name, schema in spec.query.items()],
    }
    if spec.conditional:
        operation["parameters"].append(_CONDITIONS["GET" if method == "GET" else "write"])
    if _idempotent(route):
        operation["parameters"].append(_IDEMPOTENCY_KEY)
    if level is not None:
        operation["description"] = f"Needs the `{level.name}` permission level."
        operation["security"] = [{TOKEN: []}, {BEARER: []}]
    else:
        operation["security"] = []
    if spec.body is not None:
        sent = spec.body_example
        if sent is None:
            sent = example(spec.body, schemas, sent=True)
        operation["requestBody"] = {
            "required": True,
            "content": {
                media: {
                    "schema": spec.body if media == JSON else textual(spec.body),
                    "example": sent,
                }
                for media in spec.media_types
            },
        }
    success: Schema = {"description": "Success"}
    if spec.response is not None:
        answered = spec.response_example
        if answered is None:
            answered = example(spec.response, schemas)
        success["content"] = {JSON: {"schema": spec.response, "example": answered}}
    not_modified: dict[str, Schema] = {}
    if spec.conditional and method != "DELETE":
        success["headers"] = {"ETag": _ETAG}
    if _idempotent(route):
        success["headers"] = {**success.get("headers", {}), REPLAYED: _REPLAYED}
    if spec.conditional and method == "GET":
        not_modified["304"] = {
            "description": "Not Modified: `If-None-Match` holds the record's tag; no body",
            "headers": {"ETag": _ETAG},
        }
    operation["responses"] = {
        str(spec.status): success,
        **not_modified,
        **{
            str(status): {"$ref": f"#/components/responses/{answer.name}"}
            for status, answer in errors.items()
        },
    }
    return operation


_ETAG: Schema = {
    "required": True,
    "description": "The record's tag: it changes whenever what the record shows does",
    "schema": {"type": "string"},
}
_CONDITIONS: dict[str, Schema] = {
    "GET": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "Tags (or `*`): one the record has makes the answer 304, no body",
        "schema": {"type": "string"},
    },
    "write": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "Tags (or `*`): unless the record still has one (weak tags never "
        "do), nothing is written and the answer is 412",
        "schema": {"type": "string"},
    },
}


def _idempotent(route: Route) -> bool:
    return getattr(route.endpoint, "idempotent", False) is True


_HOUR = timedelta(hours=1)
_IDEMPOTENCY_KEY: Schema = {
    "name": IDEMPOTENCY_KEY,
    "in": "header",
    "required": False,
    "description": f"Any text of 1 to {KEY_MAX} visible ASCII characters, new for each "
    f"request (a UUID): the same request sent again with it within {KEPT_FOR // _HOUR} hours "
    "gets the first answer again, and nothing is done twice. Kept per user, and only once "
    "the request succeeded",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": KEY_MAX,
        "pattern": f"^{KEY_CHARACTER}+$",
    },
}
_REPLAYED: Schema = {
    "required": False,
    "description": "`true`: this is the answer first given to the request's `Idempotency-Key`",
    "schema": {"type": "string", "enum": ["true"]},
}


def _links(paths: Mapping[str, Schema], creates: Creates) -> Schema:
    """A link from a create's answer to each operation on the created object."""
    (parameter,) = _PATH_PARAMETER.findall(creates.item)
    links: Schema = {}
    for path, operations in paths.items():
        if path != creates.item and not path.startswith(f"{creates.item}/"):
            continue
        for method, operation in operations.items():
            target = operation_id(method, path)
            taken = {found["name"] for found in operation["parameters"]}
            constants = {k: v for k, v in creates.constants.items() if k in taken}
            links[re.sub(r"[{}]", "", target)] = {
                "operationId": target,
                "parameters": {parameter: f"$response.body#{creates.pointer}", **constants},
            }
    return links


# --- examples --------------------------------------------------------------------------------


def example(schema: Schema, schemas: Mapping[str, Schema], *, sent: bool = False) -> Any:
    """A value of `schema` made of its parts' examples (each field's, from its model or its
    declaration): an answer shows every key; a body `sent` only what it requires and what
    has an example. Where no part says, the simplest value of its type (null where allowed);
    the tests check that every example fits its schema."""
    if "example" in schema:
        return schema["example"]
    if "$ref" in schema:
        return example(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas, sent=sent)
    if "enum" in schema:
        return next((value for value in schema["enum"] if value is not None), None)
    for branches in ("oneOf", "anyOf"):
        if branches in schema:
            return _first_example(schema[branches], schemas, sent=sent)
    if "properties" in schema:
        return _object_example(schema, schemas, sent=sent)
    if schema.get("type") == "array":
        return [example(schema["items"], schemas, sent=sent)]
    if schema.get("type") == "object":  # no properties stated: the empty object
        return {}
    if schema.get("nullable"):
        return None
    return _SIMPLEST.get(schema.get("type"))


_SIMPLEST: dict[object, Any] = {"integer": 1, "number": 1.5, "boolean": True, "string": "text"}


def _first_example(branches: Sequence[Schema], schemas: Mapping[str, Schema], *, sent: bool) -> Any:
    """The example of the first branch that is a value (not null, not an empty form field)."""
    for branch in branches:
        if branch is not NULL and branch is not EMPTY:
            return example(branch, schemas, sent=sent)
    return None


def _object_example(schema: Schema, schemas: Mapping[str, Schema], *, sent: bool) -> Schema:
    required = set(schema.get("required", ()))
    return {
        name: example(value, schemas, sent=sent)
        for name, value in schema["properties"].items()
        if not sent or name in required or "example" in value
    }


# --- tags and tokens ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tag:
    """A group of operations in the interactive docs: one resource, described in a line,
    holding every operation whose path is one of `paths` or below one."""

    name: str
    description: str
    paths: tuple[str, ...]


def _tag(tags: Sequence[Tag], path: str) -> str:
    """The tag of the operations on `path`: the one naming the longest of its prefixes."""
    found = [
        (len(prefix), tag.name)
        for tag in tags
        for prefix in tag.paths
        if path == prefix or path.startswith(f"{prefix}/")
    ]
    if not found:
        raise KeyError(f"no tag for {path}")  # every operation belongs to a resource
    return max(found)[1]


# Both forms of the `Authorization` header every API reads (`http.token_from`): the partner
# documents' and the common one. An operation needing a token accepts either.
TOKEN, BEARER = "token", "bearer"
_SECURITY_SCHEMES: dict[str, Schema] = {
    TOKEN: {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Token token=<token>`, with the token a login answers (the partner "
        "API's documented form)",
    },
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "`Bearer <token>`, with the token a login answers",
    },
}


def document(
    *,
    title: str,
    description: str,
    server: str,
    routes: Sequence[BaseRoute],
    specs: Mapping[tuple[str, str], Spec],
    errors: Errors,
    schemas: Mapping[str, Schema],
    tags: Sequence[Tag],
) -> Schema:
    """The OpenAPI document of one API: every (method, path) of `routes` needs its Spec, and
    its path a tag."""
    paths: dict[str, Schema] = {}
    refused = errors.answers[METHOD_NOT_ALLOWED]
    answers = {refused.name: refused}
    for route in routes:
        if not isinstance(route, Route) or getattr(route.endpoint, "undocumented", False):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            spec = specs[(method, route.path)]  # KeyError: an undocumented operation
            found = _error_answers(route, method, spec, errors)
            for answer in found.values():
                assert answers.setdefault(answer.name, answer) == answer, answer.name
            operation = _operation(route, method, spec, found, schemas)
            operation["tags"] = [_tag(tags, route.path)]
            paths.setdefault(route.path, {})[method.lower()] = operation
    for (method, path), spec in specs.items():
        if spec.creates is not None:
            answer = paths[path][method.lower()]["responses"][str(spec.status)]
            answer["links"] = _links(paths, spec.creates)
            if spec.creates.answered_by_item:
                for verb in ("get", "put", "patch"):
                    item = paths[spec.creates.item].get(verb)
                    if item is not None:
                        item["responses"]["200"]["links"] = _links(paths, spec.creates)
    used = {operation["tags"][0] for item in paths.values() for operation in item.values()}
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0", "description": description},
        "servers": [{"url": server}],
        "tags": [
            {"name": tag.name, "description": tag.description} for tag in tags if tag.name in used
        ],
        "paths": paths,
        # OpenAPI 3.1's `webhooks`, as an extension of this 3.0 document: what the registry
        # POSTs to the receivers `customer-registry webhooks add` names.
        "x-webhooks": {"customerChange": _WEBHOOK},
        "components": {
            "schemas": dict(schemas),
            "responses": {
                name: _response(answer, schemas) for name, answer in sorted(answers.items())
            },
            "securitySchemes": _SECURITY_SCHEMES,
        },
    }


_WEBHOOK: Schema = {
    "post": {
        "summary": "A change of a customer (or of its contacts, links, products)",
        "description": "Sent to each webhook subscribed to its type, in the order of the "
        "changes; retried with the same `id` until a 2xx answer, for up to three days. "
        "Verify `Registry-Signature` over the raw body before trusting it.",
        "parameters": [
            {
                "name": webhooks.SIGNATURE_HEADER,
                "in": "header",
                "required": True,
                "description": '`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the '
                "webhook's signing secret>`",
                "schema": {"type": "string"},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                JSON: {
                    "schema": {
                        "type": "object",
                        "required": ["id", "type", "created", "entity_id", "data"],
                        "properties": {
                            "id": {
                                "type": "string",
                                "example": "evt_1234",
                                "description": "The event's id: the same on every retry",
                            },
                            "type": {
                                "type": "string",
                                "enum": list(webhooks.EVENTS),
                                "description": "What changed",
                            },
                            "created": {
                                "type": "string",
                                "format": "date-time",
                                "description": "When it changed",
                            },
                            "entity_id": {
                                "type": "integer",
                                "description": "The entity of the customer that changed",
                            },
                            "data": {
                                "type": "object",
                                "description": "The customer and its changes",
                                "properties": {
                                    "customer": {
                                        "type": "object",
                                        "description": "the customer's record as the change "
                                        "left it (a delete: as it last was), in the registry's "
                                        "field names; for a contact, link or product change, "
                                        "its `customer_id` and `entity_id`",
                                    },
                                    "changes": {
                                        "type": "object",
                                        "description": "each changed field: [old, new]",
                                        "additionalProperties": {
                                            "type": "array",
                                            "minItems": 2,
                                            "maxItems": 2,
                                        },
                                    },
                                    "subject": {
                                        "type": "string",
                                        "nullable": True,
                                        "description": "the contact's or link's id, the IMEI",
                                    },
                                },
                            },
                        },
                    }
                }
            },
        },
        "responses": {"2XX": {"description": "Delivered; anything else is tried again later"}},
    }
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
    """`<prefix>/openapi.json` (built and encoded once, on first use) and `<prefix>/docs`."""
    built: list[bytes] = []

    async def openapi_json(request: Request) -> Response:
        # Encoded once too: with every field described and exemplified, a document is a few
        # hundred kilobytes, which each request would otherwise encode again.
        if not built:
            built.append(orjson.dumps(build()))
        return Response(built[0], media_type=JSON)

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
