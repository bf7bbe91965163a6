"""Objects named by reference (the sales API's `useExternalId`) are found by the core, in the
write's transaction, by the field they are sent for, each missing one in its own words."""

from __future__ import annotations

import pytest

from customer_registry.apis.context import Context
from customer_registry.core import catalogues, contacts, customers, records
from customer_registry.core.errors import Invalid, NotFound
from customer_registry.core.permissions import COMMAND_LINE
from customer_registry.core.references import Reference, resolve_all


async def _customer(ctx: Context, code: str, **details: object) -> customers.Customer:
    async with ctx.db.write() as conn:
        new = customers.NewCustomer(1, code, code=code, details=details)
        return (await customers.create(conn, COMMAND_LINE, new)).customer


async def test_a_customers_references_become_ids(ctx: Context) -> None:
    parent = await _customer(ctx, "PARENT")
    async with ctx.db.write() as conn:
        root = await catalogues.root_category(conn, COMMAND_LINE.scope)
        details = {"parent_customer_id": Reference("PARENT"), "category_id": Reference("root")}
        new = customers.NewCustomer(1, "Child", code="CHILD", details=details)
        child = (await customers.create(conn, COMMAND_LINE, new)).customer
    assert child.details.parent_customer_id == parent.customer_id
    assert child.details.category_id == root.id


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("parent_customer_id", "The parent customer with the reference NONE doesn't exist."),
        ("category_id", "The customer category with the reference NONE doesn't exist."),
        ("segmentation_id", "The customer segmentation with the reference NONE doesn't exist."),
        ("region_id", "The region with the reference NONE doesn't exist."),
        ("creator_id", "The user with the reference NONE doesn't exist."),
        ("currency_id", "The currency with name NONE doesn't exist."),
    ],
)
async def test_a_missing_reference_is_told_in_its_fields_words(
    ctx: Context, field: str, message: str
) -> None:
    customer = await _customer(ctx, "OWN")
    async with ctx.db.write() as conn:
        with pytest.raises(NotFound) as found:
            await customers.update(
                conn, COMMAND_LINE, customer.customer_id, {field: Reference("NONE")}
            )
    assert found.value.message == message


async def test_a_customer_and_its_payment_types_named_by_reference(ctx: Context) -> None:
    named = await _customer(ctx, "NAMED")
    kinds = catalogues.CUSTOMER_PAYMENT_TYPES
    async with ctx.db.write() as conn:
        cash = await catalogues.create(
            conn, COMMAND_LINE, kinds, {"reference": "cash", "name": "C"}
        )
        updated = await customers.update(
            conn, COMMAND_LINE, Reference("NAMED"), {"name": "Renamed"}, payment_types=[]
        )
        assert (updated.customer_id, updated.name) == (named.customer_id, "Renamed")
        with pytest.raises(NotFound) as found:
            await customers.update(
                conn, COMMAND_LINE, Reference("NAMED"), {}, payment_types=[Reference("card")]
            )
        assert found.value.message == "The payment type with the reference card doesn't exist."
        await customers.update(
            conn, COMMAND_LINE, Reference("NAMED"), {}, payment_types=[Reference("cash")]
        )
        record = await records.record(conn, COMMAND_LINE, named.customer_id)
        assert [ref.id for ref in record.payment_types] == [cash.id]
        with pytest.raises(NotFound) as found:
            await customers.update(conn, COMMAND_LINE, Reference("NOBODY"), {"name": "x"})
        assert found.value.message == "The customer with the reference NOBODY doesn't exist."


async def test_a_contacts_customer_named_by_reference(ctx: Context) -> None:
    owner = await _customer(ctx, "OWNER")
    async with ctx.db.write() as conn:
        contact = await contacts.create(conn, COMMAND_LINE, Reference("OWNER"), {})
        assert contact.customer_id == owner.customer_id
        with pytest.raises(NotFound) as found:
            await contacts.create(conn, COMMAND_LINE, Reference("NOBODY"), {})
    assert found.value.message == "The customer with the reference NOBODY doesn't exist."


async def test_a_category_parent_named_by_reference(ctx: Context) -> None:
    tree = catalogues.CUSTOMER_CATEGORIES
    async with ctx.db.write() as conn:
        top = await catalogues.create(conn, COMMAND_LINE, tree, {"reference": "top", "name": "T"})
        values = {"reference": "leaf", "name": "L", "parent_id": Reference("top")}
        leaf = await catalogues.create(conn, COMMAND_LINE, tree, values)
        assert leaf.extra.parent_id == top.id
        with pytest.raises(NotFound) as found:
            await catalogues.update(
                conn, COMMAND_LINE, tree, leaf.id, {"parent_id": Reference("none")}
            )
    assert found.value.message == "The customer category with the reference none doesn't exist."


async def test_a_reference_where_no_object_is_named_is_refused() -> None:
    with pytest.raises(Invalid):
        await resolve_all({"name": Reference("x")}, {})
