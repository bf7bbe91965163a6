"""The files the service creates hold the registry: the SQLite database (and its -wal and
-shm files, which hold recent writes) and the customer images are their owner's alone
(0600, directories 0700), whatever the umask would let others read."""

from __future__ import annotations

import asyncio
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from customer_registry.app import create_app
from customer_registry.settings import Settings
from customer_registry.storage.database import open_database
from customer_registry.storage.migrate import upgrade
from tests.conftest import database_settings

Headers = dict[str, str]


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual umask, which leaves new files readable by everyone."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes(folder: Path) -> dict[str, str]:
    """Each file's name and permissions, in octal."""
    return {path.name: oct(_mode(path)) for path in folder.iterdir()}


async def test_a_fresh_start_creates_the_database_and_its_wal_and_shm_0600(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'registry.db'}")
    await asyncio.to_thread(upgrade, settings)  # as `serve` and `migrate` do first
    app = create_app(settings)
    await app.state.ctx.start()  # as each worker does
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            assert (await client.get("/api/version")).status_code == 200
        private = oct(0o600)
        assert _modes(tmp_path) == {
            "registry.db": private,
            "registry.db-wal": private,
            "registry.db-shm": private,
        }
    finally:
        await app.state.ctx.stop()


async def test_a_command_that_opens_a_missing_database_creates_it_0600(tmp_path: Path) -> None:
    db = open_database(Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}"))
    await db.start()
    try:
        modes = _modes(tmp_path)
        assert modes["new.db"] == oct(0o600), modes
        assert set(modes.values()) == {oct(0o600)}, modes
    finally:
        await db.stop()


def test_an_existing_database_keeps_its_permissions(tmp_path: Path) -> None:
    """The owner's choice for a file already there (a group that backs it up, say)."""
    path = tmp_path / "kept.db"
    path.touch(mode=0o640)
    upgrade(Settings(database_url=f"sqlite:///{path}"))
    assert _mode(path) == 0o640


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "blue").save(out, "PNG")
    return out.getvalue()


async def test_customer_images_and_their_folders_are_private(
    settings: Settings, app: Any, admin: Headers, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    own = create_app(
        database_settings(settings.database_url, media_dir=str(media), token_cache_seconds=0)
    )
    await own.state.ctx.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=own), base_url="http://testserver"
        ) as client:
            r = await client.post(
                "/api/v1.0/customers",
                data={"reference": "PRIVATE-1", "name": "Private"},
                files={"imageFile": ("logo.png", _png(), "image/png")},
                headers=admin,
            )
            assert r.status_code == 201, r.text
            # still served by the service itself
            logo = httpx.URL(r.json()["logo"])
            assert (await client.get(logo.path)).status_code == 200
    finally:
        await own.state.ctx.stop()
    _check_private_tree(media)


def _check_private_tree(media: Path) -> None:
    files = [path for path in media.rglob("*") if path.is_file()]
    assert len(files) == 3, files  # the image and its two copies
    for path in files:
        assert _mode(path) == 0o600, (path, oct(_mode(path)))
    for path in [media, *(path for path in media.rglob("*") if path.is_dir())]:
        assert _mode(path) == 0o700, (path, oct(_mode(path)))
