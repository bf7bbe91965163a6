"""Customer images on disk: each under `entity<id>/photoCustomer/`, as the sales document's
URLs show, with its resized copies beside it (`small_<name>`, `medium_<name>`)."""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path

from customer_registry.core.images import SIZES, PreparedImage
from customer_registry.storage.files import make_private_directories, write_private_file


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def create_root(self) -> None:
        """The images' directory, made at start: `/media/` then answers 404 for a name it does
        not hold, rather than an error because no image was ever stored."""
        make_private_directories(self.root, Path())

    def save(self, entity_id: int, name: str, image: PreparedImage) -> str:
        """Write the image and its copies; answer its path relative to the root."""
        folder = Path(f"entity{entity_id}") / "photoCustomer"
        make_private_directories(self.root, folder)
        # A time stamp as the document shows, and a random part so names cannot be guessed.
        unique = f"{time.time_ns() // 1_000_000}{secrets.token_hex(8)}_{name}"
        stored = f"{folder.as_posix()}/{unique}"
        try:
            write_private_file(self.root / folder / unique, image.original)
            for prefix, data in image.copies.items():
                write_private_file(self.root / folder / f"{prefix}{unique}", data)
        except BaseException:  # a full disk: what was written is named by no row
            self.remove(stored)
            raise
        return stored

    def remove(self, stored: str) -> None:
        """The image `stored` names and its copies, those that are there."""
        path = self.root / stored
        for prefix in ("", *SIZES):
            with contextlib.suppress(FileNotFoundError):
                (path.parent / f"{prefix}{path.name}").unlink()
