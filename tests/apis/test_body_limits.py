"""The body limits every API shares (apis/http.BodyLimit): too long a body is 413, too slow a
body is 408, each raised where the handler reads the body so each API renders it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from starlette.types import Message, Receive, Scope, Send

from customer_registry.apis.http import BodyLimit, PayloadTooLarge, RequestTimeout


async def _read_body(scope: Scope, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if not message.get("more_body"):
            return


def _scope(length: int | None = None) -> Scope:
    headers = [] if length is None else [(b"content-length", str(length).encode())]
    return {"type": "http", "method": "POST", "path": "/", "headers": headers}


async def _never(message: Message) -> None:
    raise AssertionError("nothing is sent: the error is the handler's to render")


async def test_a_body_that_stops_arriving_times_out() -> None:
    async def slow() -> Message:
        await asyncio.sleep(10)
        return {"type": "http.request", "body": b"", "more_body": False}

    limit = BodyLimit(max_bytes=1024, timeout=0.1, deadline=5)
    with pytest.raises(RequestTimeout):
        await asyncio.wait_for(_read_body(_scope(), limit.receive(_scope(), slow), _never), 5)


async def test_a_body_that_keeps_arriving_slowly_times_out_at_the_deadline() -> None:
    """Each part comes well within the timeout between parts; the whole body does not come
    within the deadline."""

    async def trickle() -> Message:
        await asyncio.sleep(0.05)
        return {"type": "http.request", "body": b"x", "more_body": True}

    limit = BodyLimit(max_bytes=1024, timeout=5, deadline=0.3)
    started = asyncio.get_running_loop().time()
    with pytest.raises(RequestTimeout):
        await asyncio.wait_for(_read_body(_scope(), limit.receive(_scope(), trickle), _never), 5)
    assert asyncio.get_running_loop().time() - started < 1


async def test_after_the_body_receive_waits_without_a_limit() -> None:
    """Once the body is in, `receive` only waits for a disconnect: no deadline applies."""
    messages: Iterator[Message] = iter(
        [
            {"type": "http.request", "body": b"done", "more_body": False},
            {"type": "http.disconnect"},
        ]
    )

    async def then_disconnect() -> Message:
        message = next(messages)
        if message["type"] == "http.disconnect":
            await asyncio.sleep(0.3)
        return message

    limited = BodyLimit(max_bytes=1024, timeout=0.1, deadline=0.1).receive(
        _scope(), then_disconnect
    )
    assert (await limited())["body"] == b"done"
    assert (await limited())["type"] == "http.disconnect"


async def test_a_body_over_the_limit_is_refused_while_it_streams() -> None:
    chunks = iter([b"x" * 600, b"x" * 600])

    async def streamed() -> Message:
        return {"type": "http.request", "body": next(chunks), "more_body": True}

    limit = BodyLimit(max_bytes=1024, timeout=5, deadline=5)
    with pytest.raises(PayloadTooLarge):
        await _read_body(_scope(), limit.receive(_scope(), streamed), _never)


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    async def unread() -> Message:
        raise AssertionError("the body is not read")

    limit = BodyLimit(max_bytes=1024, timeout=5, deadline=5)
    with pytest.raises(PayloadTooLarge):
        await _read_body(_scope(), limit.receive(_scope(length=4096), unread), _never)
