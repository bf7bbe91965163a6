"""The partner API's OpenAPI document: the resources' objects, writes and queries from their
models (`models.py`), as the handlers read and render them."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import msgspec
import msgspec.inspect as mi
from starlette.routing import Route

from customer_registry.apis import openapi as oa
from customer_registry.apis.models import Describe, Key, keys, response_schema
from customer_registry.apis.partner_v1 import bodies, models
from customer_registry.apis.partner_v1.names import META_FIELDS, RESOURCES
from customer_registry.apis.partner_v1.query import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    MAX_WINDOW,
    OPERATORS,
    RELATION_SEPARATOR,
)
from customer_registry.core.customers import NAME_MAX
from customer_registry.core.history import REASON_MAX
from customer_registry.core.permissions import Level, Visibility
from customer_registry.core.products import IMEI_LENGTH

# --- fields, typed by their models ------------------------------------------------------------

# What the API answers: ISO 8601, UTC, no zone designator, always with microseconds.
_TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}$"


def _shown_text(kind: mi.StrType, nullable: bool) -> oa.Schema:
    limit = {"maxLength": kind.max_length} if kind.max_length is not None else {}
    return oa.string(nullable=nullable, **limit)


def _shown_time(_: mi.DateTimeType, nullable: bool) -> oa.Schema:
    return oa.string(
        nullable=nullable,
        pattern=_TIMESTAMP_PATTERN,
        description="ISO 8601, UTC, no zone designator",
        example="2016-07-28T08:43:09.501636",
    )


# How the partner API writes the values of the types that `response_schema` leaves open.
_SHOWN: dict[type[mi.Type], Describe] = {mi.StrType: _shown_text, mi.DateTimeType: _shown_time}


def _record(model: type[msgspec.Struct]) -> oa.Schema:
    """One object as the API answers it: every key of its model."""
    return response_schema(model, by_type=_SHOWN)


def _shown(model: type[msgspec.Struct], name: str) -> oa.Schema:
    """One key's values, as answered."""
    schema: oa.Schema = _record(model)["properties"][name]
    return schema


def _accepted(key: Key) -> oa.Schema:
    """One key as a write accepts it: what it means, and the values its reader takes."""
    return key.explain(_values(key))


def _values(key: Key) -> oa.Schema:
    """The values of one key a write accepts: what its reader (`bodies`) takes."""
    kind, nullable = key.type, key.nullable
    if key.reads is bodies.strict_text:
        return oa.string(nullable=False, minLength=1, pattern=oa.NO_NUL)
    if isinstance(kind, mi.IntType) and kind.ge is not None and kind.le is not None:
        return {  # `bodies.integer`: a string of digits too
            "anyOf": [
                oa.integer(nullable=False, minimum=kind.ge, maximum=kind.le),
                {"type": "string", "pattern": oa.digits_within(kind.ge, kind.le)},
                *([oa.NULL] if nullable else []),
            ],
            "description": "an integer, or its digits",
        }
    if isinstance(kind, mi.DateTimeType):
        return oa.string(
            nullable=nullable,
            format="date-time",
            description="ISO 8601, `T` or a space between date and time (`2016-07-01 "
            "12:34:45`); a zone, if given, is converted to UTC",
        )
    if isinstance(kind, mi.StrType):  # `bodies.text`: a number is taken as its text
        return oa.text(kind.max_length, nullable=nullable)
    if isinstance(kind, mi.BoolType):
        return oa.boolean(nullable=nullable)
    if isinstance(kind, mi.FloatType):
        return oa.number(nullable=nullable)
    raise TypeError(f"no request schema for {key.name} of type {kind!r}")


def _sent(model: type[msgspec.Struct], name: str) -> oa.Schema:
    """One key's values, as a write accepts them."""
    return _accepted(next(key for key in keys(model) if key.name == name))


def _writable(
    model: type[msgspec.Struct], ignored: Collection[str], required: tuple[str, ...] = ()
) -> oa.Schema:
    """A write's body: the fields a client may set; the system's own are accepted and ignored;
    any other is refused (400 "Model does not have field …")."""
    properties: dict[str, oa.Schema] = {
        key.name: key.explain({"description": "set by the system: ignored"})
        if key.name in ignored
        else _accepted(key)
        for key in keys(model)
    }
    body = oa.fields(properties, required)
    body["additionalProperties"] = False
    return body


# --- the resources ---------------------------------------------------------------------------

