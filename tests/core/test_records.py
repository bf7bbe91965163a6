"""A sales record is read in one statement, its payment types and contacts as JSON arrays
(`storage/records.py`): the values must be those the tables hold, typed as a plain query
answers them, on both databases.

The customer's payment types are linked in the reverse order of their ids and its contacts
stored in the reverse order of theirs (the record lists both by id), with timestamps whose
fractions JSON writes in several ways (none, `.5`, six digits) and text JSON must escape. The
expected values are read with plain queries of each table. A page of records (sorted either
way, on the shaped and the general list path) holds the same records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.core import records
from customer_registry.core.contacts import Contact
from customer_registry.core.customers import Customer
from customer_registry.core.permissions import COMMAND_LINE, Caller, Level, Visibility
from customer_registry.core.query import Condition, ListQuery, Op, Order, PageRequest
from customer_registry.core.records import Record, Ref
from customer_registry.storage.schema import (
    contacts,
    customer_payment_types,
    customers,
    payment_types,
)
from tests.conftest import MakeEntity

Headers = dict[str, str]
API = "/api/v1.0"

# (contact id, first name, created, modified), stored in this order.
CONTACTS = [
    (30, 'Zoë "Z" O\'Brien \\ \n\t', datetime(2021, 12, 31, 23, 59, 59, 123456), None),
    (20, None, datetime(2021, 1, 4, 8, 0, 0, 500000), datetime(2022, 2, 3, 4, 5, 6, 120)),
    (10, "€ ☃ 𝄞", datetime(2021, 1, 4, 8, 0, 0), datetime(2021, 12, 31, 23, 59, 59, 999999)),
]


async def _post(client: httpx.AsyncClient, headers: Headers, path: str, **form: str) -> Any:
    response = await client.post(f"{API}/{path}", data=form, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def _customer_with_everything(ctx: Context, client: httpx.AsyncClient, admin: Headers) -> int:
    kinds = [
        (await _post(client, admin, "paymentTypes", reference=f"p{n}", name=f"P {n}"))["id"]
        for n in range(3)
    ]
    parent = await _post(client, admin, "customers", reference="PARENT", name="Parent")
    child = await _post(
        client, admin, "customers", reference="CHILD", name="Child",
        parentCustomerId=str(parent["id"]), isSubCustomer="true",
    )  # fmt: skip
    async with ctx.db.write() as conn:
        for kind in sorted(kinds, reverse=True):
            await conn.execute(
                sa.insert(customer_payment_types).values(
                    customer_id=child["id"], payment_type_id=kind
                )
            )
        for contact_id, first_name, created, modified in CONTACTS:
            await conn.execute(
                sa.insert(contacts).values(
                    contact_id=contact_id, customer_id=child["id"], first_name=first_name,
                    email="a@example.com", created_at=created, created_by="test",
                    modified_at=modified,
                )
            )  # fmt: skip
    return int(child["id"])


async def _expected(ctx: Context, customer_id: int) -> tuple[Customer, list[Ref], list[Contact]]:
    """The customer, its payment types and its contacts, each table read alone."""
    async with ctx.db.read() as conn:
        row = await conn.fetch_one(
            sa.select(customers).where(customers.c.customer_id == customer_id)
        )
        assert row is not None
        kinds = await conn.fetch_all(
            sa.select(payment_types)
            .join(customer_payment_types)
            .where(customer_payment_types.c.customer_id == customer_id)
            .order_by(payment_types.c.payment_type_id)
        )
        found = await conn.fetch_all(
            sa.select(contacts)
            .where(contacts.c.customer_id == customer_id)
            .order_by(contacts.c.contact_id)
        )
    return (
        Customer.from_row(row),
        [Ref(k["payment_type_id"], k["reference"], k["name"]) for k in kinds],
        [Contact.from_row(c) for c in found],
    )


CALLERS = {
    "every entity": COMMAND_LINE,
    "its entity": Caller(None, "probe", 1, Level.OVERVIEW, Visibility.ENTITY),
}


@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
async def test_a_record_holds_what_the_tables_hold(
    ctx: Context, client: httpx.AsyncClient, admin: Headers, caller: Caller
) -> None:
    customer_id = await _customer_with_everything(ctx, client, admin)
    customer, kinds, found = await _expected(ctx, customer_id)
    assert len(kinds) == 3
    assert [c.contact_id for c in found] == [10, 20, 30]
    assert [(c.first_name, c.created_at, c.modified_at) for c in reversed(found)] == [
        (first_name, created, modified) for _, first_name, created, modified in CONTACTS
    ]

    async with ctx.db.read() as conn:
        record = await records.record(conn, caller, customer_id)
    assert record.customer == customer
    assert list(record.payment_types) == kinds
    assert list(record.contacts) == found
    assert record.parent is not None
    assert record.parent.reference == "PARENT"
    assert record.organization


async def test_another_entitys_caller_gets_no_record(
    ctx: Context, client: httpx.AsyncClient, admin: Headers, make_entity: MakeEntity
) -> None:
    customer_id = await _customer_with_everything(ctx, client, admin)
    other = Caller(None, "probe", await make_entity("other"), Level.SYSTEM, Visibility.ENTITY)
    async with ctx.db.read() as conn:
        assert await records.records(conn, other, [customer_id]) == []
        page = await records.list_page(conn, other, ListQuery(), PageRequest(per_page=50))
    assert page.items == []
    assert page.total == 0


# A shape the list engine builds once (no filter or one equality), and the general path.
QUERIES = {
    "by id": ListQuery(),
    "by name, descending": ListQuery(order_by=(Order("name", descending=True),)),
    "general path": ListQuery(
        filters=(Condition("name", Op.NE, "none"),), order_by=(Order("name", descending=True),)
    ),
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
async def test_a_page_of_records_holds_the_same_records_in_the_list_order(
    ctx: Context, client: httpx.AsyncClient, admin: Headers, caller: Caller, query: ListQuery
) -> None:
    await _customer_with_everything(ctx, client, admin)
    for name in ("b", "a", "c"):
        await _post(client, admin, "customers", reference=name.upper(), name=name)
    async with ctx.db.read() as conn:
        first = await records.list_page(conn, caller, query, PageRequest(per_page=3))
        second = await records.list_page(conn, caller, query, PageRequest(per_page=3, page=2))
        listed: list[Record] = [*first.items, *second.items]
        one_by_one = await records.records(conn, caller, [r.customer.customer_id for r in listed])
    assert first.total == second.total == 5
    assert len(listed) == 5
    assert listed == one_by_one
    names = [r.customer.name for r in listed]
    if query.order_by:
        assert names == sorted(names, reverse=True)
    else:
        assert [r.customer.customer_id for r in listed] == sorted(
            r.customer.customer_id for r in listed
        )
    assert sum(len(r.contacts) for r in listed) == len(CONTACTS)


async def test_the_list_shows_each_record_byte_for_byte_as_its_get_does(
    ctx: Context, client: httpx.AsyncClient, admin: Headers
) -> None:
    """The get (one record) and the list (a page of them) answer the same bodies."""
    await _customer_with_everything(ctx, client, admin)
    listed = await client.get(f"{API}/customers", params={"max": 50}, headers=admin)
    assert listed.status_code == 200, listed.text
    items = listed.json()["data"]
    assert len(items) == 2
    for item in items:
        alone = await client.get(f"{API}/customers/{item['id']}", headers=admin)
        assert alone.status_code == 200, alone.text
        assert alone.content == orjson.dumps(item)
