"""Customers: the operations every API calls, and the rules they keep."""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from customer_registry.core import brands, catalogues, entities, media, organizations, users
from customer_registry.core import changes as change_log
from customer_registry.core.ahead import read_ahead
from customer_registry.core.clock import utcnow
from customer_registry.core.customer_details import DEFAULT_BRAND_ID, CustomerDetails
from customer_registry.core.errors import (
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    NotUnique,
    Required,
    UnknownField,
    missing,
)
from customer_registry.core.fields import INT64, Attribute, is_key, problem, validate
from customer_registry.core.permissions import Caller
from customer_registry.core.query import ListQuery, Page, PageRequest
from customer_registry.core.references import Finder, Reference, resolve, resolve_all
from customer_registry.core.scope import Scope
from customer_registry.storage import customers as repository
from customer_registry.storage import identity, schema
from customer_registry.storage.attributes import attribute, attributes, defaults
from customer_registry.storage.database import Connection, Database, Row

# The commercial details' limits, as the schema's columns (made from CustomerDetails) hold.
DETAILS: dict[str, Attribute] = attributes(schema.customers, CustomerDetails.__struct_fields__)
DEFAULTS: dict[str, Any] = defaults(schema.customers, DETAILS)
# A row's details, in the record's field order (see CustomerDetails on positional building).
_details_of = operator.itemgetter(*CustomerDetails.__struct_fields__)
NAME_MAX = attribute(schema.customers.c.name).max_length or 0
CODE_MAX = attribute(schema.customers.c.code).max_length or 0

ACCOUNT_PREFIX = "CL"
_ACCOUNT_ATTEMPTS = 10_000


# With is_same_address, the shipping address is a copy of the billing one (sales API).
SHIPPING_FROM_BILLING = {
    "shipping_country": "country",
    "shipping_city": "city",
    "shipping_postal_code": "postal_code",
    "shipping_address": "address_line1",
    "shipping_lat": "billing_lat",
    "shipping_lng": "billing_lng",
}
DUE_DATE_TYPES = (1, 2)  # days after the invoice date; after the end of the invoice month
_RISK_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
# The bounds of a latitude and a longitude (either sign), by field.
COORDINATE_LIMITS = {
    "billing_lat": 90,
    "shipping_lat": 90,
    "billing_lng": 180,
    "shipping_lng": 180,
}
DUE_DATE_DAYS = (0, 3650)  # a due date's number of days: up to ten years
_PARENT_DEPTH_MAX = 100

# Fields a client may change; ids, entity and audit fields are the system's.
WRITABLE = frozenset({"name", "external_id", "code", *DETAILS})


class Customer(msgspec.Struct, frozen=True):
    """Every read of a customer builds one (a GET, each row of a page, each sales record):
    a frozen Struct is built in C, where a frozen dataclass's `__init__` sets each field
    through `object.__setattr__` (measured by callgrind: 16,000 instructions a customer,
    against about 1,500)."""

    customer_id: int
    entity_id: int
    name: str
    external_id: int | None
    code: str | None
    details: CustomerDetails
    created_at: datetime
    created_by: str | None
    modified_at: datetime | None
    modified_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Customer:
        return cls(
            customer_id=row["customer_id"],
            entity_id=row["entity_id"],
            name=row["name"],
            external_id=row["external_id"],
            code=row["code"],
            details=CustomerDetails(*_details_of(row)),
            created_at=row["created_at"],
            created_by=row["created_by"],
            modified_at=row["modified_at"],
            modified_by=row["modified_by"],
        )

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> Customer:
        """The customer from the values of a row of `select(customers)`: the table's columns,
        in the Customer's field order with the details in the middle (checked at import,
        `_table_layout`)."""
        # mypy cannot count the slices' values against the fields (`_table_layout` does).
        return cls(  # type: ignore[call-arg]
            *values[:_DETAILS_START],
            CustomerDetails(*values[_DETAILS_START:_DETAILS_END]),
            *values[_DETAILS_END:],
        )


def _table_layout() -> tuple[int, int]:
    """Where the details lie among the `customers` table's columns, once it is checked that
    the other columns are the Customer's own fields in its order (else no positional read)."""
    columns = [column.name for column in schema.customers.c]
    details = list(CustomerDetails.__struct_fields__)
    start = columns.index(details[0])
    end = start + len(details)
    own = [name for name in Customer.__struct_fields__ if name != "details"]
    if columns[start:end] != details or columns[:start] + columns[end:] != own:
        raise RuntimeError("the customers table's columns are not in the Customer's order")
    if Customer.__struct_fields__.index("details") != start:
        raise RuntimeError("Customer.details is not where the table's details are")
    return start, end


