"""Fields clients may not set (issue 7, item 6): ids, audit fields, the entity, permission and
visibility fields, the image as text, the creator — sent to every create and update route of
the three APIs (walked from the application's routes; a create or update route this module
does not describe fails `test_every_create_and_update_route_is_known`). Fields an API ignores
are sent a group at a time (ids, entity, audit, permissions, image), each refused one alone.

Each is ignored or refused as the API's compatibility notes say:

* partner (`docs/compatibility/partner_v1.md`): the meta fields (`created_at`, `created_by`,
  `modified_at`, `modified_by`) and the record's own id are ignored; on the routes that write a
  record's fields (customer `PUT`, entities, products, links) any other field the record does
  not have is 400 `{"message": "Model does not have field '<x>'"}`; `create_customer` reads its
  four documented fields and nothing else; an `entity_id` the `ENTITY` caller may not use is 403;
* sales (`sales_v1_0.md`): parameters that are not the endpoint's are ignored; `imageFile` that
  is not an uploaded image is 400 `unsupported_file_type`;
* billing (`billing_v1.md`): parameters that are not the endpoint's are ignored (Laravel's
  validated input).

And never stored, whatever the answer: after each request, no new or changed row of any table
holds a value that was sent (ids 777777, `mallory` names, `evil.example` URLs, 2001 dates), the
timestamps of changed rows are the server's, the other entity's rows (its entity, users, and
everything referencing them, as `test_entity_isolation.owned_rows` follows foreign keys) are
unchanged, the users table is unchanged, an update changes only its own row and only the
columns its valid part names (plus `modified_at`/`modified_by`), and a refused request changes
nothing at all.

The caller is a SYSTEM user of their own entity with `ENTITY` visibility (entity creation, for
GLOBAL users only, is tried by a SYSTEM GLOBAL user; the sales and billing creates are tried by
a GLOBAL user too with the entity fields: those APIs keep every caller in their own entity).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.apis.partner_v1.names import META_FIELDS
from customer_registry.apis.sales_v1_0.catalogues import COLLECTIONS, Collection
from customer_registry.core.catalogues import CUSTOMER_CURRENCIES
from customer_registry.core.clock import utcnow
from customer_registry.core.permissions import Level, Visibility
from customer_registry.storage.schema import (
    brands,
    contacts,
    customer_changes,
    customer_entity_linker,
    customers,
    entities,
    metadata,
    organization_settings,
    product_entity_linker,
    products,
    users,
)
from tests.conftest import MakeUser
from tests.security.conftest import FIGURES
from tests.security.test_entity_isolation import (
    PATH_TARGETS,
    Endpoint,
    MakeEntity,
    Side,
    build_side,
    endpoints,
    owned_rows,
)

Json = dict[str, Any]
Rows = dict[str, list[Json]]

SENT_ID = 777_777
SENT_KEY = "777777777777777"  # a text key (IMEI) no row has
SENT_TIME = "2001-02-03T04:05:06"
SENT_USER = "mallory@evil.example"
SENT_URL = "http://evil.example/mallory.png"
OTHER_ENTITY_NAME = "Mallory-Org"
# Tables a request may change whatever its body: the caller's token (sliding expiry).
UNWATCHED = {"tokens", "login_failures"}
AUDIT_TIMES = ("created_at", "modified_at")

# Routes that write no record's fields: the logins.
NOT_WRITES = {("POST", "/v1/auth/login"), ("POST", "/api/login")}


# --- the fields ------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    side: Side  # the caller's entity and its objects
    caller: dict[str, str]  # SYSTEM, ENTITY visibility, of that entity
    username: str
    global_caller: dict[str, str]  # SYSTEM, GLOBAL, of the same entity
    other_entity: int
    other_user: int
    sales_customer: int  # the caller's entity's customers: one made through the sales API
    partner_customer: int  # and one made through the partner API


def forbidden(world: World) -> dict[str, Any]:
    """Client name -> the value a client might try."""
    return {
        # ids (the record's own key is added per route)
        "id": SENT_ID,
        "customer_id": SENT_ID,
        # the entity
        "entity_id": world.other_entity,
        "entity": world.other_entity,
        "organization": OTHER_ENTITY_NAME,
        # audit fields, in each API's spelling
        "created_at": SENT_TIME,
        "created_by": SENT_USER,
        "modified_at": SENT_TIME,
        "modified_by": SENT_USER,
        "dateCreated": SENT_TIME + "Z",
        "lastUpdated": SENT_TIME + "Z",
        "updated_at": SENT_TIME + ".000000Z",
        "createdBy": {"userId": world.other_user, "reference": SENT_USER},
        "creator_id": world.other_user,
        # permissions and visibility
        "permissions": "SYSTEM",
        "level": "SYSTEM",
        "visibility": "GLOBAL",
        "disabled": False,
        # the image, as text
        "logo": SENT_URL,
        "href": SENT_URL,
    }


# --- the create and update routes --------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """How to send a valid request to one (method, route), and what it writes."""

    table: sa.Table | None  # the record it creates or updates (None: an action)
    base: Callable[[World, int], Json]  # a valid body; n makes it unique
    changes: tuple[str, ...] = ()  # update: the columns the base body may change
    legit: frozenset[str] = frozenset()  # fields of FORBIDDEN that are this route's own
    own_key: str | None = None  # the record's own key in the API's spelling
    kind: str = "ignores"  # partner: "writable" refuses unknown fields
    caller: str = "entity"  # or "global"


CURRENCY_CODES = itertools.cycle(
    [
        "USD",
        "GBP",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "AUD",
        "CAD",
        "NZD",
        "SGD",
        "HKD",
        "INR",
        "BRL",
        "MXN",
        "ZAR",
        "TRY",
        "ILS",
        "THB",
        "MYR",
        "PHP",
        "IDR",
        "KRW",
        "CNY",
        "TWD",
        "ISK",
        "RON",
        "BGN",
    ]
)


def _catalogue_body(collection: Collection, n: int) -> Json:
    if collection.catalogue is CUSTOMER_CURRENCIES:
        return {"code": next(CURRENCY_CODES), "exchangeRate": "2"}
    return {"reference": f"ref-{collection.path}-{n}", "name": f"name-{n}"}


def _catalogue_change(collection: Collection, n: int) -> tuple[Json, tuple[str, ...]]:
    if "name" in collection.parameters:
        return {"name": f"renamed-{n}"}, ("name",)
    return {"exchangeRate": str(1 + n / 100)}, ("exchange_rate",)


def _creates(collection: Collection) -> Callable[[World, int], Json]:
    """The base body of a create in `collection` (bound here, not to the loop's variable)."""
    return lambda w, n: _catalogue_body(collection, n)


def _changes(collection: Collection) -> Callable[[World, int], Json]:
    """The base body of an update in `collection`."""
    return lambda w, n: _catalogue_change(collection, n)[0]


def writes() -> dict[tuple[str, str], Write]:
    """Every create and update route of the three APIs."""
    entity_fields = frozenset({"entity_id"})
    found: dict[tuple[str, str], Write] = {}
    for method in ("POST", "PUT"):
        found[(method, "/v1/customers/create_customer")] = Write(
            customers,
            lambda w, n: {
                "name": f"new-{n}",
                "external_customer_id": 50_000 + n,
                "entity_id": w.side.entity_id,
            },
            legit=entity_fields,
        )
    found[("PUT", "/v1/customers/{customer_id}")] = Write(
        customers,
        lambda w, n: {"name": f"renamed-{n}"},
        ("name",),
        own_key="customer_id",
        kind="writable",
    )
    found[("POST", "/v1/entities")] = Write(
        entities,
        lambda w, n: {"name": f"entity-{n}"},
        own_key="entity_id",
        kind="writable",
        caller="global",
    )
    found[("PUT", "/v1/entities/{entity_id}")] = Write(
        entities,
        lambda w, n: {"tariff": f"tariff-{n}"},
        ("tariff",),
        own_key="entity_id",
        kind="writable",
    )
    found[("POST", "/v1/products")] = Write(
        products,
        lambda w, n: {"product_imei": f"3{n:014d}"},
        legit=entity_fields,
        kind="writable",
    )
    found[("PUT", "/v1/products/{product_imei}")] = Write(
        products,
        lambda w, n: {"serial_number": f"serial-{n}"},
        ("serial_number",),
        legit=entity_fields,
        own_key="product_imei",
        kind="writable",
    )
    found[("PUT", "/v1/products/{product_imei}/change_customer")] = Write(
        None,
        lambda w, n: {
            "entity_id": w.side.entity_id,
            "external_customer_id": w.side.external_id,
            "reason": f"reason-{n}",
        },
        legit=entity_fields,
    )
    found[("PUT", "/v1/products/{product_imei}/expire_customer")] = Write(
        None, lambda w, n: {"reason": f"reason-{n}"}
    )
    for table, owner in (
        (customer_entity_linker, "customer_id"),
        (product_entity_linker, "product_imei"),
    ):
        key = next(iter(table.primary_key.columns)).name
        found[("PUT", f"/v1/{table.name}/{{{key}}}")] = Write(
            table,
            lambda w, n: {"date_added": f"2020-01-{n % 28 + 1:02d}T00:00:00"},
            ("date_added",),
            legit=entity_fields | {owner},  # a link's own fields: covered by the isolation test
            own_key=key,
            kind="writable",
        )

    found[("POST", "/api/v1.0/customers")] = Write(
        customers, lambda w, n: {"reference": f"NEW-{n}", "name": f"new-{n}"}
    )
    for method in ("PUT", "PATCH"):
        found[(method, "/api/v1.0/customers/{customer}")] = Write(
            customers, lambda w, n: {"name": f"renamed-{n}"}, ("name",)
        )
        found[(method, "/api/v1.0/contacts/{key}")] = Write(
            contacts, lambda w, n: {"firstName": f"first-{n}"}, ("first_name",)
        )
        found[(method, "/api/v1.0/organization")] = Write(
            organization_settings,
            lambda w, n: {"regionLevel": str(n % 5 + 1)},
            ("region_level",),
        )
    found[("POST", "/api/v1.0/contacts")] = Write(
        contacts,
        lambda w, n: {"customerId": w.sales_customer, "firstName": f"first-{n}"},
    )
    for collection in COLLECTIONS:
        table = collection.catalogue.listing.table
        url = f"/api/v1.0/{collection.path}"
        own = frozenset(collection.parameters)  # `level` is a region's own field
        found[("POST", url)] = Write(table, _creates(collection), legit=own)
        columns = _catalogue_change(collection, 0)[1]
        for method in ("PUT", "PATCH"):
            found[(method, url + "/{key}")] = Write(table, _changes(collection), columns, legit=own)

    found[("POST", "/api/v1/customers")] = Write(customers, lambda w, n: {"name": f"new-{n}"})
    for method in ("PUT", "PATCH"):
        found[(method, "/api/v1/customers/{customer}")] = Write(
            customers, lambda w, n: {"name": f"renamed-{n}"}, ("name",)
        )
        found[(method, "/api/v1/brands/{brand}")] = Write(
            brands, lambda w, n: {"name": f"renamed-{n}"}, ("name",)
        )
    found[("POST", "/api/v1/brands")] = Write(brands, lambda w, n: {"name": f"brand-{n}"})
    found[("POST", "/api/v1/contacts")] = Write(
        contacts,
        lambda w, n: {
            "contactable_type": "App\\Customer",
            "contactable_id": w.sales_customer,
            "firstName": f"first-{n}",
        },
    )
    return found


# --- what each API answers -------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    status: int
    body: Json | None = None  # the exact body, where the notes give it
    error: str | None = None  # the sales `error` code


IGNORED = None


def expected(api: str, key: tuple[str, str], write: Write, name: str) -> Refused | None:
    if api == "partner":
        if name in write.legit:  # entity_id: another entity is out of an ENTITY user's reach
            return Refused(403)
        if write.kind == "writable" and name not in META_FIELDS | {write.own_key}:
            return Refused(400, {"message": f"Model does not have field '{name}'"})
        return IGNORED
    if api == "sales" and name == "imageFile":
        return Refused(400, error="unsupported_file_type")
    return IGNORED


def fields_for(api: str, key: tuple[str, str], write: Write, world: World) -> dict[str, Any]:
    fields = {n: v for n, v in forbidden(world).items() if n not in write.legit}
    if write.own_key:
        fields[write.own_key] = SENT_KEY if write.own_key == "product_imei" else SENT_ID
    if key[1] in ("/api/v1.0/customers", "/api/v1.0/customers/{customer}"):
        fields["imageFile"] = SENT_URL  # text, not an uploaded file
    if key[1] == "/api/v1.0/contacts/{key}":
        fields["customerId"] = world.partner_customer  # an update does not move a contact
    return fields


# Fields an API ignores are sent together, a group per kind; each refused one alone.
GROUPS = {
    "ids": ("id", "customer_id", "customerId"),
    "entity": ("entity_id", "entity", "organization"),
    "audit": (
        "created_at",
        "created_by",
        "modified_at",
        "modified_by",
        "dateCreated",
        "lastUpdated",
        "updated_at",
        "createdBy",
        "creator_id",
    ),
    "permissions": ("permissions", "level", "visibility", "disabled"),
    "image": ("logo", "href", "imageFile"),
}


Request = tuple[dict[str, Any], Refused | None, str]  # (fields sent, answer, caller)


def requests_for(api: str, key: tuple[str, str], write: Write, world: World) -> list[Request]:
    fields = fields_for(api, key, write, world)
    found: list[Request] = []
    ignored: dict[str, dict[str, Any]] = {}
    for name, value in fields.items():
        want = expected(api, key, write, name)
        if want is IGNORED:
            group = next((g for g, names in GROUPS.items() if name in names), "ids")
            ignored.setdefault(group, {})[name] = value
        else:
            found.append(({name: value}, want, write.caller))
    found = [(sent, IGNORED, write.caller) for sent in ignored.values()] + found
    if api in ("sales", "billing") and key[0] == "POST" and "entity" in ignored:
        # Single-organisation APIs: a GLOBAL caller's creates stay in their entity too.
        found.append((ignored["entity"], IGNORED, "global"))
    return found


# --- the registry before and after ---------------------------------------------------------------


async def registry(ctx: Context) -> Rows:
    async with ctx.db.read() as conn:
        return {
            table.name: [dict(row) for row in await conn.fetch_all(sa.select(table))]
            for table in metadata.sorted_tables
            if table.name not in UNWATCHED
        }


def _key_of(table: sa.Table, row: Json) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


@dataclass
class Diff:
    added: dict[str, list[Json]]  # new rows, and the new version of changed rows
    removed: dict[str, list[Json]]  # deleted rows, and the old version of changed rows

    @classmethod
    def of(cls, before: Rows, after: Rows) -> Diff:
        added = {t: [r for r in after[t] if r not in before[t]] for t in after}
        removed = {t: [r for r in before[t] if r not in after[t]] for t in before}
        return cls(
            {t: rows for t, rows in added.items() if rows},
            {t: rows for t, rows in removed.items() if rows},
        )

    @property
    def empty(self) -> bool:
        return not self.added and not self.removed


def _sent(value: Any) -> bool:
    """A value only a client could have put there."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == SENT_ID
    if isinstance(value, str):
        lowered = value.lower()
        return "mallory" in lowered or "evil.example" in lowered or SENT_KEY in value
    if isinstance(value, datetime):
        return value.year == 2001
    return False


@dataclass
class Checker:
    client: httpx.AsyncClient
    ctx: Context
    world: World
    requests: int = 0
    fields: int = 0  # (field, endpoint-method) pairs sent
    last: tuple[Rows, Rows] | None = None  # the registry after the last request
    tried: set[tuple[str, str]] = field(default_factory=set)
    stored: list[str] = field(default_factory=list)  # a sent value reached the database
    answered: list[str] = field(default_factory=list)  # not the documented answer
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def snapshot(self) -> tuple[Rows, Rows]:
        """The registry, and the other entity's part of it."""
        rows = await registry(self.ctx)
        return rows, owned_rows(rows, self.world.other_entity)

    async def check(
        self,
        api: str,
        key: tuple[str, str],
        write: Write,
        path: str,
        sent: dict[str, Any],
        want: Refused | None,
        caller: str = "entity",
    ) -> None:
        """One request with the valid body and `sent`; the answer, and what was stored."""
        world = self.world
        n = next(self.counter)
        body = {**write.base(world, n), **sent}
        headers = world.global_caller if caller == "global" else world.caller
        if self.last is None:
            self.last = await self.snapshot()
        before, other_before = self.last
        started = utcnow()
        r = await self.client.request(key[0], path, json=body, headers=headers)
        self.last = after, other_after = await self.snapshot()
        self.requests += 1
        self.fields += len(sent)
        self.tried.add(key)
        where = f"{key[0]} {path} ({caller} caller) {sent}"
        diff = Diff.of(before, after)

        if want is IGNORED:
            if not 200 <= r.status_code < 300:
                self.answered.append(
                    f"{where}: expected it ignored (2xx), got {r.status_code} {r.text[:300]}"
                )
        else:
            problem = r.status_code != want.status
            if want.body is not None:
                problem = problem or r.json() != want.body
            if want.error is not None:
                problem = problem or r.json().get("error") != want.error
            if problem:
                self.answered.append(
                    f"{where}: expected {want.status} {want.body or want.error or ''}, "
                    f"got {r.status_code} {r.text[:300]}"
                )
            if not diff.empty:
                self.stored.append(f"{where}: refused ({r.status_code}) yet changed {diff.added}")

        for table, rows in diff.added.items():
            for row in rows:
                sent = {c: v for c, v in row.items() if _sent(v)}
                if sent:
                    self.stored.append(f"{where}: stored in {table}: {sent} (row {row})")
                for column in AUDIT_TIMES:
                    when = row.get(column)
                    if when is not None and not (
                        started - timedelta(seconds=5) <= when <= utcnow() + timedelta(seconds=5)
                    ):
                        # an update keeps its creation time: only a changed one is suspect
                        old = [o for o in diff.removed.get(table, []) if _same_key(table, o, row)]
                        if not (old and old[0].get(column) == when):
                            self.stored.append(f"{where}: {table}.{column} = {when} (row {row})")
        if other_before != other_after:
            self.stored.append(f"{where}: the other entity's rows changed: {diff.added}")
        if before["users"] != after["users"]:
            self.stored.append(f"{where}: users changed: {diff.added.get('users')}")
        if write.changes and want is IGNORED:
            self._only_own_row(where, write, diff)

    def _only_own_row(self, where: str, write: Write, diff: Diff) -> None:
        """An update changes its own row, and only what its valid part names."""
        assert write.table is not None
        allowed = {*write.changes, "modified_at", "modified_by"}
        for table in {*diff.added, *diff.removed}:
            if table == customer_changes.name:
                self._history_entry(where, write, diff)
            elif table != write.table.name:
                self.stored.append(f"{where}: changed {table}: {diff.added.get(table)}")
        new = diff.added.get(write.table.name, [])
        old = diff.removed.get(write.table.name, [])
        if len(new) > 1 or len(old) != len(new):
            self.stored.append(f"{where}: changed rows {old} -> {new}")
            return
        for before, after in zip(old, new, strict=True):
            changed = {c for c in after if after[c] != before.get(c)}
            if changed - allowed:
                self.stored.append(
                    f"{where}: changed {sorted(changed - allowed)}: {before} -> {after}"
                )
            if after.get("modified_by") not in (None, self.world.username):
                self.stored.append(f"{where}: modified_by {after.get('modified_by')}")

    def _history_entry(self, where: str, write: Write, diff: Diff) -> None:
        """The update's one entry in its customer's history, naming only what its valid part
        changed (its values are checked with every added row's: none was sent)."""
        entries = diff.added.get(customer_changes.name, [])
        if diff.removed.get(customer_changes.name) or len(entries) != 1:
            self.stored.append(f"{where}: history entries {entries}")
            return
        named = set(json.loads(entries[0]["changes"]))
        if not named <= set(write.changes):
            self.stored.append(f"{where}: history names {sorted(named - set(write.changes))}")

    def summary(self, api: str) -> str:
        return (
            f"fields clients may not set, {api}: {len(self.tried)} create/update endpoint-methods, "
            f"{self.fields} (endpoint-method, field) pairs in {self.requests} requests, "
            f"{len(self.stored)} stored, "
            f"{len(self.answered)} answered otherwise than documented"
        )


def _same_key(table: str, a: Json, b: Json) -> bool:
    columns = metadata.tables[table].primary_key.columns
    return all(a[c.name] == b[c.name] for c in columns)


# --- the tests ---------------------------------------------------------------------------------


def write_routes(app: Any) -> list[tuple[Endpoint, str]]:
    return [
        (endpoint, method)
        for endpoint in endpoints(app)
        for method in endpoint.methods
        if method in ("POST", "PUT", "PATCH") and (method, endpoint.path) not in NOT_WRITES
    ]


def test_every_create_and_update_route_is_known(app: Any) -> None:
    known = writes()
    unknown = [f"{m} {e.path}" for e, m in write_routes(app) if (m, e.path) not in known]
    assert not unknown, f"describe these writes in this module: {unknown}"


@pytest.fixture
async def world(
    client: httpx.AsyncClient, ctx: Context, make_user: MakeUser, make_entity: MakeEntity
) -> World:
    side = await build_side(client, make_user, make_entity, "Asec", 1)
    other = await make_entity(OTHER_ENTITY_NAME)
    await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=other, username="o@o.example")
    global_caller = await make_user(
        Level.SYSTEM, Visibility.GLOBAL, entity_id=side.entity_id, username="g@a.example"
    )
    async with ctx.db.read() as conn:
        other_user = await conn.fetch_value(
            sa.select(users.c.user_id).where(users.c.entity_id == other)
        )
        by_code = {
            row["code"]: row["customer_id"]
            for row in await conn.fetch_all(
                sa.select(customers.c.code, customers.c.customer_id).where(
                    customers.c.entity_id == side.entity_id
                )
            )
        }
    return World(
        side,
        side.owner,
        "asec-owner@asec.example",
        global_caller,
        other,
        other_user,
        sales_customer=by_code["Asec-REF-1"],
        partner_customer=by_code["Asec-EXT-1"],
    )


