"""Logging in with a username and password, with failed attempts throttled per username and
per client address (one address guessing across many usernames is stopped too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from customer_registry.auth import tokens
from customer_registry.auth.passwords import verify_password
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Throttled, Unauthenticated
from customer_registry.core.users import USERNAME_MAX, User
from customer_registry.settings import Settings
from customer_registry.storage import identity as repository
from customer_registry.storage.database import Connection, Database

_REFUSED = "Invalid username or password."


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    token: tokens.Issued


@dataclass
class Refusals:
    """Logins this process refused for too many failures (/metrics reads it)."""

    throttled: int = 0


REFUSALS = Refusals()

_ADDRESS = "address:"  # login_failures keys of client addresses (usernames have no prefix)

Claims = dict[str, datetime]  # key → the start of the window its attempt was counted in


async def _claim_attempt(db: Database, settings: Settings, keys: dict[str, int]) -> Claims:
    """Count this attempt against every key (username, client address) before its password is
    checked, or raise Throttled, counting nothing, when a key has reached its limit. Counting
    first is what holds the limits when many attempts arrive at once: however many there are,
    at most `limit` of them per key get as far as the password check."""
    now = utcnow()
    window = timedelta(seconds=settings.login_lockout_seconds)
    claims: Claims = {}
    # Each claim is one statement of its own (no transaction): one row locked at a time.
    async with db.write(transaction=False) as conn:
        for key, limit in keys.items():
            started = await repository.claim_login_attempt(conn, key, limit, now, now - window)
            if started is None:
                await _release(conn, claims)
                REFUSALS.throttled += 1
                raise Throttled(
                    "Too many failed login attempts; try again later.",
                    await _retry_after(conn, key, window),
                )
            claims[key] = started
    return claims


async def _retry_after(conn: Connection, key: str, window: timedelta) -> int:
    """Whole seconds until the key's window ends (at least 1)."""
    row = await repository.login_failure(conn, key)
    if row is None:  # gone meanwhile: worth trying again at once
        return 1
    wait = (row["window_started_at"] + window - utcnow()).total_seconds()
    return max(int(wait) + 1, 1)


async def _release(conn: Connection, claims: Claims) -> None:
    for key, started in claims.items():
        await repository.release_login_attempt(conn, key, started)


async def login(
    db: Database,
    settings: Settings,
    username: str,
    password: str,
    client_address: str | None = None,
) -> Session:
    """A new sliding token for the user, or Unauthenticated / Throttled.

    Every attempt counts against the username and the client address until its password is
    known to be right: a failure stays counted for the rest of the window, a success gives
    its attempt back. So logging in often never locks anyone out, while the failures already
    counted stay counted: a user who logs in during a burst of guesses gives the guesser no
    new attempts."""
    if not 0 < len(username) <= USERNAME_MAX or "\x00" in username:
        raise Unauthenticated(_REFUSED)  # no such user can exist; nothing to count
    keys = {username: settings.login_max_failures}
    if client_address:
        keys[f"{_ADDRESS}{client_address}"] = settings.login_max_failures_per_address
    claims = await _claim_attempt(db, settings, keys)
    async with db.read() as conn:
        row = await repository.user_by_username(conn, username)
    valid = await verify_password(None if row is None else row["password_hash"], password)
    if row is None or not valid or row["disabled"]:
        raise Unauthenticated(_REFUSED)  # its attempt stays counted: a failure
    async with db.write() as conn:
        await _release(conn, claims)
        issued = await tokens.issue(
            conn, row["user_id"], idle_seconds=settings.token_idle_seconds, lifetime_seconds=None
        )
    return Session(User.from_row(row), issued)
