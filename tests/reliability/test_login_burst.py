"""Login bursts against a real server with two workers: the throttling's state lives in the
database, so the limits hold however the attempts are spread over the worker processes.

1. 100 wrong passwords for one user, sent at once through both logins (partner and billing,
   alternately): at most 5 answered 401 (each 401 is a password actually checked), every
   other one 429; then the right password is 429 too.
2. 100 wrong passwords for 100 other usernames, at once, from the same address: with the
   first burst, at most 50 of the address's attempts are checked; the rest are 429.

The figures are printed (`pytest -s`) and kept as `record_property`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    PARTNER,
    RegistryServer,
    running,
)

pytestmark = pytest.mark.server

BURST = 100
WORKERS = 2
USERNAME_LIMIT = 5  # the default settings the server runs with
ADDRESS_LIMIT = 50

RecordProperty = Callable[[str, object], None]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[RegistryServer]:
    with running(
        RegistryServer(database_url=database_url, workdir=tmp_path, workers=WORKERS)
    ) as started:
        yield started


def _attempt(n: int, username: str, password: str) -> tuple[str, dict[str, str]]:
    """The n-th attempt's route and form: even ones through the partner login, odd ones
    through the billing login."""
    if n % 2 == 0:
        return PARTNER + "/auth/login", {"username": username, "password": password}
    return "/api/login", {"email": username, "password": password}


async def _burst(url: str, attempts: list[tuple[str, str]]) -> Counter[int]:
    """Every (username, password) posted at once, each on a connection of its own."""
    limits = httpx.Limits(max_connections=len(attempts))
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        answers = await asyncio.gather(
            *(
                client.post(path, data=form)
                for path, form in (_attempt(n, *a) for n, a in enumerate(attempts))
            )
        )
    for r in answers:
        assert r.status_code in (401, 429), r.text
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) > 0
    return Counter(r.status_code for r in answers)


def test_a_login_burst_is_checked_at_most_the_limits(
    server: RegistryServer, record_property: RecordProperty
) -> None:
    one_user = asyncio.run(
        _burst(server.url, [(ADMIN_USERNAME, f"guess {n}") for n in range(BURST)])
    )
    for n in range(2):  # through both logins
        path, form = _attempt(n, ADMIN_USERNAME, ADMIN_PASSWORD)
        right = httpx.post(server.url + path, data=form, timeout=60)
        assert right.status_code == 429, right.text
    many_users = asyncio.run(
        _burst(server.url, [(f"guess{n}@example.com", "wrong") for n in range(BURST)])
    )

    figures = (
        f"{BURST} concurrent wrong guesses for one user, {WORKERS} workers: "
        f"{one_user[429]} answered 429, {one_user[401]} checked; then {BURST} over {BURST} usernames "
        f"from the same address: {many_users[429]} answered 429, {many_users[401]} checked"
    )
    print(f"\n{figures}")
    record_property("login_burst", figures)
    assert 1 <= one_user[401] <= USERNAME_LIMIT, figures
    assert one_user[429] == BURST - one_user[401], figures
    assert one_user[401] + many_users[401] <= ADDRESS_LIMIT, figures
    assert many_users[429] == BURST - many_users[401], figures
