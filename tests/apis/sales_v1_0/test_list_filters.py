"""Sales list filters on fields that have no parameter reader of their own (`id`, a user's
`reference`, `dateCreated`): the text sent is typed by the field's column, so it filters
instead of being refused as a wrong type."""

from __future__ import annotations

import httpx

from customer_registry.core.permissions import Level, Visibility
from tests.conftest import MakeUser


async def test_users_filter_by_reference(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    headers = await make_user(Level.ADMIN, Visibility.ENTITY, username="ann@example.com")
    await make_user(Level.OVERVIEW, Visibility.ENTITY, username="bob@example.com")
    response = await client.get(
        "/api/v1.0/users", params={"reference": "bob@example.com"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert [user["reference"] for user in response.json()["data"]] == ["bob@example.com"]


async def test_customers_filter_by_id_and_date_created(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    headers = await make_user(Level.SYSTEM, Visibility.ENTITY)
    created = []
    for reference in ("A", "B"):
        response = await client.post(
            "/api/v1.0/customers", data={"reference": reference, "name": reference}, headers=headers
        )
        assert response.status_code == 201, response.text
        created.append(response.json())
    by_id = await client.get(
        "/api/v1.0/customers", params={"id": str(created[1]["id"])}, headers=headers
    )
    assert [c["reference"] for c in by_id.json()["data"]] == ["B"]
    later = await client.get(
        "/api/v1.0/customers", params={"dateCreated": "2000-01-01T00:00:00Z"}, headers=headers
    )
    assert later.status_code == 200, later.text
    assert later.json()["total"] == 0
    wrong = await client.get("/api/v1.0/customers", params={"id": "x"}, headers=headers)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_param"