_IMEI = oa.about(
    "The product's IMEI: its unique identifier",
    oa.string(nullable=False, pattern=f"^[0-9]{{{IMEI_LENGTH}}}$"),
    example="111010101010101",
)

# Resource key in RESOURCES -> (component name, model).
_RESOURCES: dict[str, tuple[str, type[msgspec.Struct]]] = {
    "customers": ("Customer", models.Customer),
    "entities": ("Entity", models.Entity),
    "products": ("Product", models.Product),
    "customer_entity_linker": ("CustomerEntityLinker", models.CustomerEntityLinker),
    "product_entity_linker": ("ProductEntityLinker", models.ProductEntityLinker),
    "customer_product_history": ("CustomerProductHistory", models.CustomerProductHistory),
}


def _query_names(resource_key: str) -> tuple[list[str], list[str]]:
    """What `q` may name on a resource: its fields and `<relation>__<field>`; and its
    relations (for `has` and `any`)."""
    resource = RESOURCES[resource_key]
    fields = list(resource.fields)
    for relation, names in resource.relations.items():
        fields += [f"{relation}{RELATION_SEPARATOR}{f}" for f in RESOURCES[names.resource].fields]
    return fields, list(resource.relations)


def _filter(resource_key: str) -> oa.Schema:
    """One of `q`'s filters on a resource: a condition, or a boolean formula of filters."""
    fields, relations = _query_names(resource_key)
    condition = {
        "type": "object",
        "description": "`{name, op, val}`, or `{name, op, field}` to compare two fields; "
        "`has`/`any` name a relation and take a filter (or a list of filters) of the related "
        "resource as `val`",
        "properties": {
            "name": oa.about(
                "The field compared (`<relation>__<field>` for a related one's), or the "
                "relation for `has` and `any`",
                {"type": "string", "enum": fields + relations},
            ),
            "op": oa.about(
                "The comparison: `==`, `!=`, `<`, `like`, `in`, `is_null`, `has`, `any`…",
                {"type": "string", "enum": list(OPERATORS)},
            ),
            "val": {
                "description": "The value compared with: any JSON value; a filter for "
                "`has` and `any`"
            },
            "field": oa.about(
                "A field to compare with instead of a value", {"type": "string", "enum": fields}
            ),
            "fieldname": oa.about(
                "A field to compare with, as `field`", {"type": "string", "enum": fields}
            ),
        },
        "required": ["name", "op"],
        "additionalProperties": False,
    }
    formulas = [
        {
            "type": "object",
            "properties": {kind: oa.about(words, oa.array(oa.ref(_filter_name(resource_key))))},
            "required": [kind],
            "additionalProperties": False,
        }
        for kind, words in (
            ("and", "Filters all of which hold"),
            ("or", "Filters one of which holds"),
        )
    ]
    return {"oneOf": [condition, *formulas]}


def _filter_name(resource_key: str) -> str:
    return f"{_RESOURCES[resource_key][0]}Filter"


def _q(resource_key: str) -> oa.Schema:
    """Flask-Restless's `q`: a JSON object (`_query_format.md`)."""
    field = {"type": "string", "enum": _query_names(resource_key)[0]}
    window = {"type": "integer", "minimum": 0, "maximum": MAX_WINDOW}
    sorted_by = oa.about("The field to sort by", field)
    direction = oa.about("`asc` (the default) or `desc`", {"enum": ["asc", "desc"]})
    return {
        "type": "object",
        "properties": {
            "filters": oa.about(
                "Conditions every answered object meets",
                oa.array(oa.ref(_filter_name(resource_key))),
            ),
            "order_by": oa.about(
                "The fields to sort by, in order",
                oa.array(
                    {
                        "type": "object",
                        "properties": {"field": sorted_by, "direction": direction},
                        "required": ["field"],
                    }
                ),
            ),
            "group_by": oa.about(
                "The fields to group by",
                oa.array(
                    {
                        "type": "object",
                        "properties": {"field": oa.about("The field to group by", field)},
                        "required": ["field"],
                    }
                ),
            ),
            "limit": oa.about("At most this many objects", window),
            "offset": oa.about("Skip this many objects first", window),
            "single": {
                "type": "boolean",
                "description": "true: the one matching object itself (404 if none, 400 if "
                "several) instead of a page",
            },
        },
        # The newest first: a query every resource takes (its first field is its id).
        "example": {"order_by": [{"field": field["enum"][0], "direction": "desc"}]},
    }


