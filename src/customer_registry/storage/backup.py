"""Backups: the database, copied while the service writes to it, and the customers' images,
archived beside it (`FILE.media.tar`); restored into an empty database, or over one when
told to.

Consistency. SQLite: the online backup API copies the whole file in one step, inside one
read transaction, so the copy holds every transaction committed before it and no part of a
later one; writers (WAL) do not wait for it. PostgreSQL: `pg_dump` runs under a snapshot a
transaction of ours exports (`pg_tools.dump`). The images are archived after that snapshot.
An image's files are written before the transaction naming them commits and removed only
after one that stops naming them has committed: every image the snapshot names is on disk
then, unless a change made since replaced it or deleted its customer. Those are reported,
by name (the snapshot's names are read back for that).

Not included: the service key (docs/operating/backups.md), and the console's uploads waiting to be
imported (`CUSTOMER_REGISTRY_IMPORTS_DIR`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from customer_registry.settings import Settings
from customer_registry.storage import pg_tools
from customer_registry.storage.database import create_sqlite_file
from customer_registry.storage.files import (
    PRIVATE_DIRECTORY,
    PRIVATE_FILE,
    make_private_directories,
)
from customer_registry.storage.schema import customers, users

MEDIA_SUFFIX = ".media.tar"
BUSY_SECONDS = 10.0  # as the service's own busy timeout
_MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
_IMAGES = str(sa.select(customers.c.logo).where(customers.c.logo.is_not(None)))
_COUNTED = (customers, users)  # what makes a database one restore will not replace unasked
# What a restore on PostgreSQL runs first, in the restore's transaction: the schema the
# tables live in, emptied whatever it holds (tables a newer version added included), so the
# backup's schema is restored whole and `serve` can upgrade it.
REPLACE_SCHEMA = "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"


class BackupError(Exception):
    """Why a backup or a restore was not done, in one line."""


@dataclass(frozen=True)
class BackupReport:
    database: Path
    media: Path
    image_files: int  # files archived: images and their resized copies
    missing: tuple[str, ...]  # images the database's copy names, gone before they were archived


@dataclass(frozen=True)
class Contents:
    """What a restore would replace."""

    customers: int
    users: int
    images: bool

    @property
    def empty(self) -> bool:
        return not (self.customers or self.users or self.images)

    def __str__(self) -> str:
        return f"{_counted(self.customers, 'customer')} and {_counted(self.users, 'user')}"


@dataclass(frozen=True)
class RestoreReport:
    database: str  # where it went, without credentials
    media: Path
    replaced: Contents


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def media_archive(file: Path) -> Path:
    """Where the images of the backup `file` are: beside it."""
    return file.with_name(file.name + MEDIA_SUFFIX)


def _postgresql(settings: Settings) -> str:
    """Where backups and restores reach PostgreSQL: itself. Through a transaction pooler,
    the session settings pg_dump and psql make (an empty `search_path`…) would stay on the
    server connection they happened to use and be lent to the service's next transaction."""
    dsn = settings.direct_postgres_dsn
    if dsn is None:
        raise BackupError(
            f"the database URL is {settings.db_pooler}'s, and backups and restores must reach "
            "PostgreSQL itself (a pooler would lend pg_dump's and psql's session settings "
            "to the service): set CUSTOMER_REGISTRY_DIRECT_DATABASE_URL to its address"
        )
    return dsn


def where(settings: Settings) -> str:
    """The configured database, for messages: never its password."""
    if settings.dialect == "sqlite":
        return f"SQLite file {settings.sqlite_path}"
    url = make_url(settings.direct_postgres_dsn or settings.postgres_dsn)
    return f"PostgreSQL database {url.database} on {url.host or 'the local socket'}"


