"""Isolation between entities (issue 7, item 5), generated from the route tables.

Entity A and entity B each get a full set of objects through the three APIs: partner
customers, products with their entity links and customer-product history, every sales
catalogue (from `COLLECTIONS`, with a child where the catalogue is a tree), sales customers (one
a sub-customer) with every relation set, contacts, billing brands and customers (one with a
generated account, `CL0001` in both entities), users, organisation settings.

A SYSTEM user of A then acts on B's objects through every route of the three applications,
walked from `app.routes` through the mounts, with every method the route allows:

* a route with a path parameter: each of B's objects the parameter can name (by id, and by
  reference with `useExternalId=true` on the sales API), and, for writes, a body that would
  take the object over; plus, on A's own object, bodies that name B's objects (relations);
* a list route: the plain list never shows B's objects; every filter (each filterable field
  with B's values, relation filters of the partner `q`, billing `filter[...]`, `term`, sales
  exact filters) answers what the same filter on a value no object has answers;
* a create route: bodies naming B's objects (entity, category, parent, brand, representative…).

Each request naming B's object must get exactly the answer of the same request naming an object
that does not exist (status and body, the missing value put in place of B's), and B's rows of
every table (SQLAlchemy Core over `metadata.sorted_tables`: rows whose entity is B, or that
reference such a row through a foreign key) are the same after every write as before it.

Values unique across every entity (an entity's name and geic, a product's identifiers) are
probed by a test of their own: for products, the one exception the partner notes document.

The ENTITY user is checked on the three APIs; a GLOBAL user of A on the sales and billing APIs,
which work inside the caller's entity whatever the visibility. A route this module does not
know (a path parameter without a target, a list or create without a spec) fails
`test_every_route_is_known` and the probes: a new endpoint must be described here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest
import sqlalchemy as sa
from starlette.routing import Mount, Route

from customer_registry.apis.billing_v1.names import CUSTOMER_PARAMETERS as BILLING_PARAMETERS
from customer_registry.apis.billing_v1.names import FILTERABLE
from customer_registry.apis.billing_v1.query import SEARCH_FIELDS, TERM_MATCH_FIELDS
from customer_registry.apis.context import Context
from customer_registry.apis.params import WrongType
from customer_registry.apis.partner_v1.names import RESOURCES
from customer_registry.apis.sales_v1_0.catalogues import COLLECTIONS, Collection
from customer_registry.apis.sales_v1_0.contacts import _CUSTOMER as SALES_CONTACT_OWNER
from customer_registry.apis.sales_v1_0.names import (
    CONTACT_FILTERS,
    CUSTOMER_FILTERS,
    CUSTOMER_PARAMETERS,
)
from customer_registry.apis.sales_v1_0.params import Field, Id, country, currency
from customer_registry.apis.sales_v1_0.users import USER_FILTERS
from customer_registry.core.catalogues import CUSTOMER_CURRENCIES
from customer_registry.core.permissions import Level, Visibility
from customer_registry.storage.schema import (
    brands,
    contacts,
    currencies,
    customer_categories,
    customer_entity_linker,
    customer_product_history,
    customer_segmentations,
    customers,
    entities,
    metadata,
    payment_types,
    product_entity_linker,
    products,
    regions,
    users,
)
from tests.conftest import MakeUser
from tests.security.conftest import FIGURES

Headers = dict[str, str]
Json = dict[str, Any]
Rows = dict[str, list[Json]]
MakeEntity = Callable[[str], Awaitable[int]]

PARTNER, SALES, BILLING = "/v1", "/api/v1.0", "/api/v1"
APIS = {"partner": PARTNER, "sales": SALES, "billing": BILLING}
METHODS = ("GET", "PUT", "PATCH", "POST", "DELETE")  # HEAD is GET's twin
GHOST_INT = 987_654_321  # no row has these ids
GHOST_TEXT = "555000000000001"  # nor this key, reference, account, IMEI (15 digits)
CURRENCY = {"Asec": "EUR", "Bsec": "JPY"}  # each entity's configured currency
GHOST_CURRENCY = "CHF"  # a real currency neither entity configured
GHOST_COUNTRY = "CH"  # a real country neither entity's customers are in (A: FR, B: DE)
MARKER = "bsec"  # every text of B's objects carries it (case-insensitively)


# --- what a path parameter names -----------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Which of an entity's objects a value names: rows of `table`, by `column`."""

    table: sa.Table
    column: str
    reference: str | None = None  # the column naming it with `useExternalId=true` (sales)
    ghost: Any = None  # the value no object has (by the column's type when None)

    def ghost_value(self, slot: int = 0) -> Any:
        if self.ghost is not None:
            return self.ghost
        python_type = self.table.c[self.column].type.python_type
        if python_type is int:
            return GHOST_INT + slot
        return str(int(GHOST_TEXT) + slot)

    def by(self, column: str, ghost: Any = None) -> Target:
        return Target(self.table, column, ghost=ghost)


def _catalogue_target(collection: Collection) -> Target:
    listing = collection.catalogue.listing
    return Target(listing.table, listing.key.name, "reference")


# (the collection the parameter sits under, the parameter) -> what it names. Sales catalogues
# come from COLLECTIONS, so a new catalogue is covered as soon as it is declared.
PATH_TARGETS: dict[tuple[str, str], Target] = {
    ("customers", "customer_id"): Target(customers, "customer_id"),
    ("entities", "entity_id"): Target(entities, "entity_id"),
    ("products", "product_imei"): Target(products, "product_imei"),
    ("customer_entity_linker", "customer_entity_linker_id"): Target(
        customer_entity_linker, "customer_entity_linker_id"
    ),
    ("product_entity_linker", "product_entity_linker_id"): Target(
        product_entity_linker, "product_entity_linker_id"
    ),
    ("customer_product_history", "customer_product_history_id"): Target(
        customer_product_history, "customer_product_history_id"
    ),
    ("customers", "customer"): Target(customers, "customer_id", "code"),
    ("customerAccounts", "customerAccount"): Target(customers, "code"),
    ("brands", "brand"): Target(brands, "brand_id"),
    ("users", "key"): Target(users, "user_id", "username"),
    ("contacts", "key"): Target(contacts, "contact_id"),
    **{(c.path, "key"): _catalogue_target(c) for c in COLLECTIONS},
}

