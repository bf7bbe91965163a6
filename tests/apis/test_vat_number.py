"""A field added once (the record, a migration, one line per API model) is written, shown,
filtered and documented by all three APIs."""

from __future__ import annotations

import json

import httpx

from tests.conftest import MakeUser

Headers = dict[str, str]


async def test_vat_number_through_the_three_apis(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    headers = await make_user()
    sales = await client.post(
        "/api/v1.0/customers",
        data={"reference": "V1", "name": "Vat Sales", "billingCountry": "FR",
              "billingCity": "Nice", "vatNumber": "FR-S"},
        headers=headers,
    )  # fmt: skip
    assert sales.status_code == 201, sales.text
    billing = await client.post(
        "/api/v1/customers",
        params={"name": "Vat Billing", "mainAddressCity": "Nice", "mainAddressCountry": "FR",
                "vatNumber": "FR-B"},
        headers=headers,
    )  # fmt: skip
    assert billing.status_code == 201, billing.text
    sales_id, billing_id = sales.json()["id"], billing.json()["response"]
    partner = await client.put(
        f"/v1/customers/{billing_id}", json={"vat_number": "FR-P"}, headers=headers
    )
    assert partner.status_code == 200, partner.text

    partner_get = await client.get(f"/v1/customers/{sales_id}", headers=headers)
    sales_get = await client.get(f"/api/v1.0/customers/{sales_id}", headers=headers)
    billing_get = await client.get(f"/api/v1/customers/{billing_id}", headers=headers)
    assert partner_get.json()["vat_number"] == "FR-S"
    assert sales_get.json()["vatNumber"] == "FR-S"
    assert billing_get.json()["customer"]["vatNumber"] == "FR-P"

    q = json.dumps({"filters": [{"name": "vat_number", "op": "eq", "val": "FR-P"}]})
    partner_list = (await client.get("/v1/customers", params={"q": q}, headers=headers)).json()
    assert [c["customer_id"] for c in partner_list["objects"]] == [billing_id]
    sales_list = await client.get("/api/v1.0/customers?vatNumber=FR-S", headers=headers)
    assert [c["id"] for c in sales_list.json()["data"]] == [sales_id]
    billing_list = await client.get(
        "/api/v1/customers", params={"filter[vatNumber]": "FR-P"}, headers=headers
    )
    assert [c["id"] for c in billing_list.json()["data"]] == [billing_id]

    for root, name in (("/v1", "vat_number"), ("/api/v1.0", "vatNumber"), ("/api/v1", "vatNumber")):
        document = (await client.get(f"{root}/openapi.json")).json()
        assert name in json.dumps(document["components"]["schemas"]), root
