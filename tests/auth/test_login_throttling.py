"""Login throttling under concurrency: an attempt is counted before its password is checked.

A burst of guesses sent at once must not all reach the password check before any of them is
counted: at most the limit (5 per username, 50 per client address) are checked, every other
one is answered 429 in its API's format, and the right password is refused too until the
window ends. A successful login gives its attempt back, so logging in often is no failure.

The password check is counted by wrapping `verify_password` where the login calls it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from customer_registry.apis.context import Context
from customer_registry.auth import login as login_module
from customer_registry.auth.login import login
from customer_registry.auth.passwords import verify_password
from customer_registry.core.errors import Throttled, Unauthenticated
from tests.conftest import PASSWORD, MakeUser

BURST = 100
USERNAME = "victim@example.com"

Verify = Callable[[str | None, str], Awaitable[bool]]


class CountedChecks:
    """Wraps the login's password check and counts the calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, check: Verify | None = None) -> None:
        self.calls = 0
        self._check = check or verify_password
        monkeypatch.setattr(login_module, "verify_password", self._counted)

    async def _counted(self, password_hash: str | None, password: str) -> bool:
        self.calls += 1
        return await self._check(password_hash, password)


async def _never_matches(password_hash: str | None, password: str) -> bool:
    """A stand-in for argon2 when only the count matters: slow enough to let a burst overlap."""
    await asyncio.sleep(0.02)
    return False


# The two login routes: path, the username's field, and the 429 body each API answers.
ROUTES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "partner": (
        "/v1/auth/login",
        "username",
        {"message": "Too many failed login attempts; try again later."},
    ),
    "billing": ("/api/login", "email", {"message": "Too Many Attempts."}),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
async def test_a_burst_of_wrong_guesses_reaches_the_password_check_at_most_five_times(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    ctx: Context,
    monkeypatch: pytest.MonkeyPatch,
    route: str,
) -> None:
    path, field, throttled = ROUTES[route]
    await make_user(username=USERNAME)
    checks = CountedChecks(monkeypatch)  # the real argon2 check, counted

    answers = await asyncio.gather(
        *(client.post(path, data={field: USERNAME, "password": f"guess {n}"}) for n in range(BURST))
    )

    statuses = Counter(r.status_code for r in answers)
    figures = f"{BURST} concurrent wrong guesses: {dict(statuses)}, {checks.calls} checked"
    print(f"\n{route}: {figures}")
    limit = ctx.settings.login_max_failures
    assert checks.calls <= limit, figures
    assert statuses == {401: checks.calls, 429: BURST - checks.calls}, figures
    for r in answers:
        if r.status_code == 429:
            assert r.json() == throttled
            assert 0 < int(r.headers["retry-after"]) <= ctx.settings.login_lockout_seconds
    right = await client.post(path, data={field: USERNAME, "password": PASSWORD})
    assert right.status_code == 429, right.text
    assert checks.calls <= limit  # the right password was not even checked


async def test_a_burst_across_usernames_from_one_address_is_checked_at_most_50_times(
    ctx: Context, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(username=USERNAME)
    checks = CountedChecks(monkeypatch, _never_matches)
    attacker, other = "203.0.113.7", "198.51.100.1"

    async def guess(n: int) -> str:
        try:
            await login(ctx.db, ctx.settings, f"guess{n}@example.com", "wrong", attacker)
        except Unauthenticated:
            return "401"
        except Throttled:
            return "429"
        return "200"

    outcomes = Counter(await asyncio.gather(*(guess(n) for n in range(BURST))))

    limit = ctx.settings.login_max_failures_per_address
    figures = f"{BURST} concurrent guesses over {BURST} usernames: {dict(outcomes)}"
    assert checks.calls <= limit, figures
    assert outcomes == {"401": checks.calls, "429": BURST - checks.calls}, figures
    monkeypatch.undo()  # the real check again, for the right password
    with pytest.raises(Throttled):
        await login(ctx.db, ctx.settings, USERNAME, PASSWORD, attacker)
    session = await login(ctx.db, ctx.settings, USERNAME, PASSWORD, other)
    assert session.user.username == USERNAME


async def test_successful_logins_are_not_counted_as_failures(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    """Each success gives its attempt back: many logins in a row never lock a username."""
    await make_user(username=USERNAME)
    for _ in range(ctx.settings.login_max_failures + 3):
        r = await client.post("/v1/auth/login", data={"username": USERNAME, "password": PASSWORD})
        assert r.status_code == 200, r.text


async def test_a_success_does_not_give_a_burst_more_guesses(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    """Failures stay counted for their whole window, whatever succeeds in between: the real
    user logging in while someone guesses gives the guesser no new attempts."""
    await make_user(username=USERNAME)
    login_path = "/v1/auth/login"
    limit = ctx.settings.login_max_failures
    for n in range(limit - 1):
        r = await client.post(login_path, data={"username": USERNAME, "password": f"guess {n}"})
        assert r.status_code == 401
    assert (
        await client.post(login_path, data={"username": USERNAME, "password": PASSWORD})
    ).status_code == 200
    last = await client.post(login_path, data={"username": USERNAME, "password": "last guess"})
    assert last.status_code == 401
    after = await client.post(login_path, data={"username": USERNAME, "password": "one more"})
    assert after.status_code == 429