# What the core field a sales `Id` parameter is read into names, by id (and by reference
# with useExternalId); a catalogue's `parent_id` names an object of the same catalogue.
SALES_ID_TARGETS: dict[str, Target] = {
    "category_id": Target(customer_categories, "category_id", "reference"),
    "segmentation_id": Target(customer_segmentations, "segmentation_id", "reference"),
    "region_id": Target(regions, "region_id", "reference"),
    "creator_id": Target(users, "user_id", "username"),
    "parent_customer_id": Target(customers, "customer_id", "code"),
    "customer_id": Target(customers, "customer_id", "code"),
}
SALES_PAYMENT_TYPE = Target(payment_types, "payment_type_id", "reference")
SALES_CATALOGUE_PARENTS = {
    customer_categories: SALES_ID_TARGETS["category_id"],
    regions: SALES_ID_TARGETS["region_id"],
}


def _sales_id_target(core: str, catalogue: sa.Table | None) -> Target:
    if core == "parent_id":
        assert catalogue is not None
        return SALES_CATALOGUE_PARENTS[catalogue]
    return SALES_ID_TARGETS[core]


# Billing parameters naming another object (every `*_id` parameter must be here).
BILLING_RELATIONS: dict[str, Target] = {
    "brand_id": Target(brands, "brand_id"),
    "representative_id": Target(users, "user_id"),
}


# --- the routes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    api: str  # partner, sales, billing
    path: str  # the full template: /api/v1.0/customers/{customer}
    methods: tuple[str, ...]
    params: tuple[str, ...]

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    @property
    def literal(self) -> str:
        """The last segment that is not a parameter: `customers`, `change_customer`."""
        return next(s for s in reversed(self.segments) if not s.startswith("{"))

    def target_key(self) -> tuple[str, str]:
        param = self.params[0]
        segments = self.segments
        before = segments[segments.index("{" + param + "}") - 1]
        return before, param


MOUNTS = {PARTNER: "partner", SALES: "sales", "/api": "billing"}  # billing: /api/v1, /api/login


def _walk(routes: Sequence[Any], prefix: str = "") -> Iterator[tuple[str, str, Route]]:
    """(the top-level mount, the full path, the route) for every route, through the mounts."""
    for route in routes:
        if isinstance(route, Mount):
            for mount, path, inner in _walk(route.routes, prefix + route.path):
                yield (mount or prefix + route.path), path, inner
        elif isinstance(route, Route):
            yield "", prefix + route.path, route


def endpoints(app: Any) -> list[Endpoint]:
    """Every route of the application, one per path (methods merged), in table order."""
    merged: dict[str, tuple[str, list[str], tuple[str, ...]]] = {}
    for mount, path, route in _walk(app.routes):
        api = MOUNTS.get(mount, f"other ({mount or '/'})")
        methods = [m for m in METHODS if m in (route.methods or ())]
        entry = merged.setdefault(path, (api, [], tuple(route.param_convertors)))
        entry[1].extend(m for m in methods if m not in entry[1])
    return [
        Endpoint(api, path, tuple(m for m in METHODS if m in methods), params)
        for path, (api, methods, params) in merged.items()
    ]


# Routes without a path parameter that name no object: nothing of another entity to reach.
NAMES_NO_OBJECT: dict[tuple[str, str], str] = {
    ("POST", "/v1/auth/login"): "logs in with credentials",
    ("POST", "/api/login"): "logs in with credentials",
    ("GET", "/api/version"): "the service's version",
    ("PUT", "/api/v1.0/organization"): "the caller's own organisation",
    ("PATCH", "/api/v1.0/organization"): "the caller's own organisation",
    ("POST", "/v1/entities"): "creates an entity; names no other object",
    ("POST", "/api/v1/brands"): "a brand has only a name",
}
# Each API's own description and its interactive docs, whatever the mount.
DOCUMENT_SUFFIXES = ("/openapi.json", "/docs")


def names_no_object(method: str, path: str) -> bool:
    if method == "GET" and path.endswith(DOCUMENT_SUFFIXES):
        return True
    return (method, path) in NAMES_NO_OBJECT


# --- two entities, each with a full set of objects -----------------------------------------


@dataclass
class Side:
    entity_id: int
    tag: str  # Asec, Bsec: every text of the side's objects starts with it
    owner: Headers
    owner_id: int
    external_id: int  # the partner customer's external_customer_id


# Enough of a side to list the bodies and relations (route checks without a world).
ANY_SIDE = Side(0, "Asec", {}, 0, 0)


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, (r.request.method, str(r.request.url), r.text)
    return r.json() if r.content else None


def _catalogue_payload(collection: Collection, tag: str, i: int) -> Json:
    if collection.catalogue is CUSTOMER_CURRENCIES:
        return {"code": CURRENCY[tag], "exchangeRate": "1.5"}
    return {"reference": f"{tag}-{collection.path}-{i}", "name": f"{tag}-{collection.path}-n{i}"}


def _self_parents(collection: Collection) -> list[str]:
    """The collection's parameters naming an object of the same collection (`parentId`)."""
    table = collection.catalogue.listing.table
    return [
        name
        for name, (core, reader) in collection.parameters.items()
        if isinstance(reader, Id) and _sales_id_target(core, table).table is table
    ]


