"""`customer-registry backup` and `restore`, run as a user runs them, on the suite's kind of
database: backed up from a new SQLite file or the suite's PostgreSQL database (emptied first,
migrated again after), restored into a new SQLite file or a new PostgreSQL database named
after the suite's (`<suite>_restore_<random>`, dropped at the end).

- A backup taken while a server (`serve`, two workers) takes a stream of creates, restored
  into a new database and served: every create answered before the backup command started
  is there with what was sent, none that was not sent before it ended, none half written
  (each restored customer has its entity link and its history's creation); the image
  uploaded before is served again, byte for byte (its files 0600, folders 0700); the
  administrator logs in again.
- An older schema's backup: restored, then `serve` upgrades it and keeps its rows.
- A database holding customers (and images) is not replaced unless `--force`; with it, it
  is, wholly, and its image directory too.
- Without PostgreSQL's client tools on PATH, `backup` and `restore` say what to install.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sqlite3
import stat
import subprocess
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import requests
from alembic.script import ScriptDirectory
from PIL import Image
from sqlalchemy.engine import make_url

from customer_registry.storage.migrate import alembic_config, upgrade
from tests.conftest import TEST_URL_VARIABLE, database_settings
from tests.reliability.conftest import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    BILLING,
    EXE,
    PARTNER,
    SALES,
    DirectDatabase,
    RegistryServer,
    login,
    running,
)

pytestmark = pytest.mark.server

EMPTY_SCHEMA = "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
LANES = 2
ACKED_FIRST = 20  # creates answered before the backup starts
EXAMPLES = Path(__file__).parents[1] / "docs" / "examples"


# --- databases and commands ---------------------------------------------------------------------


async def _on_postgres(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def source_url(tmp_path: Path) -> Iterator[str]:
    """The database backed up: a new SQLite file, or the suite's PostgreSQL database emptied
    (and migrated again afterwards, for the tests that run after), as the e2e tests use it."""
    url = os.environ.get(TEST_URL_VARIABLE) or f"sqlite:///{tmp_path / 'source.db'}"
    settings = database_settings(url)
    if settings.dialect == "sqlite":
        yield url
        return
    asyncio.run(_on_postgres(settings.postgres_dsn, EMPTY_SCHEMA))
    try:
        yield url
    finally:
        asyncio.run(_on_postgres(settings.postgres_dsn, EMPTY_SCHEMA))
        upgrade(settings)


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database to restore into: a SQLite file, or a PostgreSQL database named
    after the suite's (`<suite>_restore_<random>`), dropped when the test ends."""
    suite = os.environ.get(TEST_URL_VARIABLE)
    if suite is None:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    dsn = make_url(database_settings(suite).postgres_dsn)
    name = f"{dsn.database}_restore_{uuid.uuid4().hex[:8]}"
    maintenance = dsn.render_as_string(hide_password=False)
    asyncio.run(_on_postgres(maintenance, f'CREATE DATABASE "{name}"'))
    try:
        yield dsn._replace(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_on_postgres(maintenance, f'DROP DATABASE "{name}" WITH (FORCE)'))


def _execute(database_url: str, statement: str) -> None:
    settings = database_settings(database_url)
    if settings.dialect == "postgresql":
        asyncio.run(_on_postgres(settings.postgres_dsn, statement))
        return
    with contextlib.closing(sqlite3.connect(settings.sqlite_path)) as conn, conn:
        conn.execute(statement)


def _env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """The command's environment: only the settings named here, as a server's."""
    return RegistryServer(database_url=database_url, workdir=workdir).env() | extra


