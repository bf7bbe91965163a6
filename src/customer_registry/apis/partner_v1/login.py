"""`POST /v1/auth/login` (`_auth_login.md`): form fields in, a token and the user out."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.context import context
from customer_registry.apis.http import HttpError, client_address, is_json, json_body, json_response
from customer_registry.auth.login import login


async def _credentials(request: Request) -> tuple[str, str]:
    # The document sends form fields; a JSON object is accepted too.
    if is_json(request):
        body = await json_body(request)
        fields = body if isinstance(body, dict) else {}
    else:
        fields = dict(await request.form())
    username, password = fields.get("username"), fields.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise HttpError("Both username and password are required.")
    return username, password


async def login_endpoint(request: Request) -> Response:
    username, password = await _credentials(request)
    ctx = context(request)
    session = await login(ctx.db, ctx.settings, username, password, client_address(request))
    user, token = session.user, session.token
    assert token.expires_at is not None  # login tokens always slide
    return json_response(
        {
            "status": "success",
            "message": {
                "login_successful": {
                    "username": user.username,
                    "entity_id": user.entity_id,
                    "display_name": user.display_name or user.username,
                    "name": "",
                    "user_product_visibility": user.visibility.value,
                    "hub_id": None,
                    "shop_id": None,
                    "API_token": token.token,
                    # RFC 1123, as the document shows: "Mon, 01 Aug 2016 17:05:11 GMT".
                    "token_expiry": format_datetime(
                        token.expires_at.replace(tzinfo=UTC), usegmt=True
                    ),
                    "permissions": user.level.name,
                }
            },
        }
    )
