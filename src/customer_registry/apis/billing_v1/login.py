"""`POST /api/login` and `GET /api/version`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from customer_registry import __version__
from customer_registry.apis.billing_v1.params import convert
from customer_registry.apis.context import context
from customer_registry.apis.http import absolute_url, client_address, json_response
from customer_registry.apis.params import body_parameters, text
from customer_registry.auth.login import login
from customer_registry.core.errors import Unauthenticated

_REFUSED = "These credentials do not match our records."


async def login_endpoint(request: Request) -> Response:
    fields = {"email": ("email", text), "password": ("password", text)}
    # From the body only, unlike every other billing route: a URL is logged and kept.
    credentials = convert(await body_parameters(request), fields, required=("email", "password"))
    email, password = credentials["email"], credentials["password"]
    ctx = context(request)
    try:
        session = await login(ctx.db, ctx.settings, email, password, client_address(request))
    except Unauthenticated:
        return json_response({"message": _REFUSED}, 401)
    user = session.user
    return json_response(
        {
            "token": session.token.token,
            "user": {
                "id": user.user_id,
                "name": user.display_name or user.username,
                "email": user.username,
            },
        }
    )


async def version(request: Request) -> Response:
    return json_response(
        {
            "version": __version__,
            "status": "ok",
            "vendor": "Customer Registry",
            "url": absolute_url(request, request.scope.get("app_root_path", "")),
        }
    )
