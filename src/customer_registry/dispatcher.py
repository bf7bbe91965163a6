"""The webhook dispatcher: runs in each worker of `customer-registry serve`, beside the API
requests and never in their way (its own task, its own connection, an HTTP client of its
own with a timeout), and delivers each webhook's events (`core.webhooks`).

One dispatcher at a time delivers a webhook's events: the one holding its lease (a
statement takes it, so two workers, or two instances, cannot both), renewed at every round
and lost after `lease` without one (a worker killed mid-delivery: another takes over, and
sends again what was not acknowledged, with the same event id).

A receiver's address is checked where it is resolved, at each delivery, and the request
sent to the address checked (TLS still verifies the host's name): no event can be made to
reach the machine's own or its network's services (SSRF), whatever a name resolves to,
unless `CUSTOMER_REGISTRY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES` is set.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx

from customer_registry.core import webhooks
from customer_registry.core.clock import utcnow
from customer_registry.core.webhooks import Outcome, Webhook
from customer_registry.storage.database import Database, Row

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
BATCH = 50  # events read at a time, per webhook
USER_AGENT = "customer-registry-webhooks/1"


@dataclass
class Dispatcher:
    db: Database
    # The service's key, read when an event is first signed: a service without webhooks
    # never makes a key file.
    service_key: Callable[[], bytes]
    allow_private: bool
    client: httpx.AsyncClient
    owner: str = ""
    # How long a webhook stays this dispatcher's without a round (then another may take it).
    lease: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        self.owner = self.owner or f"{socket.gethostname()}:{secrets.token_hex(6)}"[:64]
        self.service_key = functools.cache(self.service_key)

    async def round(self, now: datetime | None = None) -> int:
        """Deliver what is due to every active webhook whose lease this dispatcher holds
        or takes; answer how many attempts were made."""
        now = now or utcnow()
        async with self.db.read() as conn:
            hooks = await webhooks.active(conn)
        attempts = 0
        for hook in hooks:
            current: Webhook | None = hook
            while current is not None:
                done, more = await self._drain(current, now)
                attempts += done
                if not more:
                    break
                async with self.db.read() as conn:  # its position has moved on
                    current = await webhooks.refreshed(conn, current)
        return attempts

    async def _leased(self, hook: Webhook, now: datetime) -> bool:
        """Whether this dispatcher holds the webhook now, its lease taken or renewed (from
        the later of `now` and the clock: a long round keeps it)."""
        async with self.db.write(transaction=False) as conn:
            moment = max(now, utcnow())
            return await webhooks.lease(conn, hook, self.owner, moment, self.lease)

    async def _drain(self, hook: Webhook, now: datetime) -> tuple[int, bool]:
        """Deliver a batch of the webhook's due events, in order, each under its renewed
        lease: (attempts, whether a full batch went and more may wait)."""
        async with self.db.read() as conn:
            entries = await webhooks.pending(conn, hook, BATCH)
        attempts = 0
        for entry in entries:
            if not await self._leased(hook, now):
                return attempts, False  # another dispatcher has it (or it was disabled)
            async with self.db.read() as conn:
                last = await webhooks.tried(conn, hook, entry)
            if not webhooks.due(last, now):
                return attempts, False  # its retry's time has not come: the rest waits
            outcome = await self.send(hook, entry)
            attempts += 1
            async with self.db.write() as conn:
                moved_on = await webhooks.record(conn, hook, entry, outcome, now, last)
            if not moved_on:
                return attempts, False
        return attempts, len(entries) == BATCH

    async def replay(self, change_id: int) -> list[tuple[int, bool, str]]:
        """Send an entry's event again, now, to each active webhook subscribed to it; its
        outcome kept as any attempt's. (webhook id, delivered, the answer) of each."""
        async with self.db.read() as conn:
            entry, hooks = await webhooks.subscribers(conn, change_id)
        sent = []
        for hook in hooks:
            async with self.db.read() as conn:
                last = await webhooks.tried(conn, hook, entry)
            outcome = await self.send(hook, entry)
            async with self.db.write() as conn:  # the webhook's own turn is not moved
                await webhooks.record(conn, hook, entry, outcome, utcnow(), last, in_turn=False)
            answer = outcome.error or str(outcome.status)
            sent.append((hook.webhook_id, outcome.delivered, answer))
        return sent

    async def send(self, hook: Webhook, entry: Row) -> Outcome:
        """POST the entry's event to the webhook, signed; never raises."""
        body = webhooks.event_body(entry)
        secret = webhooks.signing_secret(self.service_key(), hook)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            webhooks.SIGNATURE_HEADER: webhooks.signature(secret, int(time.time()), body),
        }
        try:
            url, host, extensions = await self._checked(hook.url)
            response = await self.client.post(
                url, content=body, headers={**headers, "Host": host}, extensions=extensions
            )
        except (httpx.HTTPError, OSError, ValueError, Refused) as error:  # ValueError: IDNA
            return Outcome(False, None, f"{type(error).__name__}: {error}")
        delivered = 200 <= response.status_code < 300
        return Outcome(
            delivered, response.status_code, None if delivered else response.reason_phrase
        )

    async def _checked(self, url: str) -> tuple[str, str, dict[str, str]]:
        """The URL with its host replaced by an address it resolves to that may be reached
        (the Host header and TLS's server name keep the name)."""
        parts = urlsplit(url)
        name = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = await asyncio.get_running_loop().getaddrinfo(name, port, type=socket.SOCK_STREAM)
        for *_, address in found:
            ip = ipaddress.ip_address(address[0])
            if webhooks.address_allowed(ip, allow_private=self.allow_private):
                literal = f"[{ip}]" if ip.version == 6 else str(ip)
                netloc = f"{literal}:{port}"
                host = parts.netloc.rsplit("@", 1)[-1]
                return urlunsplit(parts._replace(netloc=netloc)), host, {"sni_hostname": name}
        raise Refused(f"{name} resolves to no address a webhook may reach")


class Refused(Exception):
    """A receiver's address that webhooks may not reach."""
