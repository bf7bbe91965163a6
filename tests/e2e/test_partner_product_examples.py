"""The examples of the product pages, run as written against a real server.

`_products.md`, `_product_entity_linker.md`, `_customer_entity_linker.md`,
`_customer_product_history.md`, `_change_customer.md` and `_expire_customer.md`, translated to
Python 3 (`print`/`>>>` become asserts) and otherwise as written: the same `requests` calls,
headers and bodies. The data the examples assume (a product `111010101010101`, customers,
entities) is made first through the API. Where an example cannot run as printed the test
says so next to the change.
"""

# The examples call requests without a timeout; the e2e conftest's _bounded_requests adds one.
# ruff: noqa: S113

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Server

pytestmark = pytest.mark.server

BASE = "/v1"
PRODUCT = "111010101010101"
OLD_UNIT, NEW_UNIT = "000000000000000", "111111111111111"
AUDIT = {"created_at", "created_by", "modified_at", "modified_by"}


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    r = requests.post(
        server.url + BASE + "/auth/login",
        data={"username": server.username, "password": server.password},
    )
    api_token: str = r.json()["message"]["login_successful"]["API_token"]
    return api_token


@pytest.fixture(scope="module")
def world(server: Server, token: str) -> dict[str, Any]:
    """What the examples take for granted: entity 4's customer 1234, and three units."""
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}
    entity_ids = []
    for name in ("second", "third", "Rwanda"):
        r = requests.post(
            server.url + BASE + "/entities", data=json.dumps({"name": name}), headers=headers
        )
        entity_ids.append(r.json()["entity_id"])
    rwanda = entity_ids[-1]
    assert rwanda == 4  # the entity the change_customer example names
    customer = {
        "name": "Customer-A",
        "external_customer_id": 1234,
        "external_customer_code": "MusanzeRwanda22",
        "entity_id": rwanda,
    }
    r = requests.put(
        server.url + BASE + "/customers/create_customer", data=json.dumps(customer), headers=headers
    )
    assert r.status_code == 201
    customer_id = r.json()["data"]["customer_id"]
    for imei in (PRODUCT, OLD_UNIT, NEW_UNIT):
        r = requests.post(
            server.url + BASE + "/products",
            data=json.dumps({"product_imei": imei, "entity_id": rwanda}),
            headers=headers,
        )
        assert r.status_code == 201, r.text
    return {"entity_id": rwanda, "customer_id": customer_id}


def _headers(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": "Token token=" + token}


def test_change_customer(server: Server, token: str, world: dict[str, Any]) -> None:
    """`_change_customer.md`: Customer-A has unit 000…; it is swapped to 111…."""
    headers = _headers(token)
    first = json.dumps({"entity_id": 4, "external_customer_id": 1234, "reason": "new customer"})
    r = requests.put(
        url=server.url + BASE + f"/products/{OLD_UNIT}/change_customer", data=first, headers=headers
    )
    assert r.status_code == 200

    url = server.url + "/v1/products/111111111111111/change_customer"
    # The page's payload lacks two commas and spells the code two ways ("MuzanseRwanda22" in
    # the request, "MusanzeRwanda22" in the answer); sent as the customer's real code.
    data = json.dumps(
        {
            "entity_id": 4,
            "external_customer_id": 1234,
            "external_customer_code": "MusanzeRwanda22",
            "reason": "broken unit",
        }
    )
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}

    r = requests.put(url=url, data=data, headers=headers)

    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "success"
    # The page prints "Customer Bill Stickers (1) changed to …" for Customer-A: the name is
    # the customer's, in the page's shape.
    assert (
        body["message"]
        == f"Customer Customer-A ({world['customer_id']}) changed to 111111111111111"
    )
    assert body["data"] == {
        "name": "Customer-A",
        "customer_id": world["customer_id"],
        "external_customer_id": 1234,
        "external_customer_code": "MusanzeRwanda22",
        "new_product_imei": "111111111111111",
        "removal_reason": None,
    }
    # The old unit was released with the reason.
    q = {"filters": [{"name": "product_imei", "op": "==", "val": OLD_UNIT}], "single": True}
    r = requests.get(
        server.url + BASE + "/customer_product_history",
        params={"q": json.dumps(q)},
        headers=headers,
    )
    assert r.json()["removal_reason"] == "broken unit"
    assert r.json()["date_removed"] is not None


def test_expire_customer(server: Server, token: str, world: dict[str, Any]) -> None:
    """`_expire_customer.md`. Its URL has 18 zeros while its answer names 15: the 15-digit
    IMEI is used (an 18-digit one is no product, 404)."""
    r = requests.put(
        url=server.url + "/v1/products/000000000000000000/expire_customer",
        data=json.dumps({"reason": "repossessed"}),
        headers=_headers(token),
    )
    assert r.status_code == 404

    url = server.url + "/v1/products/111111111111111/expire_customer"
    data = json.dumps({"reason": "repossessed"})
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}

    r = requests.put(url=url, data=data, headers=headers)

    assert r.json() == {
        "status": "success",
        "message": "Product 111111111111111 removed from customer",
        "data": None,
    }
    q = {"filters": [{"name": "date_removed", "op": "is_null", "val": ""}]}
    r = requests.get(
        server.url + BASE + "/customer_product_history",
        params={"q": json.dumps(q)},
        headers=headers,
    )
    assert r.json()["num_results"] == 0