async def build_side(
    client: httpx.AsyncClient, make_user: MakeUser, make_entity: MakeEntity, tag: str, digit: int
) -> Side:
    lower = tag.lower()
    entity = await make_entity(f"{tag}-entity")
    username = f"{lower}-owner@{lower}.example"
    owner = await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=entity, username=username)
    found = _ok(await client.get(f"{SALES}/users", params={"reference": username}, headers=owner))
    owner_id = found["data"][0]["id"]
    external_id = digit * 1000 + 1

    # Partner: a customer, two products, the second released when the first is given.
    r = await client.put(
        f"{PARTNER}/customers/create_customer",
        json={
            "name": f"{tag}-partner-customer",
            "external_customer_id": external_id,
            "external_customer_code": f"{tag}-EXT-1",
            "entity_id": entity,
        },
        headers=owner,
    )
    _ok(r, 201)
    imeis = [f"{digit}{i:014d}" for i in (1, 2)]
    for i, imei in enumerate(imeis, 1):
        body = {
            "product_imei": imei,
            "entity_id": entity,
            "serial_number": f"{tag}-SN-{i}",
            "device_key": f"{tag}-KEY-{i}",
        }
        _ok(await client.post(f"{PARTNER}/products", json=body, headers=owner), 201)
    for imei in reversed(imeis):
        move = {"entity_id": entity, "external_customer_id": external_id, "reason": f"{tag}-swap"}
        r = await client.put(f"{PARTNER}/products/{imei}/change_customer", json=move, headers=owner)
        _ok(r)

    # Sales: one object of every catalogue (and a child in the trees), two customers, a contact.
    first: dict[str, int] = {}
    for collection in COLLECTIONS:
        url = f"{SALES}/{collection.path}"
        made = _ok(
            await client.post(url, json=_catalogue_payload(collection, tag, 1), headers=owner), 201
        )
        first[collection.path] = made["id"]
        for parent in _self_parents(collection):
            child = {**_catalogue_payload(collection, tag, 2), parent: made["id"]}
            made = _ok(await client.post(url, json=child, headers=owner), 201)
            first[collection.path] = made["id"]  # customers get the child
    _ok(
        await client.put(
            f"{SALES}/organization", json={"geographicalLocations": "false"}, headers=owner
        )
    )
    sales_customer = {
        "reference": f"{tag}-REF-1",
        "name": f"{tag}-sales-customer",
        "reference2": f"{tag}-REF2-1",
        "barcode": f"{tag}-BAR-1",
        "categoryId": first["customerCategories"],
        "customerSegmentationId": first["customerSegmentations"],
        "regionId": first["regions"],
        "paymentTypes": [{"id": first["paymentTypes"]}],
        "currency": CURRENCY[tag],
        "userId": owner_id,
        "billingCountry": "FR" if digit == 1 else "DE",
        "billingCity": f"{tag}-city",
        "billingPostalCode": f"{tag}-PC",
        "billingAddress": f"{tag}-street",
        "email": f"{lower}-sales@{lower}.example",
        "phone": f"{tag}-phone",
        "mobile": f"{tag}-mobile",
        "fax": f"{tag}-fax",
        "website": f"{lower}.example",
        "comment": f"{tag}-comment",
        "taxNumber": f"{tag}-TAX",
        "companyRegistrationNumber": f"{tag}-REG",
        "customerRisk": f"{tag}-risk",
        "onHoldReason": f"{tag}-hold",
        "dueDateConfigNumber": "30",
        "dueDateConfigType": "1",
    }
    parent = _ok(await client.post(f"{SALES}/customers", json=sales_customer, headers=owner), 201)
    sub = {
        "reference": f"{tag}-REF-2",
        "name": f"{tag}-sub-customer",
        "isSubCustomer": "true",
        "parentCustomerId": parent["id"],
    }
    _ok(await client.post(f"{SALES}/customers", json=sub, headers=owner), 201)
    contact = {
        "customerId": parent["id"],
        "firstName": f"{tag}-first",
        "lastName": f"{tag}-last",
        "phone": f"{tag}-cphone",
        "mobile": f"{tag}-cmobile",
        "email": f"{lower}-contact@{lower}.example",
    }
    _ok(await client.post(f"{SALES}/contacts", json=contact, headers=owner), 201)

    # Billing: a brand, a customer using it, one with a generated account (CL0001), a contact.
    brand = _ok(
        await client.post(f"{BILLING}/brands", json={"name": f"{tag}-brand"}, headers=owner), 201
    )["response"]
    billing_customer = {
        "name": f"{tag}-billing-customer",
        "customerAccount": f"{tag}-ACC-1",
        "accountsReference": f"{tag}-ACCREF-1",
        "brand_id": brand,
        "representative_id": owner_id,
        "brand": f"{tag}-trading",
        "registrationNumber": f"{tag}-BREG",
        "mainAddressLine1": f"{tag}-line1",
        "mainAddressLine2": f"{tag}-line2",
        "mainAddressCity": f"{tag}-bcity",
        "mainAddressCountry": f"{tag}-country",
        "emailAddress": f"{lower}-billing@{lower}.example",
        "mobilePhone": f"{tag}-bmobile",
        "capital": f"{tag}-cap",
        "type": f"{tag}-type",
    }
    created = _ok(
        await client.post(f"{BILLING}/customers", json=billing_customer, headers=owner), 201
    )["response"]
    generated = {"name": f"{tag}-generated-account"}
    _ok(await client.post(f"{BILLING}/customers", json=generated, headers=owner), 201)
    billing_contact = {
        "contactable_type": "App\\Customer",
        "contactable_id": created,
        "firstName": f"{tag}-bfirst",
        "emailAddress": f"{lower}-bcontact@{lower}.example",
    }
    _ok(await client.post(f"{BILLING}/contacts", json=billing_contact, headers=owner), 201)
    return Side(entity, tag, owner, owner_id, external_id)


# --- B's rows, before and after --------------------------------------------------------------


async def all_rows(ctx: Context) -> Rows:
    async with ctx.db.read() as conn:
        return {
            table.name: [dict(row) for row in await conn.fetch_all(sa.select(table))]
            for table in metadata.sorted_tables
        }


def owned_rows(rows: Rows, entity_id: int) -> Rows:
    """The rows that belong to the entity: its own row, rows whose `entity_id` is it, and rows
    that reference an owned row through a foreign key (customers' contacts, products' history,
    users' tokens, customers' payment types…), followed to a fixed point."""
    owned_values: dict[tuple[str, str], set[Any]] = defaultdict(set)
    result: Rows = {}
    for table in metadata.sorted_tables:
        references = [
            (column.name, fk.column.table.name, fk.column.name)
            for column in table.columns
            for fk in column.foreign_keys
        ]
        if table.name not in rows:
            continue  # a table the caller left out
        table_rows = rows[table.name]
        chosen: set[int] = set()
        changed = True
        while changed:  # self-references (sub-customers, child categories) need a second pass
            changed = False
            for i, row in enumerate(table_rows):
                if i in chosen:
                    continue
                if row.get("entity_id") == entity_id or any(
                    row[name] is not None and row[name] in owned_values[(referred, key)]
                    for name, referred, key in references
                ):
                    chosen.add(i)
                    changed = True
                    for name, value in row.items():
                        owned_values[(table.name, name)].add(value)
        result[table.name] = sorted((table_rows[i] for i in chosen), key=repr)
    return result


def describe_change(before: Rows, after: Rows) -> str:
    parts = []
    for table in before:
        gone = [row for row in before[table] if row not in after[table]]
        new = [row for row in after[table] if row not in before[table]]
        if gone or new:
            parts.append(f"{table}: before {gone} after {new}")
    return "; ".join(parts)[:1500]


# --- comparing an answer with the answer for a missing object ---------------------------------


def _canon(value: Any, swaps: Sequence[tuple[Any, Any]]) -> Any:
    """The body with URL-encoding undone in strings (the billing paginator echoes the query)
    and, in the missing object's answer, each missing value replaced by B's."""
    if isinstance(value, dict):
        return {key: _canon(item, swaps) for key, item in value.items()}
    if isinstance(value, list):
        return [_canon(item, swaps) for item in value]
    if isinstance(value, str):
        text = unquote_plus(value)
        for ghost, real in sorted(swaps, key=lambda s: -len(str(s[0]))):
            text = text.replace(str(ghost), str(real))
        return text
    if isinstance(value, int) and not isinstance(value, bool):
        for ghost, real in swaps:
            if value == ghost:
                return real
    return value


