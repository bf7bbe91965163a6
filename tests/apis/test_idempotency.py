"""`Idempotency-Key` on the creates of the three APIs: a retry replays the first answer and
does nothing again; another request under the same key is the API's 422; a refused create
keeps nothing; keys are per user and expire; many concurrent requests with one key make
one object."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.core import idempotency
from customer_registry.core.clock import utcnow
from customer_registry.core.permissions import Level, Visibility
from customer_registry.storage.schema import idempotency_keys
from tests.conftest import MakeUser

Headers = dict[str, str]


@dataclass(frozen=True)
class Create:
    api: str
    path: str
    send_as: str  # "json" or "data" (a form)
    status: int
    other: str  # another create of the same API

    def body(self, code: str) -> dict[str, Any]:
        match self.api:
            case "partner":
                values: dict[str, Any] = {
                    "entity_id": 1,
                    "name": code,
                    "external_customer_code": code,
                }
            case "sales":
                values = {"reference": code, "name": code}
            case _:
                values = {"name": code, "customerAccount": code}
        return {self.send_as: values}

    def reused(self, r: httpx.Response) -> None:
        """The API's own 422 for a key sent with another request."""
        assert r.status_code == 422, r.text
        body = r.json()
        if self.api == "sales":
            assert body["error"] == "idempotency_key_reused"
            assert "Idempotency-Key" in body["error_description"]
        else:
            assert "Idempotency-Key" in body["message"]


CREATES = [
    Create("partner", "/v1/customers/create_customer", "json", 201, "/v1/entities"),
    Create("sales", "/api/v1.0/customers", "data", 201, "/api/v1.0/contacts"),
    Create("billing", "/api/v1/customers", "json", 201, "/api/v1/brands"),
]


@pytest.fixture(params=CREATES, ids=[c.api for c in CREATES])
def create(request: pytest.FixtureRequest) -> Create:
    found: Create = request.param
    return found


async def _post(
    client: httpx.AsyncClient, create: Create, headers: Headers, code: str, key: str | None
) -> httpx.Response:
    keyed = {**headers, "Idempotency-Key": key} if key is not None else headers
    return await client.post(create.path, headers=keyed, **create.body(code))


