"""Customer images' files, kept in step with the transaction that names them: a new image's
files are written before its row, and go again if the transaction does not commit; an image
no longer named goes once the transaction that drops it commits. Every file operation runs
in a thread, off the event loop (a write of a few hundred kilobytes, on a slow or network
volume, would hold up every request of the worker)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from customer_registry.core.images import PreparedImage, safe_name
from customer_registry.storage.database import Connection
from customer_registry.storage.media import MediaStore


class MediaFiles(Protocol):
    """Where images are stored (`storage.media.MediaStore`); blocking file I/O."""

    def save(self, entity_id: int, name: str, image: PreparedImage) -> str:
        """Write the image and its copies; answer the name the row keeps."""
        ...

    def remove(self, stored: str) -> None:
        """Remove the image `stored` names and its copies (those still there)."""
        ...


def open_media(root: Path) -> MediaFiles:
    """The service's image store under `root`, its directory made (at start: `/media/` then
    answers 404 for a name it does not hold, rather than an error)."""
    store = MediaStore(root)
    store.create_root()
    return store


@dataclass(frozen=True, slots=True)
class NewImage:
    """An uploaded image, checked and resized (off the event loop, before any transaction),
    with the file name it was sent under and the store it goes to."""

    image: PreparedImage
    filename: str | None
    files: MediaFiles


async def store(conn: Connection, entity_id: int, new: NewImage) -> str:
    """Write the files now; they go again if the transaction does not commit (also when the
    request is cancelled while they are being written)."""
    name = safe_name(new.filename, new.image.extension)
    saving = asyncio.ensure_future(asyncio.to_thread(new.files.save, entity_id, name, new.image))

    async def undo() -> None:
        try:
            stored = await saving
        except Exception:  # nothing was stored (the store removes what it half wrote)
            return
        await _remove(new.files, stored)

    conn.on_outcome(committed=None, rolled_back=undo)
    return await asyncio.shield(saving)


def remove_once_committed(conn: Connection, files: MediaFiles, stored: str | None) -> None:
    """Remove an image no longer named, once the transaction that drops it commits."""
    if stored is None:
        return
    name = stored
    conn.on_outcome(committed=lambda: _remove(files, name), rolled_back=None)


async def _remove(files: MediaFiles, stored: str) -> None:
    # Shielded: a request cancelled meanwhile still leaves no file behind.
    await asyncio.shield(asyncio.to_thread(files.remove, stored))
