"""Webhooks: receivers told of customers' changes, each as an event signed with its secret.

The outbox is the customers' history (`core.changes`): its entries are written in the
change's own transaction, so no committed change goes unannounced and no rolled-back one is
announced. A webhook is given the entries it subscribes to (their actions are the event
types), in the history's order, from the one after its `position`; a failed delivery is
retried with a growing, jittered delay until it succeeds or is three days old, and the
webhook's later events wait meanwhile, so that one customer's events arrive in order. A
retry carries the same event id (`evt_<entry>`): receivers may be told of one twice
(at least once), never of none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson

from customer_registry.core import entities
from customer_registry.core.changes import changes_of
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Invalid, NotFound
from customer_registry.core.permissions import Caller, Level
from customer_registry.storage import webhooks as repository
from customer_registry.storage.database import Connection, Row

EVENTS = (
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "link.updated",
    "link.deleted",
    "product.added",
    "product.removed",
)
GIVE_UP_AFTER = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
SIGNATURE_HEADER = "Registry-Signature"


@dataclass(frozen=True, slots=True)
class Webhook:
    webhook_id: int
    url: str
    events: frozenset[str]
    entity_id: int | None
    salt: str
    active: bool
    position: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Webhook:
        return cls(
            webhook_id=row["webhook_id"],
            url=row["url"],
            events=frozenset(row["events"].split(",")),
            entity_id=row["entity_id"],
            salt=row["salt"],
            active=row["active"],
            position=row["position"],
            created_at=row["created_at"],
        )


def valid_url(url: str, *, allow_private: bool) -> str:
    """An http(s) URL with a host; a literal address must be public unless `allow_private`
    (a name is checked where it is resolved, at each delivery)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2048:
        raise Invalid({"url": "{field} must be an http:// or https:// URL with a host."})
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return url
    if not address_allowed(address, allow_private=allow_private):
        raise Invalid({"url": "{field} names a private, loopback or link-local address."})
    return url


def address_allowed(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_private: bool
) -> bool:
    """Whether a receiver may be at `address`: public ones only, unless `allow_private`
    (no request of ours may reach the machine's or its network's own services)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    internal = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return allow_private or not internal


def _events(events: Sequence[str]) -> str:
    chosen = sorted({event.strip() for event in events if event.strip()})
    unknown = [event for event in chosen if event not in EVENTS]
    if not chosen or unknown:
        raise Invalid({"events": f"{{field}} must be some of: {', '.join(EVENTS)}."})
    return ",".join(chosen)


async def add(
    conn: Connection,
    caller: Caller,
    url: str,
    events: Sequence[str],
    *,
    entity_id: int | None,
    allow_private: bool,
) -> Webhook:
    """A new webhook, told of the changes made from now on."""
    caller.require(Level.SYSTEM)
    if entity_id is not None:
        await entities.require_existing(conn, caller, entity_id, field="entity")
    row = await repository.insert(
        conn,
        {
            "url": valid_url(url, allow_private=allow_private),
            "events": _events(events),
            "entity_id": entity_id,
            "salt": secrets.token_hex(16),
            "active": True,
            "created_at": utcnow(),
            "position": await repository.last_change_id(conn),
        },
    )
    return Webhook.from_row(row)


async def listed(conn: Connection, caller: Caller) -> list[Webhook]:
    caller.require(Level.SYSTEM)
    return [Webhook.from_row(row) for row in await repository.listed(conn)]


async def disable(conn: Connection, caller: Caller, webhook_id: int) -> None:
    caller.require(Level.SYSTEM)
    if not await repository.disable(conn, webhook_id):
        raise NotFound(f"Webhook #{webhook_id} does not exist.")


def signing_secret(service_key: bytes, webhook: Webhook) -> str:
    """The webhook's secret: derived from the service's key, never stored."""
    digest = hmac.new(
        service_key, f"webhook:{webhook.webhook_id}:{webhook.salt}".encode(), "sha256"
    )
    return "whsec_" + base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>" with the secret, hex>`."""
    signed = f"{timestamp}.".encode() + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_id(change_id: int) -> str:
    return f"evt_{change_id}"


def event_body(entry: Row) -> bytes:
    """`{id, type, created, entity_id, data: {customer, changes, subject}}`: `customer` is
    the customer's record as the change left it (before a delete: as it last was), in the
    registry's names; for a change of what belongs to it (a contact, a link, a product), its
    id and entity."""
    state = entry["state"]
    customer = (
        orjson.Fragment(state)
        if state is not None
        else {"customer_id": entry["customer_id"], "entity_id": entry["entity_id"]}
    )
    return orjson.dumps(
        {
            "id": event_id(entry["change_id"]),
            "type": entry["action"],
            "created": entry["changed_at"].isoformat() + "Z",
            "entity_id": entry["entity_id"],
            "data": {
                "customer": customer,
                "changes": changes_of(entry),
                "subject": entry["subject"],
            },
        }
    )


