"""A customer's history (`core.changes`): every change, through any API or an import, is
recorded in its own transaction with who, when, through which surface and each field's old
and new value, in the registry's names: the same change reads the same whichever API made
it, and a rolled-back change leaves nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.core import changes, customers, users
from customer_registry.core.clock import utcnow
from customer_registry.core.imports import ImportRow, OnConflict, import_customers
from customer_registry.core.permissions import COMMAND_LINE, Level, Visibility
from customer_registry.storage.schema import customer_changes
from tests.conftest import MakeEntity, MakeUser

Headers = dict[str, str]


async def _create(client: httpx.AsyncClient, admin: Headers, code: str) -> int:
    r = await client.put(
        "/v1/customers/create_customer",
        json={"entity_id": 1, "name": code, "external_customer_code": code},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    customer_id: int = r.json()["data"]["customer_id"]
    return customer_id


async def _history(ctx: Context, customer_id: int, **since: Any) -> list[changes.Change]:
    async with ctx.db.read() as conn:
        return list(await changes.of_customer(conn, COMMAND_LINE, customer_id, **since))


def _summary(found: list[changes.Change]) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    return [(c.action, c.surface, c.subject, c.changes) for c in found]


# The same changes (a name, then a code) sent through each API, in its own words.
UPDATES: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "partner": [
        ("PUT", "/v1/customers/{id}", {"json": {"name": "Renamed"}}),
        ("PUT", "/v1/customers/{id}", {"json": {"external_customer_code": "NEW"}}),
    ],
    "sales": [
        ("PUT", "/api/v1.0/customers/{id}", {"data": {"name": "Renamed"}}),
        ("PATCH", "/api/v1.0/customers/{id}", {"data": {"reference": "NEW"}}),
    ],
    "billing": [
        ("PUT", "/api/v1/customers/{id}", {"data": {"name": "Renamed"}}),
        ("PATCH", "/api/v1/customers/{id}", {"data": {"customerAccount": "NEW"}}),
    ],
}


@pytest.mark.parametrize("api", sorted(UPDATES))
async def test_a_change_reads_the_same_whichever_api_made_it(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, api: str
) -> None:
    customer_id = await _create(client, admin, "OLD")
    for method, path, sent in UPDATES[api]:
        r = await client.request(method, path.format(id=customer_id), headers=admin, **sent)
        assert r.status_code == 200, r.text
    created, renamed, recoded = await _history(ctx, customer_id)
    assert (created.action, created.surface, created.username) == (
        "customer.created",
        "partner",
        "root@example.com",
    )
    assert created.changes["name"] == [None, "OLD"]
    assert created.changes["code"] == [None, "OLD"]
    assert created.changes["entity_id"] == [None, 1]
    assert "created_at" not in created.changes  # when and who are the entry's own
    assert _summary([renamed, recoded]) == [
        ("customer.updated", api, None, {"name": ["OLD", "Renamed"]}),
        ("customer.updated", api, None, {"code": ["OLD", "NEW"]}),
    ]
    assert created.changed_at <= renamed.changed_at <= recoded.changed_at


async def test_an_update_that_changes_nothing_is_no_entry(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    customer_id = await _create(client, admin, "Same")
    r = await client.put(f"/v1/customers/{customer_id}", json={"name": "Same"}, headers=admin)
    assert r.status_code == 200, r.text
    assert [c.action for c in await _history(ctx, customer_id)] == ["customer.created"]


async def test_a_rolled_back_change_leaves_no_entry(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    customer_id = await _create(client, admin, "Kept")

    async def fail_after_the_change() -> None:
        async with ctx.db.write() as conn:
            await customers.update(conn, COMMAND_LINE, customer_id, {"name": "Lost"})
            raise RuntimeError("the transaction fails after the change")

    with pytest.raises(RuntimeError):
        await fail_after_the_change()
    # Refused by the unique index: the update's own statement fails, nothing is recorded.
    await _create(client, admin, "Taken")
    sent = {"external_customer_code": "Taken"}
    r = await client.put(f"/v1/customers/{customer_id}", json=sent, headers=admin)
    assert r.status_code == 400, r.text
    assert [c.action for c in await _history(ctx, customer_id)] == ["customer.created"]


async def test_a_deleted_customer_keeps_its_history(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    customer_id = await _create(client, admin, "Gone")
    r = await client.delete(f"/api/v1.0/customers/{customer_id}", headers=admin)
    assert r.status_code == 204, r.text
    *_, deleted = await _history(ctx, customer_id)
    assert (deleted.action, deleted.surface) == ("customer.deleted", "sales")
    assert deleted.changes["name"] == ["Gone", None]
    assert deleted.changes["code"] == ["Gone", None]


async def test_contacts_and_payment_types_are_in_their_customers_history(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    customer_id = await _create(client, admin, "Owner")
    r = await client.post(
        "/api/v1.0/contacts",
        data={"customerId": str(customer_id), "firstName": "Ada"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    contact = r.json()["id"]
    r = await client.put(f"/api/v1.0/contacts/{contact}", data={"phone": "+250 7"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (await client.delete(f"/api/v1.0/contacts/{contact}", headers=admin)).status_code == 204
    r = await client.post(
        "/api/v1.0/paymentTypes", data={"reference": "P", "name": "Cash"}, headers=admin
    )
    assert r.status_code == 201, r.text
    payment_type = r.json()["id"]
    r = await client.put(
        f"/api/v1.0/customers/{customer_id}",
        data={"paymentTypes": str(payment_type)},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    _, *rest = await _history(ctx, customer_id)
    assert _summary(rest) == [
        ("contact.created", "sales", str(contact), {"first_name": [None, "Ada"]}),
        ("contact.updated", "sales", str(contact), {"phone": [None, "+250 7"]}),
        (
            "contact.deleted",
            "sales",
            str(contact),
            {"first_name": ["Ada", None], "phone": ["+250 7", None]},
        ),
        ("customer.updated", "sales", None, {"payment_type_ids": [None, [payment_type]]}),
    ]


async def test_product_moves_are_in_both_customers_histories(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    imei = "356938035643809"
    assert (
        await client.post("/v1/products", json={"product_imei": imei}, headers=admin)
    ).status_code == 201
    first, second = await _create(client, admin, "First"), await _create(client, admin, "Second")
    for code in ("First", "Second"):
        move = {"entity_id": 1, "external_customer_code": code, "reason": "swap"}
        r = await client.put(f"/v1/products/{imei}/change_customer", json=move, headers=admin)
        assert r.status_code == 200, r.text
    r = await client.put(
        f"/v1/products/{imei}/expire_customer", json={"reason": "back"}, headers=admin
    )
    assert r.status_code == 200, r.text
    _, added, removed = await _history(ctx, first)
    assert (added.action, added.subject, added.changes["product_imei"]) == (
        "product.added",
        imei,
        [None, imei],
    )
    assert (removed.action, removed.changes["product_imei"], removed.changes["removal_reason"]) == (
        "product.removed",
        [imei, None],
        [None, "swap"],
    )
    _, added, removed = await _history(ctx, second)
    assert [added.action, removed.action] == ["product.added", "product.removed"]
    assert removed.changes["removal_reason"] == [None, "back"]


async def test_a_link_change_is_in_its_customers_history(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, make_entity: MakeEntity
) -> None:
    customer_id = await _create(client, admin, "Linked")
    other = await make_entity("Other")
    links = await client.get("/v1/customer_entity_linker", headers=admin)
    (link,) = [found for found in links.json()["objects"] if found["customer_id"] == customer_id]
    link_id = link["customer_entity_linker_id"]
    r = await client.put(
        f"/v1/customer_entity_linker/{link_id}", json={"entity_id": other}, headers=admin
    )
    assert r.status_code == 200, r.text
    *_, moved = await _history(ctx, customer_id)
    assert _summary([moved]) == [
        ("link.updated", "partner", str(link_id), {"entity_id": [1, other]})
    ]


async def test_an_import_records_each_customer_it_creates_or_updates(
    ctx: Context, client: httpx.AsyncClient, admin: Headers
) -> None:
    async with ctx.db.read() as conn:
        importer = await users.acting_as(conn, "root@example.com")  # `import --as`
    rows = [ImportRow(n, {"name": f"Imported {n}", "code": f"IMP{n}"}) for n in range(1, 4)]
    report = await import_customers(ctx.db, importer, rows, entity_id=1)
    assert report.created == 3
    again = [ImportRow(1, {"name": "Renamed 1", "code": "IMP1"})]
    await import_customers(ctx.db, importer, again, entity_id=1, on_conflict=OnConflict.UPDATE)
    async with ctx.db.read() as conn:
        customer = await customers.get_by_code(conn, COMMAND_LINE, "IMP1")
    created, updated = await _history(ctx, customer.customer_id)
    assert (created.action, created.surface, created.username) == (
        "customer.created",
        "import",
        "root@example.com",
    )
    assert created.changes["name"] == [None, "Imported 1"]
    assert created.changes["entity_id"] == [None, 1]
    assert _summary([updated]) == [
        ("customer.updated", "import", None, {"name": ["Imported 1", "Renamed 1"]})
    ]
    # The batch's entries match those of a create through an API, field for field, though
    # they keep their fields once, in their state (`changes` is JSON null).
    api_made = await _create(client, admin, "Imported 1")
    (through_api,) = await _history(ctx, api_made)
    assert created.changes == {**through_api.changes, "code": [None, "IMP1"]}
    async with ctx.db.read() as conn:
        stored = await conn.fetch_all(
            sa.select(customer_changes.c.customer_id, customer_changes.c.changes).where(
                customer_changes.c.action == "customer.created"
            )
        )
    kept = {row["customer_id"]: row["changes"] for row in stored}
    assert kept[customer.customer_id] == "null"
    assert kept[api_made] != "null"


async def test_a_user_reads_only_the_history_of_its_entitys_customers(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    make_entity: MakeEntity,
    make_user: MakeUser,
) -> None:
    customer_id = await _create(client, admin, "Mine")
    other = await make_entity("Other")
    await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=other, username="other@example.com")
    await make_user(Level.SYSTEM, Visibility.ENTITY, username="same@example.com")
    async with ctx.db.read() as conn:
        outsider = await users.acting_as(conn, "other@example.com")
        insider = await users.acting_as(conn, "same@example.com")
        assert await changes.of_customer(conn, outsider, customer_id) == []
        assert len(await changes.of_customer(conn, insider, customer_id)) == 1


async def test_since_and_pruning_by_age(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    customer_id = await _create(client, admin, "Aged")
    r = await client.put(f"/v1/customers/{customer_id}", json={"name": "Aged 2"}, headers=admin)
    assert r.status_code == 200
    async with ctx.db.write() as conn:
        first = sa.select(sa.func.min(customer_changes.c.change_id))
        await conn.execute(
            sa.update(customer_changes)
            .where(customer_changes.c.change_id == first.scalar_subquery())
            .values(changed_at=utcnow() - timedelta(days=10))
        )
    assert len(await _history(ctx, customer_id, since=utcnow() - timedelta(days=1))) == 1
    async with ctx.db.write() as conn:
        assert await changes.forget_older_than(conn, 30) == 0
        assert await changes.forget_older_than(conn, 5) == 1
    assert [c.action for c in await _history(ctx, customer_id)] == ["customer.updated"]


async def test_a_change_written_in_one_statement_reads_as_one_checked_first(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    """On PostgreSQL a change of fields no rule checks is one statement, which finds the old
    values and writes the entry itself (`storage.customers.update_alone`): its entry holds
    the same values as the locked path's, numbers, booleans and text alike."""
    alone, checked = await _create(client, admin, "Alone"), await _create(client, admin, "Checked")
    sent = {"name": "New", "credit_limit": 12.5, "vip": True, "comment": "été", "reseller_level": 7}
    assert sent.keys() <= customers._CHANGED_ALONE  # the one-statement path, on PostgreSQL
    async with ctx.db.write(transaction=False) as conn:
        await customers.update(conn, COMMAND_LINE, alone, sent)
    async with ctx.db.write() as conn:
        change = customers._Change(None, None, None)
        await customers._update_checked(conn, COMMAND_LINE, checked, sent, change)
    (*_, by_one_statement), (*_, by_checked_path) = (
        await _history(ctx, alone),
        await _history(ctx, checked),
    )
    assert by_one_statement.changes == {
        **by_checked_path.changes,
        "name": ["Alone", "New"],
    }
    # The customer's record after the change, as an event carries it: the same fields and
    # values either way, but for the customer's own id and code.
    assert by_one_statement.state is not None
    assert by_checked_path.state is not None
    assert by_one_statement.state == {
        **by_checked_path.state,
        "customer_id": alone,
        "code": "Alone",
    }
    assert by_checked_path.changes["name"] == ["Checked", "New"]
    assert by_checked_path.changes["credit_limit"] == [None, 12.5]
    assert by_checked_path.changes["vip"] == [False, True]
    assert (by_one_statement.surface, by_one_statement.username) == ("cli", COMMAND_LINE.username)
