"""Signing in and out of the console, with the APIs' users, passwords and login throttling."""

from __future__ import annotations

from contextlib import suppress
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.context import context
from customer_registry.apis.http import client_address
from customer_registry.auth import tokens
from customer_registry.auth.login import login
from customer_registry.console.access import BadForm, console_page
from customer_registry.console.pages import page, redirect, root
from customer_registry.console.session import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    SignInNeeded,
    clear_cookie,
    new_sign_in_nonce,
    set_cookie,
    sign_in_ok,
    signed_in,
)
from customer_registry.core.errors import NotFound, Throttled, Unauthenticated
from customer_registry.core.permissions import Caller


def to_sign_in(request: Request, wanted: str = "") -> Response:
    query = f"?{urlencode({'next': wanted})}" if wanted else ""
    return redirect(request, f"/sign-in{query}")


def _next_page(request: Request, wanted: object) -> str:
    """Where to go once signed in: a page of this console only (never another site's)."""
    console = root(request)
    if isinstance(wanted, str) and wanted.startswith(f"{console}/") and "//" not in wanted:
        return wanted.removeprefix(console)
    return "/customers"


def _form(
    request: Request, *, status: int = 200, problem: str | None = None, username: str = ""
) -> Response:
    nonce = new_sign_in_nonce()
    answer = page(
        request,
        "sign_in.html",
        None,
        status=status,
        nonce=nonce,
        wanted=request.query_params.get("next", ""),
        problem=problem,
        username=username,
    )
    set_cookie(request, answer, SIGN_IN_COOKIE, nonce)
    return answer


async def sign_in_page(request: Request) -> Response:
    try:
        await signed_in(request)
    except SignInNeeded:
        return _form(request)
    return redirect(request, _next_page(request, request.query_params.get("next")))


async def sign_in(request: Request) -> Response:
    form = await request.form()
    if not sign_in_ok(request, form.get("nonce")):
        raise BadForm
    username, password = form.get("username"), form.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise BadForm
    ctx = context(request)
    try:
        session = await login(ctx.db, ctx.settings, username, password, client_address(request))
    except Unauthenticated as refused:
        return _form(request, status=401, problem=str(refused), username=username)
    except Throttled as refused:
        answer = _form(request, status=429, problem=str(refused), username=username)
        answer.headers["Retry-After"] = str(refused.retry_after)
        return answer
    answer = redirect(request, _next_page(request, form.get("next")))
    set_cookie(request, answer, SESSION_COOKIE, session.token.token)
    clear_cookie(request, answer, SIGN_IN_COOKIE)
    return answer


@console_page()
async def sign_out(request: Request, caller: Caller) -> Response:
    token = request.cookies[SESSION_COOKIE]
    ctx = context(request)
    async with ctx.db.write() as conn:
        with suppress(NotFound):  # revoked meanwhile (a second tab)
            await tokens.revoke(conn, token)
    ctx.authenticator.forget(token)
    answer = to_sign_in(request)
    clear_cookie(request, answer, SESSION_COOKIE)
    return answer
