"""The billing API's OpenAPI document: parameters from the tables the handlers read
(`names.py`), the objects' schemas from their models (`models.py`), as rendered."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec.inspect as mi
from starlette.routing import Route

from customer_registry.apis import openapi as oa
from customer_registry.apis.billing_v1 import models
from customer_registry.apis.billing_v1.names import (
    BRAND_PARAMETERS,
    CONTACT_PARAMETERS,
    CUSTOMER_PARAMETERS,
    FILTERABLE,
    NUMERIC_FILTERS,
    TIMES,
    max_length,
)
from customer_registry.apis.billing_v1.params import PHP_TRIMMED
from customer_registry.apis.billing_v1.query import DEFAULT_PER_PAGE, MAX_PER_PAGE
from customer_registry.apis.models import keys, meanings, response_schema
from customer_registry.apis.params import Converter, boolean, integer
from customer_registry.core import brands, contacts, customers
from customer_registry.core.fields import INT32, INT64, Attribute, Kind

FORMS = (oa.FORM, oa.MULTIPART, oa.JSON)
# PHP parses a multipart body for POST only: an update's is never read (`params.request_input`).
UPDATE_FORMS = (oa.FORM, oa.JSON)

# --- parameters ------------------------------------------------------------------------------

# Core fields beside the commercial details (customers.DETAILS), with their limits.
_IDENTITY = {
    "name": Attribute(Kind.TEXT, customers.NAME_MAX, nullable=False),
    "code": Attribute(Kind.TEXT, customers.CODE_MAX),
}


def _attribute(core: str) -> Attribute | None:
    return _IDENTITY.get(core) or customers.DETAILS.get(core)


def _parameter(converter: Converter, attribute: Attribute | None = None) -> oa.Schema:
    """A loosely typed parameter, as `converter` reads it from a form field, the query string or
    a JSON value; null (or empty) only where the field may be null."""
    nullable = attribute is None or attribute.nullable
    if converter is boolean:  # a null flag is "not given" (`params.check`)
        return oa.loose(
            {"type": "boolean"},
            {"type": "integer", "enum": [0, 1]},
            {"type": "string", "pattern": _LARAVEL_BOOLEAN},
            _BLANK,
            nullable=True,
            description="a flag, as Laravel's `boolean` rule reads it (and true or false)",
        )
    if converter is integer:
        low, high = INT64 if attribute is not None and attribute.kind is Kind.BIGINT else INT32
        # Null or empty: null where the field may be, else "not given" (its default).
        return oa.loose(
            {"type": "integer", "minimum": low, "maximum": high},
            {"type": "string", "pattern": _laravel_integer(high)},
            _BLANK,
            nullable=True,
            description="an integer, as Laravel's `integer` rule reads it",
        )
    return _text(attribute.max_length if attribute else None, nullable=nullable)


# Laravel's TrimStrings hands the validator every input without the characters PHP's trim()
# takes off both ends (NUL among them), and ConvertEmptyStringsToNull turns what is left empty
# into null: the patterns allow them around a value.
_TRIM_CHARACTERS = "".join(f"\\x{ord(c):02x}" for c in PHP_TRIMMED)
_TRIMMED = f"[{_TRIM_CHARACTERS}]*"
_KEPT_END = f"[^{_TRIM_CHARACTERS}]"  # a character trim() leaves at an end (NUL it takes)
# Nothing left once trimmed: null, as an empty value is.
_BLANK = {"type": "string", "pattern": f"^{_TRIMMED}$", "description": "blank: as null"}


def laravel_text(max_length: int | None) -> str:
    """A pattern for text as Laravel's `string|max:N` rule gets it once trimmed: no NUL, at
    most `max_length` characters from the first to the last that trim() leaves (`maxLength`
    would count those it takes off too); nothing left is null."""
    inner = "[^\\x00]*" if max_length is None else f"[^\\x00]{{0,{max_length - 2}}}"
    return f"^{_TRIMMED}(?:{_KEPT_END}(?:{inner}{_KEPT_END})?)?{_TRIMMED}$"


def _text(max_length: int | None, *, nullable: bool, blank: str = f"^{_TRIMMED}$") -> oa.Schema:
    """Text as the validator reads it (`laravel_text`); an empty or blank one is null (an
    error where the field may not be null)."""
    assert max_length is None or max_length > 1, max_length  # the pattern's core has two ends
    schema = oa.text(
        max_length, nullable=nullable, empty=nullable, pattern=laravel_text(max_length)
    )
    text = schema["anyOf"][0]
    text.pop("maxLength", None)  # counted by the pattern, without what is trimmed off
    if not nullable:
        # Something `blank` does not match is left: by default, something trim() leaves (a
        # form feed is no space to PHP, though it is to a regex's `\s`).
        text["not"] = {"pattern": blank}
    return schema


_LARAVEL_BOOLEAN = f"^{_TRIMMED}([01]|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]){_TRIMMED}$"


def _laravel_integer(high: int) -> str:
    """Text PHP's integer filter reads as an integer from -high to high (a sign, no leading
    zero), trimmed first; a few of the widest are left out, as `oa.digits_within` does."""
    width = len(str(high)) - 1
    return f"^{_TRIMMED}[+-]?(0|[1-9][0-9]{{0,{width - 1}}}){_TRIMMED}$"


def _parameters(
    table: Mapping[str, tuple[str, Converter]],
    attributes: Callable[[str], Attribute | None],
    words: Mapping[str, str],
) -> dict[str, oa.Schema]:
    """Each parameter, typed by the core field it names (`attributes` of its core name), with
    what it means (`words`: its model's, by the parameter's name)."""
    return {
        name: oa.about(words[name], _parameter(convert, attributes(core)))
        for name, (core, convert) in table.items()
    }


_CUSTOMER_WORDS = meanings(models.Customer)


_PAGE = {
    "page": oa.about(
        "The page's number",
        oa.string(description="from 1; anything but an integer from 1 is page 1"),
    ),
    "per_page": {
        "anyOf": [
            # PHP's integers: a larger one is not an integer to Laravel.
            oa.integer(nullable=False, minimum=1, maximum=INT64[1]),
            oa.EMPTY,  # null to Laravel (ConvertEmptyStringsToNull), which the rule allows
        ],
        "description": f"The page size: {DEFAULT_PER_PAGE} by default (also when empty); more "
        f"than {MAX_PER_PAGE} is {MAX_PER_PAGE}",
    },
}
_COMPARED = f"(>=|<=|!=|>|<|=)?{oa.digits_within(*INT32)[1:-1]}"
_TEXT = oa.string(nullable=False, pattern=oa.NO_NUL, description="equal to")


def _filter_value(name: str) -> oa.Schema:
    """What `filter[<name>]` takes: the storage reads it as its column's type."""
    core = FILTERABLE[name]
    if name in NUMERIC_FILTERS:
        return oa.string(
            nullable=False,
            pattern=f"^{_COMPARED}(,{_COMPARED})*$",
            description="equal to; also comparisons, comma-separated: `>1,<=2`",
        )
    if core in TIMES:
        return oa.string(nullable=False, format="date-time", description="equal to")
    kind = getattr(_attribute(core), "kind", None)
    if kind is Kind.BOOL:
        words = oa.one_of_words(("true", "false", "1", "0"))
        return oa.string(nullable=False, pattern=words, description="equal to")
    if kind is Kind.FLOAT:
        return oa.string(nullable=False, pattern=r"^-?[0-9]{1,15}(\\.[0-9]{1,6})?$")
    return _TEXT


