"""Entities through the partner API (`_entities.md`)."""

from __future__ import annotations

import httpx
import pytest

Headers = dict[str, str]
EXAMPLE = {
    "name": "test",
    "bboxx_company_flag": True,
    "tariff": "test",
    "financier": True,
    "geic": "test",
}


async def test_entity_lifecycle(client: httpx.AsyncClient, admin: Headers) -> None:
    r = await client.post(
        "/v1/entities", json={**EXAMPLE, "entity_id": 77, "created_by": "me"}, headers=admin
    )
    assert r.status_code == 201
    created = r.json()
    assert created["entity_id"] == 2
    assert {k: created[k] for k in EXAMPLE} == EXAMPLE
    assert created["created_by"] == "root@example.com"
    assert created["modified_at"] is None
    changed = {
        "name": "changed",
        "bboxx_company_flag": False,
        "tariff": "changed",
        "financier": False,
        "geic": "changed",
    }
    r = await client.put("/v1/entities/2", json=changed, headers=admin)
    assert {k: r.json()[k] for k in changed} == changed
    assert r.json()["modified_at"] is not None
    r = await client.delete("/v1/entities/2", headers=admin)
    assert (r.status_code, r.text) == (204, "")
    assert (await client.get("/v1/entities/2", headers=admin)).status_code == 404


async def test_names_and_geic_are_unique(client: httpx.AsyncClient, admin: Headers) -> None:
    assert (await client.post("/v1/entities", json=EXAMPLE, headers=admin)).status_code == 201
    r = await client.post("/v1/entities", json={**EXAMPLE, "geic": "other"}, headers=admin)
    assert (r.status_code, r.json()) == (
        400,
        {"validation_errors": {"name": "The name(test) is not unique."}},
    )
    r = await client.post("/v1/entities", json={**EXAMPLE, "name": "other"}, headers=admin)
    assert r.json() == {"validation_errors": {"geic": "The geic(test) is not unique."}}
    r = await client.put("/v1/entities/2", json={"name": "default"}, headers=admin)
    assert r.json() == {"validation_errors": {"name": "The name(default) is not unique."}}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"name": None}, 400),
        ({"name": 5, "bboxx_company_flag": "yes"}, 400),
        ({"name": "x", "colour": "red"}, 400),
    ],
)
async def test_bad_entities(
    client: httpx.AsyncClient, admin: Headers, body: dict[str, object], status: int
) -> None:
    r = await client.post("/v1/entities", json=body, headers=admin)
    assert r.status_code == status
    assert (await client.get("/v1/entities", headers=admin)).json()["num_results"] == 1


async def test_entity_in_use_cannot_be_deleted(client: httpx.AsyncClient, admin: Headers) -> None:
    await client.post("/v1/entities", json={"name": "used"}, headers=admin)
    r = await client.put(
        "/v1/customers/create_customer",
        json={"name": "c", "external_customer_id": 1, "entity_id": 2},
        headers=admin,
    )
    assert r.status_code == 201
    r = await client.delete("/v1/entities/2", headers=admin)
    assert r.status_code == 400
    assert "cannot be deleted" in r.json()["message"]
    assert (await client.get("/v1/entities/2", headers=admin)).status_code == 200
    # The default entity holds the administrator: refused too.
    assert (await client.delete("/v1/entities/1", headers=admin)).status_code == 400
