"""A customer as each API shows it: the console asks the API itself, in process, with the
signed-in user's own token, so the tab is that API's answer byte for byte (and its
permissions and entity scope are the API's own)."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message

from customer_registry.apis.http import FORWARDED_HOST

# Each API's record of one customer, by id.
RECORD_PATHS = {
    "partner": "/v1/customers/{id}",
    "sales": "/api/v1.0/customers/{id}",
    "billing": "/api/v1/customers/{id}",
}


@dataclass(frozen=True, slots=True)
class ApiView:
    api: str
    path: str
    status: int
    body: bytes

    @property
    def shown(self) -> str:
        """The body indented for reading (the same JSON: keys and values in its order)."""
        try:
            return orjson.dumps(orjson.loads(self.body), option=orjson.OPT_INDENT_2).decode()
        except orjson.JSONDecodeError:
            return self.body.decode("utf-8", "replace")


async def ask(request: Request, service: ASGIApp, token: str, path: str) -> tuple[int, bytes]:
    """GET `path` from the service as the console's user, as if sent where the console's
    request came from (same scheme, server and forwarded host: the same absolute URLs)."""
    outer = request.scope
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": outer.get("scheme", "http"),
        "server": outer.get("server"),
        "client": outer.get("client"),
        "root_path": outer.get("app_root_path", ""),
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "state": {},
    }
    if FORWARDED_HOST in outer:
        scope[FORWARDED_HOST] = outer[FORWARDED_HOST]
    status = 500
    body: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await service(scope, receive, send)
    return status, b"".join(body)


async def customer_views(
    request: Request, service: ASGIApp, token: str, customer_id: int
) -> list[ApiView]:
    views = []
    for api, template in RECORD_PATHS.items():
        path = template.format(id=customer_id)
        status, body = await ask(request, service, token, path)
        views.append(ApiView(api, path, status, body))
    return views