_SORT_KEY = "-?({})".format("|".join(sorted(FILTERABLE, key=len, reverse=True)))


def _list_query() -> dict[str, oa.Schema]:
    """spatie/laravel-query-builder's parameters: `filter[<key>]`, `sort`, and the page."""
    filters = {
        f"filter[{name}]": oa.filtering(name, _CUSTOMER_WORDS[name], _filter_value(name))
        for name in FILTERABLE
    }
    return {
        **filters,
        "filter[term_match]": oa.string(
            nullable=False,
            description="Only those whose name, account, e-mail or phone contains it",
        ),
        "sort": oa.string(
            nullable=False,
            pattern=f"^({_SORT_KEY})?(,({_SORT_KEY})?)*$",
            description="The keys to sort by, comma-separated; `-` for descending (empty "
            "ones are skipped)",
            example="-created_at,name",
        ),
        **_PAGE,
    }


# --- answers ---------------------------------------------------------------------------------


def _customer() -> oa.Schema:
    """The model's schema, each text the registry keeps with its core field's length."""
    schema = response_schema(models.Customer)
    for key in keys(models.Customer):
        if key.core in customers.WRITABLE and isinstance(key.type, mi.StrType):
            limit = max_length(key.core)
            if limit is not None:
                schema["properties"][key.name]["maxLength"] = limit
    return schema