def answer(r: httpx.Response, swaps: Sequence[tuple[Any, Any]] = ()) -> tuple[int, Any]:
    try:
        body = r.json() if r.content else ""
    except ValueError:
        body = r.text
    return r.status_code, _canon(body, swaps)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: Mapping[str, str] | None = None
    body: Json | None = None


# Builds the request from the values of its slots (B's values, or the missing ones).
Make = Callable[[Sequence[Any]], Call]


def _values_of(rows: list[Json], column: str) -> list[Any]:
    found = []
    for row in rows:
        value = row.get(column)
        if value is None or isinstance(value, bool | float) or value in found:
            continue
        if isinstance(value, int | str):
            found.append(value)
    return found


@dataclass
class Prober:
    client: httpx.AsyncClient
    ctx: Context
    caller: Headers
    a: Side
    b: Side
    label: str
    rows: Rows = field(default_factory=dict)  # the whole registry once the world is built
    tried: set[tuple[str, str]] = field(default_factory=set)  # (method, path template)
    probes: int = 0
    leaks: list[str] = field(default_factory=list)
    leaking: set[tuple[str, str]] = field(default_factory=set)  # endpoint-methods that leaked
    unknown: list[str] = field(default_factory=list)  # routes this module cannot probe
    inconclusive: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)  # 5xx: a bug whatever the entity
    last: Rows | None = None  # B's rows after the last write

    def __post_init__(self) -> None:
        self._a = owned_rows(self.rows, self.a.entity_id)
        self._b = owned_rows(self.rows, self.b.entity_id)

    def b_rows(self, table: sa.Table) -> list[Json]:
        return self._b[table.name]

    def a_rows(self, table: sa.Table) -> list[Json]:
        return self._a[table.name]

    def b_values(self, target: Target, column: str | None = None, limit: int = 0) -> list[Any]:
        """B's values of the column that no row of A has (those would name A's own object)."""
        name = column or target.column
        mine = set(_values_of(self.a_rows(target.table), name))
        values = [v for v in _values_of(self.b_rows(target.table), name) if v not in mine]
        return values[:limit] if limit else values

    async def send(self, call: Call) -> httpx.Response:
        return await self.client.request(
            call.method, call.path, params=call.params, json=call.body, headers=self.caller
        )

    async def snapshot(self) -> Rows:
        return owned_rows(await all_rows(self.ctx), self.b.entity_id)

    async def compare(
        self,
        endpoint: tuple[str, str],
        make: Make,
        real: Sequence[Any],
        ghosts: Sequence[Any],
        *,
        missing_is_error: bool = True,
    ) -> None:
        """B's values against the missing ones: the same answer, and B's rows unchanged."""
        real_call, ghost_call = make(real), make(ghosts)
        writes = real_call.method != "GET"
        before = after = None
        if writes:
            # B's rows after the last write (nothing since may change them: the requests in
            # between read, or name objects that do not exist), else read now.
            before = self.last or await self.snapshot()
        theirs = await self.send(real_call)
        if writes:
            self.last = after = await self.snapshot()
        missing = await self.send(ghost_call)
        self.tried.add(endpoint)
        self.probes += 1
        swaps = list(zip(ghosts, real, strict=True))
        where = (
            f"{real_call.method} {real_call.path} params={dict(real_call.params or {})} "
            f"body={real_call.body}"
        )
        for r in (theirs, missing):
            if r.status_code >= 500:
                self.server_errors.append(
                    f"{r.request.method} {r.request.url} {r.request.content.decode()!r}: "
                    f"{r.status_code} {r.text[:200]}"
                )
        if missing_is_error and missing.status_code < 400:
            self.inconclusive.append(
                f"{where}: the missing object's request answered {missing.status_code} "
                f"{missing.text[:200]}"
            )
        if answer(theirs) != answer(missing, swaps):
            self.leaking.add(endpoint)
            self.leaks.append(
                f"{where}\n    B's object: {theirs.status_code} {theirs.text[:400]}"
                f"\n    missing:    {missing.status_code} {missing.text[:400]}"
            )
        if before != after:
            assert before is not None
            assert after is not None
            self.leaking.add(endpoint)
            self.leaks.append(f"{where}\n    changed B's rows: {describe_change(before, after)}")

    async def plain_list(self, endpoint: tuple[str, str], call: Call) -> None:
        """A list as it comes: nothing of B in it."""
        r = await self.send(call)
        self.tried.add(endpoint)
        self.probes += 1
        if r.status_code >= 500:
            self.server_errors.append(f"GET {r.request.url}: {r.status_code} {r.text[:200]}")
        elif r.status_code != 200:
            self.inconclusive.append(f"GET {call.path} {call.params}: {r.status_code} {r.text}")
        elif MARKER in r.text.lower():
            self.leaking.add(endpoint)
            self.leaks.append(f"GET {call.path} {dict(call.params or {})} shows B: {r.text[:600]}")

    def summary(self) -> str:
        return (
            f"entity isolation, {self.label}: {len(self.tried)} endpoint-methods tried with "
            f"{self.probes} probes (each B's object against a missing one), "
            f"{len(self.leaks)} leaks found, {len(self.server_errors)} server errors, "
            f"{len(self.unknown)} routes unknown, {len(self.inconclusive)} inconclusive"
        )

    def report(self) -> str:
        lines = [self.summary()]
        for title, items in (
            ("LEAKS", self.leaks),
            ("SERVER ERRORS (5xx)", self.server_errors),
            ("UNKNOWN ROUTES (describe them in this module)", self.unknown),
            ("INCONCLUSIVE (the missing object's request did not fail)", self.inconclusive),
        ):
            if items:
                lines.append(f"{title}:")
                lines.extend(f"  - {item}" for item in items)
        return "\n".join(lines)


# --- bodies ----------------------------------------------------------------------------------


