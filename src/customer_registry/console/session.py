"""Who is signed in to the console, and the proof that a form came from the console.

A console session is an ordinary sliding login token (`auth.login`), carried in an HttpOnly
cookie instead of a header: it expires after `token_idle_seconds` without a request, dies
with its user's disabling, and is checked by the same cached authenticator as the APIs'
tokens. A form's CSRF token is derived from the session token (an HMAC keyed by it), so a
page from another site, which cannot read the cookie, cannot make one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.context import context
from customer_registry.core.errors import Unauthenticated
from customer_registry.core.permissions import Caller

SESSION_COOKIE = "registry_console"
# Before sign-in there is no session to derive a CSRF token from: the sign-in form carries a
# random value that must equal this cookie's (a double-submit token).
SIGN_IN_COOKIE = "registry_console_sign_in"
CSRF_FIELD = "csrf"
PATH = "/console"


class SignInNeeded(Exception):
    """No valid session: the console answers with its sign-in page."""


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


async def signed_in(request: Request) -> Caller:
    """The session's user, or SignInNeeded."""
    token = session_token(request)
    if token is None:
        raise SignInNeeded
    try:
        caller = await context(request).authenticator.authenticate(token)
    except Unauthenticated:
        raise SignInNeeded from None
    request.scope["user"] = caller  # as the APIs do: the request's log line names it
    return caller


def csrf_token(request: Request) -> str:
    """The token every form of this session carries (empty without a session)."""
    token = session_token(request)
    if token is None:
        return ""
    return hmac.new(token.encode(), b"console-csrf", hashlib.sha256).hexdigest()


def csrf_ok(request: Request, sent: object) -> bool:
    expected = csrf_token(request)
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(expected, sent)


def new_sign_in_nonce() -> str:
    return secrets.token_urlsafe(32)


def sign_in_ok(request: Request, sent: object) -> bool:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(expected, sent)


def _secure(request: Request) -> bool:
    return request.scope.get("scheme") == "https"


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """A cookie of the console's: HttpOnly, SameSite=Lax, Secure over TLS, for its own
    path only, and ending with the browser's session (the token's own expiry decides)."""
    response.set_cookie(
        name,
        value,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path=PATH, httponly=True, samesite="lax", secure=_secure(request))