def _item_key(resource_key: str) -> dict[str, oa.Schema]:
    """The path parameter naming one object: its model's first key (an integer id; a
    product's IMEI), described as the model describes it."""
    key = keys(_RESOURCES[resource_key][1])[0]
    return {key.name: _IMEI if resource_key == "products" else key.explain(oa.ID)}


_PAGE_QUERY = {
    "page": oa.integer(
        nullable=False,
        description="from 1, of any size (echoed in the answer); as Flask-Restless, pages are "
        "Python slices of the result: 0 and below count back from the end",
    ),
    # Flask-Restless reads any text here: what is not a positive integer is the default.
    "results_per_page": oa.string(
        nullable=False,
        description=f"{DEFAULT_PER_PAGE} when missing, unreadable or not positive; more than "
        f"{MAX_PER_PAGE} is {MAX_PER_PAGE}",
    ),
}


def _list_answer(name: str) -> oa.Schema:
    page = oa.record(
        {
            "num_results": oa.about(
                "How many objects match, on every page", oa.integer(nullable=False, minimum=0)
            ),
            "objects": oa.about("The objects of this page", oa.array(oa.ref(name))),
            "page": oa.about("The page's number, from 1", oa.integer(nullable=False)),
            "total_pages": oa.about(
                "How many pages there are", oa.integer(nullable=False, minimum=0)
            ),
        }
    )
    return {
        "description": 'A page (with a `Link` header), or with `"single": true` in `q` the '
        "matching object itself",
        "oneOf": [page, oa.ref(name)],
    }


def _resource_specs(
    key: str,
    path: str,
    item: str,
    *,
    write: oa.Schema | None = None,
    in_use: bool = False,
) -> dict[tuple[str, str], oa.Spec]:
    """List and get; update (with `write`) and delete (refused, 400, while other records
    point at it, where `in_use`); the item's ETag and conditions (`apis.conditional`)."""
    name = _RESOURCES[key][0]
    named = _item_key(key)
    specs = {
        ("GET", path): oa.Spec(
            f"List {key}",
            query={"q": {"type": "string"}, **_PAGE_QUERY},
            response=_list_answer(name),
        ),
        ("GET", item): oa.Spec(
            f"Get one of {key}",
            path=named,
            response=oa.ref(name),
            conditional=True,
        ),
        ("DELETE", item): oa.Spec(
            f"Delete one of {key}",
            path=named,
            status=204,
            errors=(400,) if in_use else (),
            conditional=True,
        ),
    }
    if write is not None:
        specs[("PUT", item)] = oa.Spec(
            f"Change one of {key} (the fields sent)",
            path=named,
            body=write,
            response=oa.ref(name),
            conditional=True,
        )
    return specs


_SUCCESS = oa.about('Always "success"', oa.string(nullable=False, enum=["success"]))


def _one_identifier(properties: Mapping[str, oa.Schema]) -> list[oa.Schema]:
    """A customer named by its external id or code: at least one of them sent, and not null,
    in any form its own schema takes (an id's digits, a code that is a number)."""
    return [
        {"required": [name], "properties": {name: {"anyOf": _not_null(properties[name])}}}
        for name in ("external_customer_id", "external_customer_code")
    ]


def _not_null(schema: oa.Schema) -> list[oa.Schema]:
    return [branch for branch in schema.get("anyOf", [schema]) if branch.get("enum") != [None]]


_CUSTOMER = models.Customer
# The entity a customer is created in, or the entity of the customer a product goes to: the
# customer's current link's.
_LINK = models.CustomerEntityLinker


def _customer_identity() -> dict[str, oa.Schema]:
    """How the answers of a create and a move name the customer."""
    names = ("name", "customer_id", "external_customer_id", "external_customer_code")
    return {name: _shown(_CUSTOMER, name) for name in names}


# A customer's name is never blank (`core.customers._validate`).
_CUSTOMER_NAME = oa.about(
    "The customer's name", oa.text(NAME_MAX, nullable=False, pattern=oa.NOT_BLANK)
)