def _write_bodies(a: Side) -> dict[str, Json]:
    """A plausible write body per route (by its last literal segment): each would take B's
    object over or change it."""
    stolen = f"{a.tag}-stolen"
    bodies: dict[str, Json] = {
        "customers": {"name": stolen},
        "entities": {"tariff": stolen},
        "products": {"entity_id": a.entity_id, "serial_number": stolen},
        "change_customer": {
            "entity_id": a.entity_id,
            "external_customer_id": a.external_id,
            "reason": stolen,
        },
        "expire_customer": {"reason": stolen},
        "customer_entity_linker": {"entity_id": a.entity_id},
        "product_entity_linker": {"entity_id": a.entity_id},
        "contacts": {"firstName": stolen},
        "brands": {"name": stolen},
    }
    for collection in COLLECTIONS:
        if "name" in collection.parameters:
            bodies[collection.path] = {"name": stolen}
        else:
            bodies[collection.path] = {"exchangeRate": "3.5"}
    return bodies


@dataclass(frozen=True)
class Relation:
    """A body (or query) naming other objects: `targets` fill its slots."""

    targets: tuple[Target, ...]
    build: Callable[[Sequence[Any]], tuple[Json, Mapping[str, str] | None]]


def _body(fixed: Json, *names: str, query: Mapping[str, str] | None = None) -> Callable[..., Any]:
    def build(values: Sequence[Any]) -> tuple[Json, Mapping[str, str] | None]:
        return {**fixed, **dict(zip(names, values, strict=True))}, query

    return build


def _sales_relations(
    parameters: Mapping[str, Field], fixed: Json, catalogue: sa.Table | None = None
) -> list[Relation]:
    """Every parameter of a sales write that names another object, by id and by reference
    (`catalogue`: the table of the catalogue whose write it is)."""
    found = []
    for name, (core, reader) in parameters.items():
        extra = {"isSubCustomer": "true"} if core == "parent_customer_id" else {}
        if isinstance(reader, Id):
            target = _sales_id_target(core, catalogue)
            found.append(Relation((target,), _body({**fixed, **extra}, name)))
            assert target.reference is not None
            by_reference = {**fixed, **extra, "useExternalId": "true"}
            found.append(Relation((target.by(target.reference),), _body(by_reference, name)))
        elif reader is currency:
            target = Target(currencies, "reference", ghost=GHOST_CURRENCY)
            found.append(Relation((target,), _body(fixed, name)))
    if parameters is CUSTOMER_PARAMETERS:
        pay = SALES_PAYMENT_TYPE

        def payment(external: bool) -> Callable[[Sequence[Any]], tuple[Json, None]]:
            def build(values: Sequence[Any]) -> tuple[Json, None]:
                body = {**fixed, "paymentTypes": [{"id": values[0]}]}
                return ({**body, "useExternalId": "true"} if external else body), None

            return build

        found.append(Relation((pay,), payment(external=False)))
        found.append(Relation((pay.by("reference"),), payment(external=True)))
    return found


def relations(a: Side) -> dict[tuple[str, str], list[Relation]]:
    """(method, route) -> the bodies naming other objects: creates, and writes to A's own object
    (every method of a route with a path parameter acts on A's object of the route's target)."""
    entity = Target(entities, "entity_id")
    customer = Target(customers, "customer_id")
    new_sales = {"reference": f"{a.tag}-NEW", "name": f"{a.tag}-new"}
    found: dict[tuple[str, str], list[Relation]] = {}
    partner_new = {"name": f"{a.tag}-new", "external_customer_id": 9999}
    for method in ("POST", "PUT"):
        found[(method, "/v1/customers/create_customer")] = [
            Relation((entity,), _body(partner_new, "entity_id"))
        ]
    found[("POST", "/v1/products")] = [
        Relation((entity,), _body({"product_imei": "100000000000099"}, "entity_id"))
    ]
    found[("PUT", "/v1/products/{product_imei}")] = [Relation((entity,), _body({}, "entity_id"))]
    found[("PUT", "/v1/products/{product_imei}/change_customer")] = [
        Relation(
            (entity, customer.by("external_id")),
            _body({}, "entity_id", "external_customer_id"),
        ),
        Relation((entity, customer.by("code")), _body({}, "entity_id", "external_customer_code")),
    ]
    found[("PUT", "/v1/customer_entity_linker/{customer_entity_linker_id}")] = [
        Relation((entity,), _body({}, "entity_id")),
        Relation((customer,), _body({}, "customer_id")),
    ]
    found[("PUT", "/v1/product_entity_linker/{product_entity_linker_id}")] = [
        Relation((entity,), _body({}, "entity_id")),
        Relation((Target(products, "product_imei"),), _body({}, "product_imei")),
    ]

    found[("POST", "/api/v1.0/customers")] = _sales_relations(CUSTOMER_PARAMETERS, new_sales)
    for method in ("PUT", "PATCH"):
        found[(method, "/api/v1.0/customers/{customer}")] = _sales_relations(
            CUSTOMER_PARAMETERS, {}
        )
    for collection in COLLECTIONS:
        url = f"/api/v1.0/{collection.path}"
        payload = _catalogue_payload(collection, a.tag, 9)
        table = collection.catalogue.listing.table
        found[("POST", url)] = _sales_relations(collection.parameters, payload, table)
        for method in ("PUT", "PATCH"):
            found[(method, url + "/{key}")] = _sales_relations(collection.parameters, {}, table)
    found[("POST", "/api/v1.0/contacts")] = _sales_relations(
        SALES_CONTACT_OWNER, {"firstName": f"{a.tag}-new"}
    )

    unknown = [n for n in BILLING_PARAMETERS if n.endswith("_id") and n not in BILLING_RELATIONS]
    assert not unknown, f"billing parameters naming objects, unknown here: {unknown}"
    billing = [Relation((t,), _body({}, n)) for n, t in BILLING_RELATIONS.items()]
    found[("POST", "/api/v1/customers")] = [
        Relation((t,), _body({"name": f"{a.tag}-new"}, n)) for n, t in BILLING_RELATIONS.items()
    ]
    for method in ("PUT", "PATCH"):
        found[(method, "/api/v1/customers/{customer}")] = billing
    found[("POST", "/api/v1/contacts")] = [
        Relation(
            (customer,),
            _body({"contactable_type": "App\\Customer", "firstName": "x"}, "contactable_id"),
        )
    ]
    return found


# --- lists -----------------------------------------------------------------------------------

ListProbe = Callable[["Prober", tuple[str, str]], Awaitable[None]]


def _q(filters: list[Json], **extra: Any) -> dict[str, str]:
    return {"q": json.dumps({"filters": filters, **extra}), "results_per_page": "100"}


