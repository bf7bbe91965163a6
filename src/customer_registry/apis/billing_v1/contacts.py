"""`/api/v1/contacts?contactable_type=App\\Customer&contactable_id={id}`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.access import requires_in_entity
from customer_registry.apis.billing_v1.names import CONTACT_PARAMETERS
from customer_registry.apis.billing_v1.params import BadParameters, convert, request_input
from customer_registry.apis.billing_v1.query import parse_page
from customer_registry.apis.billing_v1.render import contact_json, paginator
from customer_registry.apis.context import context
from customer_registry.apis.http import json_response
from customer_registry.apis.idempotency import idempotent
from customer_registry.apis.params import WrongType, integer
from customer_registry.core import contacts
from customer_registry.core.permissions import Caller, Level

# Laravel's morph names for a customer, old and new namespaces.
_CUSTOMER_TYPES = ("App\\Customer", "App\\Models\\Customer")


def _contactable(params: dict[str, object]) -> int:
    problems = {}
    if params.get("contactable_type") not in _CUSTOMER_TYPES:
        problems["contactable_type"] = "The selected contactable type is invalid."
    try:
        customer_id = integer(params.get("contactable_id"))
    except WrongType:
        customer_id = None
    if customer_id is None:
        problems["contactable_id"] = "The contactable id must be a customer id."
    if problems:
        raise BadParameters(problems)
    assert customer_id is not None
    return customer_id


@requires_in_entity(Level.OVERVIEW)
async def list_contacts(request: Request, caller: Caller) -> Response:
    customer_id = _contactable(dict(request.query_params))
    page = parse_page(request)
    async with context(request).db.read() as conn:
        found = await contacts.of_customer(conn, caller, customer_id, page)
    return paginator(request, found, page, contact_json)


@requires_in_entity(Level.ADMIN)
@idempotent
async def create_contact(request: Request, caller: Caller) -> Response:
    params = await request_input(request)
    customer_id = _contactable(params)
    values = convert(params, CONTACT_PARAMETERS)
    async with context(request).db.write() as conn:
        contact = await contacts.create(conn, caller, customer_id, values)
        return json_response({"response": contact.contact_id}, status=201)
