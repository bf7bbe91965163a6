"""Request ids: the one a client (or a proxy in front) sends in `X-Request-ID`, else one made
here; returned on every answer and written in every log line of its request."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable
from contextvars import ContextVar

HEADER = b"x-request-id"

# The request's id, for the log lines written while it is answered (logs.RequestIdFilter
# decodes it: most requests log nothing). Each request runs in a task of its own, with its
# own copy of the context.
REQUEST_ID: ContextVar[bytes | None] = ContextVar("request_id", default=None)

# Visible ASCII only, and short: the id is copied into log lines and answers as it came,
# so a space, a newline or a control character could forge a log line or a header.
_ACCEPTED = re.compile(rb"[!-~]{1,128}")


def given_id(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The request's own `X-Request-ID`, if it has an acceptable one (else a new one is made)."""
    for name, value in headers:
        if name == HEADER:
            return value if _ACCEPTED.fullmatch(value) else None
    return None


class RequestIds:
    """New ids: a random prefix per process and a counter. Unique across workers and
    instances (64 random bits each), and cheaper than a UUID on every request (measured:
    0.4 µs against 1.2 µs for os.urandom(16).hex() and 6 µs for uuid4().hex)."""

    def __init__(self) -> None:
        self._prefix = os.urandom(8).hex().encode()
        self._numbers = itertools.count(1)

    def new(self) -> bytes:
        return b"%s-%x" % (self._prefix, next(self._numbers))
