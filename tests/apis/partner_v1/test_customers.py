"""Customers through the partner API: create_customer's rules, updates, deletes, races."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from customer_registry.apis.context import Context
from customer_registry.storage.schema import customer_entity_linker, customers
from tests.conftest import MakeEntity, MakeUser

Headers = dict[str, str]
CREATE = "/v1/customers/create_customer"


async def _count(ctx: Context, table: Any) -> int:
    import sqlalchemy as sa

    async with ctx.db.read() as conn:
        return int(await conn.fetch_value(sa.select(sa.func.count()).select_from(table)))


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_create_customer_with_either_method(
    client: httpx.AsyncClient, admin: Headers, method: str
) -> None:
    body = {
        "name": "Test Customer",
        "external_customer_id": 1234,
        "external_customer_code": "tc_0123",
    }
    r = await client.request(method, CREATE, json={**body, "entity_id": 1}, headers=admin)
    assert r.status_code == 201
    assert r.json() == {
        "status": "success",
        "message": "Created Test Customer(1234) successfully",
        "data": {
            **body,
            "customer_id": 1,
            "entity_id": 1,
            "customer_entity_linker_id": 1,
        },
    }


async def test_create_links_the_customer_to_its_entity(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, make_entity: MakeEntity
) -> None:
    entity_id = await make_entity("partner")
    r = await client.post(
        CREATE,
        json={"name": "x", "external_customer_code": "c", "entity_id": entity_id},
        headers=admin,
    )
    link_id = r.json()["data"]["customer_entity_linker_id"]
    import sqlalchemy as sa

    async with ctx.db.read() as conn:
        link = await conn.fetch_one(
            sa.select(customer_entity_linker).where(
                customer_entity_linker.c.customer_entity_linker_id == link_id
            )
        )
    assert link is not None
    assert (link["customer_id"], link["entity_id"]) == (1, entity_id)
    assert link["date_added"] is not None
    assert link["date_removed"] is None
    assert link["created_by"] == "root@example.com"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"name": "n", "entity_id": 1},
            {"missing_data": "Missing external_customer_id and external_customer_code."},
        ),
        ({"name": "n", "external_customer_id": 1}, {"entity_id": "Missing entity_id."}),
        ({"external_customer_id": 1, "entity_id": 1}, {"name": "Missing name."}),
        (
            {"name": "n", "external_customer_id": "x1", "entity_id": 1},
            {"external_customer_id": "external_customer_id must be an integer."},
        ),
        (
            {"name": "n", "external_customer_id": True, "entity_id": 1},
            {"external_customer_id": "external_customer_id must be an integer."},
        ),
        (
            {"name": ["n"], "external_customer_id": 1, "entity_id": 1},
            {"name": "name must be a string."},
        ),
        (
            {"name": "n", "external_customer_id": 1, "entity_id": "one"},
            {"entity_id": "entity_id must be an integer."},
        ),
        (
            {"name": "n", "external_customer_id": 1, "entity_id": 99},
            {"entity_id": "Entity #99 does not exist."},
        ),
        (
            {"name": "n", "external_customer_id": 2**63, "entity_id": 1},
            {"external_customer_id": "external_customer_id must be a 64-bit integer."},
        ),
        (
            {"name": "   ", "external_customer_id": 1, "entity_id": 1},
            {"name": "name must be a non-empty string."},
        ),
        (
            {"name": "n" * 256, "external_customer_id": 1, "entity_id": 1},
            {"name": "name must be at most 255 characters."},
        ),
        (
            {"name": "n", "external_customer_code": "c" * 101, "entity_id": 1},
            {
                "external_customer_code": "external_customer_code must be a string of 1 to 100 characters."
            },
        ),
        (
            {"name": "a\u0000b", "external_customer_id": 1, "entity_id": 1},
            {"name": "name must be a non-empty string."},
        ),
    ],
)
async def test_create_customer_validation(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    body: dict[str, Any],
    errors: dict[str, str],
) -> None:
    r = await client.put(CREATE, json=body, headers=admin)
    assert (r.status_code, r.json()) == (400, {"validation_errors": errors})
    assert await _count(ctx, customers) == 0
    assert await _count(ctx, customer_entity_linker) == 0


async def test_external_id_may_be_sent_as_digits(client: httpx.AsyncClient, admin: Headers) -> None:
    r = await client.put(
        CREATE, json={"name": "n", "external_customer_id": "77", "entity_id": "1"}, headers=admin
    )
    assert r.status_code == 201
    assert r.json()["data"]["external_customer_id"] == 77
    assert r.json()["message"] == "Created n(77) successfully"


async def test_identifiers_are_unique_within_an_entity_only(
    client: httpx.AsyncClient, admin: Headers, make_entity: MakeEntity
) -> None:
    other = await make_entity("other")
    body = {"name": "n", "external_customer_id": 5, "external_customer_code": "c5"}
    assert (
        await client.put(CREATE, json={**body, "entity_id": 1}, headers=admin)
    ).status_code == 201
    assert (
        await client.put(CREATE, json={**body, "entity_id": other}, headers=admin)
    ).status_code == 201
    r = await client.put(CREATE, json={**body, "entity_id": other}, headers=admin)
    assert r.json() == {
        "validation_errors": {
            "external_customer_id": f"The pairing of external_customer_id(5) and entity_id #{other} is not unique."
        }
    }
    r = await client.put(
        CREATE, json={"name": "n", "external_customer_code": "c5", "entity_id": 1}, headers=admin
    )
    assert r.json() == {
        "validation_errors": {
            "external_customer_code": "The pairing of external_customer_code(c5) and entity_id #1 is not unique."
        }
    }


async def test_concurrent_identical_creates_make_one_customer(
    client: httpx.AsyncClient, admin: Headers, ctx: Context
) -> None:
    body = {
        "name": "Race",
        "external_customer_id": 42,
        "external_customer_code": "race",
        "entity_id": 1,
    }
    answers = await asyncio.gather(
        *(client.put(CREATE, json=body, headers=admin) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [400] * 19
    refused = [r.json() for r in answers if r.status_code == 400]
    assert all("external_customer_id" in body["validation_errors"] for body in refused)
    assert await _count(ctx, customers) == 1
    assert await _count(ctx, customer_entity_linker) == 1


async def test_update_changes_only_what_is_sent(client: httpx.AsyncClient, admin: Headers) -> None:
    await client.put(
        CREATE,
        json={
            "name": "test",
            "external_customer_id": 1,
            "external_customer_code": "test",
            "entity_id": 1,
        },
        headers=admin,
    )
    before = (await client.get("/v1/customers/1", headers=admin)).json()
    r = await client.put(
        "/v1/customers/1",
        json={"name": "changed", "created_at": "1999-01-01", "created_by": "me", "customer_id": 9},
        headers=admin,
    )
    after = r.json()
    assert r.status_code == 200
    assert after["name"] == "changed"
    assert after["customer_id"] == 1
    assert after["external_customer_code"] == "test"
    assert (after["created_at"], after["created_by"]) == (
        before["created_at"],
        before["created_by"],
    )
    assert after["modified_at"] is not None
    assert after["modified_by"] == "root@example.com"
    r = await client.put("/v1/customers/1", json={"external_customer_code": None}, headers=admin)
    assert r.json()["external_customer_code"] is None


@pytest.mark.parametrize("field", ["entity_id", "bogus", "customer_entity_linker"])
async def test_update_refuses_unknown_fields(
    client: httpx.AsyncClient, admin: Headers, field: str
) -> None:
    await client.put(
        CREATE, json={"name": "a", "external_customer_id": 1, "entity_id": 1}, headers=admin
    )
    r = await client.put("/v1/customers/1", json={"name": "b", field: 2}, headers=admin)
    assert (r.status_code, r.json()) == (400, {"message": f"Model does not have field '{field}'"})
    assert (await client.get("/v1/customers/1", headers=admin)).json()["name"] == "a"


async def test_update_to_a_taken_identifier(client: httpx.AsyncClient, admin: Headers) -> None:
    for n in (1, 2):
        await client.put(
            CREATE, json={"name": "a", "external_customer_id": n, "entity_id": 1}, headers=admin
        )
    r = await client.put(
        "/v1/customers/2", json={"external_customer_id": 1, "name": "z"}, headers=admin
    )
    assert r.status_code == 400
    assert r.json() == {
        "validation_errors": {
            "external_customer_id": "The pairing of external_customer_id(1) and entity_id #1 is not unique."
        }
    }
    assert (await client.get("/v1/customers/2", headers=admin)).json()["name"] == "a"


async def test_missing_customer(client: httpx.AsyncClient, admin: Headers) -> None:
    for method in ("GET", "PUT", "DELETE"):
        for path in (
            "/v1/customers/404",
            "/v1/customers/abc",
            "/v1/customers/99999999999999999999",
        ):
            r = await client.request(method, path, json={}, headers=admin)
            # Flask-Restless's answer for a missing record: 404 and an empty object.
            assert (r.status_code, r.json()) == (404, {}), (
                method,
                path,
            )


async def test_delete_customer(client: httpx.AsyncClient, admin: Headers, ctx: Context) -> None:
    await client.put(
        CREATE, json={"name": "a", "external_customer_id": 1, "entity_id": 1}, headers=admin
    )
    r = await client.delete("/v1/customers/1", headers=admin)
    assert (r.status_code, r.text) == (204, "")
    assert (await client.get("/v1/customers/1", headers=admin)).status_code == 404
    assert await _count(ctx, customer_entity_linker) == 0
    # Ids are never reused, on SQLite too.
    r = await client.put(
        CREATE, json={"name": "b", "external_customer_id": 1, "entity_id": 1}, headers=admin
    )
    assert r.json()["data"]["customer_id"] == 2


async def test_post_to_customers_is_not_allowed(client: httpx.AsyncClient, admin: Headers) -> None:
    r = await client.post("/v1/customers", json={"name": "x"}, headers=admin)
    assert (r.status_code, r.json()) == (405, {"message": "Method not allowed"})


async def test_timestamps_are_iso_utc_without_zone(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    from datetime import UTC, datetime

    await client.put(
        CREATE, json={"name": "a", "external_customer_id": 1, "entity_id": 1}, headers=admin
    )
    created_at = (await client.get("/v1/customers/1", headers=admin)).json()["created_at"]
    parsed = datetime.fromisoformat(created_at)
    assert parsed.tzinfo is None
    assert "T" in created_at
    assert abs((datetime.now(UTC).replace(tzinfo=None) - parsed).total_seconds()) < 60


async def test_entity_users_create_only_in_their_entity(
    client: httpx.AsyncClient, make_user: MakeUser, make_entity: MakeEntity, ctx: Context
) -> None:
    from customer_registry.core.permissions import Level, Visibility

    mine = await make_entity("mine")
    headers = await make_user(Level.ADMIN, Visibility.ENTITY, entity_id=mine)
    body = {"name": "n", "external_customer_id": 1}
    r = await client.put(CREATE, json={**body, "entity_id": 1}, headers=headers)
    assert r.status_code == 403
    r = await client.put(CREATE, json={**body, "entity_id": 12345}, headers=headers)
    assert r.status_code == 403  # the same answer whether the other entity exists or not
    assert await _count(ctx, customers) == 0
    r = await client.put(CREATE, json={**body, "entity_id": mine}, headers=headers)
    assert r.status_code == 201