@contextlib.contextmanager
def _one_line() -> Iterator[None]:
    """Every failure a backup or a restore meets, as a BackupError."""
    try:
        yield
    except pg_tools.ToolError as error:
        raise BackupError(str(error)) from None
    except sqlite3.Error as error:
        raise BackupError(f"SQLite: {error}") from None
    except tarfile.TarError as error:
        raise BackupError(f"image archive: {error}") from None
    except asyncpg.PostgresError as error:
        raise BackupError(f"PostgreSQL: {error}") from None
    except OSError as error:
        named = f": {error.filename}" if error.filename else ""
        raise BackupError(f"{error.strerror or error}{named}") from None


@contextlib.contextmanager
def _written_whole(final: Path) -> Iterator[Path]:
    """A new private file beside `final`, renamed to it once the block succeeds (a backup
    that failed leaves no file, and does not replace an older one); removed otherwise."""
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".partial")
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(final)


# --- backup -------------------------------------------------------------------------------------


async def backup(settings: Settings, file: Path) -> BackupReport:
    """The database copied into `file`, its images into `media_archive(file)`."""
    archive = media_archive(file)
    if not file.parent.is_dir():
        raise BackupError(f"no directory {file.parent} to write {file.name} in")
    with _one_line(), _written_whole(file) as database, _written_whole(archive) as images:
        if settings.dialect == "sqlite":
            named = await asyncio.to_thread(_sqlite_copy, Path(settings.sqlite_path), database)
        else:
            named = await pg_tools.dump(_postgresql(settings), database, _IMAGES)
        archived = await asyncio.to_thread(_archive_media, Path(settings.media_dir), images)
    missing = tuple(sorted(set(named) - archived))
    return BackupReport(file, archive, len(archived), missing)