_DETAILS_START, _DETAILS_END = _table_layout()


@dataclass(frozen=True, slots=True)
class NewCustomer:
    entity_id: int
    name: str
    external_id: int | None = None
    code: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Created:
    customer: Customer
    customer_entity_linker_id: int


# A customer's fields in its history (`history_fields`), its entity aside: its identity, then
# its details.
_IDENTITY = ("name", "external_id", "code")
_HISTORY_FIELDS = (*_IDENTITY, *DETAILS)


def history_fields(
    customer: Customer, payment_types: Collection[int] | None = None
) -> dict[str, Any]:
    """The customer's fields as its history compares them (`core.changes`), with its
    payment types' ids when they are known (given or replaced by the change)."""
    fields: dict[str, Any] = {
        "entity_id": customer.entity_id,
        **{name: getattr(customer, name) for name in _IDENTITY},
        **msgspec.structs.asdict(customer.details),
    }
    if payment_types is not None:
        fields["payment_type_ids"] = sorted(payment_types) or None
    return fields


def _state(customer: Customer, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The customer as its history's entry keeps it (`core.changes`): its id and `fields`
    (its `history_fields`; payment types aside, which the one-statement update does not
    read), as an event tells a webhook."""
    state = {"customer_id": customer.customer_id, **fields}
    state.pop("payment_type_ids", None)
    return state


def _validate(changes: Mapping[str, Any]) -> None:
    validate(DETAILS, {k: v for k, v in changes.items() if k in DETAILS})
    errors: dict[str, str] = {}
    if "name" in changes:
        name = changes["name"]
        if not isinstance(name, str) or not name.strip() or "\x00" in name:
            errors["name"] = "{field} must be a non-empty string."
        elif len(name) > NAME_MAX:
            errors["name"] = f"{{field}} must be at most {NAME_MAX} characters."
    external_id = changes.get("external_id")
    if external_id is not None and (
        isinstance(external_id, bool)
        or not isinstance(external_id, int)
        or not INT64[0] <= external_id <= INT64[1]
    ):
        errors["external_id"] = "{field} must be a 64-bit integer."
    code = changes.get("code")
    if code is not None and (
        not isinstance(code, str) or not 0 < len(code) <= CODE_MAX or "\x00" in code
    ):
        errors["code"] = f"{{field}} must be a string of 1 to {CODE_MAX} characters."
    errors |= _detail_problems(changes)
    if errors:
        raise Invalid(errors)


def field_problems(changes: Mapping[str, Any]) -> dict[str, str]:
    """What the rules of each field alone find wrong with `changes` (of writable fields),
    every problem at once (a write stops at the first kind it finds) and without writing,
    for a form that shows them together; the write checks them again."""
    problems: dict[str, str] = {}
    details: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in DETAILS:
            continue
        found = problem(DETAILS[name], value)
        if found:
            problems[name] = found
        else:
            details[name] = value
    try:
        _validate({k: v for k, v in changes.items() if k not in DETAILS})
    except Invalid as error:
        problems |= error.errors
    return problems | _detail_problems(details)


def _detail_problems(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, limit in COORDINATE_LIMITS.items():
        value = values.get(name)
        if value is not None and not -limit <= value <= limit:
            errors[name] = f"{{field}} must be between -{limit} and {limit}."
    color = values.get("customer_risk_color")
    if color is not None and not _RISK_COLOR.fullmatch(color):
        errors["customer_risk_color"] = "{field} must be a colour such as #1BE9D8."
    kind = values.get("due_date_config_type")
    if kind is not None and kind not in DUE_DATE_TYPES:
        errors["due_date_config_type"] = "{field} must be 1 or 2."
    days = values.get("due_date_config_number")
    low, high = DUE_DATE_DAYS
    if days is not None and not low <= days <= high:
        errors["due_date_config_number"] = f"{{field}} must be a number of days ({low} to {high})."
    return errors


def _consistent(values: dict[str, Any]) -> dict[str, Any]:
    """Rules across fields, on the record as it will be stored: the shipping address follows
    the billing one while they are the same; a due date type needs its number of days."""
    if (
        values.get("due_date_config_type") is not None
        and values.get("due_date_config_number") is None
    ):
        raise Required({"due_date_config_number": "{field} is required with a due date type."})
    if values.get("is_same_address"):
        values |= {ship: values.get(bill) for ship, bill in SHIPPING_FROM_BILLING.items()}
    return values


async def get(
    conn: Connection, caller: Caller, customer_id: int, *, for_update: bool = False
) -> Customer:
    """The customer, if the caller may see it; `for_update` locks it for the transaction."""
    fetch = repository.get_for_update if for_update else repository.get
    values = await fetch(conn, caller.scope, customer_id) if is_key(customer_id) else None
    if values is None:
        raise missing("customer", "id", customer_id)
    return Customer.from_values(values)


def each(db: Database, scope: Scope, *, batch_rows: int = 1000) -> AsyncGenerator[list[Customer]]:
    """Every customer `scope` sees, in batches by id, each read on its own: a long export
    holds no transaction, and a connection only while a batch is read, the next one while
    the caller works on this one (`read_ahead`)."""
    return read_ahead(_batches(db, scope, batch_rows))


async def _batches(db: Database, scope: Scope, batch_rows: int) -> AsyncIterator[list[Customer]]:
    last = 0
    while True:
        async with db.read() as conn:
            rows = await repository.after(conn, scope, last, batch_rows)
        if not rows:
            return
        batch = [Customer.from_values(row) for row in rows]  # select(customers) rows
        yield batch
        last = batch[-1].customer_id


async def get_by_code(conn: Connection, caller: Caller, code: str) -> Customer:
    """The customer with account/reference `code` in the caller's own entity."""
    row = await repository.by_identifier(conn, caller.scope, None, code)
    if row is None:
        raise NotFound(f"No customer with the account {code!r}.")
    return Customer.from_row(row)


async def identified(conn: Connection, caller: Caller, customer: int | Reference) -> int:
    """The id of the customer named by its id, or by reference (its code, in the caller's
    own entity: "The customer with the reference … doesn't exist." if none has it)."""
    if not isinstance(customer, Reference):
        return customer
    return await _id_by_code(conn, caller.scope, customer.text, "customer")


async def _id_by_code(conn: Connection, scope: Scope, code: str, kind: str) -> int:
    row = await repository.by_identifier(conn, scope, None, code)
    if row is None:
        raise missing(kind, "reference", code)
    return int(row["customer_id"])


async def list_page(
    conn: Connection, caller: Caller, query: ListQuery, page: PageRequest
) -> Page[Customer]:
    total, rows = await repository.page(conn, caller.scope, query, page)
    return Page([Customer.from_row(row) for row in rows], total)


# The search (the console's): text of at least SEARCH_MIN characters (what a trigram index
# can look up), found inside a customer's name, identifiers, phones and e-mail; at most
# SEARCH_MAX of the matches are sorted and paged, so that an answer costs the same at any size.
SEARCH_MIN = 3
SEARCH_MAX = 1000


@dataclass(frozen=True, slots=True)
class Found:
    """A page of a search's matches by name, and how many matched (`complete`: all of them;
    otherwise more than SEARCH_MAX did, and the pages hold SEARCH_MAX of them)."""

    items: list[Customer]
    total: int
    complete: bool


async def search(
    conn: Connection,
    caller: Caller,
    text: str,
    equal: Mapping[str, Any],
    page: PageRequest,
) -> Found:
    """The customers the caller sees with `text` in their name, code, secondary code, e-mail,
    phone or mobile (case-insensitively; `%`, `_` taken literally) and `equal`'s values."""
    if len(text) < SEARCH_MIN:
        raise Invalid({"q": f"A search needs at least {SEARCH_MIN} characters."})
    if "\x00" in text:
        return Found([], 0, complete=True)  # no stored text holds one
    found = await repository.search(conn, caller.scope, text, equal, SEARCH_MAX + 1)
    ordered = sorted(found, key=lambda row: (row["name"], row["customer_id"]))[:SEARCH_MAX]
    shown = [row["customer_id"] for row in ordered[page.start : page.start + page.per_page]]
    rows = await repository.by_ids(conn, caller.scope, shown) if shown else []
    by_id = {row["customer_id"]: Customer.from_row(row) for row in rows}
    items = [by_id[key] for key in shown if key in by_id]  # one deleted meanwhile: left out
    return Found(items, len(ordered), complete=len(found) <= SEARCH_MAX)


# Identifiers unique within an entity (the database's unique indexes decide a race).
UNIQUE_IN_ENTITY = ("code", "secondary_code")


async def rule_problems(
    conn: Connection, scope: Scope, values: Mapping[str, Any], customer_id: int | None = None
) -> dict[str, str]:
    """What the rules that read other rows find wrong with `values` (a new customer's of
    the scope's entity, or the changes to `customer_id`), all at once and without writing,
    for an API that answers every problem of a request together: an identifier another
    customer of the entity holds, a brand or representative out of reach. The write checks
    them again, and the unique indexes decide a race (NotUnique)."""
    problems: dict[str, str] = {}
    for name in UNIQUE_IN_ENTITY:
        value = values.get(name)
        if value is not None and await repository.taken(conn, scope, name, value, customer_id):
            problems[name] = "The {field} has already been taken."
    for name in ("brand_id", "representative_id"):
        if values.get(name) is None:
            continue
        if not is_key(values[name]):  # no row has it: not a question for the database
            problems[name] = "The selected {field} is invalid."
            continue
        try:
            await _check_references(conn, scope, {name: values[name]})
        except Invalid as error:
            problems |= error.errors
    return problems


async def _check_references(
    conn: Connection, scope: Scope, values: Mapping[str, Any], customer_id: int | None = None
) -> None:
    """Everything a customer names (brand, representative, catalogue objects, parent,
    creator) must exist in its entity, the one its `scope` puts new rows in."""
    brand = values.get("brand_id")
    if brand is not None and brand != DEFAULT_BRAND_ID:  # brand 1 is shared and permanent
        await brands.require_usable(conn, scope, brand)
    representative = values.get("representative_id")
    if representative is not None and not await identity.user_in_entity(
        conn, scope, representative
    ):
        raise Invalid({"representative_id": "The selected {field} is invalid."})
    for name, catalogue in _CATALOGUE_LINKS.items():
        key = values.get(name)
        if key is None:
            continue
        if catalogue is catalogues.CUSTOMER_REGIONS:
            region = await catalogues.get(conn, catalogues.CUSTOMER_REGIONS, scope, key)
            await organizations.check_region_level(conn, scope, region.extra.level)
        else:
            await catalogues.get(conn, catalogue, scope, key)
    creator = values.get("creator_id")
    if creator is not None and not await identity.user_in_entity(conn, scope, creator):
        raise missing("user", "id", creator)
    if values.get("parent_customer_id") is not None:
        await _check_parent(conn, scope, values["parent_customer_id"], customer_id)


_CATALOGUE_LINKS: dict[str, catalogues.Catalogue[Any]] = {
    "category_id": catalogues.CUSTOMER_CATEGORIES,
    "segmentation_id": catalogues.CUSTOMER_SEGMENTATIONS,
    "region_id": catalogues.CUSTOMER_REGIONS,
    "currency_id": catalogues.CUSTOMER_CURRENCIES,
}
# The fields that name other rows: what `_check_references` reads of a customer's values.
_REFERENCES = ("brand_id", "representative_id", *_CATALOGUE_LINKS, "creator_id",
               "parent_customer_id")  # fmt: skip

# --- references: what each field names, found in the entity the customer belongs to ------

_FindIn = Callable[[Connection, Caller, Scope, str], Awaitable[int]]


def _catalogue_item(catalogue: catalogues.Catalogue[Any]) -> _FindIn:
    async def find(conn: Connection, caller: Caller, scope: Scope, reference: str) -> int:
        return (await catalogues.by_reference(conn, catalogue, scope, reference)).id

    return find


async def _currency(conn: Connection, caller: Caller, scope: Scope, code_or_name: str) -> int:
    return await catalogues.configured_currency(conn, scope, code_or_name)


async def _user(conn: Connection, caller: Caller, scope: Scope, username: str) -> int:
    return (await users.by_username(conn, caller, username)).user_id


async def _parent(conn: Connection, caller: Caller, scope: Scope, code: str) -> int:
    return await _id_by_code(conn, scope, code, "parent customer")


_FIND: dict[str, _FindIn] = {
    "category_id": _catalogue_item(catalogues.CUSTOMER_CATEGORIES),
    "segmentation_id": _catalogue_item(catalogues.CUSTOMER_SEGMENTATIONS),
    "region_id": _catalogue_item(catalogues.CUSTOMER_REGIONS),
    "currency_id": _currency,
    "creator_id": _user,
    "parent_customer_id": _parent,
}
_FIND_PAYMENT_TYPE = _catalogue_item(catalogues.CUSTOMER_PAYMENT_TYPES)


def _finders(conn: Connection, caller: Caller, scope: Scope) -> dict[str, Finder]:
    """Each field's finder of the object a Reference names, in the scope's entity."""
    return {name: functools.partial(find, conn, caller, scope) for name, find in _FIND.items()}


async def _resolved(
    conn: Connection,
    caller: Caller,
    scope: Scope,
    values: Mapping[str, Any],
    payment_types: Collection[int | Reference] | None,
) -> tuple[dict[str, Any], list[int] | None]:
    """`values` and `payment_types` with every Reference in them turned into an id."""
    found = await resolve_all(values, _finders(conn, caller, scope))
    if payment_types is None:
        return found, None
    payment_type = functools.partial(_FIND_PAYMENT_TYPE, conn, caller, scope)
    return found, [await resolve(key, payment_type) for key in payment_types]


async def resolved(
    conn: Connection, caller: Caller, entity_id: int, values: Mapping[str, Any]
) -> dict[str, Any]:
    """`values` (a new or changed customer's, in `entity_id`) with every Reference in them
    turned into the id it names there, or the error of the first that names nothing."""
    found, _ = await _resolved(conn, caller, caller.scope.for_entity(entity_id), values, None)
    return found


def require_parent(sub_customer: bool | None, parent: object) -> None:
    """A sub-customer (the sales API's `isSubCustomer`) has a parent: the one sent, else the
    one it has."""
    if sub_customer and parent is None:
        raise Required({"parent_customer_id": "{field} is required for a sub-customer."})


# Fields whose change is a single UPDATE (on PostgreSQL, which records its history in the
# same statement, `repository.update_alone`): no rule reads the stored record or another row
# for them. The others name other rows (`_check_references`), are identifiers (NotUnique
# names the entity), feed a rule across fields (`_consistent`) or stand for an image file.
_CHANGED_ALONE = WRITABLE - {
    *("external_id", "code", "secondary_code"),
    *_REFERENCES,
    *("is_same_address", "due_date_config_type", "due_date_config_number"),
    *SHIPPING_FROM_BILLING,
    *SHIPPING_FROM_BILLING.values(),
    "logo",
}


async def _check_parent(
    conn: Connection, scope: Scope, parent_id: int, customer_id: int | None
) -> None:
    """The parent exists in the scope's entity, and the customer is not its own ancestor."""
    next_id: int | None = parent_id
    for _ in range(_PARENT_DEPTH_MAX):
        if next_id is None:
            return
        if next_id == customer_id:
            raise Invalid({"parent_customer_id": "A customer cannot be its own parent."})
        row = await repository.parent_of(conn, scope, next_id) if is_key(next_id) else None
        if row is None:
            raise missing("parent customer", "id", next_id)
        next_id = row["parent_customer_id"]
    raise Invalid({"parent_customer_id": "The chain of parent customers is too deep."})


async def _defaults(conn: Connection, caller: Caller, scope: Scope) -> dict[str, Any]:
    """What a new customer of the scope's entity gets when not told: the root category, the
    entity's currency, and the caller as creator when they belong to the entity."""
    category, currency = await catalogues.new_customer_defaults(conn, scope)
    found: dict[str, Any] = {"category_id": category, "currency_id": currency}
    if caller.user_id is not None and caller.entity_id == scope.entity_id:
        found["creator_id"] = caller.user_id
    return found


async def _insert_with_account(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> Row:
    """Insert with the scope's entity's next free generated account (CL0001, CL0002, …)."""
    for _ in range(_ACCOUNT_ATTEMPTS):
        number = await repository.next_account_number(conn, scope)
        code = f"{ACCOUNT_PREFIX}{number:04d}"
        result = await repository.insert_or_conflict(conn, scope, {**values, "code": code})
        if not isinstance(result, str):
            return result
        if result != "code":
            raise NotUnique(result, values[result], scope.entity_id)
    raise NotUnique("code", None, scope.entity_id)  # ten thousand taken in a row: give up


async def create(
    conn: Connection,
    caller: Caller,
    new: NewCustomer,
    *,
    generate_code: bool = False,
    payment_types: Collection[int | Reference] | None = None,
    image: media.NewImage | None = None,
) -> Created:
    """Create a customer in `new.entity_id` and record its first entity link.

    Its details and `payment_types` may name objects by Reference (found in that entity).
    With `generate_code` and no code given, the entity's next account code is assigned.
    `image`'s files are written before the row, and removed if the transaction fails.
    """
    scope = await new_customers_scope(conn, caller, new.entity_id)
    details, types = await _resolved(conn, caller, scope, new.details, payment_types)
    values = _new_values(new, details)
    await _check_references(conn, scope, values)
    if types:
        await catalogues.require_all(conn, catalogues.CUSTOMER_PAYMENT_TYPES, scope, types)
    defaults = await _defaults(conn, caller, scope)
    if image is not None:  # the last thing before the row: a refused create writes no file
        values["logo"] = await media.store(conn, new.entity_id, image)
    audit = {"created_at": utcnow(), "created_by": caller.username}
    row_values = {**defaults, **values, **audit}
    if generate_code and new.code is None:
        row = await _insert_with_account(conn, scope, row_values)
    else:
        row = await repository.insert(conn, scope, row_values)
    if types:
        await repository.set_payment_types(conn, scope, row["customer_id"], types)
    created = await _linked(conn, scope, row, audit)
    after = history_fields(created.customer, types)
    await change_log.record(
        conn,
        caller,
        customer_id=created.customer.customer_id,
        entity_id=new.entity_id,
        action="customer.created",
        before={},
        after=after,
        state=_state(created.customer, after),
    )
    return created


async def new_customers_scope(conn: Connection, caller: Caller, entity_id: int) -> Scope:
    """The scope new customers of `entity_id` are written in, if the caller may create them
    there and the entity exists."""
    if not caller.can_see_entity(entity_id):
        raise Forbidden("You may only create customers in your own entity.")
    if entity_id != caller.entity_id:  # the caller's own exists: it holds their user
        await entities.require_existing(conn, caller, entity_id, field="entity_id")
    return caller.scope.for_entity(entity_id)


async def _linked(conn: Connection, scope: Scope, row: Row, audit: Mapping[str, Any]) -> Created:
    """The new customer's first link, to the entity its row went to."""
    link = await repository.insert_link(conn, scope, _first_link(row["customer_id"], audit))
    return Created(Customer.from_row(row), link["customer_entity_linker_id"])


def _first_link(customer_id: int, audit: Mapping[str, Any]) -> dict[str, Any]:
    """A new customer's link to its entity, added when the customer was created."""
    return {
        "customer_id": customer_id,
        "date_added": audit["created_at"],
        "created_at": audit["created_at"],
        "created_by": audit["created_by"],
    }


def _new_values(new: NewCustomer, details: Mapping[str, Any]) -> dict[str, Any]:
    """A new customer's values (its details' ids found), checked by the rules that read no
    other row."""
    for name in details:
        if name not in DETAILS:
            raise UnknownField(name)
    given = {**details, "name": new.name, "external_id": new.external_id, "code": new.code}
    # The defaults pass these rules (tests/storage/test_attributes.py): only what was given
    # is checked (an import's row: 4.9 us against 7.4 with the defaults, timeit).
    _validate(given)
    return _consistent({**DEFAULTS, **given})


async def create_many(
    conn: Connection, caller: Caller, entity_id: int, news: Sequence[NewCustomer]
) -> list[int | DomainError]:
    """Create customers in `entity_id` by the rules of `create` (no payment types, image or
    generated code): for each, its id, or what `create` would raise. Each new customer has a
    code (an import's identity), by which the rows written are told apart.

    For a bulk import: what is the same for every row (the caller's right to the entity, the
    defaults) is looked up once, the objects rows name once each (`_Lookups`), and the rows
    are written together, in a few statements (`_Pending`): a refused row writes nothing, so
    no savepoint is needed per row. A row that names a parent customer, or repeats a code, is
    checked after the rows before it are written, so one row may name another. Only what no
    check can foresee (an object deleted meanwhile: a foreign key) raises, and leaves the
    transaction to be rolled back."""
    if any(new.code is None for new in news):
        raise ValueError("create_many writes customers that have a code")
    scope = await new_customers_scope(conn, caller, entity_id)
    lookups = _Lookups(conn, caller, scope)
    defaults = await _defaults(conn, caller, scope)
    pending = _Pending(conn, caller, scope)
    for new in news:
        if new.details.get("parent_customer_id") is not None or new.code in pending.codes:
            await pending.write()
        try:
            values = _new_values(new, await resolve_all(new.details, lookups.finders))
            await lookups.check_references(values)
        except DomainError as error:
            pending.results.append(error)
            continue
        audit = {"created_at": utcnow(), "created_by": caller.username}
        pending.add({**defaults, **values, **audit})
    await pending.write()
    return [result for result in pending.results if result is not None]


@dataclass(slots=True)
class _Pending:
    """The results of `create_many` so far: None for the rows checked and not yet written,
    whose places, values and codes are kept until `write`."""

    conn: Connection
    caller: Caller
    scope: Scope
    results: list[int | DomainError | None] = field(default_factory=list)
    places: list[int] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)

    def add(self, values: dict[str, Any]) -> None:
        self.places.append(len(self.results))
        self.results.append(None)
        self.rows.append(values)
        self.codes.add(values["code"])

    async def write(self) -> None:
        """Write the rows kept (they and their links: two statements for up to a few hundred
        rows) and put what became of each, its id or why not, in its place."""
        if not self.rows:
            return
        answers = await repository.insert_many_or_conflict(self.conn, self.scope, self.rows)
        new_links = [
            _first_link(key, values)
            for values, key in zip(self.rows, answers, strict=True)
            if not isinstance(key, DomainError)
        ]
        await repository.insert_links(self.conn, self.scope, new_links)
        entity = self.scope.entity_id
        await change_log.record_created(
            self.conn,
            self.caller,
            entity,
            (
                (key, _history_fields(values, entity))
                for values, key in zip(self.rows, answers, strict=True)
                if not isinstance(key, DomainError)
            ),
        )
        for place, answer in zip(self.places, answers, strict=True):
            self.results[place] = answer
        self.places, self.rows, self.codes = [], [], set()


def _history_fields(values: Mapping[str, Any], entity_id: int) -> dict[str, Any]:
    """A new customer's fields as its history keeps them. Looked up by `map` rather than a
    comprehension: 3.9 us against 7.1 a row (timeit), and an import writes a million."""
    fields = dict(zip(_HISTORY_FIELDS, map(values.get, _HISTORY_FIELDS), strict=True))
    fields["entity_id"] = entity_id
    return fields


class _Lookups:
    """The lookups of `create`, each made once for the rows of a batch and kept with its
    answer (an id, or the error): an import's rows mostly name the same category, currency
    and creator. Never a parent customer's: an earlier row may have just written it."""

    def __init__(self, conn: Connection, caller: Caller, scope: Scope) -> None:
        self._conn, self._scope = conn, scope
        self._answers: dict[tuple[object, ...], object] = {}
        self.finders = {
            name: find if name == "parent_customer_id" else self._kept(name, find)
            for name, find in _finders(conn, caller, scope).items()
        }

    def _kept(self, name: str, find: Finder) -> Finder:
        async def kept(reference: str) -> int:
            found: int = await self._once(("find", name, reference), lambda: find(reference))
            return found

        return kept

    async def check_references(self, values: Mapping[str, Any]) -> None:
        check = functools.partial(_check_references, self._conn, self._scope, values)
        if values.get("parent_customer_id") is not None:
            await check()
        else:
            await self._once(("check", *(values.get(name) for name in _REFERENCES)), check)

    async def _once(self, key: tuple[object, ...], look: Callable[[], Awaitable[Any]]) -> Any:
        if key not in self._answers:
            try:
                self._answers[key] = await look()
            except DomainError as error:
                self._answers[key] = error
        answer = self._answers[key]
        if isinstance(answer, DomainError):
            raise answer.with_traceback(None)
        return answer


@dataclass(frozen=True, slots=True)
class _Change:
    """What an update sends beside the changed fields."""

    payment_types: Collection[int | Reference] | None
    image: media.NewImage | None
    sub_customer: bool | None

    @property
    def checked(self) -> bool:
        """Whether the change needs the stored record (read and locked)."""
        return self.payment_types is not None or self.image is not None or bool(self.sub_customer)


async def update(
    conn: Connection,
    caller: Caller,
    customer: int | Reference,
    changes: Mapping[str, Any],
    *,
    payment_types: Collection[int | Reference] | None = None,
    image: media.NewImage | None = None,
    sub_customer: bool | None = None,
) -> Customer:
    """Change the fields sent (a partial update); the audit fields follow. The customer, and
    the objects the changes and `payment_types` name, may be named by Reference.
    `payment_types`, when given, replaces the customer's payment types; `image` replaces its
    image (the new files written now and removed if the transaction fails, the old ones
    removed once it commits); `sub_customer`: it must then have a parent (`require_parent`).

    `conn` need not be in a transaction: a change of fields that no rule checks is one
    statement on PostgreSQL (its history entry included), and anything else opens a
    transaction (or joins the caller's), in which the customer is read and locked once and
    the change recorded in its history (`core.changes`).
    """
    customer_id = await identified(conn, caller, customer)
    change = _Change(payment_types, image, sub_customer)
    if (
        changes
        and not change.checked
        and changes.keys() <= _CHANGED_ALONE
        and repository.updates_alone(conn)
    ):
        return await _update_alone(conn, caller, customer_id, changes)
    async with conn.transaction():
        return await _update_checked(conn, caller, customer_id, changes, change)


async def _update_alone(
    conn: Connection, caller: Caller, customer_id: int, changes: Mapping[str, Any]
) -> Customer:
    try:
        _validate(changes)
    except Invalid:
        await get(conn, caller, customer_id)  # a missing customer is told first, as below
        raise
    values = {**changes, "modified_at": utcnow(), "modified_by": caller.username}
    entry = change_log.recorded_in_the_write(caller, "customer.updated")
    row = (
        await repository.update_alone(conn, caller.scope, customer_id, values, entry)
        if is_key(customer_id)
        else None
    )
    if row is None:
        raise missing("customer", "id", customer_id)
    return Customer.from_row(row)


async def _update_checked(
    conn: Connection,
    caller: Caller,
    customer_id: int,
    sent: Mapping[str, Any],
    change: _Change,
) -> Customer:
    # Locked first, and only here: concurrent updates then apply one after the other.
    existing = await get(conn, caller, customer_id, for_update=True)
    require_parent(
        change.sub_customer, sent.get("parent_customer_id", existing.details.parent_customer_id)
    )
    scope = caller.scope.for_entity(existing.entity_id)  # its references resolve there
    changes, types = await _resolved(conn, caller, scope, sent, change.payment_types)
    for name in changes:
        if name not in WRITABLE:
            raise UnknownField(name)
    _validate(changes)
    if not changes and types is None and change.image is None:
        return existing
    stored = msgspec.structs.asdict(existing.details)
    merged = _consistent({**stored, **changes})
    changed = {k: v for k, v in merged.items() if k in changes or stored.get(k) != v}
    await _check_references(conn, scope, changes, customer_id)
    if types is not None:
        await catalogues.require_all(conn, catalogues.CUSTOMER_PAYMENT_TYPES, scope, types)
    if change.image is not None:  # after every check: a refused change writes no file
        changed["logo"] = await media.store(conn, existing.entity_id, change.image)
        media.remove_once_committed(conn, change.image.files, existing.details.logo)
    replaced = None
    if types is not None:
        replaced = await repository.set_payment_types(conn, scope, customer_id, types)
    values = {**changes, **changed, "modified_at": utcnow(), "modified_by": caller.username}
    row = await repository.update(conn, scope, customer_id, values)
    assert row is not None  # read and locked above, through the same scope
    updated = Customer.from_row(row)
    after = history_fields(updated, types)
    await change_log.record(
        conn,
        caller,
        customer_id=customer_id,
        entity_id=updated.entity_id,
        action="customer.updated",
        before=history_fields(existing, replaced),
        after=after,
        state=_state(updated, after),
    )
    return updated


async def delete(
    conn: Connection, caller: Caller, customer: int | Reference, files: media.MediaFiles
) -> Customer:
    """Delete the customer (refused while sub-customers name it as parent); its image's
    files go once the deletion is committed. Answers the deleted customer."""
    customer_id = await identified(conn, caller, customer)
    existing = await get(conn, caller, customer_id)
    if not await repository.delete(conn, caller.scope, customer_id):
        raise missing("customer", "id", customer_id)  # another request deleted it first
    media.remove_once_committed(conn, files, existing.details.logo)
    before = history_fields(existing)
    await change_log.record(
        conn,
        caller,
        customer_id=customer_id,
        entity_id=existing.entity_id,
        action="customer.deleted",
        before=before,
        after={},
        state=_state(existing, before),  # the last it was
    )
    return existing