async def _partner_list(prober: Prober, endpoint: tuple[str, str]) -> None:
    path = endpoint[1]
    resource_name = path.rsplit("/", 1)[1]
    resource = RESOURCES[resource_name]
    table = metadata.tables[resource_name]
    await prober.plain_list(endpoint, Call("GET", path, {"results_per_page": "100"}))
    key = next(iter(table.primary_key.columns)).name
    for partner, core in resource.fields.items():
        if core not in table.c:
            continue
        target = Target(table, core)
        for value in prober.b_values(target, limit=2):

            def make(values: Sequence[Any], partner: str = partner) -> Call:
                return Call("GET", path, _q([{"name": partner, "op": "eq", "val": values[0]}]))

            await prober.compare(
                endpoint, make, [value], [target.ghost_value()], missing_is_error=False
            )
        if core == key:
            own = _values_of(prober.a_rows(table), core)[:1]
            for value in prober.b_values(target, limit=1):

                def single(values: Sequence[Any], partner: str = partner) -> Call:
                    return Call(
                        "GET",
                        path,
                        _q([{"name": partner, "op": "eq", "val": values[0]}], single=True),
                    )

                def mixed(
                    values: Sequence[Any], partner: str = partner, own: list[Any] = own
                ) -> Call:
                    either = [*own, values[0]]
                    return Call("GET", path, _q([{"name": partner, "op": "in", "val": either}]))

                ghost = [target.ghost_value()]
                await prober.compare(endpoint, single, [value], ghost, missing_is_error=False)
                await prober.compare(endpoint, mixed, [value], ghost, missing_is_error=False)
    for relation, names in resource.relations.items():
        related = RESOURCES[names.resource]
        related_table = metadata.tables[names.resource]
        op = await _relation_op(prober, path, relation)
        for partner, core in related.fields.items():
            if core not in related_table.c:
                continue
            target = Target(related_table, core)
            for value in prober.b_values(target, limit=1):

                def dotted(values: Sequence[Any], name: str = f"{relation}__{partner}") -> Call:
                    return Call("GET", path, _q([{"name": name, "op": "eq", "val": values[0]}]))

                def nested(
                    values: Sequence[Any],
                    relation: str = relation,
                    partner: str = partner,
                    op: str = op,
                ) -> Call:
                    inner = {"name": partner, "op": "eq", "val": values[0]}
                    return Call("GET", path, _q([{"name": relation, "op": op, "val": inner}]))

                ghost = [target.ghost_value()]
                await prober.compare(endpoint, dotted, [value], ghost, missing_is_error=False)
                await prober.compare(endpoint, nested, [value], ghost, missing_is_error=False)


async def _relation_op(prober: Prober, path: str, relation: str) -> str:
    """`any` for a to-many relation, `has` for a to-one (the other one is a 400)."""
    probe = _q([{"name": relation, "op": "any", "val": []}])
    r = await prober.send(Call("GET", path, probe))
    return "any" if r.status_code == 200 else "has"


def _is_country(value: Any) -> bool:
    try:
        country(value)
    except WrongType:
        return False
    return True


def _sales_filters(segment: str) -> tuple[Mapping[str, str], sa.Table]:
    if segment == "customers":
        return CUSTOMER_FILTERS, customers
    if segment == "users":
        return USER_FILTERS, users
    if segment == "contacts":
        return CONTACT_FILTERS, contacts
    for collection in COLLECTIONS:
        if collection.path == segment:
            return collection.filters, collection.catalogue.listing.table
    raise KeyError(segment)


async def _sales_list(prober: Prober, endpoint: tuple[str, str]) -> None:
    path = endpoint[1]
    filters, table = _sales_filters(path.rsplit("/", 1)[1])
    await prober.plain_list(endpoint, Call("GET", path, {"max": "100"}))
    for name, core in filters.items():
        reader = CUSTOMER_PARAMETERS.get(name, ("", None))[1] if table is customers else None
        target = Target(table, core, ghost=GHOST_COUNTRY if reader is country else None)
        for value in prober.b_values(target, limit=2):
            if reader is country and not _is_country(value):
                continue  # the billing API's free text in the same column is no country

            def make(values: Sequence[Any], name: str = name) -> Call:
                return Call("GET", path, {name: str(values[0]), "max": "100"})

            await prober.compare(
                endpoint, make, [value], [target.ghost_value()], missing_is_error=False
            )


async def _billing_customers(prober: Prober, endpoint: tuple[str, str]) -> None:
    path = endpoint[1]
    await prober.plain_list(endpoint, Call("GET", path, {"per_page": "100"}))
    asked: list[tuple[str, str]] = [(f"filter[{n}]", core) for n, core in FILTERABLE.items()]
    asked += [("filter[term_match]", core) for core in TERM_MATCH_FIELDS]
    for name, core in asked:
        target = Target(customers, core)
        for value in prober.b_values(target, limit=2):

            def make(values: Sequence[Any], name: str = name) -> Call:
                return Call("GET", path, {name: str(values[0]), "per_page": "100"})

            await prober.compare(
                endpoint, make, [value], [target.ghost_value()], missing_is_error=False
            )


async def _billing_search(prober: Prober, endpoint: tuple[str, str]) -> None:
    path = endpoint[1]
    await prober.plain_list(endpoint, Call("GET", path, {"per_page": "100"}))
    for core in SEARCH_FIELDS:
        target = Target(customers, core)
        for value in prober.b_values(target, limit=2):

            def make(values: Sequence[Any]) -> Call:
                return Call("GET", path, {"term": str(values[0]), "per_page": "100"})

            await prober.compare(
                endpoint, make, [value], [target.ghost_value()], missing_is_error=False
            )


async def _billing_brands(prober: Prober, endpoint: tuple[str, str]) -> None:
    await prober.plain_list(endpoint, Call("GET", endpoint[1], {"per_page": "100"}))


async def _billing_contacts(prober: Prober, endpoint: tuple[str, str]) -> None:
    path = endpoint[1]
    kind = {"contactable_type": "App\\Customer", "per_page": "100"}
    target = Target(customers, "customer_id")
    for own in _values_of(prober.a_rows(customers), "customer_id"):
        await prober.plain_list(endpoint, Call("GET", path, {**kind, "contactable_id": str(own)}))
    for value in prober.b_values(target):

        def make(values: Sequence[Any]) -> Call:
            return Call("GET", path, {**kind, "contactable_id": str(values[0])})

        await prober.compare(endpoint, make, [value], [target.ghost_value()])


async def _organization(prober: Prober, endpoint: tuple[str, str]) -> None:
    await prober.plain_list(endpoint, Call("GET", endpoint[1]))


