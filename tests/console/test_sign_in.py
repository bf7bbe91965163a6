"""Signing in to the console: the APIs' users, passwords and throttling; a cookie that only
this console's pages get; sign-out and a disabled user end the session; every answer's
security headers."""

from __future__ import annotations

import asyncio

import httpx

from customer_registry.apis.context import Context
from customer_registry.core import users
from customer_registry.core.permissions import Level
from tests.conftest import PASSWORD, MakeUser
from tests.console.conftest import SignIn, csrf, hidden, sign_in_with


async def test_a_page_sends_a_stranger_to_sign_in_and_back(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    answer = await client.get("/console/customers?q=a%20b")
    assert answer.status_code == 303
    sign_in_page = "/console/sign-in?next=%2Fconsole%2Fcustomers%3Fq%3D"
    assert answer.headers["location"] == f"{sign_in_page}a%2Bb"
    # The search's script asks for a fragment: coming back, the whole page.
    fragment = await client.get("/console/customers?q=a&fragment=1")
    assert fragment.headers["location"] == f"{sign_in_page}a"
    await make_user(Level.OVERVIEW, username="back@example.com")
    form = await client.get(answer.headers["location"])
    signed = await client.post(
        "/console/sign-in",
        data={
            "username": "back@example.com",
            "password": PASSWORD,
            "nonce": hidden(form.text, "nonce"),
            "next": "/console/customers?q=a%20b",
        },
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/console/customers?q=a%20b"


async def test_the_session_cookie_is_the_consoles_only(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user(Level.OVERVIEW, username="cookie@example.com")
    answer = await sign_in_with(client, "cookie@example.com", PASSWORD)
    assert answer.status_code == 303
    cookie = next(
        value
        for name, value in answer.headers.multi_items()
        if name == "set-cookie" and value.startswith("registry_console=")
    )
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "samesite"} <= attributes
    assert "Path=/console" in cookie
    assert "SameSite=lax" in cookie
    assert "secure" not in attributes  # plain HTTP here; over TLS it is Secure (below)


async def test_the_cookie_is_secure_behind_tls(app: object, make_user: MakeUser) -> None:
    await make_user(Level.OVERVIEW, username="tls@example.com")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        answer = await sign_in_with(client, "tls@example.com", PASSWORD)
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


async def test_wrong_passwords_are_refused_then_throttled(
    client: httpx.AsyncClient, make_user: MakeUser, ctx: Context
) -> None:
    await make_user(Level.OVERVIEW, username="guessed@example.com")
    for _ in range(ctx.settings.login_max_failures):
        refused = await sign_in_with(client, "guessed@example.com", "wrong password")
        assert refused.status_code == 401
        assert "Invalid username or password." in refused.text
        assert 'value="guessed@example.com"' in refused.text
    throttled = await sign_in_with(client, "guessed@example.com", PASSWORD)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert "registry_console=" not in throttled.headers.get("set-cookie", "")


async def test_a_sign_in_form_needs_its_own_nonce(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user(Level.OVERVIEW, username="forged@example.com")
    await client.get("/console/sign-in")  # the cookie is set, but the form is another's
    for nonce in [None, "", "forged"]:
        data = {"username": "forged@example.com", "password": PASSWORD}
        if nonce is not None:
            data["nonce"] = nonce
        answer = await client.post("/console/sign-in", data=data)
        assert answer.status_code == 403


async def test_the_next_page_is_always_one_of_the_consoles(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user(Level.OVERVIEW, username="next@example.com")
    for wanted in ["https://evil.example/", "//evil.example/console/", "/v1/customers", ""]:
        form = await client.get("/console/sign-in")
        answer = await client.post(
            "/console/sign-in",
            data={
                "username": "next@example.com",
                "password": PASSWORD,
                "nonce": hidden(form.text, "nonce"),
                "next": wanted,
            },
        )
        assert answer.headers["location"] == "/console/customers", wanted
        client.cookies.clear()


async def test_signing_out_ends_the_session_everywhere(
    client: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await sign_in()
    token = client.cookies["registry_console"]
    api = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/customers", headers=api)).status_code == 200
    out = await client.post("/console/sign-out", data={"csrf": await csrf(client)})
    assert out.status_code == 303
    assert out.headers["location"] == "/console/sign-in"
    assert "registry_console" not in client.cookies
    assert (await client.get("/v1/customers", headers=api)).status_code == 401
    client.cookies.set("registry_console", token, path="/console")
    assert (await client.get("/console/customers")).status_code == 303


async def test_a_disabled_users_session_ends(
    client: httpx.AsyncClient, sign_in: SignIn, ctx: Context
) -> None:
    username = await sign_in()
    assert (await client.get("/console/customers")).status_code == 200
    async with ctx.db.write() as conn:
        await users.set_disabled(conn, username)
    await asyncio.sleep(ctx.settings.token_cache_seconds)
    assert (await client.get("/console/customers")).status_code == 303


async def test_every_answer_carries_the_security_headers(
    client: httpx.AsyncClient, sign_in: SignIn
) -> None:
    paths = ["/console/sign-in", "/console/customers", "/console/no-such-page"]
    anonymous = await client.get(paths[0])
    await sign_in()
    answers = [anonymous, *[await client.get(path) for path in paths[1:]]]
    answers.append(await client.get("/console/static/console.css"))
    for answer in answers:
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert answers[2].status_code == 404
    assert answers[1].headers["cache-control"] == "no-store"


async def test_no_page_holds_an_inline_script_or_style(
    client: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await sign_in()
    for path in ["/console/customers", "/console/customers/new"]:
        text = (await client.get(path)).text
        assert "<script>" not in text
        assert " style=" not in text
        assert " onclick=" not in text
