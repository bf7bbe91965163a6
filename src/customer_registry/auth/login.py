"""Logging in with a username and password, with failed attempts throttled per username."""

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


async def _refuse_if_locked(db: Database, settings: Settings, username: str) -> None:
    async with db.read() as conn:
        failures = await repository.login_failure(conn, username)
    if failures is None or failures["failures"] < settings.login_max_failures:
        return
    unlocks_at = failures["window_started_at"] + timedelta(seconds=settings.login_lockout_seconds)
    wait = (unlocks_at - utcnow()).total_seconds()
    if wait > 0:
        raise Throttled("Too many failed login attempts; try again later.", int(wait) + 1)


async def login(db: Database, settings: Settings, username: str, password: str) -> Session:
    """A new sliding token for the user, or Unauthenticated / Throttled."""
    if not 0 < len(username) <= USERNAME_MAX or "\x00" in username:
        raise Unauthenticated(_REFUSED)  # no such user can exist; nothing to count
    await _refuse_if_locked(db, settings, username)
    async with db.read() as conn:
        row = await repository.user_by_username(conn, username)
    valid = await verify_password(None if row is None else row["password_hash"], password)
    if row is None or not valid or row["disabled"]:
        now = utcnow()
        window_start = now - timedelta(seconds=settings.login_lockout_seconds)
        async with db.write() as conn:
            await repository.record_login_failure(conn, username, now, window_start)
        raise Unauthenticated(_REFUSED)
    async with db.write() as conn:
        await repository.clear_login_failures(conn, username)
        issued = await tokens.issue(
            conn, row["user_id"], idle_seconds=settings.token_idle_seconds, lifetime_seconds=None
        )
    return Session(User.from_row(row), issued)
