"""A browser-like client of the console: it keeps cookies and signs in through the form."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from tests.conftest import PASSWORD, MakeUser

_HIDDEN = re.compile(r'name="(nonce|csrf)" value="([^"]*)"')

SignIn = Callable[..., Awaitable[str]]


def hidden(html: str, name: str) -> str:
    """The value of the form's hidden field `name` (nonce, csrf)."""
    for match in _HIDDEN.finditer(html):
        if match.group(1) == name:
            return match.group(2)
    raise AssertionError(f"no hidden {name} field in the page")


async def sign_in_with(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = await client.get("/console/sign-in")
    return await client.post(
        "/console/sign-in",
        data={"username": username, "password": password, "nonce": hidden(form.text, "nonce")},
    )


@pytest.fixture
def sign_in(client: httpx.AsyncClient, make_user: MakeUser) -> SignIn:
    """Makes a user and signs the client in as it; answers the username."""

    async def sign_in(
        level: Level = Level.SYSTEM,
        visibility: Visibility = Visibility.GLOBAL,
        entity_id: int = 1,
        username: str | None = None,
    ) -> str:
        name = username or f"console.{level.name.lower()}.{visibility.value.lower()}@example.com"
        await make_user(level, visibility, entity_id, username=name)
        answer = await sign_in_with(client, name, PASSWORD)
        assert answer.status_code == 303, answer.text
        return name

    return sign_in


async def csrf(client: httpx.AsyncClient, path: str = "/console/customers") -> str:
    """This session's CSRF token, read from a page as a browser has it."""
    return hidden((await client.get(path)).text, "csrf")
