"""Values no stored row can hold, sent where the service looks something up or parses it:
text with NUL (PostgreSQL refuses it in any statement), a newline inside a billing number
filter, timestamps that a time zone pushes out of range. Found by fuzzing; each answers as a
missing object or a 4xx, never a 500."""

from __future__ import annotations

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from tests.conftest import MakeUser

Headers = dict[str, str]


@pytest.fixture
async def headers(make_user: MakeUser) -> Headers:
    return await make_user(Level.SYSTEM, Visibility.ENTITY)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/customerAccounts/a%00b",
        "/api/v1.0/customers/a%00b?useExternalId=true",
        "/api/v1.0/customerCategories/a%00b?useExternalId=true",
        "/api/v1.0/users/a%00b?useExternalId=true",
    ],
)
async def test_a_reference_with_nul_is_not_found(
    client: httpx.AsyncClient, headers: Headers, path: str
) -> None:
    response = await client.get(path, headers=headers)
    assert response.status_code == 404, response.text


async def test_a_partner_reference_with_nul_is_refused_not_crashed(
    client: httpx.AsyncClient, headers: Headers
) -> None:
    imei = "356938035643809"
    created = await client.post("/v1/products", json={"product_imei": imei}, headers=headers)
    assert created.status_code == 201, created.text
    response = await client.put(
        f"/v1/products/{imei}/change_customer",
        json={"entity_id": 1, "external_customer_code": "a\x00b", "external_customer_id": None},
        headers=headers,
    )
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("field", ["id", "brand_id", "resellerLevel"])
async def test_a_newline_in_a_billing_number_filter_is_a_4xx(
    client: httpx.AsyncClient, headers: Headers, field: str
) -> None:
    response = await client.get(
        "/api/v1/customers", params={f"filter[{field}]": "1\n2"}, headers=headers
    )
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
async def test_a_timestamp_out_of_range_is_a_400(
    client: httpx.AsyncClient, headers: Headers, stamp: str
) -> None:
    response = await client.post(
        "/v1/products",
        json={"product_imei": "356938035643817", "analysis_timestamp": stamp},
        headers=headers,
    )
    assert response.status_code == 400, response.text
