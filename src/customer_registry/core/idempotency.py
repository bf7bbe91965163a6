"""The rules of an idempotency key: a client's name for one request it may send more than
once (`apis/idempotency.py` reads it from the `Idempotency-Key` header).

A key is its user's, for 24 hours. It is taken in the request's own transaction, and the
request's answer kept in it: a key's answer exists only if that request's writes committed.
The same key with another request is refused; taken again after 24 hours, it starts anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from customer_registry.core.clock import utcnow
from customer_registry.core.errors import KeyReused
from customer_registry.storage import idempotency as repository
from customer_registry.storage.database import Connection
from customer_registry.storage.idempotency import Headers as Headers
from customer_registry.storage.idempotency import Kept as Kept

KEPT_FOR = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Request:
    """One request sent under a key: its user, the key, and what tells it from another
    request (a digest of it, made by the API)."""

    user_id: int
    key: str
    digest: str


async def take(conn: Connection, request: Request) -> Kept | None:
    """Take the key for `request`: None when it is now this request's, to `keep` its answer
    before the transaction ends; otherwise the answer it holds (the same request, sent
    again). KeyReused when it was taken by another request. A key still being taken by a
    running transaction makes this wait for that transaction (see `repository.claim`)."""
    now = utcnow()
    kept = await repository.claim(
        conn, request.user_id, request.key, request.digest, now, expired=now - KEPT_FOR
    )
    if kept is not None and kept.request_digest != request.digest:
        raise KeyReused(
            "This Idempotency-Key was sent with another request: use a new key for a new request."
        )
    return kept


async def keep(
    conn: Connection, request: Request, status: int, headers: Headers, body: bytes
) -> None:
    """Keep the answer of the request that holds its key (`take`)."""
    await repository.keep(conn, request.user_id, request.key, status, headers, body)


async def forget_expired(conn: Connection) -> int:
    """Delete the keys older than KEPT_FOR (taken again, they would start anew anyway);
    answer how many."""
    return await repository.forget(conn, utcnow() - KEPT_FOR)
