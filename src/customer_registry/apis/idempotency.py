"""`Idempotency-Key` on creates: a client that cannot tell whether its create arrived (a
timeout, a dropped connection) sends it again with the same key, and gets the first answer
again, with nothing done twice.

- A key is the client's: any text of 1 to 255 visible ASCII characters, one per request it
  means (a UUID, say). Keys are per user, kept in the database, so any instance answers.
- The key is taken, and the answer kept, in the create's own transaction: only an answer
  whose writes committed is kept. A request refused (a rule, a conflict) or failed keeps
  nothing, and may be sent again with the same key once corrected.
- The same key within 24 hours: the same request (method, path, query, media type, body)
  gets the first answer (status, headers, body) with `Idempotent-Replayed: true`; another
  request gets the API's 422 and nothing is done.
- Two requests with one key at once: the second waits until the first's transaction ends
  (the key's row is the first's until then), then gets its answer.
"""

from __future__ import annotations

import functools
import hashlib
import re

from python_multipart.multipart import parse_options_header
from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.context import context
from customer_registry.apis.http import Handler, header
from customer_registry.core import idempotency as rules
from customer_registry.core.errors import Invalid
from customer_registry.core.permissions import Caller

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"

# A key: 1 to KEY_MAX visible ASCII characters (also what the OpenAPI documents state).
KEY_CHARACTER = "[!-~]"
KEY_MAX = 255
_KEY = re.compile(f"{KEY_CHARACTER}{{1,{KEY_MAX}}}")
# Not kept: the replayed body's own length is set again.
_NOT_KEPT = frozenset({b"content-length"})


def idempotent(handler: Handler) -> Handler:
    """A create (or another write a client may need to retry) that takes `Idempotency-Key`.
    Without the header it runs as it is; with it, in a transaction that also holds the key
    and keeps the answer (every `db.write()` of the handler is part of it)."""

    @functools.wraps(handler)
    async def once(request: Request, caller: Caller) -> Response:
        key = _key(request)
        if key is None or caller.user_id is None:
            return await handler(request, caller)
        # Read before the transaction starts: a slow client must not hold the key's lock.
        sent = rules.Request(caller.user_id, key, _digest(request, await request.body()))
        async with context(request).db.enclosing_write() as conn:
            kept = await rules.take(conn, sent)
            if kept is not None:
                return _replayed(kept)
            response = await handler(request, caller)
            headers = [
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in response.raw_headers
                if name not in _NOT_KEPT
            ]
            await rules.keep(conn, sent, response.status_code, headers, bytes(response.body))
            return response

    once.idempotent = True  # type: ignore[attr-defined]  # read by the OpenAPI documents
    return once


def _key(request: Request) -> str | None:
    value = header(request, HEADER.lower().encode())
    if value is None:
        return None
    value = value.strip()
    if _KEY.fullmatch(value) is None:
        raise Invalid({HEADER: f"{{field}} must be 1 to {KEY_MAX} visible ASCII characters."})
    return value


def _digest(request: Request, body: bytes) -> str:
    """What tells one request from another: method, path, query, media type, body. A
    multipart body's boundary is left out (a client's library draws a new one for a retry)."""
    scope = request.scope
    media_type, options = parse_options_header(header(request, b"content-type") or "")
    boundary = options.get(b"boundary")
    if media_type == b"multipart/form-data" and boundary:
        body = body.replace(b"--" + boundary, b"--")
    digest = hashlib.sha256()
    for part in (
        scope["method"].encode(),
        scope["path"].encode(errors="surrogatepass"),  # the whole path, the API's prefix included
        scope.get("query_string", b""),
        media_type,
        body,
    ):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _replayed(kept: rules.Kept) -> Response:
    response = Response(kept.body, kept.status)
    response.raw_headers += [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in kept.headers
    ]
    response.raw_headers.append((REPLAYED.lower().encode(), b"true"))
    return response