async def _customers(client: httpx.AsyncClient, admin: Headers, code: str) -> int:
    r = await client.get(
        "/v1/customers",
        params={"q": f'{{"filters":[{{"name":"name","op":"eq","val":"{code}"}}]}}'},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    count: int = r.json()["num_results"]
    return count


async def test_a_retry_replays_the_first_answer(
    client: httpx.AsyncClient, create: Create, admin: Headers
) -> None:
    first = await _post(client, create, admin, "Once", "key-1")
    assert first.status_code == create.status, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = await _post(client, create, admin, "Once", "key-1")
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await _customers(client, admin, "Once") == 1
    # Without the key, the same request is a new create, refused as a duplicate.
    assert (await _post(client, create, admin, "Once", None)).status_code in (400, 422)


async def test_a_key_sent_with_another_request_is_refused(
    client: httpx.AsyncClient, create: Create, admin: Headers
) -> None:
    assert (await _post(client, create, admin, "First", "key-2")).status_code == create.status
    create.reused(await _post(client, create, admin, "Second", "key-2"))
    assert await _customers(client, admin, "Second") == 0
    # The same body to another create is another request too.
    keyed = {**admin, "Idempotency-Key": "key-2"}
    create.reused(await client.post(create.other, headers=keyed, **create.body("First")))


async def test_a_refused_create_keeps_nothing(
    client: httpx.AsyncClient, create: Create, admin: Headers
) -> None:
    assert (await _post(client, create, admin, "Taken", None)).status_code == create.status
    refused = await _post(client, create, admin, "Taken", "key-3")
    assert refused.status_code in (400, 422), refused.text
    # The corrected request, with the same key, is done (not 422, not the refusal again).
    done = await _post(client, create, admin, "Corrected", "key-3")
    assert done.status_code == create.status, done.text
    assert await _customers(client, admin, "Corrected") == 1


async def test_keys_are_per_user(
    client: httpx.AsyncClient, create: Create, admin: Headers, make_user: MakeUser
) -> None:
    other = await make_user(Level.SYSTEM, Visibility.GLOBAL)
    assert (await _post(client, create, admin, "Mine", "key-4")).status_code == create.status
    theirs = await _post(client, create, other, "Theirs", "key-4")
    assert theirs.status_code == create.status, theirs.text
    assert "Idempotent-Replayed" not in theirs.headers


async def test_concurrent_requests_with_one_key_make_one_customer(
    client: httpx.AsyncClient, create: Create, admin: Headers
) -> None:
    answers = await asyncio.gather(
        *(_post(client, create, admin, "Raced", "key-5") for _ in range(50))
    )
    assert {r.status_code for r in answers} == {create.status}, {r.text for r in answers}
    assert len({r.content for r in answers}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == 49
    assert await _customers(client, admin, "Raced") == 1


async def test_a_key_expires_after_a_day(
    client: httpx.AsyncClient, create: Create, admin: Headers, ctx: Context
) -> None:
    assert (await _post(client, create, admin, "Old", "key-6")).status_code == create.status
    async with ctx.db.write() as conn:
        await conn.execute(
            sa.update(idempotency_keys).values(created_at=utcnow() - timedelta(hours=25))
        )
    # Forgotten: the key now starts anew, with whatever request it comes with.
    r = await _post(client, create, admin, "New", "key-6")
    assert r.status_code == create.status, r.text
    assert await _customers(client, admin, "New") == 1
    async with ctx.db.write() as conn:
        await conn.execute(
            sa.update(idempotency_keys).values(created_at=utcnow() - timedelta(hours=25))
        )
    for expected in (1, 0):
        async with ctx.db.write() as conn:
            assert await idempotency.forget_expired(conn) == expected


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9", "a b"])
async def test_a_malformed_key_is_refused_before_anything_is_done(
    client: httpx.AsyncClient, create: Create, admin: Headers, key: str
) -> None:
    headers = [(k.encode(), v.encode()) for k, v in admin.items()]
    headers.append((b"Idempotency-Key", key.encode()))  # UTF-8, as sent
    r = await client.post(create.path, headers=headers, **create.body("Malformed"))
    assert r.status_code == (422 if create.api == "billing" else 400), r.text
    assert "Idempotency-Key" in r.text
    assert await _customers(client, admin, "Malformed") == 0


async def test_a_multipart_create_with_an_image_is_replayed(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
        b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe"
        b"\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    headers = {**admin, "Idempotency-Key": "key-7"}
    answers = []
    for _ in range(2):
        r = await client.post(
            "/api/v1.0/customers",
            data={"reference": "Pictured", "name": "Pictured"},
            files={"logo": ("logo.png", png, "image/png")},
            headers=headers,
        )
        answers.append(r)
    assert answers[0].status_code == 201, answers[0].text
    assert answers[1].content == answers[0].content
    assert answers[1].headers["Idempotent-Replayed"] == "true"
    assert await _customers(client, admin, "Pictured") == 1


async def test_a_product_move_is_replayed(client: httpx.AsyncClient, admin: Headers) -> None:
    imei = "356938035643809"
    assert (
        await client.post("/v1/products", json={"product_imei": imei}, headers=admin)
    ).status_code == 201
    for code in ("First", "Second"):
        body = {"entity_id": 1, "name": code, "external_customer_code": code}
        r = await client.put("/v1/customers/create_customer", json=body, headers=admin)
        assert r.status_code == 201, r.text
    move = {"entity_id": 1, "external_customer_code": "First", "reason": "new unit"}
    keyed = {**admin, "Idempotency-Key": "move-1"}
    first = await client.put(f"/v1/products/{imei}/change_customer", json=move, headers=keyed)
    assert first.status_code == 200, first.text
    # Meanwhile another move: replaying the first must not give the product back.
    other = {"entity_id": 1, "external_customer_code": "Second"}
    r = await client.put(f"/v1/products/{imei}/change_customer", json=other, headers=admin)
    assert r.status_code == 200, r.text
    again = await client.put(f"/v1/products/{imei}/change_customer", json=move, headers=keyed)
    assert (again.status_code, again.content) == (200, first.content)
    history = await client.get("/v1/customer_product_history", headers=admin)
    assert history.json()["num_results"] == 2
    expired = {"reason": "returned"}
    keyed = {**admin, "Idempotency-Key": "expire-1"}
    for _ in range(2):
        r = await client.put(f"/v1/products/{imei}/expire_customer", json=expired, headers=keyed)
        assert r.status_code == 200, r.text
    assert r.headers["Idempotent-Replayed"] == "true"
