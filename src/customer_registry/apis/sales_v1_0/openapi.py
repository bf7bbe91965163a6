"""The sales API's OpenAPI document: parameters from the same tables the handlers read (which,
like the customer and contact schemas, come from `models.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.routing import Route

from customer_registry.apis import openapi as oa
from customer_registry.apis.models import meanings, response_schema
from customer_registry.apis.params import (
    BOOLEAN_WORDS,
    FALSE_WORDS,
    boolean,
    integer,
    number,
    text,
)
from customer_registry.apis.sales_v1_0 import models
from customer_registry.apis.sales_v1_0.catalogues import COLLECTIONS, Collection
from customer_registry.apis.sales_v1_0.customers import REQUIRED
from customer_registry.apis.sales_v1_0.names import (
    CONTACT_FILTERS,
    CONTACT_PARAMETERS,
    CUSTOMER_FILTERS,
    CUSTOMER_PARAMETERS,
)
from customer_registry.apis.sales_v1_0.params import (
    DUE_DATE_TYPES,
    Field,
    Id,
    country,
    due_date_type,
)
from customer_registry.apis.sales_v1_0.users import USER_FILTERS
from customer_registry.core import catalogues, contacts, customers
from customer_registry.core.catalogues import MAX_REGION_LEVEL
from customer_registry.core.customers import COORDINATE_LIMITS, DUE_DATE_DAYS
from customer_registry.core.fields import INT32, Attribute, Kind
from customer_registry.core.iso import COUNTRY_CODES

FORMS = (oa.FORM, oa.MULTIPART, oa.JSON)


def _schema(reader: object, max_length: int | None = None) -> oa.Schema:
    """A parameter as its reader takes it from a form field or a JSON value (text: at most
    `max_length` characters, its core field's)."""
    if isinstance(reader, Id):
        return oa.loose(
            {"type": "string", "pattern": oa.digits_within(1, INT32[1])},
            {"type": "integer", "minimum": 1, "maximum": INT32[1]},
            nullable=True,
            description="an id (digits); with useExternalId=true, a reference instead",
        )
    if reader is boolean:
        return oa.loose_boolean(BOOLEAN_WORDS)
    if reader is integer:
        return oa.loose_integer(*INT32)
    if reader is number:
        return oa.loose_number()
    if reader is country:
        return _COUNTRY
    if reader is due_date_type:
        return _DUE_DATE_TYPE_READ
    # The sales forms take an empty field as no value.
    return oa.text(max_length, empty=True) if reader is text else oa.string(pattern=oa.NO_NUL)


def _parameters(
    table: Mapping[str, Field], words: Mapping[str, str], rules: Mapping[str, Attribute]
) -> dict[str, oa.Schema]:
    """Each parameter as its reader takes it, with what it means (`words`, by its name: the
    model's, or the catalogue object's) and its core field's length (`rules`, by core name)."""
    return {
        name: oa.about(words[name], _SPECIAL.get(core) or _schema(reader, _longest(rules, core)))
        for name, (core, reader) in table.items()
    }


def _longest(rules: Mapping[str, Attribute], core: str) -> int | None:
    rule = rules.get(core)
    return rule.max_length if rule is not None else None


_COUNTRY = oa.loose(
    {"type": "string", "enum": COUNTRY_CODES},
    nullable=True,
    description="ISO 3166 alpha-2 (a country's name is read too)",
)
_DUE_DATE_WORDS = oa.one_of_words(tuple(DUE_DATE_TYPES.values()))
# What `params.due_date_type` reads (a filter compares any of it); a write takes 1 or 2 only.
_DUE_DATE_TYPE_READ = oa.loose(
    {"type": "integer", "minimum": INT32[0], "maximum": INT32[1]},
    {"type": "string", "pattern": oa.digits_within(*INT32)},
    {"type": "string", "pattern": _DUE_DATE_WORDS},
    nullable=True,
    description="an integer, or the name of a due date type",
)

# Core fields whose values a rule narrows further than their reader.
_LEVEL = oa.loose_integer(1, MAX_REGION_LEVEL)
_SPECIAL: dict[str, oa.Schema] = {
    "level": _LEVEL,
    "region_level": _LEVEL,
    **{core: oa.loose_number(limit=limit) for core, limit in COORDINATE_LIMITS.items()},
    "due_date_config_number": oa.loose_integer(*DUE_DATE_DAYS),
    "customer_risk_color": oa.loose(
        {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "example": "#1BE9D8"},
        nullable=True,
        description="a colour such as #1BE9D8",
    ),
    "due_date_config_type": oa.loose(
        {"type": "integer", "enum": list(DUE_DATE_TYPES)},
        {"type": "string", "pattern": "^[12]$"},
        {"type": "string", "pattern": _DUE_DATE_WORDS},
        nullable=True,
        description="1 (days after the invoice date) or 2 (after the end of its month)",
    ),
}
_PAYMENT_TYPE_ID = oa.loose_integer(1, INT32[1], nullable=False)
_LISTED_ITEM = r'\{"id"[=:][1-9][0-9]{0,8}\}'
_PAYMENT_TYPES = {
    "anyOf": [
        {"type": "string", "pattern": "^([0-9]{1,9}(,[0-9]{1,9})*)?$", "example": "7,8"},
        # The document's own notation, `=` for `:`, read as JSON (no leading zero).
        {"type": "string", "pattern": rf"^\[({_LISTED_ITEM}(,{_LISTED_ITEM})*)?\]$"},
        oa.array(
            {
                "anyOf": [
                    _PAYMENT_TYPE_ID,
                    {"type": "object", "properties": {"id": _PAYMENT_TYPE_ID}, "required": ["id"]},
                ]
            }
        ),
        oa.NULL,
    ],
    "description": "The payment types the customer may use: ids, comma-separated, "
    '`[{"id"=7},{"id"=8}]` (the document\'s form) or a JSON list (of ids or of such objects); '
    "null or empty: none. The list replaces the customer's.",
}


_EXTERNAL = {
    "useExternalId": oa.about(
        "By default, false; true to use external ids: the path and the ids sent name objects "
        "by their reference",
        oa.loose_boolean(BOOLEAN_WORDS),
    )
}
# What a create's links send besides the new object's id: that the key is an id. Left to
# a client, `useExternalId` could be anything (schemathesis takes it for the id of an object
# named "UseExternal" and fills it from an answer).
_BY_ID = {"useExternalId": "false"}


def _count(description: str) -> oa.Schema:
    """`listing._count`: a whole number; empty is the default."""
    return oa.loose(
        oa.integer(nullable=False, minimum=0, maximum=10**12 - 1),
        nullable=True,
        description=description,
    )


def _filters(
    names: Mapping[str, str], words: Mapping[str, str], readers: Mapping[str, Field] | None = None
) -> dict[str, oa.Schema]:
    """The list's controls, and a filter per field, read as `listing._typed` reads it: by the
    parameter's reader, else as text (empty included) the query compares as its column's type
    (ids digits). Each filter says what its field means (`words`, by the filter's name)."""
    readers = readers or {}
    return {
        "max": _count("page size (10 by default, at most 100)"),
        "offset": _count("rows to skip"),
        "sort": oa.about(
            "The field to sort by",
            oa.string(nullable=False, enum=["", *names]),
            example="name" if "name" in names else next(iter(names)),
        ),
        "order": oa.about(
            "`asc` or `desc`",
            oa.string(nullable=False, pattern=oa.one_of_words(("asc", "desc"))),
            example="asc",
        ),
        **{
            name: oa.filtering(
                name, words[name], _list_filter(core, readers.get(name, (core, text))[1])
            )
            for name, core in names.items()
        },
    }


def _list_filter(core: str, reader: object) -> oa.Schema:
    if reader is text:
        return _filter(core)
    if isinstance(reader, Id):  # compared as a number: any integer, none matches below 1
        return oa.textual(oa.loose_integer(*INT32))
    return oa.textual(_schema(reader))


def _filter(core: str) -> oa.Schema:
    if core in ("created_at", "modified_at"):
        return oa.string(nullable=False, format="date-time")
    if core.endswith("_id"):
        return oa.string(nullable=False, pattern=oa.digits_within(*INT32))
    return oa.string(nullable=False, pattern=oa.NO_NUL)


def _page(item: oa.Schema) -> oa.Schema:
    return oa.record(
        {
            "total": oa.about("How many objects match", oa.integer(nullable=False)),
            "offset": oa.about("How many objects were skipped", oa.integer(nullable=False)),
            "max": oa.about("The page size", oa.integer(nullable=False), example=10),
            "data": oa.about("The objects of this page", oa.array(item)),
        }
    )


# The answers' schemas are the models'.
_CONTACT = response_schema(models.Contact)
_RECORD = response_schema(models.Customer)
_S, _N, _B = oa.string(), oa.number(), oa.boolean()
_USER = oa.record(
    {
        "id": oa.about("The user's id", oa.ID, example=2),
        "reference": oa.about("The user's reference (username)", _S, example="emp-002"),
        "name": oa.about("The user's name", _S, example="Marie Dupont"),
        "href": oa.about("The user's URL", oa.string(nullable=False), example="/api/v1.0/users/2"),
    }
)
_ORGANIZATION = oa.record(
    {
        "id": oa.about("The organisation's id", oa.ID, example=1),
        "name": oa.about("The organisation's name", _S, example="entity1"),
        "geographicalLocations": oa.about(
            "Whether customers are placed in regions", _B, example=True
        ),
        "regionLevel": oa.about(
            "The level of region a customer is placed in", oa.integer(), example=1
        ),
    }
)
_ITEM_KEYS = {
    "id": oa.about("The object's id", oa.ID, example=2),
    "reference": oa.about("The object's reference: unique", _S, example="jewelry"),
    "name": oa.about("The object's name", _S, example="Jewelry and accessories"),
}
_AUDIT_KEYS = {
    "dateCreated": oa.about(
        "When the object was created", oa.timestamp(), example="2015-12-17T23:00:00Z"
    ),
    "lastUpdated": oa.about(
        "When the object was last changed", oa.timestamp(), example="2015-12-17T23:00:00Z"
    ),
    "href": oa.about("The object's URL", _S, example="/api/v1.0/customerCategories/2"),
}
_PARENT = {
    "parentId": oa.about("The parent's id (null at the top)", oa.integer(), example=1),
    "parentHref": oa.about(
        "The parent's URL (null at the top)", _S, example="/api/v1.0/customerCategories/1"
    ),
}
_OWN_KEYS = {
    "customerCategories": {
        "isRoot": oa.about("Whether this is the root customer category", _B, example=False),
        **_PARENT,
    },
    "customerSegmentations": {},
    "paymentTypes": {},
    "regions": {"level": oa.about("The region's level (1 at the top)", oa.integer()), **_PARENT},
    "currencies": {
        "code": oa.about("The currency's ISO code", _S, example="EUR"),
        "exchangeRate": oa.about(
            "The currency's exchange rate against the organisation's currency", _N, example=1.0
        ),
        "isDefault": oa.about("Whether this is the organisation's currency", _B, example=True),
    },
}


def _catalogue_words(path: str) -> dict[str, str]:
    """What each field of a catalogue's objects means, by name (its parameters' and filters'
    words), as its schema says."""
    keys = {**_ITEM_KEYS, **_OWN_KEYS[path], **_AUDIT_KEYS}
    return {name: schema["description"] for name, schema in keys.items()}


_CUSTOMER_WORDS = meanings(models.Customer)
_CONTACT_WORDS = meanings(models.Contact)


def _creation(body: oa.Schema, required: Sequence[str]) -> oa.Schema:
    """A create's body: `required` must be sent, not null and not empty (`MissingParam`)."""
    return oa.fields(_not_null(body, required)["properties"], required)


def _not_null(body: oa.Schema, names: Sequence[str]) -> oa.Schema:
    """`body` with `names` never null (`reference may not be null.`) when sent."""
    properties = dict(body["properties"])
    for name in names:
        properties[name] = oa.not_null(properties[name])
    return oa.fields(properties)


_CONTACT_OWNER: dict[str, Field] = {"customerId": ("customer_id", Id("customer id"))}
# Which object: "an id, or a reference" (the tests read those words as an id's place).
_NAMED_BY = oa.string(nullable=False, description="an id, or a reference")
_KEY = {
    "key": oa.about(
        "The object's id, or with useExternalId=true its reference", _NAMED_BY, example="2"
    )
}
_CUSTOMER_KEY = {
    "customer": oa.about(
        "The customer's id, or with useExternalId=true its reference", _NAMED_BY, example="256"
    )
}
_CONTACT_KEY = {"key": oa.about("The contact's id", oa.ID, example=12)}


_NONE = {"anyOf": [oa.NULL, oa.EMPTY]}  # a value that empties a field
# What `params.boolean` reads as false, or as no value.
_NOT_TRUE = {
    "anyOf": [
        {"type": "boolean", "enum": [False]},
        {"type": "integer", "enum": [0]},
        {"type": "string", "pattern": oa.one_of_words(FALSE_WORDS)},
        *_NONE["anyOf"],
    ]
}
_CUSTOMER_RULES = (
    "A due date type (`dueDateConfigType`) needs its number of days (`dueDateConfigNumber`), "
    "and `isSubCustomer` true a parent (`parentCustomerId`): `missing_param` otherwise."
)
_UPDATE_RULES = (
    " On an update a field left out keeps its stored value, which these rules read too: the "
    "document states what is refused whatever is stored (a type sent with its days emptied, "
    "`isSubCustomer` true with the parent emptied)."
)


def _customer_rules(properties: Mapping[str, oa.Schema], *, update: bool) -> oa.Schema:
    """The rules across a customer's fields (`core.customers._consistent`, the sales
    `_Input.check_parent`), as the body's `allOf`. An update may leave out the field a rule
    needs, which the stored record then gives."""
    days, parent = (
        oa.not_null(properties[name]) for name in ("dueDateConfigNumber", "parentCustomerId")
    )
    sent = not update
    return {
        "allOf": [
            oa.needs("dueDateConfigType", _NONE, "dueDateConfigNumber", days, sent=sent),
            oa.needs("isSubCustomer", _NOT_TRUE, "parentCustomerId", parent, sent=sent),
        ],
        "description": _CUSTOMER_RULES + (_UPDATE_RULES if update else ""),
    }


# What no schema can state of a file's bytes: that they decode (`core.images`).
_IMAGE = (
    "a jpg, gif, png or bmp image, judged by decoding it (never by its name or declared type): "
    "anything else is `unsupported_file_type`"
)


# A customer's fields with their rules, by core name: its details, and its name and code.
_CUSTOMER_FIELDS = {
    **customers.DETAILS,
    "name": Attribute(Kind.TEXT, customers.NAME_MAX, nullable=False),
    "code": Attribute(Kind.TEXT, customers.CODE_MAX),
}


def _customer_specs() -> dict[tuple[str, str], oa.Spec]:
    body = oa.fields(
        {
            **_parameters(CUSTOMER_PARAMETERS, _CUSTOMER_WORDS, _CUSTOMER_FIELDS),
            # A customer's name is never blank (`core.customers._validate`).
            "name": oa.about(
                _CUSTOMER_WORDS["name"], oa.text(customers.NAME_MAX, pattern=oa.NOT_BLANK)
            ),
            "isSubCustomer": oa.about(_CUSTOMER_WORDS["isSubCustomer"], _schema(boolean)),
            "paymentTypes": _PAYMENT_TYPES,
            "imageFile": oa.about(
                "The customer's image", oa.string(format="binary", description=_IMAGE)
            ),
            **_EXTERNAL,
        },
    )
    properties = body["properties"]
    create = {**_creation(body, REQUIRED), **_customer_rules(properties, update=False)}
    body = {**_not_null(body, REQUIRED), **_customer_rules(properties, update=True)}
    item = "/customers/{customer}"
    update = oa.Spec(
        "Update a customer (the fields sent)",
        path=_CUSTOMER_KEY,
        query=_EXTERNAL,
        body=body,
        media_types=FORMS,
        response=oa.ref("Customer"),
        conditional=True,
    )
    return {
        ("GET", "/customers"): oa.Spec(
            "List customers",
            query=_filters(CUSTOMER_FILTERS, _CUSTOMER_WORDS, CUSTOMER_PARAMETERS),
            response=_page(oa.ref("Customer")),
        ),
        ("POST", "/customers"): oa.Spec(
            "Create a customer",
            body=create,
            media_types=FORMS,
            status=201,
            response=oa.ref("Customer"),
            body_example=_NEW_CUSTOMER,
            creates=oa.Creates(item, "/id", _BY_ID, answered_by_item=True),
        ),
        ("GET", item): oa.Spec(
            "Get a customer",
            path=_CUSTOMER_KEY,
            query=_EXTERNAL,
            response=oa.ref("Customer"),
            conditional=True,
        ),
        ("PUT", item): update,
        ("PATCH", item): update,
        ("DELETE", item): oa.Spec(
            "Delete a customer", path=_CUSTOMER_KEY, query=_EXTERNAL, status=204, conditional=True
        ),
    }


# The original's create, in its parameters' example values.
_NEW_CUSTOMER = {
    "reference": "NC-3",
    "name": "Marie's Jewelry",
    "isActive": "true",
    "categoryId": "2",
    "billWithParent": "true",
    "customerSegmentationId": "1",
    "billingCountry": "FR",
    "billingCity": "Nice",
    "creditLimit": "5000",
    "dueDateConfigNumber": "7",
    "dueDateConfigType": "1",
    "currency": "EUR",
    "paymentTypes": '[{"id"=7},{"id"=8}]',
    "customerRiskColor": "#1BE9D8",
    "onHold": "false",
}


def _catalogue_specs(collection: Collection) -> dict[tuple[str, str], oa.Spec]:
    name = collection.catalogue.kind
    answer = oa.ref(collection.path)
    words = _catalogue_words(collection.path)
    body = oa.fields(
        _parameters(collection.parameters, words, catalogues.attributes(collection.catalogue))
    )
    # The catalogue names its required fields by their core names.
    names = {core: name for name, (core, _) in collection.parameters.items()}
    required = [names[core] for core in collection.catalogue.required]
    create = _creation(body, required)
    body = _not_null(body, required)
    path, item = f"/{collection.path}", f"/{collection.path}/{{key}}"
    update = oa.Spec(
        f"Update a {name}",
        path=_KEY,
        query=_EXTERNAL,
        body=body,
        media_types=FORMS,
        response=answer,
        conditional=True,
    )
    return {
        ("GET", path): oa.Spec(
            f"List {name} objects",
            query=_filters(collection.filters, words, collection.parameters),
            response=_page(answer),
        ),
        ("POST", path): oa.Spec(
            f"Create a {name}",
            body=create,
            media_types=FORMS,
            status=201,
            response=answer,
            creates=oa.Creates(item, "/id", _BY_ID, answered_by_item=True),
        ),
        ("GET", item): oa.Spec(
            f"Get a {name}", path=_KEY, query=_EXTERNAL, response=answer, conditional=True
        ),
        ("PUT", item): update,
        ("PATCH", item): update,
        ("DELETE", item): oa.Spec(
            f"Delete a {name}", path=_KEY, query=_EXTERNAL, status=204, conditional=True
        ),
    }


def _other_specs() -> dict[tuple[str, str], oa.Spec]:
    owner = oa.about(_CONTACT_WORDS["customerId"], _schema(Id("")), example="256")
    fields = _parameters(CONTACT_PARAMETERS, _CONTACT_WORDS, contacts.FIELDS)
    contact = oa.fields({"customerId": owner, **fields})
    create_contact = _creation(contact, ("customerId",))
    change_contact = oa.fields(fields)
    organization = _ORGANIZATION["properties"]
    settings = oa.fields(
        {
            name: oa.about(organization[name]["description"], schema)
            for name, schema in (
                ("geographicalLocations", _schema(boolean)),
                ("regionLevel", _LEVEL),
            )
        }
    )
    update_contact = oa.Spec(
        "Update a contact",
        path=_CONTACT_KEY,
        body=change_contact,
        media_types=FORMS,
        response=_CONTACT,
        conditional=True,
    )
    update_settings = oa.Spec(
        "Change the organisation's settings",
        body=settings,
        media_types=FORMS,
        response=_ORGANIZATION,
        conditional=True,
    )
    return {
        ("GET", "/users"): oa.Spec(
            "List the organisation's users",
            query=_filters(USER_FILTERS, _record_words(_USER)),
            response=_page(_USER),
        ),
        ("GET", "/users/{key}"): oa.Spec(
            "Get a user", path=_KEY, query=_EXTERNAL, response=_USER, conditional=True
        ),
        ("GET", "/contacts"): oa.Spec(
            "List contacts",
            query=_filters(
                CONTACT_FILTERS, _CONTACT_WORDS, {**CONTACT_PARAMETERS, **_CONTACT_OWNER}
            ),
            response=_page(_CONTACT),
        ),
        ("POST", "/contacts"): oa.Spec(
            "Create a contact",
            body=create_contact,
            media_types=FORMS,
            status=201,
            response=_CONTACT,
            creates=oa.Creates("/contacts/{key}", "/id", answered_by_item=True),
        ),
        ("GET", "/contacts/{key}"): oa.Spec(
            "Get a contact", path=_CONTACT_KEY, response=_CONTACT, conditional=True
        ),
        ("PUT", "/contacts/{key}"): update_contact,
        ("PATCH", "/contacts/{key}"): update_contact,
        ("DELETE", "/contacts/{key}"): oa.Spec(
            "Delete a contact", path=_CONTACT_KEY, status=204, conditional=True
        ),
        ("GET", "/organization"): oa.Spec(
            "The caller's organisation and its settings", response=_ORGANIZATION, conditional=True
        ),
        ("PUT", "/organization"): update_settings,
        ("PATCH", "/organization"): update_settings,
    }


# --- errors --------------------------------------------------------------------------------


def _record_words(record: oa.Schema) -> dict[str, str]:
    """What each field of an object means, as its schema says."""
    return {name: schema["description"] for name, schema in record["properties"].items()}


# The API's error body: a code (`missing_param`, `not_unique`, `not_found`…) and its words.
_ERROR = oa.closed(
    {
        "error": oa.about(
            "The error's code: `missing_param`, `not_unique`, `not_found`…",
            oa.string(nullable=False),
        ),
        "error_description": oa.about("What went wrong, in words", oa.string(nullable=False)),
    }
)


def _error(code: str, words: str) -> dict[str, str]:
    return {"error": code, "error_description": words}


_ANSWERS = {
    400: oa.answer(
        400,
        _ERROR,
        "A parameter is missing (`missing_param`), of the wrong type (`invalid_param_type`) "
        "or breaks a rule (`invalid_param`, `not_unique`, `exceeded_file_size`, "
        "`unsupported_file_type`); an object still in use (`in_use`); the body cannot be read "
        "(`invalid_request`)",
        example=_error("missing_param", "reference parameter is missing"),
    ),
    404: oa.answer(
        404,
        _ERROR,
        "`not_found`: no such object, here or among those the body names",
        example=_error("not_found", "The payment type with the id 999 doesn't exist."),
    ),
    **{
        status: oa.answer(status, _ERROR, example=_error(code, oa.MEANINGS[status][1]))
        for status, code in (  # the codes `render` answers
            (401, "unauthorized"),
            (403, "access_denied"),
            (405, "method_not_allowed"),
            (408, "request_timeout"),
            (412, "precondition_failed"),
            (413, "request_too_large"),
            (500, "server_error"),
            (503, "service_unavailable"),
        )
    },
    422: oa.answer(
        422,
        _ERROR,
        f"`idempotency_key_reused`. {oa.KEY_REUSED}",
        example=_error("idempotency_key_reused", oa.KEY_REUSED),
    ),
}


def _names_others() -> frozenset[str]:
    """The paths whose creates name other objects, by id or reference (an `Id` parameter):
    a missing one is `not_found`; and a currency's code, looked up among ISO's."""
    tables: dict[str, Mapping[str, Field]] = {
        "/customers": CUSTOMER_PARAMETERS,
        "/contacts": _CONTACT_OWNER,
        **{f"/{collection.path}": collection.parameters for collection in COLLECTIONS},
    }
    found = {
        path
        for path, table in tables.items()
        if any(isinstance(reader, Id) for _, reader in table.values())
    }
    currencies = (c for c in COLLECTIONS if c.catalogue is catalogues.CUSTOMER_CURRENCIES)
    return frozenset(found | {f"/{collection.path}" for collection in currencies})


_NAMES_OTHERS = _names_others()


def _conventions(route: Route, method: str, spec: oa.Spec) -> dict[int, oa.Answer]:
    """What the sales handlers add: 404 from a create that names a missing object."""
    if method == "POST" and route.path in _NAMES_OTHERS:
        return {404: _ANSWERS[404]}
    return {}


ERRORS = oa.Errors(_ANSWERS, invalid=400, conventions=_conventions)


def build() -> oa.Schema:
    from customer_registry.apis.sales_v1_0.app import ROUTES  # the table this describes

    specs = {**_customer_specs(), **_other_specs()}
    schemas: dict[str, oa.Schema] = {"Customer": _RECORD}
    for collection in COLLECTIONS:
        specs |= _catalogue_specs(collection)
        schemas[collection.path] = oa.record(
            {**_ITEM_KEYS, **_OWN_KEYS[collection.path], **_AUDIT_KEYS}
        )
    document = oa.document(
        title="Customer Registry — sales API",
        description=DESCRIPTION,
        server="/api/v1.0",
        routes=ROUTES,
        specs=specs,
        errors=ERRORS,
        schemas=schemas,
        tags=TAGS,
    )
    _optional_bodies(document)
    _files_in_multipart_only(document)
    return document


DESCRIPTION = (
    "For field sales and the back office: full customer records (addresses, credit, due "
    "dates, payment types, an image), their contacts, the catalogues they are filed under "
    "(categories, segmentations, payment types, regions, currencies), the users and the "
    "organisation's settings. Compatible with the sales API v1.0 it replaces: the same paths, "
    "parameters (forms, multipart with `imageFile`, or JSON; `useExternalId` to name objects "
    "by reference), records and error codes. Send `Authorization: Bearer <token>` (or `Token "
    "token=<token>`) with a token from the partner API's login."
)
TAGS = (
    oa.Tag("customers", "Customer records: create, read, change, delete, list", ("/customers",)),
    oa.Tag("contacts", "The people to reach at a customer", ("/contacts",)),
    oa.Tag(
        "catalogues",
        "What customers are filed under: categories, segmentations, payment types, regions, "
        "currencies",
        tuple(f"/{collection.path}" for collection in COLLECTIONS),
    ),
    oa.Tag("users", "The organisation's users (who created a customer)", ("/users",)),
    oa.Tag("organization", "The organisation's settings", ("/organization",)),
)

_NO_FILE = "no file: one travels in a multipart/form-data body only"


def _files_in_multipart_only(document: oa.Schema) -> None:
    """Only a multipart body carries a file: in a JSON body or a urlencoded form, `imageFile`
    can only be left empty (any text there is no image: `unsupported_file_type`)."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for media, body in operation.get("requestBody", {}).get("content", {}).items():
                properties = body["schema"].get("properties", {})
                if media != oa.MULTIPART and "imageFile" in properties:
                    empty = oa.loose(nullable=True, description=_NO_FILE)
                    empty = empty if media == oa.JSON else oa.textual(empty)
                    properties = {**properties, "imageFile": empty}
                    body["schema"] = {**body["schema"], "properties": properties}


def _optional_bodies(document: oa.Schema) -> None:
    """An update of the fields sent may send none: a body without required fields is
    optional."""
    for operations in document["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody")
            if body and not body["content"][oa.JSON]["schema"].get("required"):
                body["required"] = False