def _sqlite_copy(source: Path, target: Path) -> list[str]:
    """`source` copied into `target` in one step; the images the copy names."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    with (
        contextlib.closing(sqlite3.connect(source, timeout=BUSY_SECONDS)) as src,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        src.backup(copy)  # pages=-1: every page in one step, one read transaction
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        return [name for (name,) in copy.execute(_IMAGES)]


def _archive_media(root: Path, target: Path) -> set[str]:
    """Every directory and file under `root` into the tar `target` (their modes kept: 0700
    folders, 0600 files); answers the files' names in it. A file removed while the walk
    passes (an image replaced meanwhile) is left out."""
    archived: set[str] = set()
    with tarfile.open(target, mode="w") as tar:
        for directory, folders, files in os.walk(root):
            folders.sort()
            for name, is_file in [*((f, False) for f in folders), *((f, True) for f in files)]:
                path = Path(directory) / name
                arcname = path.relative_to(root).as_posix()
                try:
                    tar.add(path, arcname, recursive=False)
                except FileNotFoundError:
                    continue
                if is_file:
                    archived.add(arcname)
    return archived


# --- restore ------------------------------------------------------------------------------------


async def contents(settings: Settings) -> Contents:
    """What the configured database and image directory hold that a restore would replace."""
    with _one_line():
        if settings.dialect == "sqlite":
            counts = await asyncio.to_thread(_sqlite_counts, Path(settings.sqlite_path))
        else:
            counts = await _postgres_counts(_postgresql(settings))
        images = await asyncio.to_thread(_holds_files, Path(settings.media_dir))
    customer_count, user_count = counts
    return Contents(customer_count, user_count, images)


def _sqlite_counts(path: Path) -> list[int]:
    if not path.is_file() or path.stat().st_size == 0:
        return [0 for _ in _COUNTED]
    with contextlib.closing(sqlite3.connect(path, timeout=BUSY_SECONDS)) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        return [
            conn.execute(_count(table)).fetchone()[0] if table.name in tables else 0
            for table in _COUNTED
        ]


async def _postgres_counts(dsn: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        found: list[int] = []
        for table in _COUNTED:
            exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table.name)
            found.append(await conn.fetchval(_count(table)) if exists else 0)
        return found
    finally:
        await conn.close()


def _count(table: sa.Table) -> str:
    return str(sa.select(sa.func.count()).select_from(table))


def _holds_files(root: Path) -> bool:
    return any(files for _, _, files in os.walk(root))


async def restore(settings: Settings, file: Path, *, force: bool) -> RestoreReport:
    """The backup `file` (and its images) in place of the configured database and image
    directory. Refused, before anything is changed, when they hold customers, users or
    images, unless `force`; and when the backup is not one this database can take."""
    archive = media_archive(file)
    media = Path(settings.media_dir)
    with _one_line():
        _check_kind(file, settings)
        await asyncio.to_thread(_check_archive, archive, media)
        if settings.dialect == "postgresql":
            pg_tools.require("pg_restore", "psql")
        held = await contents(settings)
        if not held.empty and not force:
            images = f", and {media} holds images" if held.images else ""
            raise BackupError(
                f"the {where(settings)} holds {held}{images}: a restore replaces them; "
                "give --force to do so"
            )
        if settings.dialect == "sqlite":
            await asyncio.to_thread(_sqlite_restore, file, Path(settings.sqlite_path))
        else:
            dsn = _postgresql(settings)
            await asyncio.to_thread(pg_tools.restore, dsn, file, REPLACE_SCHEMA)
        await asyncio.to_thread(_restore_media, archive, media)
    return RestoreReport(where(settings), media, held)


def _check_kind(file: Path, settings: Settings) -> None:
    with file.open("rb") as backup_file:
        start = backup_file.read(len(_MAGIC["sqlite"]))
    kind = next((name for name, magic in _MAGIC.items() if start.startswith(magic)), None)
    if kind is None:
        raise BackupError(f"{file} is no backup (neither SQLite's nor pg_dump's custom format)")
    if kind != settings.dialect:
        raise BackupError(
            f"{file} is a {kind} backup and the configured database is {settings.dialect}: "
            "a backup restores into the kind of database it was taken from"
        )


def _check_archive(archive: Path, media: Path) -> None:
    """The image archive is there and every member would be extracted inside `media` as a
    plain file or directory (tarfile's `data` filter), before anything is replaced."""
    if not archive.is_file():
        raise BackupError(f"{archive} is missing: the images are restored from it")
    with tarfile.open(archive) as tar:
        for member in tar:
            _private(member, str(media))


def _private(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo:
    """tarfile's `data` filter (plain files and directories inside `destination`, or an
    error), which leaves a directory's mode to the umask: made its owner's only, as the
    service makes them, and so is every file."""
    safe = tarfile.data_filter(member, destination)
    return safe.replace(mode=PRIVATE_DIRECTORY if safe.isdir() else PRIVATE_FILE, deep=False)


def _sqlite_restore(file: Path, target: Path) -> None:
    """The backup's pages in place of the target's, through the backup API (the target file
    keeps its permissions, and a connection still open on it sees the new content)."""
    source = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    with contextlib.closing(source):
        if not source.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
        ).fetchone()[0]:
            raise BackupError(f"{file} is a SQLite database, but not the registry's")
        create_sqlite_file(str(target))
        with contextlib.closing(sqlite3.connect(target, timeout=BUSY_SECONDS)) as restored:
            source.backup(restored)


def _restore_media(archive: Path, root: Path) -> None:
    """The archive's images in place of those in `root`: extracted into a folder inside it,
    then swapped in entry by entry. Inside, not beside: `root` may be a mounted volume
    (shared by several instances), which cannot be renamed, and renames do not cross it."""
    make_private_directories(root, Path())
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".restoring-"))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter=_private)  # noqa: S202 (filtered: _private)
    except BaseException:
        shutil.rmtree(staging)
        raise
    replaced = Path(tempfile.mkdtemp(dir=root, prefix=".replaced-"))
    for entry in list(root.iterdir()):
        if entry not in (staging, replaced):
            entry.rename(replaced / entry.name)
    for entry in list(staging.iterdir()):
        entry.rename(root / entry.name)
    staging.rmdir()
    shutil.rmtree(replaced)
