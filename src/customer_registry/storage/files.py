"""Files the service creates hold the registry's data (the SQLite database, customer
images): they are its owner's alone, whatever the process's umask allows."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO

PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700


def create_private_file(path: str | Path) -> None:
    """An empty file at `path`, readable and writable by its owner only, unless one is
    there already (an existing file keeps the permissions its owner gave it)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def write_private_file(path: Path, data: bytes) -> None:
    """`data` in a new file at `path`, its owner's only."""
    with open_private_file(path) as file:
        file.write(data)


def open_private_file(path: Path) -> BinaryIO:
    """A new file at `path`, its owner's only, open for writing."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    return os.fdopen(fd, "wb")


def make_private_directories(root: Path, relative: Path) -> None:
    """`root / relative`, each directory it creates its owner's only (an image's name is
    what keeps it private: a directory others could list would give the names away).
    Directories already there are left as they are."""
    root.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    path = root
    for part in relative.parts:
        path = path / part
        path.mkdir(mode=PRIVATE_DIRECTORY, exist_ok=True)
