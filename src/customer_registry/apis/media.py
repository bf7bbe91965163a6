"""Customer images at the HTTP edge: an upload read and checked off the event loop, in the
worker's few image threads. Storing and removing its files is the core's
(`core.customers`, `core.media`), with the transaction that names them."""

from __future__ import annotations

import asyncio

from starlette.datastructures import UploadFile

from customer_registry.apis.context import Context
from customer_registry.core import images, media
from customer_registry.core.errors import FileTooLarge, UnsupportedFile


async def read_image(ctx: Context, upload: object) -> media.NewImage:
    """The uploaded image checked by its content, and its resized copies, bound for the
    service's image store."""
    if not isinstance(upload, UploadFile):
        raise UnsupportedFile(images.UNSUPPORTED)
    limit = ctx.settings.max_image_bytes
    if upload.size is not None and upload.size > limit:
        raise FileTooLarge(images.TOO_LARGE)
    data = await upload.read(limit + 1)
    settings = ctx.settings
    prepared = await asyncio.get_running_loop().run_in_executor(
        ctx.image_threads,
        images.prepare,
        data,
        limit,
        settings.max_image_pixels,
        settings.max_image_decoded_bytes,
    )
    return media.NewImage(prepared, upload.filename, ctx.media)
