"""The HTTP/1.1 protocol `serve` runs (uvicorn's `http` option): uvicorn's own, on httptools,
with deadlines on what a client sends. uvicorn has a keep-alive timeout between requests but
none while it waits for a request's headers or body (`h11_max_incomplete_event_size` bounds
the headers' size, not their time, and only with h11): a client sending a byte now and then
holds a connection, and its request, for as long as it likes.

- Headers: a request's line and headers must be complete within
  CUSTOMER_REGISTRY_HEADER_TIMEOUT_SECONDS of its first byte (of the connection, for the
  first request). Past that, the connection closes, after a plain 408 if part of a request
  had arrived (there is no path yet to choose an API's format by).
- Body: it must be complete within CUSTOMER_REGISTRY_BODY_DEADLINE_SECONDS of the headers.
  An API reading it past that answers 408 in its own format (apis/http.BodyLimit); here the
  connection closes once the answer is out, even if the application answered without
  reading the body, instead of taking in the rest byte by byte.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from customer_registry.settings import Settings

_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 16\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"Request Timeout\n"
)


@functools.cache
def _deadlines() -> tuple[float, float]:
    """(header timeout, body deadline), read once per worker process: uvicorn builds one
    protocol per connection, and its workers get the class, not an instance."""
    settings = Settings()
    return settings.header_timeout_seconds, settings.body_deadline_seconds


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header timeout and a body deadline. Each is
    checked after every read, and a timer armed only while something is awaited: a request
    that arrives in one read, as nearly all do, costs a few comparisons (measured in
    process, uvicorn's protocol alone with a trivial app: 1.3 us more CPU per request, of
    18-19)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout, self.body_deadline = _deadlines()
        self.header_timer: asyncio.TimerHandle | None = None
        self.body_timer: asyncio.TimerHandle | None = None
        self.body_cycle: RequestResponseCycle | None = None  # whose body body_timer awaits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._check()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self.header_timer, self.body_timer):
            if timer is not None:
                timer.cancel()
        self.header_timer = self.body_timer = self.body_cycle = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._check()

    def _awaiting_headers(self) -> bool:
        """Before the first request's headers, or once a later request has begun (the
        parser gives each request a new scope; its cycle comes with its headers)."""
        return self.cycle is None or self.cycle.scope is not self.scope

    def _check(self) -> None:
        """After each read: a timer for what is still awaited, none for what has come."""
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.scope is not self.scope:  # _awaiting_headers, inlined
            if self.header_timer is None:
                self.header_timer = self.loop.call_later(self.header_timeout, self._headers_late)
            return
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None
        if cycle.more_body:
            if self.body_cycle is not cycle:
                if self.body_timer is not None:
                    self.body_timer.cancel()
                self.body_timer = self.loop.call_later(self.body_deadline, self._body_late)
                self.body_cycle = cycle
        elif self.body_timer is not None:
            self.body_timer.cancel()
            self.body_timer = self.body_cycle = None

    def _headers_late(self) -> None:
        self.header_timer = None
        if not self._awaiting_headers() or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False  # a pipelined request: close after this answer
            return
        if self.scope is not None:  # part of a request came (else the connection was idle,
            self.transport.write(_TIMED_OUT)  # and closes without an answer, as keep-alive)
        self.transport.close()

    def _body_late(self) -> None:
        cycle = self.body_cycle
        self.body_timer = self.body_cycle = None
        if cycle is None or not cycle.more_body or self.transport.is_closing():
            return
        if cycle.response_complete:  # answered without the body: the rest is not wanted
            self.transport.close()
        else:  # the application answers (408 if it reads on), then the connection closes
            cycle.keep_alive = False