def _cli(env: dict[str, str], workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(exist_ok=True)
    return subprocess.run(
        [str(EXE), *args],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _png() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (48, 32), os.urandom(48 * 32 * 3)).save(out, format="PNG")
    return out.getvalue()


# --- a backup during a stream of writes ---------------------------------------------------------


@dataclass
class Create:
    code: str
    sent: float
    acked: float | None = None
    status: int | None = None
    customer_id: int | None = None

    @property
    def name(self) -> str:
        return f"Backed up {self.code}"


class Stream:
    """Lanes of billing creates, each waiting for its answer before the next."""

    def __init__(self, url: str, bearer: dict[str, str]) -> None:
        self.url, self.bearer = url, bearer
        self.creates: list[Create] = []
        self._stop = threading.Event()
        self._lanes = [threading.Thread(target=self._lane, args=(n,)) for n in range(LANES)]

    def _lane(self, lane: int) -> None:
        while not self._stop.is_set():
            create = Create(f"BK{lane}-{uuid.uuid4().hex[:12]}", time.monotonic())
            self.creates.append(create)
            r = requests.post(
                self.url + BILLING + "/customers",
                params={"name": create.name, "customerAccount": create.code},
                data="",
                headers=self.bearer,
                timeout=30,
            )
            create.status = r.status_code
            if r.status_code == 201:
                create.acked = time.monotonic()
                create.customer_id = r.json()["response"]

    def acked_between(self, start: float, end: float) -> list[Create]:
        return [c for c in self.creates if c.acked is not None and start <= c.acked < end]

    def wait_for(self, count: int, after: float) -> None:
        deadline = time.monotonic() + 60
        while len(self.acked_between(after, float("inf"))) < count:
            assert time.monotonic() < deadline, f"fewer than {count} creates answered in 60 s"
            time.sleep(0.05)

    def __enter__(self) -> Stream:
        for lane in self._lanes:
            lane.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for lane in self._lanes:
            lane.join(timeout=60)


def _modes(root: Path) -> dict[str, set[int]]:
    """The permission bits of the files and folders under `root` (itself included)."""
    modes: dict[str, set[int]] = {"file": set(), "folder": set()}
    for path in [root, *root.rglob("*")]:
        modes["folder" if path.is_dir() else "file"].add(stat.S_IMODE(path.stat().st_mode))
    return modes


def _half_written(direct: DirectDatabase) -> list[tuple[object, ...]]:
    """Restored customers without their current entity link or their creation's entry."""
    return direct.rows(
        "SELECT c.code FROM customers c WHERE NOT EXISTS (SELECT 1 FROM customer_entity_linker l "
        "WHERE l.customer_id = c.customer_id AND l.date_removed IS NULL) OR NOT EXISTS "
        "(SELECT 1 FROM customer_changes h WHERE h.customer_id = c.customer_id "
        "AND h.action = 'customer.created')"
    )


def test_a_backup_taken_during_writes_restores_whole_on_a_new_database(
    source_url: str, new_database: str, tmp_path: Path
) -> None:
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    source_dir.mkdir()
    target_dir.mkdir()
    backup_file = tmp_path / "backups" / "registry.backup"
    backup_file.parent.mkdir()
    source = RegistryServer(database_url=source_url, workdir=source_dir, workers=2)
    target = RegistryServer(database_url=new_database, workdir=target_dir)

    with running(source):
        tokens = login(source.url)
        picture = _png()
        r = requests.post(
            source.url + SALES + "/customers",
            data={"reference": "WITH-IMAGE", "name": "With an image"},
            files={"imageFile": ("logo.png", picture, "image/png")},
            headers=tokens.bearer,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        imaged = r.json()
        stored_image = requests.get(imaged["logo"], timeout=30).content

        with Stream(source.url, tokens.bearer) as stream:
            stream.wait_for(ACKED_FIRST, after=0)
            started = time.monotonic()
            backed_up = _cli(source.env(), source_dir, "backup", str(backup_file))
            ended = time.monotonic()
            stream.wait_for(5, after=ended)

    _ok(backed_up)
    assert "warning" not in backed_up.stderr, backed_up.stderr
    refused = [(c.code, c.status) for c in stream.creates if c.status != 201]
    assert refused == [], refused
    before = stream.acked_between(0, started)
    during = stream.acked_between(started, ended)
    assert len(before) >= ACKED_FIRST
    assert during, "no create was answered while the backup ran"

    _ok(_cli(target.env(), target_dir, "restore", str(backup_file)))

    direct = DirectDatabase(target.database_url)
    restored = dict(direct.rows("SELECT code, name FROM customers WHERE code LIKE 'BK%'"))
    sent_in_time = {c.code: c.name for c in stream.creates if c.sent < ended}
    missing = [c.code for c in before if c.code not in restored]
    unexpected = {code: name for code, name in restored.items() if sent_in_time.get(code) != name}
    print(
        f"\nbackup during writes: {len(before)} creates answered before the backup, "
        f"{len(during)} during it ({ended - started:.1f} s), {len(restored)} restored; "
        f"{len(missing)} missing, {len(unexpected)} unexpected"
    )
    assert missing == []
    assert unexpected == {}
    assert _half_written(direct) == []
    if not direct.postgres:
        assert direct.rows("PRAGMA integrity_check") == [("ok",)]
    assert _modes(target_dir / "media") == {"file": {0o600}, "folder": {0o700}}

    with running(target):
        again = login(target.url)  # the source's administrator, restored
        r = requests.get(
            f"{target.url}{SALES}/customers/{imaged['id']}", headers=again.bearer, timeout=30
        )
        assert r.status_code == 200, r.text
        served = requests.get(r.json()["logo"], timeout=30)
        assert served.status_code == 200
        assert served.content == stored_image
        first = before[0]
        r = requests.get(
            f"{target.url}{BILLING}/customers/{first.customer_id}",
            headers=again.bearer,
            timeout=30,
        )
        assert r.status_code == 200, r.text
        assert r.json()["customer"]["name"] == first.name


# --- an older schema ----------------------------------------------------------------------------

OLDER = "0006"  # before the history, webhooks, imports and search migrations


def test_a_restored_older_schema_is_upgraded_when_served(
    source_url: str, new_database: str, tmp_path: Path
) -> None:
    upgrade(database_settings(source_url), OLDER)
    _execute(
        source_url,
        "INSERT INTO entities (name, bboxx_company_flag, created_at, created_by) "
        "VALUES ('Kept from 0006', false, CURRENT_TIMESTAMP, 'test')",
    )
    backup_file = tmp_path / "old.backup"
    _ok(_cli(_env(source_url, tmp_path / "old"), tmp_path / "old", "backup", str(backup_file)))

    target = RegistryServer(database_url=new_database, workdir=tmp_path / "new")
    target.workdir.mkdir()
    _ok(_cli(target.env(), target.workdir, "restore", str(backup_file)))
    direct = DirectDatabase(target.database_url)
    assert direct.value("SELECT version_num FROM alembic_version") == OLDER

    with running(target):
        head = ScriptDirectory.from_config(alembic_config(direct.settings)).get_current_head()
        assert direct.value("SELECT version_num FROM alembic_version") == head
        tokens = login(target.url, ADMIN_USERNAME, ADMIN_PASSWORD)  # made by serve: none had been
        r = requests.get(target.url + PARTNER + "/entities", headers=tokens.partner, timeout=30)
        assert r.status_code == 200, r.text
        assert "Kept from 0006" in [entity["name"] for entity in r.json()["objects"]]


# --- a target in use ----------------------------------------------------------------------------


def _codes(direct: DirectDatabase) -> set[str]:
    return {code for (code,) in direct.rows("SELECT code FROM customers")}


def test_restore_refuses_a_database_with_customers_unless_forced(
    source_url: str, new_database: str, tmp_path: Path
) -> None:
    target_url = new_database
    source_env = _env(source_url, tmp_path / "source")
    target_env = _env(target_url, tmp_path / "target")
    _ok(_cli(source_env, tmp_path / "source", "migrate"))
    _ok(_cli(source_env, tmp_path / "source", "import", str(EXAMPLES / "customers-billing.csv")))
    backup_file = tmp_path / "source.backup"
    _ok(_cli(source_env, tmp_path / "source", "backup", str(backup_file)))
    _ok(_cli(target_env, tmp_path / "target", "migrate"))
    _ok(_cli(target_env, tmp_path / "target", "import", str(EXAMPLES / "customers-sales.csv")))
    source, target = DirectDatabase(source_url), DirectDatabase(target_url)
    backed_up, in_use = _codes(source), _codes(target)
    assert backed_up
    assert in_use
    assert not backed_up & in_use

    old_image = tmp_path / "target" / "media" / "entity1" / "photoCustomer" / "old.png"
    old_image.parent.mkdir(parents=True)
    old_image.write_bytes(_png())

    refused = _cli(target_env, tmp_path / "target", "restore", str(backup_file))
    assert refused.returncode == 1
    media = tmp_path / "target" / "media"
    assert f"holds {len(in_use)} customers and 0 users, and {media} holds images" in refused.stderr
    assert "give --force" in refused.stderr
    assert _codes(target) == in_use
    assert old_image.exists()

    _ok(_cli(target_env, tmp_path / "target", "restore", "--force", str(backup_file)))
    assert _codes(target) == backed_up
    assert list(media.iterdir()) == []  # the source had no image


# --- without PostgreSQL's tools -----------------------------------------------------------------


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_without_postgresql_tools_the_command_says_what_to_install(
    tmp_path: Path, command: str, tool: str
) -> None:
    """PATH holds only an empty directory. The tools are looked for before the database is
    reached: the suite's database on PostgreSQL, otherwise a URL no server answers."""
    url = os.environ.get(TEST_URL_VARIABLE) or "postgresql://nobody@127.0.0.1:9/none"
    empty = tmp_path / "bin"
    empty.mkdir()
    backup_file = tmp_path / "registry.backup"
    backup_file.write_bytes(b"PGDMP")  # what restore checks first: a pg_dump archive
    (tmp_path / "registry.backup.media.tar").write_bytes(_empty_tar())
    env = _env(url, tmp_path) | {"PATH": str(empty)}
    done = _cli(env, tmp_path, command, str(backup_file))
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line == (
        f"error: {tool} not found: install PostgreSQL's client tools (Debian: apt-get install "
        "postgresql-client), of the server's major version or newer"
    )


def _empty_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w"):
        pass
    return out.getvalue()
