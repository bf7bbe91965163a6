"""Reading ahead: the next item of a stream produced while its consumer works on this one.

A bulk import's writes wait for the database (SQLite's thread, PostgreSQL's server), as an
export's reads do; meanwhile the event loop has nothing to run. Producing the next item in a
task of its own fills that wait: the next batch of the file is parsed while this one is
written, the next batch of customers read while this one is rendered. One item ahead, no
more: the memory stays that of two items at any size.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar, cast

T = TypeVar("T")
_END = object()


async def read_ahead(items: AsyncIterator[T]) -> AsyncGenerator[T]:
    """`items`, in order, each next one produced while the caller works on the one before.
    A caller that stops early (closing this generator) cancels the item in the making and
    waits for it to be undone, so nothing it held (a connection) outlives the walk."""
    coming = asyncio.ensure_future(anext(items, _END))
    try:
        while (item := await coming) is not _END:
            coming = asyncio.ensure_future(anext(items, _END))
            yield cast(T, item)  # not _END: one of `items`
    finally:
        coming.cancel()
        await asyncio.gather(coming, return_exceptions=True)
