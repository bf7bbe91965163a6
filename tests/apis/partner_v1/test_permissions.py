"""Who may do what on the partner API: every endpoint x permission level x visibility.

The PRODUCT rules (`_authentication_and_permissions.md` and each endpoint's table):

* reads (GET) need OVERVIEW; create_customer (POST or PUT) needs ADMIN; customer PUT/DELETE
  and entity POST/PUT/DELETE need SYSTEM. A level too low is 403 `{"message": ...}`, checked
  before anything else; no token, or a token that is not one, is 401.
* ENTITY visibility confines a user to their own entity. Another entity's records do not
  exist for them: 404 by id, absent from lists, counts and `single` queries. They cannot
  create customers in another entity (403) nor create entities at all (403).
* GLOBAL users reach every entity's records.

Every refused write is followed by a re-read as a GLOBAL SYSTEM user: nothing changed.

The records are set up through the core (no HTTP, no user needed). Users come from
`make_user`; their argon2 hash is computed once for this module, because hashing takes
50-200 ms a user and is not what these tests are about (tokens are issued directly).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.permissions import COMMAND_LINE, Level, Visibility
from tests.conftest import MakeUser

Headers = dict[str, str]
Json = dict[str, Any]
MakeEntity = Callable[[str], Awaitable[int]]
Snapshot = tuple[list[Json], list[Json]]


@pytest.fixture(autouse=True)
def _hash_once(fast_password_hashing: None) -> None:
    """Many users per test: one precomputed hash (tests/conftest.py)."""


@dataclass(frozen=True)
class World:
    """The caller's entity with one customer, another entity with one, and an empty one."""

    own_entity: int
    other_entity: int
    empty_entity: int
    own_customer: int
    other_customer: int


@pytest.fixture
async def world(ctx: Context, make_entity: MakeEntity) -> World:
    own_entity = await make_entity("alpha")
    other_entity = await make_entity("beta")
    empty_entity = await make_entity("gamma")
    async with ctx.db.write() as conn:
        # Both customers carry external id 1: a leak through a filter would show.
        own = await customers.create(
            conn, COMMAND_LINE, customers.NewCustomer(own_entity, "Own customer", 1, "own-1")
        )
        other = await customers.create(
            conn, COMMAND_LINE, customers.NewCustomer(other_entity, "Other customer", 1, "other-1")
        )
    return World(
        own_entity=own_entity,
        other_entity=other_entity,
        empty_entity=empty_entity,
        own_customer=own.customer.customer_id,
        other_customer=other.customer.customer_id,
    )


# --- the endpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    key: str
    method: str
    path: str  # may name {customer} and {entity}
    needs: Level
    success: int
    body: Callable[[int], Json] | None = None  # given the target entity

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    def call(
        self, client: httpx.AsyncClient, headers: Headers, customer: int, entity: int
    ) -> Awaitable[httpx.Response]:
        path = self.path.format(customer=customer, entity=entity)
        body = None if self.body is None else self.body(entity)
        return client.request(self.method, path, json=body, headers=headers)


def _new_customer(entity: int) -> Json:
    return {"name": "New customer", "external_customer_id": 99, "entity_id": entity}


GET_CUSTOMER = Endpoint("GET-customer", "GET", "/v1/customers/{customer}", Level.OVERVIEW, 200)
PUT_CUSTOMER = Endpoint(
    "PUT-customer",
    "PUT",
    "/v1/customers/{customer}",
    Level.SYSTEM,
    200,
    lambda _: {"name": "Renamed"},
)
DELETE_CUSTOMER = Endpoint(
    "DELETE-customer", "DELETE", "/v1/customers/{customer}", Level.SYSTEM, 204
)
LIST_CUSTOMERS = Endpoint("GET-customers", "GET", "/v1/customers", Level.OVERVIEW, 200)
POST_CREATE_CUSTOMER = Endpoint(
    "POST-create_customer", "POST", "/v1/customers/create_customer", Level.ADMIN, 201, _new_customer
)
PUT_CREATE_CUSTOMER = Endpoint(
    "PUT-create_customer", "PUT", "/v1/customers/create_customer", Level.ADMIN, 201, _new_customer
)
LIST_ENTITIES = Endpoint("GET-entities", "GET", "/v1/entities", Level.OVERVIEW, 200)
POST_ENTITY = Endpoint(
    "POST-entities", "POST", "/v1/entities", Level.SYSTEM, 201, lambda _: {"name": "delta"}
)
GET_ENTITY = Endpoint("GET-entity", "GET", "/v1/entities/{entity}", Level.OVERVIEW, 200)
PUT_ENTITY = Endpoint(
    "PUT-entity", "PUT", "/v1/entities/{entity}", Level.SYSTEM, 200, lambda _: {"tariff": "changed"}
)
DELETE_ENTITY = Endpoint("DELETE-entity", "DELETE", "/v1/entities/{entity}", Level.SYSTEM, 204)

