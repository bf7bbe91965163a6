"""Tokens: random, shown once, stored as SHA-256 digests, checked through a short cache.

A token is checked against the database at most once per `token_cache_seconds` per worker
(so a revoked token or a disabled user is refused by every worker within that time), and its
sliding expiry is written back at most once per `token_touch_seconds`, not on every request.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import string
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from customer_registry.core.clock import utcnow
from customer_registry.core.errors import NotFound, Unauthenticated
from customer_registry.core.permissions import Caller, Level, Visibility
from customer_registry.settings import Settings
from customer_registry.storage import identity as repository
from customer_registry.storage.database import Connection, Database, Row

TOKEN_LENGTH = 64
_ALPHABET = string.ascii_letters + string.digits
_CACHE_MAX = 10_000


def new_token() -> str:
    """64 random alphanumeric characters (about 381 bits), as the partner API documents."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(TOKEN_LENGTH))


def token_digest(token: str) -> str:
    # Tokens carry 381 random bits: a fast hash is safe, a slow one would cost every request.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires_at: datetime | None


async def issue(
    conn: Connection,
    user_id: int,
    *,
    idle_seconds: int | None,
    lifetime_seconds: int | None,
) -> Issued:
    """Store a new token for `user_id`; the clear token is returned once and never stored."""
    now = utcnow()
    token = new_token()
    expires_at = now + timedelta(seconds=lifetime_seconds) if lifetime_seconds else None
    await repository.insert_token(
        conn,
        {
            "token_hash": token_digest(token),
            "user_id": user_id,
            "created_at": now,
            "last_used_at": now,
            "idle_seconds": idle_seconds,
            "expires_at": expires_at,
        },
    )
    first_expiry = now + timedelta(seconds=idle_seconds) if idle_seconds else None
    return Issued(token, min((t for t in (expires_at, first_expiry) if t), default=None))


async def issue_api_key(conn: Connection, username: str, lifetime_seconds: int | None) -> Issued:
    """A long-lived token (no sliding expiry) for the command line's `tokens create`."""
    row = await repository.user_by_username(conn, username)
    if row is None:
        raise NotFound(f"User {username!r} does not exist.")
    return await issue(conn, row["user_id"], idle_seconds=None, lifetime_seconds=lifetime_seconds)


def _expiry(row: Row) -> datetime | None:
    limits = [row["expires_at"]]
    if row["idle_seconds"]:
        limits.append(row["last_used_at"] + timedelta(seconds=row["idle_seconds"]))
    return min((t for t in limits if t is not None), default=None)


@dataclass(frozen=True, slots=True)
class _Checked:
    caller: Caller
    token_id: int
    expires_at: datetime | None
    checked_until: float  # time.monotonic() after which the database is asked again

    def still_good(self) -> bool:
        if time.monotonic() >= self.checked_until:
            return False
        return self.expires_at is None or self.expires_at > utcnow()


class TokenAuthenticator:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._cache_seconds = settings.token_cache_seconds
        self._touch_after = timedelta(seconds=settings.token_touch_seconds)
        self._cache: dict[str, _Checked] = {}
        self._pending: dict[str, asyncio.Task[_Checked]] = {}
        # Checks answered from the cache, and those that went to the database (/metrics).
        self.cache_hits = 0
        self.cache_misses = 0

    async def authenticate(self, token: str) -> Caller:
        digest = token_digest(token)
        hit = self._cache.get(digest)
        if hit is not None and hit.still_good():
            self.cache_hits += 1
            return hit.caller
        self.cache_misses += 1
        # Concurrent requests with the same token share one database check.
        task = self._pending.get(digest)
        if task is None:
            task = asyncio.ensure_future(self._check(digest))
            self._pending[digest] = task
            task.add_done_callback(lambda _: self._pending.pop(digest, None))
        return (await asyncio.shield(task)).caller

    async def _check(self, digest: str) -> _Checked:
        async with self._db.read() as conn:
            row = await repository.token_with_user(conn, digest)
        now = utcnow()
        expires_at = None if row is None else _expiry(row)
        if row is None or row["disabled"] or (expires_at is not None and expires_at <= now):
            self._cache.pop(digest, None)
            raise Unauthenticated("The token is invalid or has expired.")
        if row["idle_seconds"] and now - row["last_used_at"] >= self._touch_after:
            async with self._db.write(transaction=False) as conn:  # one statement
                await repository.touch_token(conn, row["token_id"], now)
            expires_at = _expiry({**row, "last_used_at": now})
        checked = _Checked(
            Caller(
                user_id=row["user_id"],
                username=row["username"],
                entity_id=row["entity_id"],
                level=Level[row["permissions"]],
                visibility=Visibility(row["visibility"]),
            ),
            row["token_id"],
            expires_at,
            time.monotonic() + self._cache_seconds,
        )
        if len(self._cache) >= _CACHE_MAX:
            self._cache.pop(next(iter(self._cache)))
        self._cache[digest] = checked
        return checked

    def forget(self, token: str) -> None:
        self._cache.pop(token_digest(token), None)

    def forget_id(self, token_id: int) -> None:
        """Forget a token known by its id only (a key revoked from its list): this worker
        refuses it at once, the others within their cache's time."""
        for digest in [d for d, checked in self._cache.items() if checked.token_id == token_id]:
            self._cache.pop(digest, None)


async def revoke(conn: Connection, token: str) -> None:
    if not await repository.delete_token(conn, token_digest(token)):
        raise NotFound("No such token.")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as it can be shown again: never the key itself, only its facts."""

    token_id: int
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime | None


async def api_keys(conn: Connection, user_id: int) -> list[ApiKey]:
    return [ApiKey(**row) for row in await repository.api_keys(conn, user_id)]


async def revoke_api_key(conn: Connection, user_id: int, token_id: int) -> None:
    """Refused by every worker within `token_cache_seconds` (their caches' time)."""
    if not await repository.delete_api_key(conn, user_id, token_id):
        raise NotFound("No such API key.")