def test_customer_product_history(server: Server, token: str, world: dict[str, Any]) -> None:
    """`_customer_product_history.md` (after the moves above: rows 1 and 2 exist)."""
    url = server.url + "/v1/customer_product_history/1"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}

    r = requests.get(url=url, headers=headers)

    assert r.status_code == 200
    assert set(r.json()) == {
        "customer_product_history_id",
        "customer_id",
        "product_imei",
        "date_added",
        "date_removed",
        "removal_reason",
        *AUDIT,
    }
    assert r.json()["product_imei"] == "000000000000000"

    url = server.url + "/v1/customer_product_history"
    r = requests.get(url=url, headers=headers)
    assert r.status_code == 200
    assert set(r.json()) == {"total_pages", "objects", "num_results", "page"}
    assert r.json()["num_results"] == 2

    # `PUT` and `POST` requests are not allowed at this endpoint.
    assert requests.put(url=url + "/1", data=json.dumps({}), headers=headers).status_code == 405
    assert requests.post(url=url, data=json.dumps({}), headers=headers).status_code == 405

    url = server.url + "/v1/customer_product_history/1"
    r = requests.delete(url=url, headers=headers)
    assert r.status_code == 204
    assert r.text == ""


def test_products(server: Server, token: str, world: dict[str, Any]) -> None:
    """`_products.md`. Its `"iccid": Unknown column type` is no Python: a real ICCID is sent."""
    url = server.url + "/v1/products/111010101010101"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}

    r = requests.get(url=url, headers=headers)

    assert r.status_code == 200
    assert r.json()["product_imei"] == "111010101010101"

    r = requests.get(url=server.url + "/v1/products", headers=headers)
    assert r.status_code == 200
    assert r.json()["num_results"] == 3

    data = json.dumps(
        {
            "analysis_timestamp": "2016-07-01 12:34:45",
            "current_enable_flag": False,
            "desired_enable_flag": False,
            "disable_date": "2016-07-01 12:34:45",
            "device_key": "awjs875jg7thskr9485984rf",
            "hub_id": 2,
            "imsi": "999999999999999",
            "iccid": "8944500102198304826",
            "latest_connection_id": 2,
            "latest_connection_location_id": 2,
            "latest_state_id": 2,
            "latest_enable_history_id": 2,
            "product_type_id": 2,
            "serial_number": "changed",
            "shop_id": 2,
            "software_lock": 2,
            "rtc_network_name": "changed",
            "ip_address": "999999999999999",
            "latest_rtc_connection_history_id": 2,
            "latest_rtc_mo_status_report_time": "2016-07-01 12:34:45",
            "latest_rtc_mt_status_update_time": "2016-07-01 12:34:45",
            "rtc_enabled_flag": False,
            "dcm_enabled_flag": False,
            "assembler": "changed",
            "gps_lat": 2.0,
            "gps_lon": 2.0,
        }
    )

    r = requests.put(url=url, data=data, headers=headers)

    assert r.status_code == 200, r.text
    body = r.json()
    sent = json.loads(data)
    for name, value in sent.items():
        if name.endswith(("_timestamp", "_date", "_time")):
            assert body[name] == value.replace(" ", "T") + ".000000", name  # ISO, as everywhere
        else:
            assert body[name] == value, name
    assert body["modified_at"] is not None

    r = requests.delete(url=url, headers=headers)
    assert r.status_code == 204
    assert r.text == ""


def test_product_entity_linker(server: Server, token: str, world: dict[str, Any]) -> None:
    """`_product_entity_linker.md`: rows exist for the three units made above."""
    url = server.url + "/v1/product_entity_linker/2"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}

    r = requests.get(url=url, headers=headers)

    assert r.status_code == 200
    assert set(r.json()) == {
        "product_entity_linker_id",
        "product_imei",
        "entity_id",
        "date_added",
        "date_removed",
        *AUDIT,
    }
    r = requests.get(url=server.url + "/v1/product_entity_linker", headers=headers)
    assert set(r.json()) == {"total_pages", "objects", "num_results", "page"}
    assert (
        requests.post(
            url=server.url + "/v1/product_entity_linker", data="{}", headers=headers
        ).status_code
        == 405
    )

    r = requests.delete(url=url, headers=headers)
    assert r.status_code == 204
    assert r.text == ""


def test_customer_entity_linker(server: Server, token: str, world: dict[str, Any]) -> None:
    """`_customer_entity_linker.md`. Its PUT moves link 1 to customer 2 in entity 2: a second
    customer is made first."""
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}
    second = {"name": "B", "external_customer_code": "b", "entity_id": 2}
    r = requests.put(
        server.url + "/v1/customers/create_customer", data=json.dumps(second), headers=headers
    )
    assert r.json()["data"]["customer_id"] == 2

    url = server.url + "/v1/customer_entity_linker/1"
    r = requests.get(url=url, headers=headers)
    assert r.status_code == 200
    assert set(r.json()) == {
        "customer_entity_linker_id",
        "customer_id",
        "entity_id",
        "date_added",
        "date_removed",
        *AUDIT,
    }

    r = requests.get(url=server.url + "/v1/customer_entity_linker", headers=headers)
    assert r.json()["num_results"] == 2

    data = json.dumps(
        {
            "customer_id": 2,
            "entity_id": 2,
            "date_added": "2016-07-01 12:34:45",
            "date_removed": "2016-07-01 12:34:45",
        }
    )
    r = requests.put(url=url, data=data, headers=headers)

    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in ("customer_entity_linker_id", "customer_id", "entity_id")} == {
        "customer_entity_linker_id": 1,
        "customer_id": 2,
        "entity_id": 2,
    }
    assert r.json()["date_added"] == "2016-07-01T12:34:45.000000"
    assert r.json()["modified_at"] is not None
    assert (
        requests.post(
            url=server.url + "/v1/customer_entity_linker", data="{}", headers=headers
        ).status_code
        == 405
    )

    r = requests.delete(url=url, headers=headers)
    assert r.status_code == 204
    assert r.text == ""