def _paginator(item: oa.Schema) -> oa.Schema:
    """Laravel's LengthAwarePaginator."""
    url, count = oa.string(nullable=False), oa.integer(nullable=False, minimum=0)
    first = "https://registry.example/api/v1/customers?page=1"
    return oa.record(
        {
            "current_page": oa.about(
                "This page's number, from 1", oa.integer(nullable=False, minimum=1)
            ),
            "data": oa.about("The objects of this page", oa.array(item)),
            "first_page_url": oa.about("The first page's URL", url, example=first),
            "from": oa.about(
                "The position of this page's first object (null on an empty page)",
                oa.integer(minimum=1),
            ),
            "last_page": oa.about("The last page's number", oa.integer(nullable=False, minimum=1)),
            "last_page_url": oa.about("The last page's URL", url, example=first),
            "links": oa.about(
                "Links to the pages, as Laravel renders them",
                oa.array(
                    oa.record(
                        {
                            "url": oa.about(
                                "The page's URL (null where there is none)",
                                oa.string(),
                                example=first,
                            ),
                            "label": oa.about(
                                "The link's text", oa.string(nullable=False), example="1"
                            ),
                            "active": oa.about(
                                "Whether it is this page", oa.boolean(nullable=False)
                            ),
                        }
                    )
                ),
            ),
            "next_page_url": oa.about("The next page's URL (null on the last)", oa.string()),
            "path": oa.about(
                "The list's URL, without its query",
                url,
                example="https://registry.example/api/v1/customers",
            ),
            "per_page": oa.about(
                "The page size",
                oa.integer(nullable=False, minimum=1, maximum=MAX_PER_PAGE),
                example=DEFAULT_PER_PAGE,
            ),
            "prev_page_url": oa.about("The previous page's URL (null on the first)", oa.string()),
            "to": oa.about(
                "The position of this page's last object (null on an empty page)",
                oa.integer(minimum=1),
            ),
            "total": oa.about("How many objects match", count),
        }
    )


def _response(value: oa.Schema) -> oa.Schema:
    return oa.record({"response": value})


_NEW_ID = _response(oa.about("The id of the object created or changed", oa.ID, example=113))
_DELETED = _response(oa.about("Always true", oa.boolean(nullable=False)))

# --- errors --------------------------------------------------------------------------------

_MESSAGE = oa.closed({"message": oa.about("What went wrong, in words", oa.string(nullable=False))})


def _said(message: str) -> dict[str, str]:
    return {"message": message}


