"""`/api/v1/customers`, `/api/v1/customerAccounts/{customerAccount}` and the search."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis import conditional
from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.billing_v1.names import (
    CORE_TO_BILLING,
    CUSTOMER_DEFAULTED,
    CUSTOMER_MAX_LENGTHS,
    CUSTOMER_PARAMETERS,
)
from customer_registry.apis.billing_v1.params import BadParameters, check, request_input, words
from customer_registry.apis.billing_v1.query import SEARCH_FIELDS, parse_list, parse_page
from customer_registry.apis.billing_v1.render import customer_json, paginator
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response, path_key
from customer_registry.apis.idempotency import idempotent
from customer_registry.core import customers
from customer_registry.core.errors import NotFound
from customer_registry.core.permissions import Caller, Level
from customer_registry.core.query import ListQuery, contains
from customer_registry.storage.database import Connection

_IDENTITY = ("name", "code")


def _no_customer(raw: str | None) -> NotFound:
    """Eloquent's ModelNotFoundException, as findOrFail() (with the id) or firstOrFail()
    (without) words it, whatever way the id or account fails."""
    ids = "." if raw is None else f" {raw}"
    return NotFound(f"No query results for model [App\\Customer]{ids}")


@contextmanager
def _missing_as_laravel(raw: str | None) -> Iterator[None]:
    try:
        yield
    except NotFound:
        raise _no_customer(raw) from None


def customer_id(request: Request) -> int:
    raw: str = request.path_params["customer"]
    key = path_key(raw)
    if key is None:
        raise _no_customer(raw)
    return key


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Name and account (the core's own arguments) apart from the commercial details."""
    identity = {k: v for k, v in values.items() if k in _IDENTITY}
    return identity, {k: v for k, v in values.items() if k not in _IDENTITY}


def _checked(
    params: dict[str, Any], required: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    return check(
        params,
        CUSTOMER_PARAMETERS,
        required,
        defaulted=CUSTOMER_DEFAULTED,
        max_lengths=CUSTOMER_MAX_LENGTHS,
    )


async def _every_problem(
    conn: Connection,
    caller: Caller,
    values: dict[str, Any],
    problems: dict[str, str],
    customer_id: int | None = None,
) -> dict[str, str]:
    """The parameters' problems and those of the rules that read other rows (identifiers
    taken, brand and representative out of reach), in the order Laravel's validator reports
    them: its rules', one message a field."""
    found = await customers.rule_problems(conn, caller.scope, values, customer_id)
    for core, message in found.items():
        name = CORE_TO_BILLING.get(core, core)
        problems.setdefault(name, message.replace("{field}", words(name)))
    return {name: problems[name] for name in CUSTOMER_PARAMETERS if name in problems}


@requires_in_entity(Level.ADMIN)
@idempotent
async def create_customer(request: Request, caller: Caller) -> Response:
    values, problems = _checked(await request_input(request), ("name",))
    identity, details = _split(values)
    async with context(request).db.write() as conn:
        problems = await _every_problem(conn, caller, values, problems)
        if problems:
            raise BadParameters(problems)
        new = customers.NewCustomer(
            entity_id=caller.entity_id,
            name=identity["name"],
            code=identity.get("code"),
            details=details,
        )
        created = await customers.create(conn, caller, new, generate_code=True)
        return json_response({"response": created.customer.customer_id}, status=201)


def _record(customer: customers.Customer) -> Response:
    return json_response({"customer": customer_json(customer)})


async def _current(conn: Connection, caller: Caller, customer_id: int) -> bytes | memoryview:
    """The record as it is now, locked until the write's transaction ends (`If-Match`)."""
    return _record(await customers.get(conn, caller, customer_id, for_update=True)).body


@requires_in_entity(Level.OVERVIEW)
async def get_customer(request: Request, caller: Caller) -> Response:
    wanted = customer_id(request)
    async with context(request).db.read() as conn:
        # What _missing_as_laravel does, without its generator: about 10,000 instructions of
        # a GET (callgrind: 11,600 for entering and leaving it, 1,200 for this `try`).
        try:
            customer = await customers.get(conn, caller, wanted)
        except NotFound:
            raise _no_customer(request.path_params["customer"]) from None
    return conditional.answer(request, _record(customer))


@requires_in_entity(Level.OVERVIEW)
async def get_by_account(request: Request, caller: Caller) -> Response:
    account: str = request.path_params["customerAccount"]
    async with context(request).db.read() as conn:
        try:  # as get_customer's
            customer = await customers.get_by_code(conn, caller, account)
        except NotFound:
            raise _no_customer(None) from None
    return conditional.answer(request, _record(customer))


# Changes whose rules read other rows, checked before the update (see _every_problem).
_READ_OTHER_ROWS = frozenset({*customers.UNIQUE_IN_ENTITY, "brand_id", "representative_id"})


@requires_in_entity(Level.ADMIN)
async def update_customer(request: Request, caller: Caller) -> Response:
    wanted = customer_id(request)
    raw = request.path_params["customer"]
    params = await request_input(request)
    changes, problems = _checked(params, ("name",) if "name" in params else ())
    conditioned = conditional.has_if_match(request)
    async with context(request).db.write(transaction=conditioned) as conn:
        with _missing_as_laravel(raw):
            await conditional.require_current(request, partial(_current, conn, caller, wanted))
            if problems or changes.keys() & _READ_OTHER_ROWS:
                problems = await _every_problem(conn, caller, changes, problems, wanted)
            if problems:
                await customers.get(conn, caller, wanted)  # a missing customer is told first
                raise BadParameters(problems)
            customer = await customers.update(conn, caller, wanted, changes)
        # The answer is the id, as Laravel's; its tag is the record's new one.
        tag = conditional.entity_tag(_record(customer).body)
        return json_response({"response": customer.customer_id}, headers={"ETag": tag})


@requires_in_entity(Level.SYSTEM)
async def delete_customer(request: Request, caller: Caller) -> Response:
    wanted = customer_id(request)
    async with context(request).db.write() as conn:
        with _missing_as_laravel(request.path_params["customer"]):
            await conditional.require_current(request, partial(_current, conn, caller, wanted))
            await customers.delete(conn, caller, wanted, context(request).media)
        return json_response({"response": True})


async def _list(request: Request, caller: Caller, query: ListQuery) -> Response:
    page = parse_page(request)
    async with context(request).db.read() as conn:
        found = await customers.list_page(conn, caller, query, page)
    return paginator(request, found, page, customer_json)


@requires_in_entity(Level.OVERVIEW)
async def list_customers(request: Request, caller: Caller) -> Response:
    return await _list(request, caller, parse_list(request))


@requires_in_entity(Level.OVERVIEW)
async def search_customers(request: Request, caller: Caller) -> Response:
    term = request.query_params.get("term", "")
    query = ListQuery(filters=(contains(SEARCH_FIELDS, term),)) if term else ListQuery()
    return await _list(request, caller, query)
