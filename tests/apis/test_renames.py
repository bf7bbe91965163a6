"""Renames through the partner or billing API (fields no rule reads, once written in one
statement): they answer as any update for a customer that is missing, in another entity, or
sent a bad value, and write nothing then."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from tests.conftest import MakeEntity, MakeUser

Headers = dict[str, str]


def _rename(api: str, customer_id: int, name: Any) -> tuple[str, dict[str, Any]]:
    if api == "partner":
        return f"/v1/customers/{customer_id}", {"json": {"name": name}}
    return f"/api/v1/customers/{customer_id}", {"params": {"name": name}}


async def _create(client: httpx.AsyncClient, headers: Headers, entity_id: int, name: str) -> int:
    r = await client.put(
        "/v1/customers/create_customer",
        json={"entity_id": entity_id, "name": name, "external_customer_code": name},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    customer_id: int = r.json()["data"]["customer_id"]
    return customer_id


async def _renamed(
    client: httpx.AsyncClient, users: dict[str, Headers], who: str, api: str, names: tuple[str, str]
) -> tuple[int, httpx.Response]:
    """A customer of entity 1 created with the first name, then renamed by `who`."""
    customer_id = await _create(client, users["global"], 1, names[0])
    path, sent = _rename(api, customer_id, names[1])
    return customer_id, await client.put(path, headers=users[who], **sent)


async def _name(client: httpx.AsyncClient, headers: Headers, customer_id: int) -> str:
    r = await client.get(f"/v1/customers/{customer_id}", headers=headers)
    assert r.status_code == 200, r.text
    name: str = r.json()["name"]
    return name


@pytest.fixture
async def users(make_user: MakeUser, make_entity: MakeEntity) -> dict[str, Headers]:
    other = await make_entity("Other")
    return {
        "global": await make_user(Level.SYSTEM, Visibility.GLOBAL),
        "entity": await make_user(Level.SYSTEM, Visibility.ENTITY),
        "other_entity": await make_user(Level.SYSTEM, Visibility.ENTITY, entity_id=other),
    }


@pytest.mark.parametrize("api", ["partner", "billing"])
async def test_a_rename_is_stored_with_its_audit_fields(
    client: httpx.AsyncClient, users: dict[str, Headers], api: str
) -> None:
    customer_id, r = await _renamed(client, users, "entity", api, ("Before", "After"))
    assert r.status_code == 200, r.text
    shown = (await client.get(f"/v1/customers/{customer_id}", headers=users["global"])).json()
    assert shown["name"] == "After"
    assert shown["modified_by"].startswith("user2.")  # the entity user who renamed it
    assert shown["modified_at"] is not None


@pytest.mark.parametrize("api", ["partner", "billing"])
@pytest.mark.parametrize("name", ["Fine", "x" * 256], ids=["good name", "bad name"])
async def test_a_missing_customer_is_404_before_a_bad_value(
    client: httpx.AsyncClient, users: dict[str, Headers], api: str, name: str
) -> None:
    for customer_id in (999_999, 2**63):  # no such customer; beyond any key
        path, sent = _rename(api, customer_id, name)
        r = await client.put(path, headers=users["entity"], **sent)
        assert r.status_code == 404, r.text


@pytest.mark.parametrize("api", ["partner", "billing"])
async def test_another_entitys_customer_is_404_and_unchanged(
    client: httpx.AsyncClient, users: dict[str, Headers], api: str
) -> None:
    customer_id, r = await _renamed(client, users, "other_entity", api, ("Mine", "Taken over"))
    assert r.status_code == 404, r.text
    assert await _name(client, users["global"], customer_id) == "Mine"


@pytest.mark.parametrize("api", ["partner", "billing"])
async def test_a_bad_name_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, users: dict[str, Headers], api: str
) -> None:
    customer_id, r = await _renamed(client, users, "entity", api, ("Kept", "x" * 256))
    assert r.status_code in (400, 422), r.text
    assert "name" in r.text
    assert await _name(client, users["global"], customer_id) == "Kept"