def _customer_specs() -> dict[tuple[str, str], oa.Spec]:
    new_customer = oa.fields(
        {
            "entity_id": _sent(_LINK, "entity_id"),
            "name": _CUSTOMER_NAME,
            "external_customer_id": _sent(_CUSTOMER, "external_customer_id"),
            "external_customer_code": _sent(_CUSTOMER, "external_customer_code"),
            "reason": {"description": "Any value: accepted, not stored"},
        },
        required=("entity_id", "name"),
    )
    new_customer["description"] = "`external_customer_id`, `external_customer_code` or both"
    new_customer["anyOf"] = _one_identifier(new_customer["properties"])
    created = oa.record(
        {
            "status": _SUCCESS,
            "message": _said("Created Test Customer(1234) successfully"),
            "data": oa.about(
                "The customer created, and its link to the entity",
                oa.record(
                    {
                        **_customer_identity(),
                        "entity_id": _shown(_LINK, "entity_id"),
                        "customer_entity_linker_id": _shown(_LINK, "customer_entity_linker_id"),
                    }
                ),
            ),
        }
    )
    create = oa.Spec(
        "Create a customer in an entity (POST in the endpoint table, PUT in the examples)",
        body=new_customer,
        status=201,
        response=created,
        body_example={
            "name": "Test Customer",
            "external_customer_id": 1234,
            "external_customer_code": "tc_0123",
            "entity_id": 1,
        },
        response_example={
            "status": "success",
            "message": "Created Test Customer(1234) successfully",
            "data": {
                "name": "Test Customer",
                "customer_id": 1,
                "external_customer_id": 1234,
                "external_customer_code": "tc_0123",
                "entity_id": 1,
                "customer_entity_linker_id": 1,
            },
        },
        creates=oa.Creates("/customers/{customer_id}", "/data/customer_id"),
    )
    path = "/customers/create_customer"
    update = _writable(_CUSTOMER, META_FIELDS | {"customer_id"})
    update["properties"]["name"] = _CUSTOMER_NAME
    return {
        ("POST", path): create,
        ("PUT", path): create,
        # A customer with sub-customers (sales) cannot be deleted.
        **_resource_specs(
            "customers",
            "/customers",
            "/customers/{customer_id}",
            write=update,
            in_use=True,
        ),
    }


def _entity_specs() -> dict[tuple[str, str], oa.Spec]:
    ignored = META_FIELDS | {"entity_id"}
    specs = _resource_specs(
        "entities",
        "/entities",
        "/entities/{entity_id}",
        write=_writable(models.Entity, ignored),
        in_use=True,  # while customers, products or users belong to it
    )
    specs[("POST", "/entities")] = oa.Spec(
        "Create an entity",
        body=_writable(models.Entity, ignored, required=("name",)),
        status=201,
        response=oa.ref("Entity"),
        creates=oa.Creates("/entities/{entity_id}", "/entity_id"),
    )
    return specs


def _product_specs() -> dict[tuple[str, str], oa.Spec]:
    item = "/products/{product_imei}"
    update = _writable(models.Product, META_FIELDS | {"product_imei"})
    new = _writable(models.Product, META_FIELDS, required=("product_imei",))
    new["properties"]["product_imei"] = _IMEI
    reason = oa.about(
        "Why the product changes hands: recorded as the removal reason of the period it ends",
        oa.string(maxLength=REASON_MAX, pattern=oa.NO_NUL),
        example="broken unit",
    )
    move = oa.fields(
        {
            "entity_id": _sent(_LINK, "entity_id"),
            "external_customer_id": _sent(_CUSTOMER, "external_customer_id"),
            "external_customer_code": _sent(_CUSTOMER, "external_customer_code"),
            "reason": reason,
        },
        required=("entity_id",),
    )
    move["description"] = (
        "the customer, by `external_customer_id`, `external_customer_code` or both (they must "
        "name the same customer)"
    )
    move["anyOf"] = _one_identifier(move["properties"])
    moved = oa.record(
        {
            "status": _SUCCESS,
            "message": _said("Customer Test Customer (1) changed to 111010101010101"),
            "data": oa.about(
                "The customer the product went to",
                oa.record(
                    {
                        **_customer_identity(),
                        "new_product_imei": oa.about("The IMEI of the product given", _IMEI),
                        "removal_reason": _shown(models.CustomerProductHistory, "removal_reason"),
                    }
                ),
            ),
        }
    )
    expired = oa.record(
        {
            "status": _SUCCESS,
            "message": _said("Product 111010101010101 removed from customer"),
            "data": {"nullable": True, "enum": [None], "description": "Always null"},
        }
    )
    imei = {"product_imei": _IMEI}
    return {
        **_resource_specs("products", "/products", item, write=update),
        ("POST", "/products"): oa.Spec(
            "Create a product",
            body=new,
            status=201,
            response=oa.ref("Product"),
            creates=oa.Creates(item, "/product_imei"),
        ),
        (
            "PUT",
            f"{item}/change_customer",
        ): oa.Spec(
            "Give the product to a customer",
            path=imei,
            body=move,
            response=moved,
            body_example={
                "entity_id": 1,
                "external_customer_id": 1234,
                "external_customer_code": "MusanzeRwanda22",
                "reason": "broken unit",
            },
        ),
        ("PUT", f"{item}/expire_customer"): oa.Spec(
            "Take the product back from its customer",
            path=imei,
            body=oa.fields({"reason": {**reason, "example": "repossessed"}}),
            response=expired,
        ),
    }