def list_probes() -> dict[str, ListProbe]:
    """Every list route (GET without a path parameter) -> how to probe it."""
    found: dict[str, ListProbe] = {
        f"{PARTNER}/{resource}": _partner_list
        for resource in (
            "customers",
            "entities",
            "products",
            "customer_entity_linker",
            "product_entity_linker",
            "customer_product_history",
        )
    }
    for segment in ("customers", "users", "contacts", *(c.path for c in COLLECTIONS)):
        found[f"{SALES}/{segment}"] = _sales_list
    found[f"{SALES}/organization"] = _organization
    found[f"{BILLING}/customers"] = _billing_customers
    found[f"{BILLING}/customers/search"] = _billing_search
    found[f"{BILLING}/brands"] = _billing_brands
    found[f"{BILLING}/contacts"] = _billing_contacts
    return found


# --- the probes, route by route ------------------------------------------------------------------


def classify(endpoint: Endpoint, a: Side | None = None) -> list[str]:
    """What this module does not know about a route (empty when every method is covered)."""
    problems = []
    if len(endpoint.params) > 1:
        problems.append(f"{endpoint.path}: several path parameters")
    elif endpoint.params:
        if endpoint.target_key() not in PATH_TARGETS:
            problems.append(
                f"{endpoint.path}: no target for path parameter {endpoint.target_key()}"
            )
        bodies = _write_bodies(a or ANY_SIDE)
        if any(m != "GET" and m != "DELETE" for m in endpoint.methods) and (
            endpoint.literal not in bodies
        ):
            problems.append(f"{endpoint.path}: no write body for {endpoint.literal!r}")
    else:
        creates = relations(a or ANY_SIDE)
        for method in endpoint.methods:
            key = (method, endpoint.path)
            if names_no_object(*key):
                continue
            if method == "GET" and endpoint.path not in list_probes():
                problems.append(f"GET {endpoint.path}: a list without a probe")
            elif method != "GET" and key not in creates:
                problems.append(f"{method} {endpoint.path}: a create without a relation spec")
    return problems


async def probe_object_route(prober: Prober, endpoint: Endpoint) -> None:
    """Each method on each of B's objects the parameter names, by id (and by reference on the
    sales API); then, on A's own object, the bodies naming B's objects."""
    target = PATH_TARGETS[endpoint.target_key()]
    param = endpoint.params[0]
    bodies = _write_bodies(prober.a)
    variants: list[tuple[str, Mapping[str, str] | None]] = [(target.column, None)]
    if endpoint.api == "sales" and target.reference:
        variants.append((target.reference, {"useExternalId": "true"}))
    by_relation = relations(prober.a)
    for method in endpoint.methods:
        key = (method, endpoint.path)
        body = None if method in ("GET", "DELETE") else bodies[endpoint.literal]
        for column, params in variants:
            ghost = target.by(column).ghost_value()
            values = prober.b_values(target, column)
            if not values and column == target.column:
                prober.inconclusive.append(f"{key}: B has no {target.table.name} to name")
            for value in values:

                def make(
                    values: Sequence[Any],
                    method: str = method,
                    params: Mapping[str, str] | None = params,
                    body: Json | None = body,
                ) -> Call:
                    path = endpoint.path.replace("{" + param + "}", str(values[0]))
                    return Call(method, path, params, body)

                await prober.compare(key, make, [value], [ghost])
        # A's newest object of the kind (a child category, not the root, which has no parent).
        own = max(_values_of(prober.a_rows(target.table), target.column))
        for relation in by_relation.get(key, []):
            await _probe_relation(prober, key, relation, endpoint, own)


async def _probe_relation(
    prober: Prober,
    key: tuple[str, str],
    relation: Relation,
    endpoint: Endpoint | None = None,
    own: Any = None,
) -> None:
    real = [prober.b_values(t)[:1] for t in relation.targets]
    if not all(real):
        prober.inconclusive.append(f"{key}: B has no value for {relation.targets}")
        return
    ghosts = [t.ghost_value(slot) for slot, t in enumerate(relation.targets)]

    def make(values: Sequence[Any]) -> Call:
        body, params = relation.build(values)
        path = key[1]
        if endpoint is not None:
            path = path.replace("{" + endpoint.params[0] + "}", str(own))
        return Call(key[0], path, params, body)

    await prober.compare(key, make, [v[0] for v in real], ghosts)


async def probe_all(
    prober: Prober, app: Any, apis: Sequence[str], methods: Sequence[str] = METHODS
) -> None:
    by_relation = relations(prober.a)
    lists = list_probes()
    for endpoint in endpoints(app):
        if endpoint.api not in apis:
            continue
        problems = classify(endpoint, prober.a)
        if problems:
            prober.unknown.extend(problems)
            continue
        endpoint = replace(endpoint, methods=tuple(m for m in endpoint.methods if m in methods))
        if endpoint.params:
            await probe_object_route(prober, endpoint)
            continue
        for method in endpoint.methods:
            key = (method, endpoint.path)
            if names_no_object(*key):
                continue
            if method == "GET":
                await lists[endpoint.path](prober, key)
            else:
                for relation in by_relation[key]:
                    await _probe_relation(prober, key, relation)


# --- the tests -------------------------------------------------------------------------------


def test_every_route_is_known(app: Any) -> None:
    """Every route of the three APIs is probed by this module: a new endpoint fails here
    until its path parameter, list or create is described above."""
    found = endpoints(app)
    problems = [p for e in found for p in classify(e)]
    assert not problems, "\n".join(problems)
    assert {e.api for e in found} == {"partner", "sales", "billing"}, "a mount this module lacks"


@pytest.fixture
async def world(
    client: httpx.AsyncClient, make_user: MakeUser, make_entity: MakeEntity
) -> tuple[Side, Side]:
    a = await build_side(client, make_user, make_entity, "Asec", 1)
    b = await build_side(client, make_user, make_entity, "Bsec", 2)
    return a, b


CASES = [
    pytest.param(Visibility.ENTITY, ("partner",), id="ENTITY-partner"),
    pytest.param(Visibility.ENTITY, ("sales",), id="ENTITY-sales"),
    pytest.param(Visibility.ENTITY, ("billing",), id="ENTITY-billing"),
    pytest.param(Visibility.GLOBAL, ("sales",), id="GLOBAL-sales"),
    pytest.param(Visibility.GLOBAL, ("billing",), id="GLOBAL-billing"),
]


@pytest.mark.parametrize(("visibility", "apis"), CASES)
async def test_another_entitys_objects_answer_as_missing(
    app: Any,
    ctx: Context,
    make_user: MakeUser,
    world: tuple[Side, Side],
    visibility: Visibility,
    apis: tuple[str, ...],
) -> None:
    a, b = world
    caller = await make_user(Level.SYSTEM, visibility, entity_id=a.entity_id)
    label = f"SYSTEM {visibility.value} user of A on the {'/'.join(apis)} API"
    # An exception in the application is a 500 answer here (recorded), not an end to the run.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as probing:
        prober = Prober(probing, ctx, caller, a, b, label, rows=await all_rows(ctx))
        await _probe(prober, app, apis)


