"""The sales API's catalogues, users, contacts and organisation (`/api/v1.0`).

* Each catalogue (`customerCategories`, `customerSegmentations`, `paymentTypes`, `regions`,
  `currencies`): create from a form or JSON (ADMIN) answers 201 with `id`, `reference`, `name`,
  `href`, `dateCreated`, `lastUpdated` and its own keys; lists follow the sales convention
  (`{"total", "offset", "max", "data"}`, `max`, `offset`, `sort`, `order`, exact filters);
  get by id, or by reference with `?useExternalId=true`; PUT and PATCH change only what is sent;
  DELETE is 204 for SYSTEM and 403 for ADMIN. A reference already used is 400 `not_unique`
  "reference already used"; a missing `reference`/`name` is 400 `missing_param`; an unknown id
  is 404 `not_found` "The <kind> with the id <id> doesn't exist.".
* Categories: a tree whose root (reference "root", `isRoot`) always exists, cannot be deleted
  (400 `in_use`) nor given a parent; a category without `parentId` goes under the root; no
  cycles; a category used by a customer or with children cannot be deleted (400 `in_use`).
* Payment types: one used by a customer cannot be deleted (400 `in_use`).
* Regions: `level` defaults to the parent's level + 1 (1 at the top) and must stay below the
  parent's; with the organisation's geographical locations on, a customer's region must be at
  the configured `regionLevel` or below (else 400 `invalid_param`); with them off, any level.
* Currencies: `code` is an ISO code or a currency name; an unknown one is 404; `exchangeRate` is
  required and > 0; the entity's first currency is its default and there is always exactly one
  default; a currency a customer uses cannot be deleted.
* Users are read-only and the caller's entity's only; contacts are a customer's, shown in its
  record and through the billing API; another entity's objects are 404 and never listed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from tests.conftest import MakeUser

Headers = dict[str, str]
Json = dict[str, Any]
MakeEntity = Callable[[str], Awaitable[int]]

API = "/api/v1.0"
CUSTOMERS = f"{API}/customers"
LIST_KEYS = {"total", "offset", "max", "data"}
COMMON_KEYS = {"id", "reference", "name", "href", "dateCreated", "lastUpdated"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UNKNOWN = 999_999


@dataclass(frozen=True)
class Spec:
    """One catalogue, as these tests drive it."""

    path: str
    kind: str  # how a not-found message names an object
    keys: frozenset[str]  # the catalogue's own keys, beyond COMMON_KEYS
    codes: tuple[str, ...] = ()  # currencies: the references are ISO codes
    patch: dict[str, str] = field(default_factory=lambda: {"name": "Renamed"})
    patched: dict[str, Any] = field(default_factory=lambda: {"name": "Renamed"})

    @property
    def url(self) -> str:
        return f"{API}/{self.path}"

    def reference(self, i: int) -> str:
        return self.codes[i] if self.codes else f"{self.path[:4]}-{i}"

    def payload(self, i: int) -> dict[str, str]:
        if self.codes:
            return {"code": self.codes[i], "exchangeRate": str(1 + i / 4)}
        return {"reference": self.reference(i), "name": f"Name {i}"}

    def renamed(self, i: int) -> dict[str, str]:
        """A PUT that changes only the reference."""
        key = "code" if self.codes else "reference"
        return {key: self.reference(i)}


CATEGORIES = Spec(
    "customerCategories", "customer category", frozenset({"isRoot", "parentId", "parentHref"})
)
SEGMENTATIONS = Spec("customerSegmentations", "customer segmentation", frozenset())
PAYMENT_TYPES = Spec("paymentTypes", "payment type", frozenset())
REGIONS = Spec("regions", "region", frozenset({"level", "parentId", "parentHref"}))
CURRENCIES = Spec(
    "currencies",
    "currency",
    frozenset({"code", "exchangeRate", "isDefault"}),
    codes=("EUR", "USD", "GBP", "JPY", "CHF", "SEK"),
    patch={"exchangeRate": "2.25"},
    patched={"exchangeRate": 2.25},
)
SPECS = [CATEGORIES, SEGMENTATIONS, PAYMENT_TYPES, REGIONS, CURRENCIES]
by_path = pytest.mark.parametrize("spec", SPECS, ids=[spec.path for spec in SPECS])


# --- helpers ------------------------------------------------------------------------------------


def _json(r: httpx.Response, status: int) -> Json:
    assert r.status_code == status, (r.request.method, str(r.request.url), r.status_code, r.text)
    body: Json = r.json()
    return body


def _error(r: httpx.Response, status: int, error: str, description: str | None = None) -> None:
    body = _json(r, status)
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str), body
    if description is not None:
        assert body["error_description"] == description, body


def _assert_item(spec: Spec, item: Json) -> None:
    assert COMMON_KEYS | spec.keys <= set(item), item
    assert type(item["id"]) is int
    assert isinstance(item["reference"], str)
    assert isinstance(item["name"], str)
    assert item["href"] == f"{spec.url}/{item['id']}"
    assert TIMESTAMP.match(item["dateCreated"]), item
    assert TIMESTAMP.match(item["lastUpdated"]), item


async def _list(client: httpx.AsyncClient, headers: Headers, url: str, **params: Any) -> Json:
    body = _json(await client.get(url, params=params, headers=headers), 200)
    assert set(body) == LIST_KEYS, body
    assert isinstance(body["data"], list)
    assert len(body["data"]) <= body["max"]
    return body


async def _items(client: httpx.AsyncClient, headers: Headers, spec: Spec) -> list[Json]:
    body = await _list(client, headers, spec.url, max=100)
    for item in body["data"]:
        _assert_item(spec, item)
    data: list[Json] = body["data"]
    return data


async def _new(
    client: httpx.AsyncClient, headers: Headers, spec: Spec, i: int = 0, **extra: Any
) -> Json:
    item = _json(
        await client.post(spec.url, data={**spec.payload(i), **extra}, headers=headers), 201
    )
    _assert_item(spec, item)
    return item


async def _post(
    client: httpx.AsyncClient, headers: Headers, url: str, sent: Json, how: str
) -> httpx.Response:
    """A create sent as a form or as JSON."""
    if how == "form":
        return await client.post(url, data=sent, headers=headers)
    return await client.post(url, json=sent, headers=headers)


async def _get(client: httpx.AsyncClient, headers: Headers, url: str) -> Json:
    return _json(await client.get(url, headers=headers), 200)


async def _customer(
    client: httpx.AsyncClient, headers: Headers, reference: str, **fields: Any
) -> httpx.Response:
    data = {"reference": reference, "name": f"Customer {reference}", **fields}
    return await client.post(CUSTOMERS, data=data, headers=headers)


async def _new_customer(
    client: httpx.AsyncClient, headers: Headers, reference: str, **fields: Any
) -> Json:
    return _json(await _customer(client, headers, reference, **fields), 201)


async def _root(client: httpx.AsyncClient, headers: Headers) -> Json:
    body = await _list(client, headers, CATEGORIES.url, reference="root")
    assert body["total"] == 1, body
    root: Json = body["data"][0]
    return root


# --- every catalogue ----------------------------------------------------------------------------


@by_path
@pytest.mark.parametrize("how", ["form", "json"])
async def test_create_answers_the_object(
    client: httpx.AsyncClient, admin: Headers, spec: Spec, how: str
) -> None:
    sent = spec.payload(0)
    r = await _post(client, admin, spec.url, sent, how)
    item = _json(r, 201)
    _assert_item(spec, item)
    assert item["reference"] == spec.reference(0)
    if not spec.codes:
        assert item["name"] == sent["name"]
    assert item["dateCreated"] == item["lastUpdated"]
    assert await _get(client, admin, item["href"]) == item


@by_path
async def test_a_list_pages_sorts_and_filters(
    client: httpx.AsyncClient, admin: Headers, spec: Spec
) -> None:
    made = [await _new(client, admin, spec, i) for i in range(3)]
    everything = await _list(client, admin, spec.url)
    extra = 1 if spec is CATEGORIES else 0  # the root
    assert everything["total"] == 3 + extra
    assert everything["offset"] == 0
    assert everything["max"] == 10
    references = sorted(item["reference"] for item in everything["data"])
    assert {item["id"] for item in made} <= {item["id"] for item in everything["data"]}

    first = await _list(client, admin, spec.url, max=2, sort="reference", order="desc")
    assert first["total"] == 3 + extra
    assert first["max"] == 2
    assert [item["reference"] for item in first["data"]] == references[::-1][:2]
    rest = await _list(client, admin, spec.url, max=2, offset=2, sort="reference", order="desc")
    assert rest["offset"] == 2
    assert [item["reference"] for item in rest["data"]] == references[::-1][2:4]
    ascending = await _list(client, admin, spec.url, sort="reference", order="asc")
    assert [item["reference"] for item in ascending["data"]] == references
    by_name = await _list(client, admin, spec.url, sort="name")
    names = [item["name"] for item in by_name["data"]]
    assert names == sorted(names)

    one = await _list(client, admin, spec.url, reference=spec.reference(1))
    assert one["total"] == 1
    assert one["data"] == [made[1]]
    assert (await _list(client, admin, spec.url, name=made[2]["name"]))["data"] == [made[2]]
    assert (await _list(client, admin, spec.url, id=made[0]["id"]))["data"] == [made[0]]
    assert (await _list(client, admin, spec.url, reference="nothing-like-it"))["total"] == 0
    beyond = await _list(client, admin, spec.url, offset=50)
    assert beyond["total"] == 3 + extra
    assert beyond["data"] == []
    assert (await _list(client, admin, spec.url, max=1000))["max"] == 100


@by_path
async def test_a_list_refuses_unknown_fields_and_orders(
    client: httpx.AsyncClient, admin: Headers, spec: Spec
) -> None:
    _error(
        await client.get(spec.url, params={"colour": "red"}, headers=admin), 400, "invalid_param"
    )
    _error(
        await client.get(spec.url, params={"sort": "colour"}, headers=admin), 400, "invalid_param"
    )
    r = await client.get(spec.url, params={"sort": "reference", "order": "sideways"}, headers=admin)
    _error(r, 400, "invalid_param_type")
    _error(
        await client.get(spec.url, params={"max": "many"}, headers=admin), 400, "invalid_param_type"
    )


@by_path
async def test_get_by_id_and_by_reference(
    client: httpx.AsyncClient, admin: Headers, spec: Spec
) -> None:
    item = await _new(client, admin, spec)
    assert await _get(client, admin, f"{spec.url}/{item['id']}") == item
    by_reference = f"{spec.url}/{item['reference']}?useExternalId=true"
    assert await _get(client, admin, by_reference) == item
    r = await client.get(f"{spec.url}/not-there?useExternalId=true", headers=admin)
    _error(r, 404, "not_found", f"The {spec.kind} with the reference not-there doesn't exist.")


@by_path
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_an_update_changes_only_what_is_sent(
    client: httpx.AsyncClient, admin: Headers, spec: Spec, method: str
) -> None:
    item = await _new(client, admin, spec)
    url = f"{spec.url}/{item['id']}"
    changed = _json(await client.request(method, url, data=spec.patch, headers=admin), 200)
    _assert_item(spec, changed)
    assert changed == {**item, **spec.patched, "lastUpdated": changed["lastUpdated"]}
    assert await _get(client, admin, url) == changed

    moved = _json(await client.request(method, url, json=spec.renamed(4), headers=admin), 200)
    assert moved["reference"] == spec.reference(4)
    for key, value in spec.patched.items():
        assert moved[key] == value
    assert (await _list(client, admin, spec.url, reference=spec.reference(0)))["total"] == 0

    by_reference = f"{spec.url}/{spec.reference(4)}?useExternalId=true"
    again = _json(await client.request(method, by_reference, data=spec.patch, headers=admin), 200)
    assert again["id"] == item["id"]


@by_path
async def test_delete_needs_system(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, spec: Spec
) -> None:
    item = await _new(client, admin, spec)
    url = f"{spec.url}/{item['id']}"
    company_admin = await make_user(Level.ADMIN, Visibility.ENTITY)
    _error(await client.delete(url, headers=company_admin), 403, "access_denied")
    assert await _get(client, admin, url) == item

    r = await client.delete(url, headers=admin)
    assert r.status_code == 204, r.text
    assert r.content == b""
    _error(await client.get(url, headers=admin), 404, "not_found")
    _error(await client.delete(url, headers=admin), 404, "not_found")


@by_path
async def test_delete_by_reference(client: httpx.AsyncClient, admin: Headers, spec: Spec) -> None:
    item = await _new(client, admin, spec)
    r = await client.delete(f"{spec.url}/{item['reference']}?useExternalId=true", headers=admin)
    assert r.status_code == 204, r.text
    _error(await client.get(item["href"], headers=admin), 404, "not_found")


@by_path
async def test_permissions(client: httpx.AsyncClient, make_user: MakeUser, spec: Spec) -> None:
    """Reading needs OVERVIEW, creating and updating ADMIN; no token is 401."""
    company_admin = await make_user(Level.ADMIN, Visibility.ENTITY)
    viewer = await make_user(Level.OVERVIEW, Visibility.ENTITY)
    item = await _new(client, company_admin, spec)
    await _list(client, viewer, spec.url)
    assert await _get(client, viewer, item["href"]) == item
    _error(await client.post(spec.url, data=spec.payload(1), headers=viewer), 403, "access_denied")
    r = await client.patch(item["href"], data=spec.patch, headers=viewer)
    _error(r, 403, "access_denied")
    _error(await client.delete(item["href"], headers=viewer), 403, "access_denied")
    _error(await client.get(spec.url), 401, "unauthorized")
    _json(await client.patch(item["href"], data=spec.patch, headers=company_admin), 200)


@by_path
async def test_a_reference_already_used_is_refused(
    client: httpx.AsyncClient, admin: Headers, spec: Spec
) -> None:
    first = await _new(client, admin, spec, 0)
    used = {"error": "not_unique", "error_description": "reference already used"}
    r = await client.post(spec.url, data=spec.payload(0), headers=admin)
    assert _json(r, 400) == used
    second = await _new(client, admin, spec, 1)
    r = await client.put(second["href"], data=spec.renamed(0), headers=admin)
    assert _json(r, 400) == used
    assert await _get(client, admin, second["href"]) == second
    assert await _get(client, admin, first["href"]) == first
    assert (await _list(client, admin, spec.url, reference=spec.reference(0)))["total"] == 1


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if not s.codes], ids=[s.path for s in SPECS if not s.codes]
)
@pytest.mark.parametrize("missing", ["reference", "name"])
@pytest.mark.parametrize("how", ["absent", "empty"])
async def test_a_missing_reference_or_name_is_refused(
    client: httpx.AsyncClient, admin: Headers, spec: Spec, missing: str, how: str
) -> None:
    sent = spec.payload(0)
    if how == "absent":
        del sent[missing]
    else:
        sent[missing] = ""
    r = await client.post(spec.url, data=sent, headers=admin)
    assert _json(r, 400) == {
        "error": "missing_param",
        "error_description": f"{missing} parameter is missing",
    }
    assert (await _list(client, admin, spec.url, name="Name 0"))["total"] == 0


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if not s.codes], ids=[s.path for s in SPECS if not s.codes]
)
@pytest.mark.parametrize("name", ["reference", "name"])
async def test_an_update_cannot_clear_the_reference_or_name(
    client: httpx.AsyncClient, admin: Headers, spec: Spec, name: str
) -> None:
    item = await _new(client, admin, spec)
    r = await client.patch(item["href"], data={name: ""}, headers=admin)
    assert r.status_code == 400, r.text
    assert await _get(client, admin, item["href"]) == item


@by_path
async def test_an_unknown_id_is_not_found(
    client: httpx.AsyncClient, admin: Headers, spec: Spec
) -> None:
    url = f"{spec.url}/{UNKNOWN}"
    message = f"The {spec.kind} with the id {UNKNOWN} doesn't exist."
    _error(await client.get(url, headers=admin), 404, "not_found", message)
    _error(await client.put(url, data=spec.patch, headers=admin), 404, "not_found", message)
    _error(await client.patch(url, data=spec.patch, headers=admin), 404, "not_found", message)
    _error(await client.delete(url, headers=admin), 404, "not_found", message)
    _error(await client.get(f"{spec.url}/abc", headers=admin), 404, "not_found")
    _error(await client.get(f"{spec.url}/-1", headers=admin), 404, "not_found")


# --- customer categories ------------------------------------------------------------------------


async def test_the_root_category_always_exists_and_stays_the_root(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    root = await _root(client, admin)
    assert root["isRoot"] is True
    assert root["parentId"] is None
    assert root["parentHref"] is None
    child = await _new(client, admin, CATEGORIES)

    r = await client.delete(root["href"], headers=admin)
    _error(r, 400, "in_use")
    r = await client.put(root["href"], data={"parentId": child["id"]}, headers=admin)
    _error(r, 400, "invalid_param")
    assert await _get(client, admin, root["href"]) == root
    renamed = _json(await client.patch(root["href"], data={"name": "All"}, headers=admin), 200)
    assert renamed["isRoot"] is True
    assert renamed["parentId"] is None
    assert await _get(client, admin, f"{CATEGORIES.url}/root?useExternalId=true") == renamed


async def test_a_new_category_goes_under_the_root(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    root = await _root(client, admin)
    item = await _new(client, admin, CATEGORIES)
    assert item["isRoot"] is False
    assert item["parentId"] == root["id"]
    assert item["parentHref"] == root["href"]
    child = await _new(client, admin, CATEGORIES, 1, parentId=item["id"])
    assert child["parentId"] == item["id"]
    assert child["parentHref"] == item["href"]
    by_ref = _json(
        await client.post(
            CATEGORIES.url,
            data={**CATEGORIES.payload(2), "parentId": item["reference"], "useExternalId": "true"},
            headers=admin,
        ),
        201,
    )
    assert by_ref["parentId"] == item["id"]
    under = await _list(client, admin, CATEGORIES.url, parentId=item["id"])
    assert {c["id"] for c in under["data"]} == {child["id"], by_ref["id"]}
    # Moving back to the top level: under the root again.
    moved = _json(await client.patch(child["href"], data={"parentId": ""}, headers=admin), 200)
    assert moved["parentId"] == root["id"]


async def test_an_unknown_parent_category_is_not_found(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    r = await client.post(
        CATEGORIES.url, data={**CATEGORIES.payload(0), "parentId": UNKNOWN}, headers=admin
    )
    _error(r, 404, "not_found")
    r = await client.post(
        CATEGORIES.url, data={**CATEGORIES.payload(0), "parentId": "x"}, headers=admin
    )
    _error(r, 400, "invalid_param_type")
    assert (await _list(client, admin, CATEGORIES.url))["total"] == 1


async def test_category_cycles_are_refused(client: httpx.AsyncClient, admin: Headers) -> None:
    a = await _new(client, admin, CATEGORIES, 0)
    b = await _new(client, admin, CATEGORIES, 1, parentId=a["id"])
    c = await _new(client, admin, CATEGORIES, 2, parentId=b["id"])
    for parent in (a, b, c):
        r = await client.patch(a["href"], data={"parentId": parent["id"]}, headers=admin)
        assert r.status_code == 400, (parent["reference"], r.text)
        assert r.json()["error"] == "invalid_param"
    r = await client.put(b["href"], data={"parentId": c["id"]}, headers=admin)
    _error(r, 400, "invalid_param")
    assert await _get(client, admin, a["href"]) == a
    assert await _get(client, admin, b["href"]) == b
    # A move that makes no cycle is fine.
    moved = _json(await client.patch(c["href"], data={"parentId": a["id"]}, headers=admin), 200)
    assert moved["parentId"] == a["id"]


async def test_a_used_category_cannot_be_deleted(client: httpx.AsyncClient, admin: Headers) -> None:
    used = await _new(client, admin, CATEGORIES, 0)
    customer = await _new_customer(client, admin, "CAT-USER", categoryId=used["id"])
    assert customer["customerCategory"] == {
        "id": used["id"],
        "reference": used["reference"],
        "name": used["name"],
        "href": used["href"],
    }
    assert customer["categoryReference"] == used["reference"]
    _error(await client.delete(used["href"], headers=admin), 400, "in_use")
    assert await _get(client, admin, used["href"]) == used

    parent = await _new(client, admin, CATEGORIES, 1)
    child = await _new(client, admin, CATEGORIES, 2, parentId=parent["id"])
    _error(await client.delete(parent["href"], headers=admin), 400, "in_use")
    assert await _get(client, admin, child["href"]) == child

    assert (await client.delete(f"{CUSTOMERS}/{customer['id']}", headers=admin)).status_code == 204
    assert (await client.delete(used["href"], headers=admin)).status_code == 204
    assert (await client.delete(child["href"], headers=admin)).status_code == 204
    assert (await client.delete(parent["href"], headers=admin)).status_code == 204


async def test_a_customer_without_category_is_in_the_root(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    root = await _root(client, admin)
    customer = await _new_customer(client, admin, "ROOTED")
    assert customer["customerCategory"]["id"] == root["id"]
    assert customer["customerCategory"]["href"] == root["href"]
    assert customer["categoryReference"] == "root"


# --- segmentations and payment types ------------------------------------------------------------


async def test_a_segmentation_shows_in_the_customer_record(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    segmentation = await _new(client, admin, SEGMENTATIONS)
    customer = await _new_customer(
        client, admin, "SEGMENTED", customerSegmentationId=segmentation["id"]
    )
    assert customer["customerSegmentation"] == {
        k: segmentation[k] for k in ("id", "reference", "name", "href")
    }
    assert customer["customerSegmentationReference"] == segmentation["reference"]
    _error(await client.delete(segmentation["href"], headers=admin), 400, "in_use")


async def test_a_payment_type_used_by_a_customer_cannot_be_deleted(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    cash = await _new(client, admin, PAYMENT_TYPES, 0)
    cheque = await _new(client, admin, PAYMENT_TYPES, 1)
    customer = await _new_customer(
        client, admin, "PAYS", paymentTypes=f'[{{"id"={cash["id"]}}},{{"id"={cheque["id"]}}}]'
    )
    assert [p["id"] for p in customer["paymentTypes"]] == [cash["id"], cheque["id"]]
    assert customer["paymentTypes"][0] == {k: cash[k] for k in ("id", "reference", "name", "href")}

    _error(await client.delete(cash["href"], headers=admin), 400, "in_use")
    assert await _get(client, admin, cash["href"]) == cash

    url = f"{CUSTOMERS}/{customer['id']}"
    r = await client.put(url, data={"paymentTypes": f'[{{"id"={cheque["id"]}}}]'}, headers=admin)
    assert [p["id"] for p in _json(r, 200)["paymentTypes"]] == [cheque["id"]]
    assert (await client.delete(cash["href"], headers=admin)).status_code == 204
    _error(await client.delete(cheque["href"], headers=admin), 400, "in_use")
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.delete(cheque["href"], headers=admin)).status_code == 204


# --- regions ------------------------------------------------------------------------------------


async def _region(
    client: httpx.AsyncClient, headers: Headers, i: int, **extra: Any
) -> httpx.Response:
    return await client.post(REGIONS.url, data={**REGIONS.payload(i), **extra}, headers=headers)


async def test_region_levels(client: httpx.AsyncClient, admin: Headers) -> None:
    top = await _new(client, admin, REGIONS, 0)
    assert top["level"] == 1
    assert top["parentId"] is None
    assert top["parentHref"] is None
    middle = await _new(client, admin, REGIONS, 1, parentId=top["id"])
    assert middle["level"] == 2
    assert middle["parentId"] == top["id"]
    assert middle["parentHref"] == top["href"]
    bottom = await _new(client, admin, REGIONS, 2, parentId=middle["id"])
    assert bottom["level"] == 3
    deeper = await _new(client, admin, REGIONS, 3, parentId=middle["id"], level=5)
    assert deeper["level"] == 5

    for level in (1, 2):
        r = await _region(client, admin, 4, parentId=middle["id"], level=level)
        _error(r, 400, "invalid_param")
    for level in (0, 11):
        _error(await _region(client, admin, 4, level=level), 400, "invalid_param")
    _error(await _region(client, admin, 4, level="top"), 400, "invalid_param_type")
    _error(await _region(client, admin, 4, parentId=UNKNOWN), 404, "not_found")
    assert (await _list(client, admin, REGIONS.url))["total"] == 4

    # A parent cannot move to or below its children's level, nor under its own child.
    _error(
        await client.patch(middle["href"], data={"level": 3}, headers=admin), 400, "invalid_param"
    )
    r = await client.patch(top["href"], data={"parentId": bottom["id"]}, headers=admin)
    _error(r, 400, "invalid_param")
    assert await _get(client, admin, middle["href"]) == middle
    assert await _get(client, admin, top["href"]) == top
    assert (await _list(client, admin, REGIONS.url, level=2))["data"] == [middle]


async def _organization(client: httpx.AsyncClient, headers: Headers, **settings: str) -> Json:
    return _json(await client.put(f"{API}/organization", data=settings, headers=headers), 200)


async def test_a_customer_region_must_reach_the_configured_level(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    top = await _new(client, admin, REGIONS, 0)
    middle = await _new(client, admin, REGIONS, 1, parentId=top["id"])
    bottom = await _new(client, admin, REGIONS, 2, parentId=middle["id"])

    organization = await _organization(client, admin, geographicalLocations="true", regionLevel="2")
    assert organization["geographicalLocations"] is True
    assert organization["regionLevel"] == 2
    assert await _get(client, admin, f"{API}/organization") == organization

    r = await _customer(client, admin, "AT-TOP", regionId=top["id"])
    _error(r, 400, "invalid_param")
    assert (await _list(client, admin, CUSTOMERS, reference="AT-TOP"))["total"] == 0
    for reference, region in (("AT-MIDDLE", middle), ("AT-BOTTOM", bottom)):
        customer = await _new_customer(client, admin, reference, regionId=region["id"])
        assert customer["region"] == {
            "id": region["id"],
            "name": region["name"],
            "href": region["href"],
        }
    moved = await client.put(
        f"{CUSTOMERS}/{customer['id']}", data={"regionId": top["id"]}, headers=admin
    )
    _error(moved, 400, "invalid_param")
    assert (await _get(client, admin, f"{CUSTOMERS}/{customer['id']}"))["region"]["id"] == bottom[
        "id"
    ]

    off = await _organization(client, admin, geographicalLocations="false")
    assert off["geographicalLocations"] is False
    customer = await _new_customer(client, admin, "AT-TOP", regionId=top["id"])
    assert customer["region"]["id"] == top["id"]


async def test_the_organization_settings_are_checked(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser
) -> None:
    for level in ("0", "11"):
        r = await client.put(f"{API}/organization", data={"regionLevel": level}, headers=admin)
        _error(r, 400, "invalid_param")
    r = await client.put(
        f"{API}/organization", data={"geographicalLocations": "maybe"}, headers=admin
    )
    _error(r, 400, "invalid_param_type")
    viewer = await make_user(Level.OVERVIEW, Visibility.ENTITY)
    body = await _get(client, viewer, f"{API}/organization")
    assert body["geographicalLocations"] is False
    r = await client.put(f"{API}/organization", data={"regionLevel": "2"}, headers=viewer)
    _error(r, 403, "access_denied")


# --- currencies ---------------------------------------------------------------------------------


async def test_a_currency_code_is_an_iso_code_or_a_name(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    euro = _json(
        await client.post(
            CURRENCIES.url, data={"code": "euro", "exchangeRate": "1"}, headers=admin
        ),
        201,
    )
    assert euro["reference"] == "EUR"
    assert euro["code"] == "EUR"
    assert euro["name"] == "Euro"
    dollar = _json(
        await client.post(
            CURRENCIES.url, json={"code": "usd", "exchangeRate": 1.08}, headers=admin
        ),
        201,
    )
    assert dollar["code"] == "USD"
    assert dollar["exchangeRate"] == 1.08
    r = await client.post(CURRENCIES.url, data={"code": "Euro", "exchangeRate": "2"}, headers=admin)
    assert _json(r, 400) == {"error": "not_unique", "error_description": "reference already used"}
    assert await _get(client, admin, f"{CURRENCIES.url}/EUR?useExternalId=true") == euro


@pytest.mark.parametrize("code", ["GmBP", "XXXX", "not money"])
async def test_an_unknown_currency_is_not_found(
    client: httpx.AsyncClient, admin: Headers, code: str
) -> None:
    r = await client.post(CURRENCIES.url, data={"code": code, "exchangeRate": "1"}, headers=admin)
    _error(r, 404, "not_found")
    assert code in r.json()["error_description"]
    assert (await _list(client, admin, CURRENCIES.url))["total"] == 0


async def test_a_currency_needs_a_code_and_an_exchange_rate(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    r = await client.post(CURRENCIES.url, data={"exchangeRate": "1"}, headers=admin)
    _error(r, 400, "missing_param")
    assert r.json()["error_description"] in (
        "code parameter is missing",
        "reference parameter is missing",
    )
    r = await client.post(CURRENCIES.url, data={"code": "EUR"}, headers=admin)
    assert _json(r, 400) == {
        "error": "missing_param",
        "error_description": "exchangeRate parameter is missing",
    }
    assert (await _list(client, admin, CURRENCIES.url))["total"] == 0


async def test_the_exchange_rate_is_a_positive_number(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    for rate in ("0", "-1.5"):
        r = await client.post(
            CURRENCIES.url, data={"code": "EUR", "exchangeRate": rate}, headers=admin
        )
        _error(r, 400, "invalid_param")
    r = await client.post(
        CURRENCIES.url, data={"code": "EUR", "exchangeRate": "abc"}, headers=admin
    )
    _error(r, 400, "invalid_param_type")
    assert (await _list(client, admin, CURRENCIES.url))["total"] == 0

    euro = await _new(client, admin, CURRENCIES, 0)
    for rate in ("0", "-2"):
        r = await client.patch(euro["href"], data={"exchangeRate": rate}, headers=admin)
        _error(r, 400, "invalid_param")
    assert await _get(client, admin, euro["href"]) == euro


async def _defaults(client: httpx.AsyncClient, headers: Headers) -> list[str]:
    return [c["code"] for c in await _items(client, headers, CURRENCIES) if c["isDefault"]]


async def test_there_is_exactly_one_default_currency(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    euro = await _new(client, admin, CURRENCIES, 0)
    assert euro["isDefault"] is True
    dollar = await _new(client, admin, CURRENCIES, 1)
    assert dollar["isDefault"] is False
    assert await _defaults(client, admin) == ["EUR"]

    pound = await _new(client, admin, CURRENCIES, 2, isDefault="true")
    assert pound["isDefault"] is True
    assert await _defaults(client, admin) == ["GBP"]
    filtered = await _list(client, admin, CURRENCIES.url, isDefault="true")
    assert [c["code"] for c in filtered["data"]] == ["GBP"]

    r = await client.patch(dollar["href"], data={"isDefault": "true"}, headers=admin)
    assert _json(r, 200)["isDefault"] is True
    assert await _defaults(client, admin) == ["USD"]
    r = await client.patch(dollar["href"], data={"exchangeRate": "1.1"}, headers=admin)
    assert _json(r, 200)["isDefault"] is True
    assert await _defaults(client, admin) == ["USD"]

    customer = await _new_customer(client, admin, "DEFAULT-MONEY")
    assert customer["currency"] == "USD"


async def test_a_customer_names_a_configured_currency(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    await _new(client, admin, CURRENCIES, 0)
    await _new(client, admin, CURRENCIES, 1)
    customer = await _new_customer(client, admin, "PAYS-USD", currency="usd")
    assert customer["currency"] == "USD"
    customer = await _new_customer(client, admin, "PAYS-EURO", currency="Euro")
    assert customer["currency"] == "EUR"
    r = await _customer(client, admin, "PAYS-GBP", currency="GBP")
    assert _json(r, 404) == {
        "error": "not_found",
        "error_description": "The currency with name GBP is not configured.",
    }
    r = await _customer(client, admin, "PAYS-GMBP", currency="GmBP")
    assert _json(r, 404) == {
        "error": "not_found",
        "error_description": "The currency with name GmBP doesn't exist.",
    }


async def test_a_used_currency_cannot_be_deleted(client: httpx.AsyncClient, admin: Headers) -> None:
    euro = await _new(client, admin, CURRENCIES, 0)
    dollar = await _new(client, admin, CURRENCIES, 1)
    customer = await _new_customer(client, admin, "USES-USD", currency="USD")
    _error(await client.delete(dollar["href"], headers=admin), 400, "in_use")
    assert await _get(client, admin, dollar["href"]) == dollar
    # The default currency the customer got without asking counts too.
    other = await _new_customer(client, admin, "USES-DEFAULT")
    assert other["currency"] == "EUR"
    _error(await client.delete(euro["href"], headers=admin), 400, "in_use")
    assert (await client.delete(f"{CUSTOMERS}/{customer['id']}", headers=admin)).status_code == 204
    assert (await client.delete(dollar["href"], headers=admin)).status_code == 204


# --- users --------------------------------------------------------------------------------------


async def test_users_are_the_callers_entity_only(
    client: httpx.AsyncClient, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    other_entity = await make_entity("Other company")
    mine = [
        await make_user(Level.SYSTEM, Visibility.GLOBAL, username="boss@one.example"),
        await make_user(Level.OVERVIEW, Visibility.ENTITY, username="clerk@one.example"),
    ]
    theirs = await make_user(
        Level.SYSTEM, Visibility.GLOBAL, entity_id=other_entity, username="boss@two.example"
    )

    listed = await _list(client, mine[1], f"{API}/users", max=100)
    assert {u["reference"] for u in listed["data"]} == {"boss@one.example", "clerk@one.example"}
    assert listed["total"] == 2
    for user in listed["data"]:
        assert {"id", "reference", "name", "href"} <= set(user)
        assert user["href"] == f"{API}/users/{user['id']}"
        assert await _get(client, mine[0], user["href"]) == user
    by_name = await _get(client, mine[0], f"{API}/users/clerk@one.example?useExternalId=true")
    assert by_name["reference"] == "clerk@one.example"

    their_list = await _list(client, theirs, f"{API}/users")
    assert [u["reference"] for u in their_list["data"]] == ["boss@two.example"]
    their_user = their_list["data"][0]
    r = await client.get(f"{API}/users/{their_user['id']}", headers=mine[0])
    _error(r, 404, "not_found")
    r = await client.get(f"{API}/users/boss@two.example?useExternalId=true", headers=mine[0])
    _error(r, 404, "not_found")
    _error(await client.get(f"{API}/users/{UNKNOWN}", headers=mine[0]), 404, "not_found")


async def test_users_are_read_only(client: httpx.AsyncClient, admin: Headers) -> None:
    me = (await _list(client, admin, f"{API}/users"))["data"][0]
    not_allowed = {"error": "method_not_allowed", "error_description": "Method not allowed."}
    r = await client.post(f"{API}/users", data={"reference": "new@example.com"}, headers=admin)
    assert _json(r, 405) == not_allowed
    assert (
        _json(await client.put(me["href"], data={"name": "x"}, headers=admin), 405) == not_allowed
    )
    assert _json(await client.delete(me["href"], headers=admin), 405) == not_allowed


async def test_created_by_links_to_the_user(client: httpx.AsyncClient, admin: Headers) -> None:
    customer = await _new_customer(client, admin, "CREATED")
    creator = customer["createdBy"]
    user = await _get(client, admin, creator["href"])
    assert user["id"] == creator["userId"]
    assert user["reference"] == creator["reference"] == "root@example.com"


# --- contacts -----------------------------------------------------------------------------------

CONTACT = {
    "firstName": "Marie",
    "lastName": "Curie",
    "phone": "+33494000000",
    "mobile": "+33600000000",
    "email": "marie@example.com",
}


async def _billing_contacts(client: httpx.AsyncClient, headers: Headers, customer_id: int) -> Json:
    params: dict[str, Any] = {"contactable_type": "App\\Customer", "contactable_id": customer_id}
    return _json(await client.get("/api/v1/contacts", params=params, headers=headers), 200)


@pytest.mark.parametrize("how", ["form", "json"])
async def test_a_contact_belongs_to_a_customer(
    client: httpx.AsyncClient, admin: Headers, how: str
) -> None:
    customer = await _new_customer(client, admin, "WITH-CONTACT")
    sent = {"customerId": customer["id"], **CONTACT}
    r = await _post(client, admin, f"{API}/contacts", sent, how)
    contact = _json(r, 201)
    assert {k: contact[k] for k in sent} == sent
    assert type(contact["id"]) is int
    assert contact["href"] == f"{API}/contacts/{contact['id']}"
    assert TIMESTAMP.match(contact["dateCreated"])
    assert await _get(client, admin, contact["href"]) == contact

    record = await _get(client, admin, f"{CUSTOMERS}/{customer['id']}")
    assert record["contacts"] == [contact]
    listed = await _list(client, admin, f"{API}/contacts", customerId=customer["id"])
    assert listed["data"] == [contact]

    billing = await _billing_contacts(client, admin, customer["id"])
    assert len(billing["data"]) == 1
    seen = billing["data"][0]
    assert seen["id"] == contact["id"]
    assert seen["firstName"] == "Marie"
    assert seen["lastName"] == "Curie"
    assert seen["phone"] == "+33494000000"
    assert seen["mobilePhone"] == "+33600000000"
    assert seen["emailAddress"] == "marie@example.com"


async def test_a_contact_is_read_updated_and_deleted(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    customer = await _new_customer(client, admin, "CONTACTS")
    contact = _json(
        await client.post(
            f"{API}/contacts", data={"customerId": customer["id"], **CONTACT}, headers=admin
        ),
        201,
    )
    changed = _json(
        await client.patch(contact["href"], data={"mobile": "+33611111111"}, headers=admin), 200
    )
    assert changed == {**contact, "mobile": "+33611111111", "lastUpdated": changed["lastUpdated"]}
    changed = _json(
        await client.put(contact["href"], json={"email": "curie@example.com"}, headers=admin), 200
    )
    assert changed["email"] == "curie@example.com"
    assert changed["mobile"] == "+33611111111"
    assert changed["firstName"] == "Marie"
    billing = await _billing_contacts(client, admin, customer["id"])
    assert billing["data"][0]["emailAddress"] == "curie@example.com"
    assert billing["data"][0]["mobilePhone"] == "+33611111111"

    r = await client.delete(contact["href"], headers=admin)
    assert r.status_code == 204, r.text
    _error(await client.get(contact["href"], headers=admin), 404, "not_found")
    assert (await _get(client, admin, f"{CUSTOMERS}/{customer['id']}"))["contacts"] == []
    assert (await _billing_contacts(client, admin, customer["id"]))["data"] == []


async def test_a_contact_needs_a_known_customer(client: httpx.AsyncClient, admin: Headers) -> None:
    r = await client.post(f"{API}/contacts", data=CONTACT, headers=admin)
    assert _json(r, 400) == {
        "error": "missing_param",
        "error_description": "customerId parameter is missing",
    }
    r = await client.post(f"{API}/contacts", data={"customerId": UNKNOWN, **CONTACT}, headers=admin)
    _error(r, 404, "not_found")
    r = await client.post(f"{API}/contacts", data={"customerId": "abc", **CONTACT}, headers=admin)
    _error(r, 400, "invalid_param_type")
    customer = await _new_customer(client, admin, "BY-REF")
    r = await client.post(
        f"{API}/contacts",
        data={"customerId": "BY-REF", "useExternalId": "true", **CONTACT},
        headers=admin,
    )
    assert _json(r, 201)["customerId"] == customer["id"]
    _error(await client.get(f"{API}/contacts/{UNKNOWN}", headers=admin), 404, "not_found")


# --- isolation ----------------------------------------------------------------------------------


async def test_another_entitys_catalogues_are_invisible(
    client: httpx.AsyncClient, admin: Headers, make_user: MakeUser, make_entity: MakeEntity
) -> None:
    other = await make_user(Level.SYSTEM, Visibility.GLOBAL, entity_id=await make_entity("Other"))
    mine: dict[str, Json] = {}
    for spec in SPECS:
        mine[spec.path] = await _new(client, admin, spec)
    mine["root"] = await _root(client, admin)
    region = mine[REGIONS.path]
    customer = await _new_customer(
        client,
        admin,
        "MINE",
        regionId=region["id"],
        paymentTypes=f'[{{"id"={mine[PAYMENT_TYPES.path]["id"]}}}]',
    )
    contact = _json(
        await client.post(
            f"{API}/contacts", data={"customerId": customer["id"], **CONTACT}, headers=admin
        ),
        201,
    )

    for spec in SPECS:
        their_ids = {item["id"] for item in await _items(client, other, spec)}
        ours = [
            item
            for key, item in mine.items()
            if key == spec.path or (key == "root" and spec is CATEGORIES)
        ]
        for item in ours:
            assert item["id"] not in their_ids, spec.path
            url = item["href"]
            _error(await client.get(url, headers=other), 404, "not_found")
            _error(await client.put(url, data=spec.patch, headers=other), 404, "not_found")
            _error(await client.patch(url, data=spec.patch, headers=other), 404, "not_found")
            _error(await client.delete(url, headers=other), 404, "not_found")
            r = await client.get(
                f"{spec.url}/{item['reference']}?useExternalId=true", headers=other
            )
            if item is mine["root"]:  # "root" names their own root
                assert _json(r, 200)["id"] != item["id"]
            else:
                _error(r, 404, "not_found")
        # The same reference is free in another entity.
        theirs = _json(await client.post(spec.url, data=spec.payload(0), headers=other), 201)
        assert theirs["id"] != mine[spec.path]["id"]

    _error(await client.get(contact["href"], headers=other), 404, "not_found")
    _error(await client.delete(contact["href"], headers=other), 404, "not_found")
    assert (await _list(client, other, f"{API}/contacts"))["data"] == []
    r = await client.post(
        f"{API}/contacts", data={"customerId": customer["id"], **CONTACT}, headers=other
    )
    _error(r, 404, "not_found")
    # Their customers cannot name our catalogue objects either.
    for name, key in (
        ("categoryId", CATEGORIES.path),
        ("customerSegmentationId", SEGMENTATIONS.path),
        ("regionId", REGIONS.path),
    ):
        r = await _customer(client, other, f"THEIRS-{name}", **{name: mine[key]["id"]})
        _error(r, 404, "not_found")
    r = await _customer(
        client, other, "THEIRS-PAY", paymentTypes=f'[{{"id"={mine[PAYMENT_TYPES.path]["id"]}}}]'
    )
    _error(r, 404, "not_found")

    for spec in SPECS:
        item = mine[spec.path]
        assert await _get(client, admin, item["href"]) == item
    assert await _get(client, admin, mine["root"]["href"]) == mine["root"]
    assert await _get(client, admin, contact["href"]) == contact
    record = await _get(client, admin, f"{CUSTOMERS}/{customer['id']}")
    assert record["region"]["id"] == region["id"]
    assert record["contacts"] == [contact]
