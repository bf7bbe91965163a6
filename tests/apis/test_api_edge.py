"""The one middleware of each API's app (apis/http.ApiEdge): an exception is answered by the
API's handler for its nearest class; one only the `Exception` handler knows is a 500, then
raised again for the server to log; nothing is answered twice."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from customer_registry.apis.http import (
    ApiEdge,
    BodyLimit,
    ErrorHandler,
    HttpError,
    PayloadTooLarge,
    json_response,
)
from customer_registry.auth.tokens import TokenAuthenticator


def _answer(status: int | None = None) -> ErrorHandler:
    def handler(request: Request, exc: Exception) -> Response:
        default = exc.status if isinstance(exc, HttpError) else 500
        return json_response({"error": str(exc)}, status or default)

    return handler


HANDLERS: dict[type[Exception], ErrorHandler] = {HttpError: _answer(), Exception: _answer(500)}
LIMIT = BodyLimit(max_bytes=1024, timeout=5, deadline=5)


class _Client:
    """The other end of one request: a 10-byte body, and what the edge sends back."""

    def __init__(self, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.scope = {"type": "http", "method": "POST", "path": "/", "headers": headers or []}
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        return {"type": "http.request", "body": b"x" * 10, "more_body": False}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    async def call(
        self, app: Any, handlers: dict[type[Exception], ErrorHandler] = HANDLERS
    ) -> None:
        await ApiEdge(app, handlers, LIMIT, "partner")(self.scope, self.receive, self.send)

    def answer(self) -> tuple[int, Any]:
        return self.sent[0]["status"], orjson.loads(self.sent[1]["body"])


async def test_an_expected_error_is_answered_by_the_handler_of_its_nearest_class() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise PayloadTooLarge("too big")  # an HttpError: its handler, not Exception's

    client = _Client()
    await client.call(app)
    assert client.answer() == (413, {"error": "too big"})


async def test_an_unexpected_error_is_a_500_then_raised_for_the_log() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    client = _Client()
    with pytest.raises(RuntimeError, match="boom"):
        await client.call(app)
    assert client.answer() == (500, {"error": "boom"})


async def test_an_error_after_the_answer_started_is_raised_and_nothing_more_is_sent() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise HttpError("too late")

    client = _Client()
    with pytest.raises(HttpError):
        await client.call(app)
    assert [m["type"] for m in client.sent] == ["http.response.start"]


async def test_an_error_no_handler_knows_is_raised_unanswered() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise KeyError("x")

    client = _Client()
    with pytest.raises(KeyError):
        await client.call(app, {HttpError: _answer()})
    assert client.sent == []


async def test_the_app_reads_the_body_within_the_limit() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    client = _Client(headers=[(b"content-length", b"4096")])  # declared too long
    await client.call(app)
    assert client.answer() == (413, {"error": "The request body exceeds 1024 bytes."})


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v1/customers/1", "Internal server error"),
        ("/api/v1.0/customers/1", "Oops! Something went wrong..."),
        ("/api/v1/customers/1", "Server Error"),
    ],
)
async def test_each_api_answers_a_server_error_in_its_own_format(
    app: Any, monkeypatch: pytest.MonkeyPatch, path: str, message: str
) -> None:
    async def broken(self: TokenAuthenticator, token: str) -> None:
        raise RuntimeError("the token cache broke")

    monkeypatch.setattr(TokenAuthenticator, "authenticate", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        r = await client.get(path, headers={"Authorization": "Token token=x"})
    assert r.status_code == 500
    assert message in r.text
    assert "the token cache broke" not in r.text  # no internals in the answer
