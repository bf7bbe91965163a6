"""Customer images on disk: each under `entity<id>/photoCustomer/`, as the sales document's
URLs show, with its resized copies beside it (`small_<name>`, `medium_<name>`)."""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path

from customer_registry.core.images import SIZES, PreparedImage


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, entity_id: int, name: str, image: PreparedImage) -> str:
        """Write the image and its copies; answer its path relative to the root."""
        folder = Path(f"entity{entity_id}") / "photoCustomer"
        (self.root / folder).mkdir(parents=True, exist_ok=True)
        # A time stamp as the document shows, and a random part so names cannot be guessed.
        unique = f"{time.time_ns() // 1_000_000}{secrets.token_hex(8)}_{name}"
        (self.root / folder / unique).write_bytes(image.original)
        for prefix, data in image.copies.items():
            (self.root / folder / f"{prefix}{unique}").write_bytes(data)
        return f"{folder.as_posix()}/{unique}"

    def remove(self, relative: str) -> None:
        path = self.root / relative
        for prefix in ("", *SIZES):
            with contextlib.suppress(FileNotFoundError):
                (path.parent / f"{prefix}{path.name}").unlink()
