"""`customers.create_many`, the bulk import's create: for every row, what `create` alone
would answer, though each lookup is made once a batch, no row has a savepoint, and the rows
are written together."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.customers import Customer, NewCustomer
from customer_registry.core.errors import DomainError, Invalid, NotUnique
from customer_registry.core.permissions import COMMAND_LINE
from customer_registry.core.references import Reference
from customer_registry.storage.schema import customer_entity_linker as links
from tests.conftest import MakeEntity


def _batch(entity_id: int) -> list[NewCustomer]:
    def new(code: str, name: str = "A customer", **details: Any) -> NewCustomer:
        external_id = details.pop("external_id", None)
        return NewCustomer(entity_id, name, external_id, code, details)

    return [
        new("B1", city="Kigali", vip=True, category_id=Reference("root")),
        new("B2", email="x" * 300),  # longer than its column
        new("B3", category_id=Reference("nowhere")),  # names nothing: refused, then again
        new("B4", category_id=Reference("nowhere")),
        new("B5", external_id=7),
        new("B6", external_id=7),  # taken by the row before: the database says so
        new("B1"),  # the batch's own first code
        new("B7", parent_customer_id=Reference("B5")),  # written just before it
        new("B8", parent_customer_id=Reference("B9")),  # not yet written
        new("B9", "  "),  # a blank name
        new("B10", due_date_config_type=1),  # a type without its days
        new("B11", brand_id=999_999),
        new("B12", parent_customer_id=Reference("B13")),  # not yet: refused
        new("B13"),
        new("B14", parent_customer_id=Reference("B13")),  # now it is (no answer kept)
    ]


def _outcome(result: Customer | DomainError) -> Any:
    if isinstance(result, Customer):
        customer = result
        details = msgspec.structs.asdict(customer.details)
        for own in ("category_id", "currency_id", "parent_customer_id"):  # each entity's own
            details[own] = details[own] is not None
        return (customer.name, customer.code, customer.external_id, details)
    field = result.field if isinstance(result, NotUnique) else None
    problems = result.errors if isinstance(result, Invalid) else None
    return (type(result).__name__, str(result), field, problems)


async def test_creating_together_answers_as_creating_one_by_one(
    ctx: Context, make_entity: MakeEntity
) -> None:
    together, alone = await make_entity("Together"), await make_entity("Alone")
    async with ctx.db.write() as conn:
        results = await customers.create_many(conn, COMMAND_LINE, together, _batch(together))
        found = [
            r if isinstance(r, DomainError) else await customers.get(conn, COMMAND_LINE, r)
            for r in results
        ]
    expected: list[Customer | DomainError] = []
    for new in _batch(alone):
        try:
            async with ctx.db.write() as conn:
                expected.append((await customers.create(conn, COMMAND_LINE, new)).customer)
        except DomainError as error:
            expected.append(error)
    assert [_outcome(r) for r in found] == [_outcome(r) for r in expected]
    created = [r for r in found if isinstance(r, Customer)]
    assert [c.code for c in created] == ["B1", "B5", "B7", "B13", "B14"]
    assert created[2].details.parent_customer_id == created[1].customer_id
    assert created[4].details.parent_customer_id == created[3].customer_id


async def test_each_customer_created_together_has_its_entity_link(
    ctx: Context, make_entity: MakeEntity
) -> None:
    entity_id = await make_entity("Linked")
    news = [NewCustomer(entity_id, f"Customer {n}", None, f"L{n}", {}) for n in range(300)]
    async with ctx.db.write() as conn:
        ids = await customers.create_many(conn, COMMAND_LINE, entity_id, news)
        linked = await conn.fetch_all(
            sa.select(links.c.customer_id, links.c.entity_id, links.c.date_removed).where(
                links.c.customer_id.in_([key for key in ids if isinstance(key, int)])
            )
        )
    assert len(ids) == 300
    assert all(isinstance(key, int) for key in ids)
    assert sorted(
        (row["customer_id"], row["entity_id"], row["date_removed"]) for row in linked
    ) == [(key, entity_id, None) for key in sorted(key for key in ids if isinstance(key, int))]


async def test_a_new_customer_without_a_code_is_not_for_create_many(
    ctx: Context, make_entity: MakeEntity
) -> None:
    entity_id = await make_entity("Codeless")
    async with ctx.db.write() as conn:
        with pytest.raises(ValueError, match="have a code"):
            await customers.create_many(
                conn, COMMAND_LINE, entity_id, [NewCustomer(entity_id, "No code", None, None, {})]
            )
