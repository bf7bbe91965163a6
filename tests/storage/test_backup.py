"""`storage.backup` in process, on the suite's database.

- The image archive holds the images the database's copy names, with their resized copies
  and private modes; an image gone before it was archived (a change made during the backup
  replaced it, or deleted its customer) is reported by name.
- What a restore would replace is counted: customers, users, and any file in the image
  directory; an empty database (or none yet) and an empty directory replace nothing.
- A restore refuses, before it changes anything, a file that is no backup, a backup of the
  other kind of database, and a backup whose image archive is missing.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import httpx
import pytest
from PIL import Image

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.permissions import COMMAND_LINE
from customer_registry.settings import Settings
from customer_registry.storage import backup
from tests.conftest import MakeUser

Headers = dict[str, str]


def _png() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (300, 200), os.urandom(300 * 200 * 3)).save(out, format="PNG")
    return out.getvalue()


async def _image_of(client: httpx.AsyncClient, headers: Headers, reference: str) -> str:
    """A new customer with an image: the image's name under the media directory."""
    r = await client.post(
        "/api/v1.0/customers",
        data={"reference": reference, "name": reference},
        files={"imageFile": ("logo.png", _png(), "image/png")},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    logo: str = r.json()["logo"]
    return httpx.URL(logo).path.removeprefix("/media/")


def _resized(name: str, prefix: str) -> str:
    folder, file = name.rsplit("/", 1)
    return f"{folder}/{prefix}{file}"


async def test_the_archive_holds_the_named_images_and_reports_those_gone(
    client: httpx.AsyncClient, admin: Headers, settings: Settings, tmp_path: Path
) -> None:
    kept = await _image_of(client, admin, "BACKUP-KEPT")
    gone = await _image_of(client, admin, "BACKUP-GONE")
    (Path(settings.media_dir) / gone).unlink()  # as a replaced image is, after its change

    report = await backup.backup(settings, tmp_path / "registry.backup")

    assert report.missing == (gone,)
    assert report.database.stat().st_size > 0
    with tarfile.open(report.media) as tar:
        members = {member.name: member for member in tar}
    for name in (kept, _resized(kept, "small_"), _resized(kept, "medium_")):
        assert stat.S_IMODE(members[name].mode) == 0o600, name
    assert stat.S_IMODE(members[kept.rsplit("/", 1)[0]].mode) == 0o700
    assert gone not in members
    assert report.image_files == sum(member.isfile() for member in members.values())
    for written in (report.database, report.media):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == [
        "registry.backup",
        "registry.backup.media.tar",
    ]


async def test_what_a_restore_would_replace_is_counted(
    ctx: Context, settings: Settings, make_user: MakeUser, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    local = settings.model_copy(update={"media_dir": str(media)})
    assert await backup.contents(local) == backup.Contents(0, 0, images=False)

    media.mkdir()
    (media / "entity1").mkdir()
    assert (await backup.contents(local)).empty
    (media / "entity1" / "left.png").write_bytes(b"x")
    assert await backup.contents(local) == backup.Contents(0, 0, images=True)

    await make_user()
    async with ctx.db.write() as conn:
        await customers.create(conn, COMMAND_LINE, customers.NewCustomer(1, "Held", code="H-1"))
    held = await backup.contents(local)
    assert held == backup.Contents(1, 1, images=True)
    assert not held.empty
    assert str(held) == "1 customer and 1 user"


async def test_no_database_yet_is_empty(tmp_path: Path) -> None:
    fresh = Settings(
        database_url=f"sqlite:///{tmp_path / 'none.db'}", media_dir=str(tmp_path / "m")
    )
    assert await backup.contents(fresh) == backup.Contents(0, 0, images=False)
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize(
    ("start", "refusal"),
    [
        (b"not a backup at all", "is no backup"),
        (b"other", "backup and the configured database is"),
    ],
)
async def test_a_restore_refuses_what_it_cannot_take(
    settings: Settings, tmp_path: Path, start: bytes, refusal: str
) -> None:
    if start == b"other":  # the other kind of database's backup
        start = b"PGDMP" if settings.dialect == "sqlite" else b"SQLite format 3\x00"
    file = tmp_path / "some.backup"
    file.write_bytes(start + bytes(100))
    with pytest.raises(backup.BackupError, match=refusal):
        await backup.restore(settings, file, force=True)


async def test_a_restore_refuses_a_backup_without_its_images(
    ctx: Context, settings: Settings, tmp_path: Path
) -> None:
    report = await backup.backup(settings, tmp_path / "registry.backup")
    report.media.unlink()
    with pytest.raises(backup.BackupError, match=r"media\.tar is missing"):
        await backup.restore(settings, report.database, force=True)


def _behind_pgbouncer(tmp_path: Path, direct: str | None = None) -> Settings:
    """Settings whose database URL is a pooler's, on a port nothing listens on: whatever
    reached it would fail differently."""
    return Settings(
        database_url="postgresql://nobody@127.0.0.1:9/registry",
        db_pooler="pgbouncer",
        direct_database_url=direct,
        media_dir=str(tmp_path / "media"),
    )


async def test_behind_a_pooler_backups_and_restores_ask_for_postgresql_itself(
    tmp_path: Path,
) -> None:
    pooled = _behind_pgbouncer(tmp_path)
    file = tmp_path / "registry.backup"
    with pytest.raises(backup.BackupError, match="CUSTOMER_REGISTRY_DIRECT_DATABASE_URL"):
        await backup.backup(pooled, file)
    assert os.listdir(tmp_path) == []  # nothing written, not even a partial file
    file.write_bytes(b"PGDMP" + bytes(100))
    backup.media_archive(file).write_bytes(_empty_tar())
    with pytest.raises(backup.BackupError, match="CUSTOMER_REGISTRY_DIRECT_DATABASE_URL"):
        await backup.restore(pooled, file, force=True)


def test_the_direct_url_is_where_backups_go_and_what_messages_name(tmp_path: Path) -> None:
    direct = _behind_pgbouncer(tmp_path, "postgresql+asyncpg://me:secret@db.internal:5432/reg")
    assert direct.direct_postgres_dsn == "postgresql://me:secret@db.internal:5432/reg"
    assert backup.where(direct) == "PostgreSQL database reg on db.internal"
    plain = Settings(database_url="postgresql://me@db.internal/reg")
    assert plain.direct_postgres_dsn == plain.postgres_dsn


@pytest.mark.parametrize(
    ("pooler", "direct", "refusal"),
    [
        ("pgbouncer", "sqlite:///x", "must start with postgresql://"),
        ("pgbouncer", "postgresql://me@db:port/reg", "is not a database URL"),
        ("none", "postgresql://me@db.internal/reg", "set CUSTOMER_REGISTRY_DB_POOLER too"),
    ],
)
def test_a_direct_url_is_postgresqls_and_only_behind_a_pooler(
    pooler: str, direct: str, refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal):
        Settings(
            database_url="postgresql://me@pooler/reg", db_pooler=pooler, direct_database_url=direct
        )


def _empty_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w"):
        pass
    return buffer.getvalue()