def _link_specs() -> dict[tuple[str, str], oa.Spec]:
    specs: dict[tuple[str, str], oa.Spec] = {}
    for key in ("customer_entity_linker", "product_entity_linker"):
        write = _writable(_RESOURCES[key][1], META_FIELDS | {f"{key}_id"})
        specs |= _resource_specs(key, f"/{key}", f"/{key}/{{{key}_id}}", write=write)
    key = "customer_product_history"
    return specs | _resource_specs(key, f"/{key}", f"/{key}/{{{key}_id}}")


def _said(example: str) -> oa.Schema:
    """An answer's `message`."""
    return oa.about("What happened, in words", oa.string(nullable=False), example=example)


def _username(example: str) -> oa.Schema:
    return oa.about(
        "The user's name (an e-mail address)", oa.string(nullable=False), example=example
    )


# The original's session names its test user; a login's example names someone else, whom the
# examples a client tries (wrong passwords among them) can lock out without harm.
_USERNAME, _LOGGING_IN = _username("test.user@bboxx.co.uk"), _username("jane.doe@example.com")


def _login_spec() -> oa.Spec:
    session = oa.record(
        {
            "username": _USERNAME,
            "entity_id": oa.about("The user's entity", _shown(models.Entity, "entity_id")),
            "display_name": oa.about(
                "The user's name as shown", oa.string(nullable=False), example="T User"
            ),
            "name": oa.about("Always empty", oa.string(nullable=False, enum=[""])),
            "user_product_visibility": oa.about(
                "Which products the user sees: `GLOBAL` (every entity's) or `ENTITY` (its "
                "own entity's)",
                oa.string(nullable=False, enum=list(Visibility)),
            ),
            "hub_id": {"nullable": True, "enum": [None], "description": "Always null"},
            "shop_id": {"nullable": True, "enum": [None], "description": "Always null"},
            "API_token": oa.about(
                "The token to send as `Authorization: Token token=<token>`",
                oa.string(nullable=False),
                example="sRtBFThPFIpgKY2sYkaSHFbo1hosg2NvCP4PmBIxfGQ62VS6zrjFT6dr1qDLQGz",
            ),
            "token_expiry": oa.about(
                "When the token expires unless used (each use extends it)",
                oa.string(nullable=False, description="RFC 1123, GMT"),
                example="Mon, 01 Aug 2016 17:05:11 GMT",
            ),
            "permissions": oa.about(
                "The user's permission level",
                oa.string(nullable=False, enum=[level.name for level in Level]),
                example="SYSTEM",
            ),
        }
    )
    return oa.Spec(
        "Log in: a token for `Authorization: Token token=<token>` (or `Bearer <token>`)",
        body=oa.fields(
            {
                "username": _LOGGING_IN,
                "password": oa.about(
                    "The user's password", oa.string(nullable=False), example="A_PASSWORD"
                ),
            },
            required=("username", "password"),
        ),
        media_types=(oa.FORM, oa.MULTIPART, oa.JSON),
        response=oa.record(
            {
                "status": _SUCCESS,
                "message": oa.about(
                    "The session",
                    oa.record(
                        {
                            "login_successful": oa.about(
                                "Who logged in, the token and its permissions", session
                            )
                        }
                    ),
                ),
            }
        ),
        errors=oa.LOGIN_REFUSALS,
    )


# --- errors --------------------------------------------------------------------------------