ENDPOINTS = [
    GET_CUSTOMER,
    PUT_CUSTOMER,
    DELETE_CUSTOMER,
    LIST_CUSTOMERS,
    POST_CREATE_CUSTOMER,
    PUT_CREATE_CUSTOMER,
    LIST_ENTITIES,
    POST_ENTITY,
    GET_ENTITY,
    PUT_ENTITY,
    DELETE_ENTITY,
]
# The endpoints that name a record (or, for create_customer, an entity to create in).
TARGETED = [e for e in ENDPOINTS if e not in (LIST_CUSTOMERS, LIST_ENTITIES, POST_ENTITY)]

by_endpoint = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.key)
by_level = pytest.mark.parametrize("level", list(Level), ids=lambda level: level.name)
by_visibility = pytest.mark.parametrize("visibility", list(Visibility), ids=lambda v: v.value)


# --- helpers ------------------------------------------------------------------------------------


def _assert_message(r: httpx.Response, status: int) -> None:
    """An error in the partner API's form: the status, and a body of just a message."""
    assert r.status_code == status, r.text
    body = r.json()
    assert list(body) == ["message"], body
    assert isinstance(body["message"], str)
    assert body["message"]


def _assert_missing(r: httpx.Response) -> None:
    """A record's URL when there is no such record: Flask-Restless's 404 with an empty object."""
    assert (r.status_code, r.json()) == (404, {}), r.text


async def _snapshot(client: httpx.AsyncClient, admin: Headers) -> Snapshot:
    """Every customer and every entity, as a GLOBAL SYSTEM user reads them."""
    everything = {"results_per_page": "100"}
    listed_customers = await client.get("/v1/customers", params=everything, headers=admin)
    listed_entities = await client.get("/v1/entities", params=everything, headers=admin)
    assert listed_customers.status_code == 200, listed_customers.text
    assert listed_entities.status_code == 200, listed_entities.text
    return listed_customers.json()["objects"], listed_entities.json()["objects"]


def _ids(r: httpx.Response, key: str) -> list[int]:
    assert r.status_code == 200, r.text
    return sorted(record[key] for record in r.json()["objects"])


async def _check_done(
    endpoint: Endpoint,
    r: httpx.Response,
    client: httpx.AsyncClient,
    admin: Headers,
    customer: int,
    entity: int,
) -> None:
    """A write (or read) that was allowed did what it says, as a GLOBAL admin sees it."""
    assert r.status_code == endpoint.success, r.text
    if endpoint is GET_CUSTOMER:
        assert r.json()["customer_id"] == customer
    elif endpoint is PUT_CUSTOMER:
        assert r.json()["name"] == "Renamed"
        reread = await client.get(f"/v1/customers/{customer}", headers=admin)
        assert reread.json()["name"] == "Renamed"
    elif endpoint is DELETE_CUSTOMER:
        assert r.content == b""
        _assert_missing(await client.get(f"/v1/customers/{customer}", headers=admin))
    elif endpoint in (POST_CREATE_CUSTOMER, PUT_CREATE_CUSTOMER):
        data = r.json()["data"]
        assert data["entity_id"] == entity
        reread = await client.get(f"/v1/customers/{data['customer_id']}", headers=admin)
        assert reread.status_code == 200
    elif endpoint is POST_ENTITY:
        created = await client.get(f"/v1/entities/{r.json()['entity_id']}", headers=admin)
        assert created.json()["name"] == "delta"
    elif endpoint is GET_ENTITY:
        assert r.json()["entity_id"] == entity
    elif endpoint is PUT_ENTITY:
        assert r.json()["tariff"] == "changed"
        reread = await client.get(f"/v1/entities/{entity}", headers=admin)
        assert reread.json()["tariff"] == "changed"
    elif endpoint is DELETE_ENTITY:
        assert r.content == b""
        _assert_missing(await client.get(f"/v1/entities/{entity}", headers=admin))
    else:
        raise AssertionError(f"no check for {endpoint.key}")


