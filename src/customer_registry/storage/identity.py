"""Every query on users, tokens and failed logins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from customer_registry.core.errors import Invalid, NotUnique
from customer_registry.core.fields import check_storable
from customer_registry.core.query import ListQuery, PageRequest
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection, Prepared, Row, dialect_insert, storable
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.listing import fetch_page
from customer_registry.storage.listings import USERS
from customer_registry.storage.schema import login_failures, tokens, users
from customer_registry.storage.scope import own_entity, placed


async def insert_user(conn: Connection, scope: Scope, values: Mapping[str, Any]) -> Row:
    """A user of the entity the scope's new rows go to."""
    values = placed(scope, values)
    check_storable(users, values)
    try:
        row = await conn.fetch_one(sa.insert(users).values(**values).returning(users))
    except UniqueViolation as error:
        raise NotUnique("username", values["username"]) from error
    except ForeignKeyViolation as error:
        raise Invalid({"entity_id": f"Entity #{values['entity_id']} does not exist."}) from error
    assert row is not None
    return row


async def user_by_username(conn: Connection, username: str) -> Row | None:
    """The user who logs in as `username`, whatever their entity: logging in is what tells
    which entity a request is in."""
    if not storable(username):
        return None
    return await conn.fetch_one(sa.select(users).where(users.c.username == username))


async def any_user(conn: Connection) -> bool:
    """Whether anyone may log in at all (the first start creates an administrator)."""
    return await conn.fetch_value(sa.select(sa.exists().select_from(users))) in (True, 1)


async def list_users(conn: Connection, scope: Scope) -> Sequence[Row]:
    return await conn.fetch_all(
        sa.select(users).where(USERS.scope(scope, users)).order_by(users.c.user_id)
    )


async def update_user(
    conn: Connection, scope: Scope, user_id: int, values: Mapping[str, Any]
) -> Row | None:
    """Change a user the scope sees; None if it sees none with this id."""
    check_storable(users, values)
    return await conn.fetch_one(
        sa.update(users)
        .where(users.c.user_id == user_id, USERS.scope(scope, users))
        .values(**values)
        .returning(users)
    )


async def delete_sessions(conn: Connection, user_id: int) -> None:
    """The user's login tokens (sliding ones); API keys stay."""
    await conn.execute(
        sa.delete(tokens).where(tokens.c.user_id == user_id, tokens.c.idle_seconds.is_not(None))
    )


async def api_keys(conn: Connection, user_id: int) -> Sequence[Row]:
    """The user's API keys (tokens without sliding expiry), oldest first."""
    return await conn.fetch_all(
        sa.select(
            tokens.c.token_id, tokens.c.created_at, tokens.c.last_used_at, tokens.c.expires_at
        )
        .where(tokens.c.user_id == user_id, tokens.c.idle_seconds.is_(None))
        .order_by(tokens.c.token_id)
    )


async def delete_api_key(conn: Connection, user_id: int, token_id: int) -> bool:
    deleted = await conn.execute(
        sa.delete(tokens).where(
            tokens.c.token_id == token_id,
            tokens.c.user_id == user_id,
            tokens.c.idle_seconds.is_(None),
        )
    )
    return deleted > 0


async def insert_token(conn: Connection, values: Mapping[str, Any]) -> None:
    await conn.execute(sa.insert(tokens).values(**values))


# Authentication runs on every request whose token is not cached: compiled once.
_TOKEN_WITH_USER = Prepared(
    sa.select(
        tokens.c.token_id,
        tokens.c.last_used_at,
        tokens.c.idle_seconds,
        tokens.c.expires_at,
        users.c.user_id,
        users.c.username,
        users.c.entity_id,
        users.c.permissions,
        users.c.visibility,
        users.c.disabled,
    )
    .join(users, users.c.user_id == tokens.c.user_id)
    .where(tokens.c.token_hash == sa.bindparam("token_hash"))
)
_TOUCH_TOKEN = Prepared(
    sa.update(tokens)
    .where(tokens.c.token_id == sa.bindparam("token_id"))
    .values(last_used_at=sa.bindparam("now"))
)


async def token_with_user(conn: Connection, token_hash: str) -> Row | None:
    return await conn.fetch_one(_TOKEN_WITH_USER, token_hash=token_hash)


async def touch_token(conn: Connection, token_id: int, now: datetime) -> None:
    await conn.execute(_TOUCH_TOKEN, token_id=token_id, now=now)


async def delete_token(conn: Connection, token_hash: str) -> bool:
    return await conn.execute(sa.delete(tokens).where(tokens.c.token_hash == token_hash)) > 0


async def login_failure(conn: Connection, key: str) -> Row | None:
    return await conn.fetch_one(sa.select(login_failures).where(login_failures.c.username == key))


async def claim_login_attempt(
    conn: Connection, key: str, limit: int, now: datetime, window_start_before: datetime
) -> datetime | None:
    """Count one login attempt for `key` (a username or a client address), unless `limit` are
    counted already in its window: the window's start, or None when the key is at its limit
    (nothing counted). A window older than `window_start_before` starts again at `now`.

    The test and the count are one statement, so attempts arriving together cannot all pass
    the test before any of them is counted (PostgreSQL locks the row for the upsert; SQLite
    has one writer at a time)."""
    stale = login_failures.c.window_started_at < window_start_before
    statement = dialect_insert(conn.dialect_name, login_failures).values(
        username=key, failures=1, window_started_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[login_failures.c.username],
        set_={
            "failures": sa.case((stale, 1), else_=login_failures.c.failures + 1),
            "window_started_at": sa.case((stale, now), else_=login_failures.c.window_started_at),
        },
        where=sa.or_(stale, login_failures.c.failures < limit),
    )
    started: datetime | None = await conn.fetch_value(
        statement.returning(login_failures.c.window_started_at)
    )
    return started


async def release_login_attempt(conn: Connection, key: str, window_started_at: datetime) -> None:
    """Take back one attempt counted by `claim_login_attempt` in the window that started at
    `window_started_at` (none if that window has ended and another begun)."""
    await conn.execute(
        sa.update(login_failures)
        .where(
            login_failures.c.username == key,
            login_failures.c.window_started_at == window_started_at,
            login_failures.c.failures > 0,
        )
        .values(failures=login_failures.c.failures - 1)
    )


async def user_in_entity(conn: Connection, scope: Scope, user_id: int) -> bool:
    """Whether the user belongs to the scope's own entity."""
    found = await conn.fetch_value(
        sa.select(sa.func.count())
        .select_from(users)
        .where(users.c.user_id == user_id, own_entity(scope, users.c.entity_id))
    )
    return bool(found)


async def visible_user(conn: Connection, scope: Scope, **equal: Any) -> Row | None:
    if not storable(*equal.values()):
        return None
    statement = sa.select(users).where(USERS.scope(scope, users))
    for name, value in equal.items():
        statement = statement.where(users.c[name] == value)
    return await conn.fetch_one(statement)


async def page_users(
    conn: Connection, scope: Scope, query: ListQuery, page: PageRequest
) -> tuple[int, Sequence[Row]]:
    return await fetch_page(conn, USERS, scope, query, page)
