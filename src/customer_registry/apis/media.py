"""Customer images at the HTTP edge: an upload read and checked off the event loop, in the
worker's few image threads, stored with the transaction that names it (removed again if that
transaction fails), and removed once the customer that named it no longer does."""

from __future__ import annotations

import asyncio

from starlette.datastructures import UploadFile

from customer_registry.apis.context import Context
from customer_registry.core import customers, images
from customer_registry.core.errors import FileTooLarge, UnsupportedFile
from customer_registry.core.permissions import Caller
from customer_registry.storage.database import Connection


async def read_image(ctx: Context, upload: object) -> images.PreparedImage:
    """The uploaded image checked by its content, and its resized copies."""
    if not isinstance(upload, UploadFile):
        raise UnsupportedFile(images.UNSUPPORTED)
    limit = ctx.settings.max_image_bytes
    if upload.size is not None and upload.size > limit:
        raise FileTooLarge(images.TOO_LARGE)
    data = await upload.read(limit + 1)
    settings = ctx.settings
    return await asyncio.get_running_loop().run_in_executor(
        ctx.image_threads,
        images.prepare,
        data,
        limit,
        settings.max_image_pixels,
        settings.max_image_decoded_bytes,
    )


def store_image(
    ctx: Context,
    conn: Connection,
    entity_id: int,
    filename: str | None,
    image: images.PreparedImage,
) -> str:
    """Write the files now; they go again if the transaction does not commit."""
    name = images.safe_name(filename, image.extension)
    stored = ctx.media.save(entity_id, name, image)
    conn.on_outcome(committed=lambda: None, rolled_back=lambda: ctx.media.remove(stored))
    return stored


def forget_image(ctx: Context, conn: Connection, stored: str | None) -> None:
    """Remove an image no longer named, once the transaction that drops it commits."""
    if stored is not None:
        conn.on_outcome(committed=lambda: ctx.media.remove(stored), rolled_back=lambda: None)


async def delete_customer_and_image(
    ctx: Context, conn: Connection, caller: Caller, customer_id: int
) -> None:
    """Every API's customer delete: the customer, then its image files once committed."""
    deleted = await customers.delete(conn, caller, customer_id)
    forget_image(ctx, conn, deleted.details["logo"])
