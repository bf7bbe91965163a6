"""Ids no row can have (beyond the INTEGER columns' 2**31 - 1), in paths, bodies and filters,
through the three APIs: the answer is what a missing object gets (or a 4xx for a value out of
a field's range), never a database error. PostgreSQL refuses such values outright, so these
tests matter most there; on SQLite they pin the same answers."""

from __future__ import annotations

import json

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from tests.conftest import MakeUser

TOO_BIG = "99999999999"


@pytest.fixture
async def headers(make_user: MakeUser) -> dict[str, str]:
    return await make_user(Level.SYSTEM, Visibility.ENTITY)


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/customers/{TOO_BIG}",
        f"/v1/entities/{TOO_BIG}",
        f"/api/v1/customers/{TOO_BIG}",
        f"/api/v1/brands/{TOO_BIG}",
        f"/api/v1.0/customers/{TOO_BIG}",
        f"/api/v1.0/paymentTypes/{TOO_BIG}",
        f"/api/v1.0/users/{TOO_BIG}",
        f"/api/v1.0/contacts/{TOO_BIG}",
    ],
)
async def test_a_path_id_out_of_range_is_not_found(
    client: httpx.AsyncClient, headers: dict[str, str], path: str
) -> None:
    response = await client.get(path, headers=headers)
    assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    "parameter",
    ["categoryId", "customerSegmentationId", "parentCustomerId", "userId", "regionId"],
)
async def test_a_sales_id_parameter_out_of_range_is_not_found(
    client: httpx.AsyncClient, headers: dict[str, str], parameter: str
) -> None:
    form = {"reference": "R1", "name": "N", parameter: TOO_BIG}
    if parameter == "parentCustomerId":
        form["isSubCustomer"] = "true"
    response = await client.post("/api/v1.0/customers", data=form, headers=headers)
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"
    assert TOO_BIG in response.json()["error_description"]


async def test_sales_payment_types_and_contact_owner_out_of_range(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    form = {"reference": "R1", "name": "N", "paymentTypes": f'[{{"id"={TOO_BIG}}}]'}
    response = await client.post("/api/v1.0/customers", data=form, headers=headers)
    assert response.status_code == 404, response.text
    response = await client.post(
        "/api/v1.0/contacts", data={"customerId": TOO_BIG}, headers=headers
    )
    assert response.status_code == 404, response.text


async def test_billing_integers_out_of_range_are_422(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for parameter in ("brand_id", "representative_id", "resellerLevel"):
        response = await client.post(
            "/api/v1/customers", params={"name": "N", parameter: TOO_BIG}, headers=headers
        )
        assert response.status_code == 422, (parameter, response.text)
        assert parameter in response.json()["errors"]
    response = await client.get(
        "/api/v1/contacts",
        params={"contactable_type": "App\\Customer", "contactable_id": TOO_BIG},
        headers=headers,
    )
    assert response.status_code == 404, response.text


async def test_filters_out_of_range_are_400(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    # The partner API compares as Flask-Restless 0.17 does: an id no row can have matches none.
    query = {"filters": [{"name": "customer_id", "op": "eq", "val": int(TOO_BIG)}]}
    response = await client.get("/v1/customers", params={"q": json.dumps(query)}, headers=headers)
    assert (response.status_code, response.json()["num_results"]) == (200, 0), response.text
    response = await client.get(
        "/api/v1.0/customers", params={"categoryId": TOO_BIG}, headers=headers
    )
    assert response.status_code == 400, response.text
    response = await client.get(
        "/api/v1/customers", params={"filter[brand_id]": TOO_BIG}, headers=headers
    )
    assert response.status_code in (400, 422), response.text