_MESSAGE = oa.closed({"message": oa.about("What went wrong, in words", oa.string(nullable=False))})
_VALIDATION = oa.closed(
    {
        "validation_errors": {
            "type": "object",
            "additionalProperties": oa.string(nullable=False),
            "description": "Each field that breaks a rule, with the rule's message",
        }
    }
)
_ANSWERS = {
    400: oa.answer(
        400,
        {"oneOf": [_MESSAGE, _VALIDATION]},
        'A parameter, `q` or the body cannot be read (`{"message": …}`), or fields break a '
        'rule (`{"validation_errors": {<field>: <message>}}`); `"single": true` and several '
        "matches; an object still in use",
        example={
            "validation_errors": {
                "missing_data": "Missing external_customer_id and external_customer_code."
            }
        },
    ),
    401: oa.answer(
        401,
        _MESSAGE,
        "No valid token (at login: wrong credentials)",
        example={"message": "A valid token is required."},
    ),
    **{
        status: oa.answer(status, _MESSAGE, example={"message": oa.MEANINGS[status][1]})
        for status in (403, 404, 405, 408, 412, 413, 415, 429, 500, 503)
    },
    422: oa.answer(422, _MESSAGE, oa.KEY_REUSED, example={"message": oa.KEY_REUSED}),
}
# A record's own URL answers a missing record with Flask-Restless's empty object (`by_id`).
_RECORD_NOT_FOUND = oa.Answer(
    "RecordNotFound",
    "No such record, or one the caller may not see: an empty object",
    {"type": "object", "maxProperties": 0},
)


def _conventions(route: Route, method: str, spec: oa.Spec) -> dict[int, oa.Answer]:
    """What the partner handlers add: 415 where only a JSON body is read
    (`bodies.json_object`), 404 from a list (`"single": true` and no match), and the empty
    404 of a record's own URL."""
    found: dict[int, oa.Answer] = {}
    if spec.body is not None and spec.media_types == (oa.JSON,):
        found[415] = _ANSWERS[415]
    if "q" in spec.query:
        found[404] = _ANSWERS[404]
    if getattr(route.endpoint, "missing_record_is_empty", False):
        found[404] = _RECORD_NOT_FOUND
    return found


ERRORS = oa.Errors(_ANSWERS, invalid=400, conventions=_conventions)


def _with_json_q(document: oa.Schema) -> oa.Schema:
    """`q` is JSON in the query string: described as such (`content`), per resource."""
    for path, key in ((f"/{key}", key) for key in _RESOURCES):
        for parameter in document["paths"][path]["get"]["parameters"]:
            if parameter["name"] == "q":
                del parameter["schema"]
                parameter["content"] = {oa.JSON: {"schema": _q(key)}}
                parameter["description"] = (
                    "Flask-Restless's query: filters, order_by, group_by, limit, offset, single"
                )
    return document


def build() -> oa.Schema:
    from customer_registry.apis.partner_v1.app import ROUTES  # the table this describes

    specs = {
        ("POST", "/auth/login"): _login_spec(),
        **_customer_specs(),
        **_entity_specs(),
        **_product_specs(),
        **_link_specs(),
    }
    schemas = {name: _record(model) for name, model in _RESOURCES.values()}
    schemas |= {_filter_name(key): _filter(key) for key in _RESOURCES}
    document = oa.document(
        title="Customer Registry — partner API",
        description=DESCRIPTION,
        server="/v1",
        routes=ROUTES,
        specs=specs,
        errors=ERRORS,
        schemas=schemas,
        tags=TAGS,
    )
    return _with_json_q(document)


DESCRIPTION = (
    "For partners who sell and finance solar home systems: their customers, the entities "
    "(organisations) they belong to, the products (devices, by IMEI) and which customer and "
    "entity each is with over time. Compatible with the SMARTSolar v1 API: the same paths, "
    "fields, Flask-Restless queries (`q`) and answers, so its clients work unchanged. Log in "
    "at `/auth/login`, then send `Authorization: Token token=<token>` (or `Bearer <token>`)."
)
TAGS = (
    oa.Tag("login", "A token for the other operations, from a username and password", ("/auth",)),
    oa.Tag("customers", "The people and organisations products are sold to", ("/customers",)),
    oa.Tag(
        "entities", "The organisations (partners) customers and products belong to", ("/entities",)
    ),
    oa.Tag(
        "products", "Devices by IMEI, and handing them to and back from customers", ("/products",)
    ),
    oa.Tag(
        "links",
        "Which entity a customer or a product belongs to, and since when",
        ("/customer_entity_linker", "/product_entity_linker"),
    ),
    oa.Tag("history", "Which customer had each product, and when", ("/customer_product_history",)),
)
