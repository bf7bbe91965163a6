"""ETag, If-None-Match and If-Match on a customer's record, in each of the three APIs: the
tag follows what the record shows, a GET that holds it is 304, and a write whose If-Match
is stale is that API's 412 and changes nothing, even when many race with one tag."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

Headers = dict[str, str]


@dataclass(frozen=True)
class Api:
    name: str
    records: str  # the path of the customers' collection
    rename_as: str  # how an update is sent: "json" or a form ("data")
    deleted: int  # the status of a delete

    def record(self, customer_id: int) -> str:
        return f"{self.records}/{customer_id}"

    def rename(self, name: str) -> dict[str, Any]:
        return {self.rename_as: {"name": name}}

    def refused(self, r: httpx.Response) -> None:
        """The API's own 412."""
        assert r.status_code == 412, r.text
        body = r.json()
        if self.name == "sales":
            assert body["error"] == "precondition_failed"
            assert "If-Match" in body["error_description"]
        else:
            assert "If-Match" in body["message"]


APIS = [
    Api("partner", "/v1/customers", "json", 204),
    Api("sales", "/api/v1.0/customers", "data", 204),
    Api("billing", "/api/v1/customers", "data", 200),
]


@pytest.fixture(params=APIS, ids=[api.name for api in APIS])
def api(request: pytest.FixtureRequest) -> Api:
    found: Api = request.param
    return found


async def _customer(client: httpx.AsyncClient, admin: Headers, name: str = "Tagged") -> int:
    r = await client.put(
        "/v1/customers/create_customer",
        json={"entity_id": 1, "name": name, "external_customer_code": name},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    customer_id: int = r.json()["data"]["customer_id"]
    return customer_id


async def _get(
    client: httpx.AsyncClient, api: Api, admin: Headers, customer_id: int, **headers: str
) -> httpx.Response:
    return await client.get(api.record(customer_id), headers={**admin, **headers})


async def _name(client: httpx.AsyncClient, admin: Headers, customer_id: int) -> str:
    r = await client.get(f"/v1/customers/{customer_id}", headers=admin)
    name: str = r.json()["name"]
    return name


async def test_a_record_has_a_tag_that_follows_what_it_shows(
    client: httpx.AsyncClient, api: Api, admin: Headers
) -> None:
    customer_id = await _customer(client, admin)
    first = await _get(client, api, admin, customer_id)
    again = await _get(client, api, admin, customer_id)
    tag = first.headers["ETag"]
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert again.headers["ETag"] == tag
    r = await client.put(api.record(customer_id), headers=admin, **api.rename("Renamed"))
    assert r.status_code == 200, r.text
    now = (await _get(client, api, admin, customer_id)).headers["ETag"]
    assert now != tag
    assert r.headers["ETag"] == now  # the write's answer carries the record's new tag


async def test_a_get_that_holds_the_tag_is_not_modified(
    client: httpx.AsyncClient, api: Api, admin: Headers
) -> None:
    customer_id = await _customer(client, admin)
    tag = (await _get(client, api, admin, customer_id)).headers["ETag"]
    for held in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        r = await _get(client, api, admin, customer_id, **{"If-None-Match": held})
        assert r.status_code == 304, held
        assert r.content == b""
        assert r.headers["ETag"] == tag
    url = f"http://testserver{api.record(customer_id)}"
    lines = [("If-None-Match", '"other"'), ("If-None-Match", tag)]  # one list, two lines
    r = await client.send(httpx.Request("GET", url, headers=[*admin.items(), *lines]))
    assert r.status_code == 304
    for not_held in ('"other"', "garbage", ""):
        r = await _get(client, api, admin, customer_id, **{"If-None-Match": not_held})
        assert r.status_code == 200, not_held
        assert r.headers["ETag"] == tag


async def test_a_stale_if_match_changes_nothing(
    client: httpx.AsyncClient, api: Api, admin: Headers
) -> None:
    customer_id = await _customer(client, admin, "Kept")
    tag = (await _get(client, api, admin, customer_id)).headers["ETag"]
    for stale in ('"stale"', f"W/{tag}", "garbage"):  # a weak tag never holds for a write
        r = await client.put(
            api.record(customer_id),
            headers={**admin, "If-Match": stale},
            **api.rename("Changed"),
        )
        api.refused(r)
        r = await client.delete(api.record(customer_id), headers={**admin, "If-Match": stale})
        api.refused(r)
    assert await _name(client, admin, customer_id) == "Kept"
    assert (await _get(client, api, admin, customer_id)).headers["ETag"] == tag


async def test_a_current_if_match_writes(
    client: httpx.AsyncClient, api: Api, admin: Headers
) -> None:
    customer_id = await _customer(client, admin, "Before")
    tag = (await _get(client, api, admin, customer_id)).headers["ETag"]
    r = await client.put(
        api.record(customer_id),
        headers={**admin, "If-Match": f'"other", {tag}'},
        **api.rename("After"),
    )
    assert r.status_code == 200, r.text
    assert await _name(client, admin, customer_id) == "After"
    r = await client.put(
        api.record(customer_id), headers={**admin, "If-Match": tag}, **api.rename("Again")
    )
    api.refused(r)  # the tag read before the first write is stale now
    r = await client.delete(api.record(customer_id), headers={**admin, "If-Match": "*"})
    assert r.status_code == api.deleted, r.text
    assert (await _get(client, api, admin, customer_id)).status_code == 404


async def test_a_missing_record_is_not_found_whatever_its_if_match(
    client: httpx.AsyncClient, api: Api, admin: Headers
) -> None:
    for condition in ('"any"', "*"):
        headers = {**admin, "If-Match": condition}
        r = await client.put(api.record(999_999), headers=headers, **api.rename("X"))
        assert r.status_code == 404, r.text
        r = await client.delete(api.record(999_999), headers=headers)
        assert r.status_code == 404, r.text


async def test_of_many_writes_sent_with_one_tag_one_succeeds(
    client: httpx.AsyncClient, api: Api, admin: Headers
) -> None:
    customer_id = await _customer(client, admin, "Raced")
    tag = (await _get(client, api, admin, customer_id)).headers["ETag"]

    async def rename(n: int) -> int:
        r = await client.put(
            api.record(customer_id), headers={**admin, "If-Match": tag}, **api.rename(f"W{n}")
        )
        return r.status_code

    statuses = await asyncio.gather(*(rename(n) for n in range(50)))
    assert sorted(statuses) == [200] + [412] * 49
    assert (await _name(client, admin, customer_id)).startswith("W")