# --- the matrix on the caller's own entity ------------------------------------------------------


@by_visibility
@by_level
@by_endpoint
async def test_on_own_entity(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    admin: Headers,
    world: World,
    endpoint: Endpoint,
    level: Level,
    visibility: Visibility,
) -> None:
    """The caller acts on their own entity's customer, on their own entity, and on lists."""
    caller = await make_user(level, visibility, entity_id=world.own_entity)
    before = await _snapshot(client, admin)

    r = await endpoint.call(client, caller, world.own_customer, world.own_entity)

    if level < endpoint.needs:
        _assert_message(r, 403)
    elif endpoint is POST_ENTITY and visibility is Visibility.ENTITY:
        _assert_message(r, 403)  # entities are created by GLOBAL users only
    elif endpoint is DELETE_ENTITY:
        # Allowed, but the caller (and a customer) still belong to it: refused as in use.
        _assert_message(r, 400)
    elif endpoint is LIST_CUSTOMERS:
        seen = [world.own_customer]
        if visibility is Visibility.GLOBAL:
            seen.append(world.other_customer)
        assert _ids(r, "customer_id") == seen
        assert r.json()["num_results"] == len(seen)
    elif endpoint is LIST_ENTITIES:
        seen = [world.own_entity]
        if visibility is Visibility.GLOBAL:
            seen = [1, world.own_entity, world.other_entity, world.empty_entity]
        assert _ids(r, "entity_id") == seen
        assert r.json()["num_results"] == len(seen)
    else:
        await _check_done(endpoint, r, client, admin, world.own_customer, world.own_entity)

    if r.status_code >= 400 or not endpoint.writes:
        assert await _snapshot(client, admin) == before


# --- the matrix on another entity's records -----------------------------------------------------


@by_visibility
@by_level
@pytest.mark.parametrize("endpoint", TARGETED, ids=lambda e: e.key)
async def test_on_another_entity(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    admin: Headers,
    world: World,
    endpoint: Endpoint,
    level: Level,
    visibility: Visibility,
) -> None:
    """The caller names another entity's customer, another entity, or creates in one.

    DELETE of an entity targets the empty one, which a GLOBAL SYSTEM user can delete.
    """
    caller = await make_user(level, visibility, entity_id=world.own_entity)
    entity = world.empty_entity if endpoint is DELETE_ENTITY else world.other_entity
    before = await _snapshot(client, admin)

    r = await endpoint.call(client, caller, world.other_customer, entity)

    if level < endpoint.needs:
        _assert_message(r, 403)
    elif visibility is Visibility.GLOBAL:
        await _check_done(endpoint, r, client, admin, world.other_customer, entity)
    else:
        if endpoint in (POST_CREATE_CUSTOMER, PUT_CREATE_CUSTOMER):
            _assert_message(r, 403)
        else:
            _assert_missing(r)  # another entity's records do not exist for an ENTITY user
        # ... and the answer tells nothing: it is the answer for records that do not exist.
        ghost = await endpoint.call(client, caller, 10**6, 10**6)
        assert (ghost.status_code, ghost.json()) == (r.status_code, r.json())

    if r.status_code >= 400 or not endpoint.writes:
        assert await _snapshot(client, admin) == before


# --- queries ------------------------------------------------------------------------------------


def _q(**query: Any) -> dict[str, str]:
    return {"q": json.dumps(query)}


