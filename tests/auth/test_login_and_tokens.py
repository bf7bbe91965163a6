"""Logging in, token expiry, revocation, disabled users, and login throttling."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TypedDict

import httpx
import pytest
import sqlalchemy as sa

from customer_registry.apis.context import Context
from customer_registry.auth import tokens
from customer_registry.auth.login import login
from customer_registry.core import users
from customer_registry.core.clock import utcnow
from customer_registry.core.errors import Throttled, Unauthenticated
from customer_registry.core.permissions import COMMAND_LINE, Level, Visibility
from customer_registry.storage.schema import tokens as tokens_table
from customer_registry.storage.schema import users as users_table
from tests.conftest import PASSWORD, MakeUser

LOGIN = "/v1/auth/login"


class Sent(TypedDict, total=False):
    """Where a request carries its fields: httpx's keyword for each place."""

    data: dict[str, str]


class NewUser(TypedDict):
    """The arguments `users.create` takes after the connection and the caller."""

    username: str
    password: str
    level: Level
    visibility: Visibility
    entity_id: int


async def _login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(LOGIN, data={"username": username, "password": password})


async def test_login_with_form_fields(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user(Level.ADMIN, Visibility.ENTITY, username="test.user@bboxx.co.uk")
    r = await _login(client, "test.user@bboxx.co.uk")
    assert r.status_code == 200
    body = r.json()["message"]["login_successful"]
    assert body["permissions"] == "ADMIN"
    assert body["user_product_visibility"] == "ENTITY"
    token = body["API_token"]
    assert len(token) == 64
    assert token.isalnum()
    for authorization in (f"Token token={token}", f"Bearer {token}", f'Token token="{token}"'):
        r = await client.get("/v1/customers", headers={"Authorization": authorization})
        assert r.status_code == 200, authorization


async def test_tokens_are_stored_hashed(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    await make_user(username="a@example.com")
    token = (await _login(client, "a@example.com")).json()["message"]["login_successful"][
        "API_token"
    ]
    async with ctx.db.read() as conn:
        stored = [row["token_hash"] for row in await conn.fetch_all(sa.select(tokens_table))]
        password_hashes = [
            row["password_hash"] for row in await conn.fetch_all(sa.select(users_table))
        ]
    assert token not in stored
    assert tokens.token_digest(token) in stored
    assert all(h.startswith("$argon2id$") for h in password_hashes)


async def test_wrong_credentials(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    await make_user(username="a@example.com")
    for username, password in (
        ("a@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("", ""),
    ):
        r = await _login(client, username, password)
        assert r.status_code == 401
        assert "message" in r.json()
    r = await client.post(LOGIN, data={"username": "a@example.com"})
    assert r.status_code == 400


async def test_credentials_in_the_query_string_are_not_read(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    """A URL is written to access logs: the login reads its credentials from the body only."""
    await make_user(username="a@example.com")
    credentials = {"username": "a@example.com", "password": PASSWORD}
    bodies: tuple[Sent, ...] = ({}, {"data": {"username": "a@example.com"}})
    for body in bodies:
        r = await client.post(LOGIN, params=credentials, **body)
        assert r.status_code == 400, r.text
        assert r.json() == {"message": "Both username and password are required."}


async def test_repeated_failures_lock_the_username(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    await make_user(username="a@example.com")
    for _ in range(ctx.settings.login_max_failures):
        assert (await _login(client, "a@example.com", "bad guess")).status_code == 401
    r = await _login(client, "a@example.com")  # even the right password, for a while
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    # Other usernames are not affected.
    await make_user(username="b@example.com")
    assert (await _login(client, "b@example.com")).status_code == 200


async def test_sliding_expiry(client: httpx.AsyncClient, make_user: MakeUser, ctx: Context) -> None:
    headers = await make_user(username="a@example.com")
    assert (await client.get("/v1/customers", headers=headers)).status_code == 200
    # Longer than its idle time (an hour for these tokens) without use: the token is dead.
    async with ctx.db.write() as conn:
        await conn.execute(
            sa.update(tokens_table).values(last_used_at=utcnow() - timedelta(hours=3, minutes=1))
        )
    await asyncio.sleep(ctx.settings.token_cache_seconds + 0.1)
    assert (await client.get("/v1/customers", headers=headers)).status_code == 401


async def test_use_extends_the_expiry_without_writing_every_time(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    headers = await make_user(username="a@example.com")
    async with ctx.db.write() as conn:
        await conn.execute(
            sa.update(tokens_table).values(last_used_at=utcnow() - timedelta(minutes=50))
        )
        before = await conn.fetch_value(sa.select(tokens_table.c.last_used_at))
    await asyncio.sleep(ctx.settings.token_cache_seconds + 0.1)
    assert (await client.get("/v1/customers", headers=headers)).status_code == 200
    async with ctx.db.read() as conn:
        touched = await conn.fetch_value(sa.select(tokens_table.c.last_used_at))
    assert touched > before + timedelta(minutes=45)  # written back: the token slides
    for _ in range(5):
        await client.get("/v1/customers", headers=headers)
    async with ctx.db.read() as conn:
        assert await conn.fetch_value(sa.select(tokens_table.c.last_used_at)) == touched


async def test_revoked_token_is_refused(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    await make_user(username="a@example.com")
    token = (await _login(client, "a@example.com")).json()["message"]["login_successful"][
        "API_token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/customers", headers=headers)).status_code == 200
    async with ctx.db.write() as conn:
        await tokens.revoke(conn, token)
    await asyncio.sleep(ctx.settings.token_cache_seconds + 0.1)
    assert (await client.get("/v1/customers", headers=headers)).status_code == 401


async def test_disabled_user_is_refused(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    headers = await make_user(username="a@example.com")
    async with ctx.db.write() as conn:
        await users.set_disabled(conn, "a@example.com")
    await asyncio.sleep(ctx.settings.token_cache_seconds + 0.1)
    assert (await client.get("/v1/customers", headers=headers)).status_code == 401
    assert (await _login(client, "a@example.com")).status_code == 401


async def test_api_keys_with_a_lifetime(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    await make_user(username="a@example.com")
    async with ctx.db.write() as conn:
        forever = await tokens.issue_api_key(conn, "a@example.com", None)
        brief = await tokens.issue_api_key(conn, "a@example.com", 1)
    assert forever.expires_at is None
    await asyncio.sleep(1.2)
    assert (
        await client.get("/v1/customers", headers={"Authorization": f"Bearer {forever.token}"})
    ).status_code == 200
    assert (
        await client.get("/v1/customers", headers={"Authorization": f"Bearer {brief.token}"})
    ).status_code == 401


async def test_users_need_a_real_entity_and_password(ctx: Context) -> None:
    import pytest

    from customer_registry.core.errors import Invalid, NotUnique

    async with ctx.db.write() as conn:
        await users.create(
            conn,
            COMMAND_LINE,
            username="x@example.com",
            password=PASSWORD,
            level=Level.OVERVIEW,
            visibility=Visibility.GLOBAL,
            entity_id=1,
        )
    valid: NewUser = {
        "username": "y@example.com",
        "password": PASSWORD,
        "level": Level.OVERVIEW,
        "visibility": Visibility.GLOBAL,
        "entity_id": 1,
    }
    wrong: tuple[tuple[NewUser, type[Exception]], ...] = (
        ({**valid, "entity_id": 42}, Invalid),
        ({**valid, "password": "short"}, Invalid),
        ({**valid, "username": "x@example.com"}, NotUnique),
    )
    for args, error in wrong:
        with pytest.raises(error):
            async with ctx.db.write() as conn:
                await users.create(conn, COMMAND_LINE, **args)


async def test_repeated_failures_lock_the_client_address(ctx: Context, make_user: MakeUser) -> None:
    """One address guessing across many usernames is locked too, whatever the username; other
    addresses are not, and a valid login does not reset the address's count."""
    await make_user(username="victim@example.com")
    settings = ctx.settings.model_copy(update={"login_max_failures_per_address": 3})
    attacker, other = "203.0.113.7", "198.51.100.1"
    await login(ctx.db, settings, "victim@example.com", PASSWORD, attacker)  # valid: no reset
    for n in range(3):
        with pytest.raises(Unauthenticated):
            await login(ctx.db, settings, f"guess{n}@example.com", "wrong", attacker)
    with pytest.raises(Throttled) as locked:
        await login(ctx.db, settings, "victim@example.com", PASSWORD, attacker)
    assert locked.value.retry_after > 0
    session = await login(ctx.db, settings, "victim@example.com", PASSWORD, other)
    assert session.user.username == "victim@example.com"
