"""Slow clients cannot hold a request or a connection: a real server on loopback, raw sockets.

The server runs with its deadlines lowered so the tests stay short: a body must be complete
within CUSTOMER_REGISTRY_BODY_DEADLINE_SECONDS = 5 of its headers, and a request's line and
headers within CUSTOMER_REGISTRY_HEADER_TIMEOUT_SECONDS = 2 of its first byte (of the
connection, for the first request).

- A body sent one byte every 2 s (each byte well within the 30 s between parts) is answered
  408 at the deadline, in the API's own format, and the connection closes (partner JSON,
  sales and billing forms, at once).
- A body still arriving after the application answered without reading it (a 405) stops
  holding the connection at the deadline.
- Headers sent one byte every 0.5 s get a plain 408 and the connection closes at the header
  timeout; so does a second request's on a kept-alive connection; a connection that sends
  nothing is closed then, without an answer.

Before the deadlines, each of these held its connection for as long as the client went on.

Under each HTTP server (`serve --server`). granian differs twice, as its own HTTP layer
does: late headers close the connection without the 408, and a body the application did not
read closes the connection as soon as the answer is out, instead of at the deadline.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SERVERS
from tests.reliability.conftest import BILLING, PARTNER, SALES, RegistryServer, login, running

pytestmark = pytest.mark.server

BODY_DEADLINE = 5.0
HEADER_TIMEOUT = 2.0
BODY_BYTE_EVERY = 2.0
HEADER_BYTE_EVERY = 0.5
SLACK = 2.5  # scheduling on a busy machine: the server's timer, then our select
GIVE_UP = BODY_DEADLINE + 5  # how long a client goes on before the test calls it held
TIMED_OUT = "The request body took too long to arrive."


class SlowClientServer(RegistryServer):
    def env(self) -> dict[str, str]:
        return super().env() | {
            "CUSTOMER_REGISTRY_BODY_DEADLINE_SECONDS": str(BODY_DEADLINE),
            "CUSTOMER_REGISTRY_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
        }


@pytest.fixture(params=SERVERS)
def slow_server(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[RegistryServer]:
    """Under each HTTP server (`serve --server`)."""
    started = SlowClientServer(
        database_url=database_url, workdir=tmp_path, http_server=request.param
    )
    with running(started):
        yield started


@dataclass
class Exchange:
    """What a slow client saw, in seconds from its connection."""

    answered: float | None  # the first byte of an answer
    closed: float | None  # the server closed the connection
    received: bytes

    def responses(self) -> list[tuple[int, dict[str, str], bytes]]:
        """Each (status, headers, body) answered, in order."""
        found = []
        rest = self.received
        while rest:
            head, _, rest = rest.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in lines[1:])
            }
            length = int(headers.get("content-length", "0"))
            found.append((int(lines[0].split(" ")[1]), headers, rest[:length]))
            rest = rest[length:]
        return found


def _slowly(port: int, head: bytes, drip: bytes, every: float) -> Exchange:
    """Send `head` at once, then `drip` one byte every `every` seconds, reading whatever
    comes back, until the server closes the connection or GIVE_UP seconds pass."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=GIVE_UP)
    start = time.monotonic()
    answered = closed = None
    received = b""
    pending = iter(drip)
    next_byte = start + every
    try:
        sock.sendall(head)
        while (now := time.monotonic()) - start < GIVE_UP:
            readable, _, _ = select.select([sock], [], [], max(0.0, next_byte - now))
            if readable:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    closed = time.monotonic() - start
                    break
                answered = time.monotonic() - start if answered is None else answered
                received += chunk
                continue
            byte = next(pending, None)
            if byte is not None:
                try:
                    sock.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    closed = time.monotonic() - start
                    break
            next_byte += every
    finally:
        sock.close()
    return Exchange(answered, closed, received)