async def _probe(prober: Prober, app: Any, apis: tuple[str, ...]) -> None:
    b, ctx = prober.b, prober.ctx
    b_before = owned_rows(prober.rows, b.entity_id)
    assert all(b_before[t.name] for t in (customers, products, contacts, brands, users, regions))

    await probe_all(prober, app, apis)

    b_after = owned_rows(await all_rows(ctx), b.entity_id)
    if b_after != b_before:
        prober.leaks.append(f"B's rows changed over the run: {describe_change(b_before, b_after)}")
    FIGURES.append(prober.summary())
    print(prober.report())
    assert prober.probes > 0
    problems = prober.leaks + prober.server_errors + prober.unknown + prober.inconclusive
    assert not problems, prober.report()


async def test_the_probes_see_what_a_global_partner_user_may_see(
    app: Any, ctx: Context, make_user: MakeUser, world: tuple[Side, Side]
) -> None:
    """The comparison is not vacuous: a GLOBAL user of A may see and change B's objects through
    the partner API, and the same probes find them on every route they read, and see B's rows
    change under most writes (PUT only: a DELETE would take away what later routes probe)."""
    a, b = world
    caller = await make_user(Level.SYSTEM, Visibility.GLOBAL, entity_id=a.entity_id)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as probing:
        prober = Prober(probing, ctx, caller, a, b, "GLOBAL partner", rows=await all_rows(ctx))
        await probe_all(prober, app, ("partner",), methods=("GET", "PUT"))
    reads = {key for key in prober.tried if key[0] == "GET"}
    assert reads, prober.report()
    assert reads <= prober.leaking, sorted(reads - prober.leaking)
    writes = {key for key in prober.tried if key[0] != "GET"}
    assert len(prober.leaking & writes) >= len(writes) // 2, sorted(writes - prober.leaking)


# --- values unique across every entity --------------------------------------------------------

# A product's identifiers: the key, and the fields `_products.md` marks unique.
PRODUCT_IDENTIFIERS = ("product_imei", "device_key", "imsi", "iccid", "serial_number")


async def _give_identifiers(client: httpx.AsyncClient, admin: Headers, side: Side) -> list[Json]:
    """Every identifier on both of the side's products (IMSI and ICCID are not set when the
    world is built), and the side's entity a geic; answers the products."""
    digit = 1 if side.tag == "Asec" else 2
    products_of_side = []
    for i in (1, 2):
        imei = f"{digit}{i:014d}"
        ids = {"imsi": f"{digit}{i:014d}", "iccid": f"{side.tag}-ICCID-{i}"}
        r = await client.put(f"{PARTNER}/products/{imei}", json=ids, headers=admin)
        products_of_side.append(_ok(r))
    r = await client.put(
        f"{PARTNER}/entities/{side.entity_id}", json={"geic": f"{side.tag}-GEIC"}, headers=admin
    )
    _ok(r)
    return products_of_side


async def test_values_unique_across_entities_tell_an_entity_user_only_what_is_documented(
    ctx: Context,
    client: httpx.AsyncClient,
    admin: Headers,
    make_user: MakeUser,
    world: tuple[Side, Side],
) -> None:
    """Entity names and geic: an ENTITY user may not change them (403 whatever the value), so
    B's name answers as a name nobody has. Product identifiers are unique across entities
    (one physical device, and the IMEI is the partner API's key): B's value answers "not
    unique" exactly as a value A's own other product holds, naming no entity and no other
    field (the exception docs/compatibility/partner_v1.md writes down)."""
    a, b = world
    a_products = await _give_identifiers(client, admin, a)
    b_products = await _give_identifiers(client, admin, b)
    caller = await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=a.entity_id)
    b_before = owned_rows(await all_rows(ctx), b.entity_id)
    leaks: list[str] = []
    probes = 0

    async def same(label: str, theirs: httpx.Response, other: httpx.Response, swap: Any) -> None:
        nonlocal probes
        probes += 1
        if answer(theirs) != answer(other, [swap]):
            leaks.append(
                f"{label}: B's {theirs.status_code} {theirs.text[:300]}; "
                f"other {other.status_code} {other.text[:300]}"
            )

    # The entity's own fields unique across entities, against a value no entity has.
    (b_entity,) = b_before["entities"]
    url = f"{PARTNER}/entities/{a.entity_id}"
    a_entity = _ok(await client.get(url, headers=caller))
    for name in ("name", "geic"):
        ghost = f"{GHOST_TEXT}-{name}"
        theirs = await client.put(url, json={name: b_entity[name]}, headers=caller)
        missing = await client.put(url, json={name: ghost}, headers=caller)
        await same(f"PUT entity {name}", theirs, missing, (ghost, b_entity[name]))
        kept = await client.put(url, json={name: a_entity[name]}, headers=caller)
        assert kept.status_code == 200, kept.text  # the value it has: nothing changes

    # Product identifiers, on a create and on an update of A's own first product.
    for name in PRODUCT_IDENTIFIERS:
        b_value, a_value = b_products[0][name], a_products[1][name]
        body = {"product_imei": "100000000000077", "entity_id": a.entity_id}
        theirs = await client.post(
            f"{PARTNER}/products", json={**body, name: b_value}, headers=caller
        )
        own = await client.post(f"{PARTNER}/products", json={**body, name: a_value}, headers=caller)
        await same(f"POST product {name}", theirs, own, (a_value, b_value))
        assert theirs.status_code == 400
        assert list(theirs.json()["validation_errors"]) == [name], theirs.text
        if name == "product_imei":
            continue  # the key is not written by a PUT
        url = f"{PARTNER}/products/{a_products[0]['product_imei']}"
        theirs = await client.put(url, json={name: b_value}, headers=caller)
        own = await client.put(url, json={name: a_value}, headers=caller)
        await same(f"PUT product {name}", theirs, own, (a_value, b_value))

    b_after = owned_rows(await all_rows(ctx), b.entity_id)
    if b_after != b_before:
        leaks.append(f"B's rows changed: {describe_change(b_before, b_after)}")
    FIGURES.append(
        f"values unique across entities, SYSTEM ENTITY user of A: {probes} probes (entity name "
        f"and geic; product {', '.join(PRODUCT_IDENTIFIERS)} on create and update), "
        f"{len(leaks)} answers beyond the documented one"
    )
    assert not leaks, "\n".join(leaks)
