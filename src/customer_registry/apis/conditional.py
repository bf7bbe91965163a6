"""Conditional requests (RFC 9110, section 13) on a record: the `ETag` of each one a GET
answers, `304 Not Modified` for an `If-None-Match` that holds it, and `Outdated` (each API's
412) for a write whose `If-Match` does not hold the record's current tag.

A tag is a digest of the record's representation, the bytes the API's GET answers: whatever
changes what a client reads changes it (a sales record's contacts included), and nothing
else does. A write checks it in its own transaction, after locking the record, so of two
writes sent with the same tag only the first can succeed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.http import header
from customer_registry.core.errors import Outdated

# What a write reads, once the record is locked: its representation as the API's GET answers.
Current = Callable[[], Awaitable[bytes | memoryview]]

# An entity tag of a header's list: optionally weak, its opaque part in quotes.
_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def entity_tag(body: bytes | memoryview) -> str:
    """The strong tag of a representation: 128 bits of its SHA-256, which the processor's
    own instructions compute (measured on a record of 1.8 kB: 1.6 us; BLAKE2b 2.7-4.4 us)."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def answer(request: Request, response: Response) -> Response:
    """A GET's answer with its `ETag`; or, when the client's `If-None-Match` holds that tag
    (or is `*`), 304 with the tag and no body."""
    tag = entity_tag(response.body)
    wanted = header(request, b"if-none-match")
    if wanted is not None and (wanted.strip() == "*" or tag in _opaque_tags(wanted)):
        return Response(status_code=304, headers={"ETag": tag})
    return _with_tag(response, tag)


def tagged(response: Response) -> Response:
    """A write's answer, the record as it now is, with its new `ETag`."""
    return _with_tag(response, entity_tag(response.body))


# Every GET of a record passes here: the tag is added without Starlette's MutableHeaders
# (and the request's headers read without its Headers, see `http.header`).
def _with_tag(response: Response, tag: str) -> Response:
    response.raw_headers.append((b"etag", tag.encode("ascii")))
    return response


def has_if_match(request: Request) -> bool:
    """Whether the write is conditional: it then needs a transaction, to read and lock the
    record before writing it."""
    return header(request, b"if-match") is not None


async def require_current(request: Request, current: Current) -> None:
    """Raise Outdated unless the request's `If-Match`, if it has one, holds the tag of the
    record as it is now (`current`: its representation, read once the record is locked).
    `*` holds any record that exists. A weak tag never holds (strong comparison)."""
    wanted = header(request, b"if-match")
    if wanted is None:
        return
    body = await current()  # also what raises NotFound for a missing record
    if wanted.strip() == "*":
        return
    if entity_tag(body) not in _strong_tags(wanted):
        raise Outdated("The record has changed since the version named by If-Match; read it again.")


def _parsed(listed: str) -> list[tuple[bool, str]]:
    """(weak, opaque tag) of each tag of a header's list; a malformed list holds none."""
    found: list[tuple[bool, str]] = []
    position = 0
    while position < len(listed):
        match = _TAG.match(listed, position)
        if match is None:
            return []
        found.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return found


def _opaque_tags(listed: str) -> set[str]:
    """The tags of `If-None-Match`, weak or not (weak comparison)."""
    return {tag for _, tag in _parsed(listed)}


def _strong_tags(listed: str) -> set[str]:
    return {tag for weak, tag in _parsed(listed) if not weak}
