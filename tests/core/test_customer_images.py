"""A customer's image files follow the transaction that names them (`core.media`, called by
`customers.create`, `update` and `delete`): written before the row, off the event loop;
removed again if that transaction fails; the files of an image no longer named removed
only once it commits."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable

import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers, media
from customer_registry.core.images import PreparedImage
from customer_registry.core.permissions import COMMAND_LINE
from customer_registry.storage.database import Connection

_IMAGE = PreparedImage("png", b"original", {"small_": b"small", "medium_": b"medium"})


class _Files:
    """An image store in memory that records which thread did each operation."""

    def __init__(self) -> None:
        self.stored: set[str] = set()
        self.threads: list[int] = []
        self._count = 0

    def save(self, entity_id: int, name: str, image: PreparedImage) -> str:
        self.threads.append(threading.get_ident())
        self._count += 1
        stored = f"entity{entity_id}/photoCustomer/{self._count}_{name}"
        self.stored.add(stored)
        return stored

    def remove(self, stored: str) -> None:
        self.threads.append(threading.get_ident())
        self.stored.discard(stored)


class _Failed(Exception):
    """What makes a transaction fail after the core stored an image."""


async def _fail_after(ctx: Context, step: Callable[[Connection], Awaitable[object]]) -> None:
    """Run `step` in a write transaction that then fails."""
    async with ctx.db.write() as conn:
        await step(conn)
        raise _Failed


def _new(files: _Files, name: str = "logo.png") -> media.NewImage:
    return media.NewImage(_IMAGE, name, files)


async def _create(ctx: Context, files: _Files, reference: str) -> customers.Customer:
    async with ctx.db.write() as conn:
        new = customers.NewCustomer(1, "Imaged", code=reference)
        created = await customers.create(conn, COMMAND_LINE, new, image=_new(files))
    return created.customer


async def test_a_new_image_is_written_off_the_event_loop(ctx: Context) -> None:
    files = _Files()
    customer = await _create(ctx, files, "OFF")
    assert files.stored == {customer.details.logo}
    assert (customer.details.logo or "").endswith("_logo.png")
    assert files.threads
    assert threading.get_ident() not in files.threads


async def test_a_create_that_fails_after_storing_leaves_no_file(ctx: Context) -> None:
    files = _Files()

    async def create(conn: Connection) -> None:
        new = customers.NewCustomer(1, "Never", code="FAILS")
        created = await customers.create(conn, COMMAND_LINE, new, image=_new(files))
        assert files.stored == {created.customer.details.logo}  # written, not committed

    with pytest.raises(_Failed):
        await _fail_after(ctx, create)
    assert files.stored == set()
    assert len(files.threads) == 2  # written, then removed
    assert threading.get_ident() not in files.threads


async def test_a_new_image_replaces_the_old_once_committed(ctx: Context) -> None:
    files = _Files()
    customer = await _create(ctx, files, "SWAP")
    old = customer.details.logo
    async with ctx.db.write() as conn:
        changed = await customers.update(
            conn, COMMAND_LINE, customer.customer_id, {}, image=_new(files, "new.png")
        )
        new = changed.details.logo
        assert files.stored == {old, new}  # the old image stays until the commit
    assert files.stored == {new}
    assert (new or "").endswith("_new.png")
    assert threading.get_ident() not in files.threads


async def test_an_update_that_fails_after_storing_keeps_the_old_image_only(
    ctx: Context,
) -> None:
    files = _Files()
    customer = await _create(ctx, files, "KEEP")

    async def update(conn: Connection) -> None:
        await customers.update(conn, COMMAND_LINE, customer.customer_id, {}, image=_new(files))
        assert len(files.stored) == 2

    with pytest.raises(_Failed):
        await _fail_after(ctx, update)
    assert files.stored == {customer.details.logo}


async def test_a_delete_removes_the_image_once_committed(ctx: Context) -> None:
    files = _Files()
    kept = await _create(ctx, files, "KEPT")

    async def delete(conn: Connection) -> None:
        await customers.delete(conn, COMMAND_LINE, kept.customer_id, files)

    with pytest.raises(_Failed):
        await _fail_after(ctx, delete)
    assert files.stored == {kept.details.logo}
    async with ctx.db.write() as conn:
        await customers.delete(conn, COMMAND_LINE, kept.customer_id, files)
        assert files.stored == {kept.details.logo}
    assert files.stored == set()