_ANSWERS = {
    400: oa.answer(
        400,
        _MESSAGE,
        "The body is not a JSON object, or a list's query cannot be built: a filter or a "
        "sort it does not have (spatie/laravel-query-builder's refusal), a NUL in a text",
        example=_said("Requested filter(s) `colour` are not allowed. Allowed filter(s) are `id`."),
    ),
    401: oa.answer(
        401,
        _MESSAGE,
        "`Unauthenticated.` (at login: wrong credentials)",
        example=_said("Unauthenticated."),
    ),
    403: oa.answer(
        403,
        _MESSAGE,
        "`This action is unauthorized.`",
        example=_said("This action is unauthorized."),
    ),
    404: oa.answer(
        404,
        _MESSAGE,
        "`No query results for model …`",
        example=_said("No query results for model [App\\Customer] 999"),
    ),
    405: oa.answer(
        405,
        _MESSAGE,
        "A method the path does not have (the answer of no operation here); `Allow` names "
        "those it has. OPTIONS is answered 200, without a body, as Laravel's router does",
        example=_said(
            "The POST method is not supported for this route. Supported methods: GET, HEAD."
        ),
    ),
    422: oa.answer(
        422,
        oa.closed(
            {
                "message": oa.about("The first message", oa.string(nullable=False)),
                "errors": {
                    "type": "object",
                    "additionalProperties": oa.array(oa.string(nullable=False)),
                    "description": "Each parameter that breaks a rule, with its messages",
                },
            }
        ),
        "Laravel's validator: the first message, and each parameter's messages; also an "
        "object still in use, and an `Idempotency-Key` sent with another request",
        example={
            "message": "The name field is required.",
            "errors": {"name": ["The name field is required."]},
        },
    ),
    **{
        status: oa.answer(status, _MESSAGE, example=_said(oa.MEANINGS[status][1]))
        for status in (408, 412, 413, 429, 500, 503)
    },
}


def _conventions(route: Route, method: str, spec: oa.Spec) -> dict[int, oa.Answer]:
    """What the billing handlers add: 400 for a body that is no JSON object, and for a list's
    query the list engine cannot build (a filter or a sort the list does not have,
    `query.parse_list`; a NUL in a filter's text or in the search term)."""
    if spec.body is not None or any(_queries_the_list(name) for name in spec.query):
        return {400: _ANSWERS[400]}
    return {}


def _queries_the_list(parameter: str) -> bool:
    return parameter.startswith("filter[") or parameter in ("sort", "term")


ERRORS = oa.Errors(_ANSWERS, invalid=422, conventions=_conventions)

# --- operations ------------------------------------------------------------------------------

_CUSTOMER_KEY = {"customer": oa.about("The customer's id", oa.ID, example=113)}
_IN_USE = (422,)  # a delete refused while other records use the object
_NAMES_CUSTOMER = (404,)  # `contactable_id`: a customer that is missing, or another entity's
_BODY_OR_QUERY = (
    " Parameters may be sent in the query string, as form fields or as a JSON object (the "
    "body's win over the query's); unknown ones are ignored."
)


def _write(
    summary: str,
    parameters: Mapping[str, oa.Schema],
    *,
    required: tuple[str, ...] = (),
    status: int = 200,
    response: oa.Schema,
    path: Mapping[str, oa.Schema] | None = None,
    creates: oa.Creates | None = None,
    media_types: tuple[str, ...] = FORMS,
    errors: tuple[int, ...] = (),
    conditional: bool = False,
    body_example: object = None,
) -> oa.Spec:
    """A write: its parameters in the query string or the body (see `_optional_bodies`)."""
    body = oa.fields(parameters)
    if required:
        names = ", ".join(f"`{name}`" for name in required)
        body["description"] = f"Required, here or in the query string: {names}."
    return oa.Spec(
        summary,
        query=parameters,
        path=path or {},
        body=body,
        media_types=media_types,
        status=status,
        response=response,
        creates=creates,
        errors=errors,
        conditional=conditional,
        body_example=body_example,
    )