def _head(method: str, path: str, headers: dict[str, str], length: int | None = None) -> bytes:
    """A request's line and headers (declaring a body of `length` bytes, if given)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _slow_body(
    port: int, path: str, headers: dict[str, str], body: bytes
) -> Callable[[], Exchange]:
    """The headers at once (declaring the whole body), then the body a byte at a time."""
    head = _head("POST", path, headers, len(body))
    return lambda: _slowly(port, head, body, BODY_BYTE_EVERY)


def _at_once(*runs: Callable[[], Exchange]) -> list[Exchange]:
    with ThreadPoolExecutor(len(runs)) as pool:
        return list(pool.map(lambda run: run(), runs))


def _json(body: bytes) -> Any:
    return json.loads(body)


def test_a_body_sent_a_byte_at_a_time_is_cut_off_at_the_deadline(
    slow_server: RegistryServer,
) -> None:
    tokens = login(slow_server.url)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    port = slow_server.port
    partner, sales, billing, unread = _at_once(
        _slow_body(
            port,
            f"{PARTNER}/customers/create_customer",
            tokens.partner,
            json.dumps({"name": "Slow", "external_customer_id": "SLOW-1"}).encode(),
        ),
        _slow_body(port, f"{SALES}/customers", tokens.bearer | form, b"reference=SLOW&name=Slow"),
        _slow_body(port, f"{BILLING}/customers", tokens.bearer | form, b"name=Slow+customer"),
        # Answered at once (GET only: 405) without reading the body, which goes on.
        _slow_body(port, "/api/version", form, b"x" * 100),
    )
    expected = {
        "partner": (partner, {"message": TIMED_OUT}),
        "sales": (sales, {"error": "request_timeout", "error_description": TIMED_OUT}),
        "billing": (billing, {"message": TIMED_OUT}),
    }
    for api, (seen, body) in expected.items():
        assert seen.answered is not None, (api, seen)
        assert BODY_DEADLINE - 0.5 < seen.answered < BODY_DEADLINE + SLACK, (api, seen)
        [(status, headers, answer)] = seen.responses()
        assert (status, _json(answer)) == (408, body), (api, seen)
        assert headers["connection"] == "close", (api, seen)
        assert seen.closed is not None, (api, seen)
        assert seen.closed < seen.answered + SLACK, (api, seen)

    assert unread.answered is not None, unread
    assert unread.answered < SLACK, unread
    assert [status for status, _, _ in unread.responses()] == [405], unread
    assert unread.closed is not None, unread
    # uvicorn waits for the body until the deadline; granian closes once it has answered.
    earliest = BODY_DEADLINE - 0.5 if slow_server.http_server == "uvicorn" else 0
    assert earliest < unread.closed < BODY_DEADLINE + SLACK, unread


def test_headers_sent_a_byte_at_a_time_are_cut_off_at_the_header_timeout(
    slow_server: RegistryServer,
) -> None:
    port = slow_server.port
    version = _head("GET", "/api/version", {})
    first, idle, second = _at_once(
        lambda: _slowly(port, b"", version, HEADER_BYTE_EVERY),
        lambda: _slowly(port, b"", b"", HEADER_BYTE_EVERY),
        # One request at once, then the next one on the same connection, slowly.
        lambda: _slowly(port, version, version, HEADER_BYTE_EVERY),
    )
    assert len(version) * HEADER_BYTE_EVERY > GIVE_UP  # they would not finish in time

    # uvicorn answers late headers with a plain 408; granian closes without an answer.
    late = [408] if slow_server.http_server == "uvicorn" else []
    assert first.closed is not None, first
    assert HEADER_TIMEOUT - 0.2 < first.closed < HEADER_TIMEOUT + SLACK, first
    assert [status for status, _, _ in first.responses()] == late, first
    if late:
        [(_, headers, _)] = first.responses()
        assert headers["connection"] == "close", first

    assert idle.closed is not None, idle
    assert HEADER_TIMEOUT - 0.2 < idle.closed < HEADER_TIMEOUT + SLACK, idle
    assert idle.received == b"", idle

    # The header timeout counts from the second request's first byte, sent at 0.5 s.
    assert second.closed is not None, second
    assert second.closed < HEADER_BYTE_EVERY + HEADER_TIMEOUT + SLACK, second
    assert [status for status, _, _ in second.responses()] == [200, *late], second