async def _own_key(ctx: Context, endpoint: Endpoint, entity_id: int) -> Any:
    """The caller's entity's newest object the route's path parameter names."""
    target = PATH_TARGETS[endpoint.target_key()]
    rows = owned_rows(await registry(ctx), entity_id)[target.table.name]
    return max(row[target.column] for row in rows)


@pytest.mark.parametrize("api", ["partner", "sales", "billing"])
async def test_fields_clients_may_not_set_are_never_stored(
    app: Any, client: httpx.AsyncClient, ctx: Context, world: World, api: str
) -> None:
    known = writes()
    checker = Checker(client, ctx, world)
    for endpoint, method in write_routes(app):
        if endpoint.api != api:
            continue
        key = (method, endpoint.path)
        write = known[key]
        path = endpoint.path
        if endpoint.params:
            own = await _own_key(ctx, endpoint, world.side.entity_id)
            path = path.replace("{" + endpoint.params[0] + "}", str(own))
        for sent, want, caller in requests_for(api, key, write, world):
            await checker.check(api, key, write, path, sent, want, caller)

    FIGURES.append(checker.summary(api))
    lines = [checker.summary(api)]
    for title, items in (("STORED", checker.stored), ("ANSWERED", checker.answered)):
        if items:
            lines.append(f"{title}:")
            lines.extend(f"  - {item}" for item in items)
    report = "\n".join(lines)
    print(report)
    assert checker.requests > 0
    assert not checker.stored + checker.answered, report


async def test_the_checks_see_a_field_that_is_stored(
    client: httpx.AsyncClient, ctx: Context, world: World
) -> None:
    """Not vacuous: a field the sales API does store (`email`), sent with a client's value,
    is seen as stored and as a column the update's valid part does not name, in the row and
    in the customer's history."""
    checker = Checker(client, ctx, world)
    key = ("PUT", "/api/v1.0/customers/{customer}")
    path = f"/api/v1.0/customers/{world.sales_customer}"
    await checker.check("sales", key, writes()[key], path, {"email": SENT_USER}, IGNORED)
    assert checker.answered == []
    assert len(checker.stored) == 4, checker.stored
    found = "\n".join(checker.stored)
    assert "stored in customers: {'email': 'mallory@evil.example'}" in found
    (entry,) = [line for line in checker.stored if "stored in customer_changes" in line]
    assert "mallory@evil.example" in entry.split("(row", 1)[0]
    assert "changed ['email']" in found
    assert "history names ['email']" in found