def _customer_specs() -> dict[tuple[str, str], oa.Spec]:
    parameters = _parameters(CUSTOMER_PARAMETERS, _attribute, _CUSTOMER_WORDS)
    # A customer's name is never blank (`core.customers._validate`), as Python's str.strip()
    # reads it: a name of form feeds is blank too, unlike a brand's.
    parameters["name"] = oa.about(
        _CUSTOMER_WORDS["name"], _text(customers.NAME_MAX, nullable=False, blank=oa.BLANK)
    )
    item = "/v1/customers/{customer}"
    found = oa.record({"customer": oa.ref("Customer")})
    update = _write(
        "Change a customer (the parameters sent)",
        parameters,
        path=_CUSTOMER_KEY,
        response=_NEW_ID,
        media_types=UPDATE_FORMS,
        conditional=True,
    )
    return {
        ("GET", "/v1/customers"): oa.Spec(
            "List the entity's customers",
            query=_list_query(),
            response=_paginator(oa.ref("Customer")),
        ),
        ("POST", "/v1/customers"): _write(
            "Create a customer (`customerAccount` CL0001, CL0002… when not given); answers its id",
            parameters,
            required=("name",),
            status=201,
            response=_NEW_ID,
            creates=oa.Creates(item, "/response"),
            body_example={"name": "Société", "customerAccount": "123456"},
        ),
        ("GET", "/v1/customers/search"): oa.Spec(
            "Customers whose name, customerAccount or accountsReference contains `term`",
            query={
                "term": oa.about(
                    "The text searched for",
                    oa.string(nullable=False, pattern=oa.NO_NUL),
                    example="Soci",
                ),
                **_PAGE,
            },
            response=_paginator(oa.ref("Customer")),
        ),
        ("GET", item): oa.Spec(
            "Get a customer", path=_CUSTOMER_KEY, response=found, conditional=True
        ),
        ("PUT", item): update,
        ("PATCH", item): update,
        ("DELETE", item): oa.Spec(
            "Delete a customer (not one with sub-customers)",
            path=_CUSTOMER_KEY,
            response=_DELETED,
            errors=_IN_USE,
            conditional=True,
        ),
        ("GET", "/v1/customerAccounts/{customerAccount}"): oa.Spec(
            "Get a customer by its customerAccount",
            path={
                "customerAccount": oa.about(
                    _CUSTOMER_WORDS["customerAccount"], oa.string(nullable=False), example="123456"
                )
            },
            response=found,
            conditional=True,
        ),
    }


_BRAND = response_schema(models.Brand)
_CONTACT_WORDS = meanings(models.Contact)
_EMAIL = oa.about(
    "The user's e-mail address (or username)",
    # `required` once trimmed (TrimStrings): nothing but what trim() takes off is no value.
    {**oa.string(nullable=False, minLength=1), "not": {"pattern": f"^{_TRIMMED}$"}},
    example="test.user@example.com",
)


def _other_specs() -> dict[tuple[str, str], oa.Spec]:
    contactable = {
        "contactable_type": oa.about(
            _CONTACT_WORDS["contactable_type"],
            oa.string(nullable=False, enum=["App\\Customer", "App\\Models\\Customer"]),
        ),
        "contactable_id": oa.about(
            _CONTACT_WORDS["contactable_id"],
            oa.loose(
                oa.ID,
                {"type": "string", "pattern": oa.digits_within(1, INT32[1])},
                nullable=False,
                description="the customer's id",
            ),
            example=113,
        ),
    }
    brand = _parameters(BRAND_PARAMETERS, brands.FIELDS.get, meanings(models.Brand))
    key = {"brand": oa.about("The brand's id", oa.ID, example=1)}
    update_brand = _write(
        "Rename a brand",
        brand,
        path=key,
        response=_NEW_ID,
        media_types=UPDATE_FORMS,
        conditional=True,
    )
    return {
        ("GET", "/v1/contacts"): oa.Spec(
            "A customer's contacts (both parameters required)",
            query={**contactable, **_PAGE},
            response=_paginator(response_schema(models.Contact)),
            errors=_NAMES_CUSTOMER,
        ),
        ("POST", "/v1/contacts"): _write(
            "Add a contact to a customer; answers its id",
            {**contactable, **_parameters(CONTACT_PARAMETERS, contacts.FIELDS.get, _CONTACT_WORDS)},
            required=tuple(contactable),
            status=201,
            response=_NEW_ID,
            errors=_NAMES_CUSTOMER,
        ),
        ("GET", "/v1/brands"): oa.Spec(
            "The brands: the shared default and the entity's own",
            query=_PAGE,
            response=_paginator(_BRAND),
        ),
        ("POST", "/v1/brands"): _write(
            "Create a brand; answers its id",
            brand,
            required=("name",),
            status=201,
            response=_NEW_ID,
            creates=oa.Creates("/v1/brands/{brand}", "/response"),
        ),
        ("GET", "/v1/brands/{brand}"): oa.Spec(
            "Get a brand", path=key, response=oa.record({"brand": _BRAND}), conditional=True
        ),
        ("PUT", "/v1/brands/{brand}"): update_brand,
        ("PATCH", "/v1/brands/{brand}"): update_brand,
        ("DELETE", "/v1/brands/{brand}"): oa.Spec(
            "Delete a brand (not one in use)",
            path=key,
            response=_DELETED,
            errors=_IN_USE,
            conditional=True,
        ),
        ("POST", "/login"): oa.Spec(
            "Log in: a token for `Authorization: Bearer <token>`",
            body=oa.fields(
                {
                    "email": _EMAIL,
                    "password": oa.about(
                        "The user's password",
                        oa.string(nullable=False, minLength=1),
                        example="A_PASSWORD",
                    ),
                },
                required=("email", "password"),
            ),
            media_types=FORMS,
            response=oa.record(
                {
                    "token": oa.about(
                        "The token to send as `Authorization: Bearer <token>`",
                        oa.string(nullable=False),
                        example="sRtBFThPFIpgKY2sYkaSHFbo1hosg2NvCP4PmBIxfGQ62VS6zrjFT6dr1qDLQGz",
                    ),
                    "user": oa.about(
                        "Who logged in",
                        oa.record(
                            {
                                "id": oa.about("The user's id", oa.ID, example=1),
                                "name": oa.about(
                                    "The user's name", oa.string(nullable=False), example="T User"
                                ),
                                "email": _EMAIL,
                            }
                        ),
                    ),
                }
            ),
            errors=oa.LOGIN_REFUSALS,
        ),
        ("GET", "/version"): oa.Spec(
            "This service's version",
            response=oa.record(
                {
                    "version": oa.about("The API's version", oa.string(nullable=False)),
                    "status": oa.about('Always "ok"', oa.string(nullable=False, enum=["ok"])),
                    "vendor": oa.about("Who made it", oa.string(nullable=False)),
                    "url": oa.about("Where to read about it", oa.string(nullable=False)),
                }
            ),
            response_example={
                "version": "1.0",
                "status": "ok",
                "vendor": "BlueRockTEL",
                "url": "https://bluerocktel.com",
            },
            database=False,  # the health check: answers without it
        ),
    }


