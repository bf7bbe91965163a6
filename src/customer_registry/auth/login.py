"""Logging in with a username and password, with failed attempts throttled per username and
per client address (one address guessing across many usernames is stopped too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from customer_registry.auth import tokens
from customer_registry.auth.passwords import verify_password
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Throttled, Unauthenticated
from customer_registry.core.users import USERNAME_MAX, User
from customer_registry.settings import Settings
from customer_registry.storage import identity as repository
from customer_registry.storage.database import Database

_REFUSED = "Invalid username or password."


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    token: tokens.Issued


_ADDRESS = "address:"  # login_failures keys of client addresses (usernames have no prefix)


async def _refuse_if_locked(db: Database, settings: Settings, keys: dict[str, int]) -> None:
    """Throttled while any key (username, client address) has reached its limit."""
    async with db.read() as conn:
        for key, limit in keys.items():
            failures = await repository.login_failure(conn, key)
            if failures is None or failures["failures"] < limit:
                continue
            window = timedelta(seconds=settings.login_lockout_seconds)
            wait = (failures["window_started_at"] + window - utcnow()).total_seconds()
            if wait > 0:
                raise Throttled("Too many failed login attempts; try again later.", int(wait) + 1)


async def login(
    db: Database,
    settings: Settings,
    username: str,
    password: str,
    client_address: str | None = None,
) -> Session:
    """A new sliding token for the user, or Unauthenticated / Throttled."""
    if not 0 < len(username) <= USERNAME_MAX or "\x00" in username:
        raise Unauthenticated(_REFUSED)  # no such user can exist; nothing to count
    keys = {username: settings.login_max_failures}
    if client_address:
        keys[f"{_ADDRESS}{client_address}"] = settings.login_max_failures_per_address
    await _refuse_if_locked(db, settings, keys)
    async with db.read() as conn:
        row = await repository.user_by_username(conn, username)
    valid = await verify_password(None if row is None else row["password_hash"], password)
    if row is None or not valid or row["disabled"]:
        now = utcnow()
        window_start = now - timedelta(seconds=settings.login_lockout_seconds)
        async with db.write() as conn:
            for key in keys:
                await repository.record_login_failure(conn, key, now, window_start)
        raise Unauthenticated(_REFUSED)
    async with db.write() as conn:
        # The address keeps its count: one valid account must not reset a guesser's.
        await repository.clear_login_failures(conn, username)
        issued = await tokens.issue(
            conn, row["user_id"], idle_seconds=settings.token_idle_seconds, lifetime_seconds=None
        )
    return Session(User.from_row(row), issued)
