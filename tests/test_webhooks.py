"""Webhooks (`core.webhooks`, `dispatcher.py`) against a real local HTTP receiver: every
committed change delivered, signed, in order; none for a rolled-back one; retries after a
receiver's errors, given up after three days; one dispatcher at a time per webhook; no
private address reached unless allowed."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers, webhooks
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Invalid
from customer_registry.core.imports import ImportRow, import_customers
from customer_registry.core.permissions import COMMAND_LINE
from customer_registry.dispatcher import Dispatcher
from tests.conftest import MakeEntity, Run

Headers = dict[str, str]
KEY = b"k" * 32


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to answer, then 200

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.received.append((dict(self.headers.items()), body))
            status = found.answers.pop(0) if found.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks?x=1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
async def dispatcher(ctx: Context) -> AsyncIterator[Dispatcher]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield Dispatcher(ctx.db, lambda: KEY, True, client, owner="first")


async def _hook(
    ctx: Context, url: str, events: tuple[str, ...] = webhooks.EVENTS, entity: int | None = None
) -> webhooks.Webhook:
    async with ctx.db.write() as conn:
        return await webhooks.add(
            conn, COMMAND_LINE, url, events, entity_id=entity, allow_private=True
        )


async def _create(client: httpx.AsyncClient, admin: Headers, code: str, entity: int = 1) -> int:
    body = {"entity_id": entity, "name": code, "external_customer_code": code}
    r = await client.put("/v1/customers/create_customer", json=body, headers=admin)
    assert r.status_code == 201, r.text
    customer_id: int = r.json()["data"]["customer_id"]
    return customer_id


def _verified(hook: webhooks.Webhook, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check, as docs/operating/webhooks.md tells receivers to make it."""
    parts = dict(part.split("=", 1) for part in headers["Registry-Signature"].split(","))
    secret = webhooks.signing_secret(KEY, hook)
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