@by_visibility
@by_level
async def test_queries_see_only_visible_records(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    world: World,
    level: Level,
    visibility: Visibility,
) -> None:
    caller = await make_user(level, visibility, entity_id=world.own_entity)
    confined = visibility is Visibility.ENTITY

    def by_id(customer: int) -> dict[str, str]:
        return _q(filters=[{"name": "customer_id", "op": "eq", "val": customer}], single=True)

    own = await client.get("/v1/customers", params=by_id(world.own_customer), headers=caller)
    assert own.status_code == 200, own.text
    assert own.json()["customer_id"] == world.own_customer

    other = await client.get("/v1/customers", params=by_id(world.other_customer), headers=caller)
    if confined:
        _assert_message(other, 404)
    else:
        assert other.status_code == 200, other.text
        assert other.json()["customer_id"] == world.other_customer

    # Both customers have external id 1: a filter on it finds one, or two.
    same_id = _q(filters=[{"name": "external_customer_id", "op": "eq", "val": 1}])
    r = await client.get("/v1/customers", params=same_id, headers=caller)
    seen = [world.own_customer] if confined else [world.own_customer, world.other_customer]
    assert _ids(r, "customer_id") == seen
    assert r.json()["num_results"] == len(seen)
    single = _q(filters=[{"name": "external_customer_id", "op": "eq", "val": 1}], single=True)
    r = await client.get("/v1/customers", params=single, headers=caller)
    if confined:
        assert r.status_code == 200, r.text
        assert r.json()["customer_id"] == world.own_customer
    else:
        _assert_message(r, 400)  # "Multiple results found"

    code = _q(filters=[{"name": "external_customer_code", "op": "like", "val": "other%"}])
    r = await client.get("/v1/customers", params=code, headers=caller)
    assert _ids(r, "customer_id") == ([] if confined else [world.other_customer])
    assert r.json()["num_results"] == (0 if confined else 1)

    # An "or" names the other entity's customer outright: the scope still holds.
    either = [
        {"name": "customer_id", "op": "eq", "val": world.own_customer},
        {"name": "customer_id", "op": "eq", "val": world.other_customer},
    ]
    r = await client.get("/v1/customers", params=_q(filters=[{"or": either}]), headers=caller)
    assert _ids(r, "customer_id") == seen

    entity = _q(filters=[{"name": "entity_id", "op": "eq", "val": world.other_entity}], single=True)
    r = await client.get("/v1/entities", params=entity, headers=caller)
    if confined:
        _assert_message(r, 404)
    else:
        assert r.status_code == 200, r.text
        assert r.json()["entity_id"] == world.other_entity


# --- credentials --------------------------------------------------------------------------------

CREDENTIALS = {
    "no-token": {},
    "garbage-token": {"Authorization": "Token token=" + "x" * 64},
    "empty-token": {"Authorization": "Token token="},
    "other-scheme": {"Authorization": "Basic dGVzdC51c2VyOnBhc3N3b3Jk"},
}


@pytest.mark.parametrize("credentials", list(CREDENTIALS), ids=str)
@by_endpoint
async def test_without_a_valid_token(
    client: httpx.AsyncClient,
    admin: Headers,
    world: World,
    endpoint: Endpoint,
    credentials: str,
) -> None:
    before = await _snapshot(client, admin)

    r = await endpoint.call(client, CREDENTIALS[credentials], world.own_customer, world.own_entity)

    _assert_message(r, 401)
    assert await _snapshot(client, admin) == before


# --- an ENTITY user cannot move a customer out of their entity ----------------------------------


async def test_entity_user_cannot_move_their_customer_to_another_entity(
    client: httpx.AsyncClient, make_user: MakeUser, admin: Headers, world: World
) -> None:
    caller = await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=world.own_entity)
    before = await _snapshot(client, admin)

    r = await client.put(
        f"/v1/customers/{world.own_customer}",
        json={"entity_id": world.other_entity},
        headers=caller,
    )

    assert r.status_code in (400, 403), r.text
    assert await _snapshot(client, admin) == before
    still_own = await client.get(f"/v1/customers/{world.own_customer}", headers=caller)
    assert still_own.status_code == 200