def retry_delay(attempts: int, draw: random.Random | None = None) -> timedelta:
    """How long to wait after `attempts` failed ones: doubling from FIRST_RETRY up to
    LONGEST_WAIT, times a random factor in [0.5, 1.5) (receivers back up together)."""
    base: timedelta = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)
    factor: float = 0.5 + (draw or random).random()
    return base * factor


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: bool
    status: int | None  # the receiver's HTTP status, if it answered
    error: str | None


async def active(conn: Connection) -> list[Webhook]:
    """Every webhook still delivered to (the dispatcher's: every entity's)."""
    return [Webhook.from_row(row) for row in await repository.listed(conn, active_only=True)]


async def lease(
    conn: Connection, webhook: Webhook, owner: str, now: datetime, length: timedelta
) -> bool:
    """Whether `owner` now holds the webhook's deliveries until `now + length` (see
    `repository.lease`)."""
    return await repository.lease(conn, webhook.webhook_id, owner, now, now + length)


async def refreshed(conn: Connection, webhook: Webhook) -> Webhook | None:
    """The webhook as it is now (None: gone or disabled)."""
    row = await repository.get(conn, webhook.webhook_id)
    return None if row is None or not row["active"] else Webhook.from_row(row)


async def pending(conn: Connection, webhook: Webhook, limit: int = 50) -> Sequence[Row]:
    """The webhook's next entries to deliver, oldest first."""
    return await repository.entries_after(
        conn, webhook.position, webhook.events, webhook.entity_id, limit
    )


async def backlog(conn: Connection) -> dict[int, int]:
    """Each active webhook's events not delivered yet (its outbox's depth), by webhook id."""
    return {
        hook.webhook_id: await repository.count_after(
            conn, hook.position, hook.events, hook.entity_id
        )
        for hook in await active(conn)
    }


async def tried(conn: Connection, webhook: Webhook, entry: Row) -> Row | None:
    """The entry's last attempt for the webhook, if any (what `due` and `record` read)."""
    return await repository.delivery(conn, webhook.webhook_id, entry["change_id"])


def due(last: Row | None, now: datetime) -> bool:
    """Whether an entry whose last attempt was `last` may be tried now (never tried, or its
    retry's time has come)."""
    return last is None or last["next_attempt_at"] is None or last["next_attempt_at"] <= now


async def record(
    conn: Connection,
    webhook: Webhook,
    entry: Row,
    outcome: Outcome,
    now: datetime,
    last: Row | None,
    *,
    in_turn: bool = True,
) -> bool:
    """Keep an attempt's outcome (`last`: the attempt before it, see `tried`): delivered,
    retried later, or (three days after the change) failed for good. An entry tried
    `in_turn` (the webhook's next one, not a replay): the webhook moves past it when
    delivered or failed; whether it did (the next one's turn has come)."""
    attempts = (last["attempts"] if last else 0) + 1
    if outcome.delivered:
        status, next_attempt = "delivered", None
    elif now - entry["changed_at"] >= GIVE_UP_AFTER or entry["change_id"] <= webhook.position:
        # Too old, or a replay of an event the webhook is past: not tried again.
        status, next_attempt = "failed", None
    else:
        status, next_attempt = "pending", now + retry_delay(attempts)
    values: dict[str, Any] = {
        "webhook_id": webhook.webhook_id,
        "change_id": entry["change_id"],
        "status": status,
        "attempts": attempts,
        "last_status": outcome.status,
        "last_error": None if outcome.error is None else outcome.error[:255],
        "next_attempt_at": next_attempt,
        "updated_at": now,
    }
    await repository.save_delivery(conn, values)
    if status == "pending" or not in_turn:
        return False
    await repository.advance(conn, webhook.webhook_id, entry["change_id"])
    return True


@dataclass(frozen=True, slots=True)
class Delivery:
    webhook_id: int
    change_id: int
    action: str
    customer_id: int
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    updated_at: datetime

    @property
    def last_answer(self) -> str:
        if self.last_status is not None:
            return str(self.last_status)
        return self.last_error or ""


async def deliveries(conn: Connection, caller: Caller, *, failed_only: bool) -> list[Delivery]:
    caller.require(Level.SYSTEM)
    rows = await repository.delivery_log(conn, failed_only=failed_only)
    return [Delivery(**row) for row in rows]


async def subscribers(conn: Connection, change_id: int) -> tuple[Row, list[Webhook]]:
    """An entry (NotFound if none) and the active webhooks that subscribe to it."""
    entry = await repository.entry(conn, change_id)
    if entry is None:
        raise NotFound(f"No event {event_id(change_id)}.")
    hooks = [
        hook
        for hook in await active(conn)
        if entry["action"] in hook.events and hook.entity_id in (None, entry["entity_id"])
    ]
    return entry, hooks