async def test_every_committed_change_is_delivered_signed_and_in_order(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    before = await _create(client, admin, "Before")  # made before the webhook: not announced
    hook = await _hook(
        ctx, receiver.url, ("customer.created", "customer.updated", "customer.deleted")
    )
    customer_id = await _create(client, admin, "Told")
    r = await client.put(
        f"/api/v1.0/customers/{customer_id}", data={"name": "Renamed"}, headers=admin
    )
    assert r.status_code == 200, r.text

    async def rolled_back() -> None:
        async with ctx.db.write() as conn:
            await customers.update(conn, COMMAND_LINE, before, {"name": "Never"})
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await rolled_back()
    assert (
        await client.delete(f"/api/v1/customers/{customer_id}", headers=admin)
    ).status_code == 200
    assert await dispatcher.round() == 3
    events = receiver.events()
    assert [(e["type"], e["data"]["customer"]["customer_id"]) for e in events] == [
        ("customer.created", customer_id),
        ("customer.updated", customer_id),
        ("customer.deleted", customer_id),
    ]
    assert events[1]["data"]["changes"] == {"name": ["Told", "Renamed"]}
    assert events[0]["entity_id"] == 1
    # The customer's record as each change left it (a delete: as it last was).
    names = [(e["data"]["customer"]["name"], e["data"]["customer"]["code"]) for e in events]
    assert names == [("Told", "Told"), ("Renamed", "Told"), ("Renamed", "Told")]
    assert set(events[0]["data"]["customer"]) >= {"customer_id", "entity_id", "vip", "email"}
    ids = [int(e["id"].removeprefix("evt_")) for e in events]
    assert ids == sorted(ids)
    assert all(_verified(hook, headers, body) for headers, body in receiver.received)
    assert not _verified(hook, receiver.received[0][0], receiver.received[0][1] + b" ")
    assert await dispatcher.round() == 0  # nothing more to tell


async def test_an_imported_customer_is_announced_with_its_fields_as_changes(
    ctx: Context, receiver: Receiver, dispatcher: Dispatcher
) -> None:
    """An import's creations keep their fields once, in their state: the event still tells
    each field with a value, from nothing to it, as it does for a create through an API."""
    await _hook(ctx, receiver.url, ("customer.created",))
    row = ImportRow(1, {"name": "Imported", "code": "IMP1", "email": "i@example.com"})
    assert (await import_customers(ctx.db, COMMAND_LINE, [row], entity_id=1)).created == 1
    assert await dispatcher.round() == 1
    (event,) = receiver.events()
    found = event["data"]["changes"]
    assert found["name"] == [None, "Imported"]
    assert found["email"] == [None, "i@example.com"]
    assert found["entity_id"] == [None, 1]
    customer = event["data"]["customer"]
    assert found == {
        name: [None, value]
        for name, value in customer.items()
        if value is not None and name not in ("customer_id", "created_at", "created_by")
    }
    assert len(found) > 10  # the defaults too (flags, brand, category)


async def test_a_refused_delivery_is_retried_later_and_later_events_wait(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await _hook(ctx, receiver.url, ("customer.created",))
    first, second = await _create(client, admin, "First"), await _create(client, admin, "Second")
    receiver.answers = [500, 503]
    now = utcnow()
    assert await dispatcher.round(now) == 1  # refused: the second waits for the first
    assert await dispatcher.round(now) == 0  # not yet due
    assert await dispatcher.round(now + timedelta(seconds=46)) == 1  # refused again
    assert await dispatcher.round(now + timedelta(hours=1)) == 2
    ids = [e["id"] for e in receiver.events()]
    assert ids[0] == ids[1] == ids[2]  # a retry carries the same event id
    customers_told = [e["data"]["customer"]["customer_id"] for e in receiver.events()]
    assert customers_told == [first, first, first, second]
    async with ctx.db.read() as conn:
        (log,) = [
            d
            for d in await webhooks.deliveries(conn, COMMAND_LINE, failed_only=False)
            if d.customer_id == first
        ]
    assert (log.status, log.attempts) == ("delivered", 3)


async def test_an_event_refused_for_three_days_is_given_up(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await _hook(ctx, receiver.url, ("customer.created",))
    await _create(client, admin, "Doomed")
    later = await _create(client, admin, "Later")
    receiver.answers = [500]
    assert await dispatcher.round(utcnow() + timedelta(days=3, seconds=1)) == 2
    async with ctx.db.read() as conn:
        (failed,) = await webhooks.deliveries(conn, COMMAND_LINE, failed_only=True)
    assert (failed.status, failed.last_status) == ("failed", 500)
    assert receiver.events()[-1]["data"]["customer"]["customer_id"] == later


async def test_a_webhook_is_told_only_its_events_and_its_entity(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    receiver: Receiver,
    dispatcher: Dispatcher,
    make_entity: MakeEntity,
) -> None:
    other = await make_entity("Other")
    await _hook(ctx, receiver.url, ("customer.updated",), entity=other)
    mine = await _create(client, admin, "Mine", entity=other)
    theirs = await _create(client, admin, "Theirs")
    for customer_id in (mine, theirs):
        r = await client.put(f"/v1/customers/{customer_id}", json={"name": "R"}, headers=admin)
        assert r.status_code == 200
    assert await dispatcher.round() == 1
    (event,) = receiver.events()
    assert (event["type"], event["data"]["customer"]["customer_id"]) == ("customer.updated", mine)


async def test_one_dispatcher_at_a_time_delivers_a_webhooks_events(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await _hook(ctx, receiver.url, ("customer.created",))
    for n in range(5):
        await _create(client, admin, f"C{n}")
    async with httpx.AsyncClient(timeout=5) as other_client:
        other = Dispatcher(ctx.db, lambda: KEY, True, other_client, owner="second")
        done = await asyncio.gather(dispatcher.round(), other.round())
    assert sorted(done) == [0, 5]
    assert len({e["id"] for e in receiver.events()}) == len(receiver.events()) == 5


async def test_no_private_address_is_reached_unless_allowed(
    client: httpx.AsyncClient, admin: Headers, ctx: Context, receiver: Receiver
) -> None:
    hook = await _hook(ctx, receiver.url, ("customer.created",))
    await _create(client, admin, "Guarded")
    async with httpx.AsyncClient(timeout=5) as plain:
        guarded = Dispatcher(ctx.db, lambda: KEY, False, plain, owner="guarded")
        assert await guarded.round() == 1
    assert receiver.received == []
    async with ctx.db.read() as conn:
        (refused,) = await webhooks.deliveries(conn, COMMAND_LINE, failed_only=False)
    assert "no address a webhook may reach" in refused.last_answer
    for url in (
        "http://127.0.0.1/x",
        "http://[::1]/x",
        "http://169.254.169.254/",
        "http://10.0.0.1/",
    ):
        with pytest.raises(Invalid):
            webhooks.valid_url(url, allow_private=False)
    assert webhooks.valid_url("https://hooks.example.com/x", allow_private=False)
    assert hook.webhook_id == 1
    with pytest.raises(Invalid):  # an entity that does not exist
        await _hook(ctx, receiver.url, entity=999)


def test_the_command_line_adds_lists_replays_and_disables(
    run: Run, receiver: Receiver, tmp_path: Path
) -> None:
    env = {
        "CUSTOMER_REGISTRY_SECRET_KEY": "a key for this test only",
        "CUSTOMER_REGISTRY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    }
    refused = run("webhooks", "add", "http://127.0.0.1:9/x", "--events", "customer.created")
    assert refused.returncode == 1
    assert "private" in refused.stderr
    added = run("webhooks", "add", receiver.url, "--events", "customer.created", **env)
    assert added.returncode == 0, added.stderr
    secret = added.stdout.split()[-1]  # the secret, the last word
    assert secret.startswith("whsec_")
    assert "customer.created" in run("webhooks", "list", COLUMNS="200").stdout
    source = tmp_path / "customers.csv"
    source.write_text("external_customer_code,name\nC1,Imported\n", encoding="utf-8")
    assert run("import", str(source)).returncode == 0  # the change: entry 1
    replayed = run("webhooks", "replay", "evt_1", **env)
    assert replayed.returncode == 0, replayed.stderr
    assert "Webhook #1: delivered (200)" in replayed.stdout
    ((headers, body),) = receiver.received
    assert json.loads(body)["type"] == "customer.created"
    parts = dict(part.split("=", 1) for part in headers["Registry-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    assert parts["v1"] == expected.hexdigest()  # signed with the secret `add` printed
    assert "delivered" in run("webhooks", "deliveries", COLUMNS="200").stdout
    missing = run("webhooks", "replay", "evt_99", **env)
    assert missing.returncode == 1
    assert "evt_99" in missing.stderr
    assert run("webhooks", "disable", "1").returncode == 0
    assert " no " in run("webhooks", "list", COLUMNS="200").stdout


async def test_a_round_delivers_every_batch_due(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    receiver: Receiver,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("customer_registry.dispatcher.BATCH", 3)
    await _hook(ctx, receiver.url, ("customer.created",))
    made = [await _create(client, admin, f"B{n}") for n in range(7)]
    assert await dispatcher.round() == 7  # three batches, in one round
    assert [e["data"]["customer"]["customer_id"] for e in receiver.events()] == made


async def test_a_replay_sends_again_and_leaves_the_webhooks_turn(
    client: httpx.AsyncClient,
    admin: Headers,
    ctx: Context,
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    await _hook(ctx, receiver.url, ("customer.created",))
    first, second = await _create(client, admin, "First"), await _create(client, admin, "Second")
    async with ctx.db.read() as conn:
        entry, _ = await webhooks.subscribers(conn, 2)  # the second's creation, replayed first
    assert entry["customer_id"] == second
    assert await dispatcher.replay(2) == [(1, True, "200")]
    assert await dispatcher.round() == 2  # the first is still told, then the second again
    told = [e["data"]["customer"]["customer_id"] for e in receiver.events()]
    assert told == [second, first, second]