def _optional_bodies(document: oa.Schema, specs: Mapping[tuple[str, str], oa.Spec]) -> None:
    """Writes take their parameters from the query string or the body: the body is optional
    (the original's own example sends none), and what is required is said in words."""
    for (method, path), spec in specs.items():
        if spec.query and spec.body is not None:
            operation = document["paths"][path][method.lower()]
            operation["requestBody"]["required"] = False
            operation["description"] += _BODY_OR_QUERY


def _required_query(document: oa.Schema, path: str, names: tuple[str, ...]) -> None:
    for parameter in document["paths"][path]["get"]["parameters"]:
        if parameter["name"] in names:
            parameter["required"] = True


DESCRIPTION = (
    "For billing: customers with their accounts, brands and contacts, to create, find, search "
    "and change. Compatible with the BlueRockTEL API v1: the same paths, parameters (query "
    "string, form or JSON), Laravel pages, validation messages and answers. Log in at "
    "`/api/login` for a token, then send `Authorization: Bearer <token>` (or `Token "
    "token=<token>`)."
)
TAGS = (
    oa.Tag(
        "login", "A token for the other operations, and the API's version", ("/login", "/version")
    ),
    oa.Tag(
        "customers",
        "Customers, by id or by account, and searching them",
        ("/v1/customers", "/v1/customerAccounts"),
    ),
    oa.Tag("contacts", "The people to reach at a customer", ("/v1/contacts",)),
    oa.Tag("brands", "The brands customers are sold under", ("/v1/brands",)),
)


def build() -> oa.Schema:
    from customer_registry.apis.billing_v1.app import ROUTES  # the table this describes

    specs = {**_customer_specs(), **_other_specs()}
    document = oa.document(
        title="Customer Registry — billing API",
        description=DESCRIPTION,
        server="/api",
        routes=ROUTES,
        specs=specs,
        errors=ERRORS,
        schemas={"Customer": _customer()},
        tags=TAGS,
    )
    _optional_bodies(document, specs)
    _required_query(document, "/v1/contacts", ("contactable_type", "contactable_id"))
    return document
