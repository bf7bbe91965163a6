"""Test set-up: one real database per run, built by the migrations, emptied before each test.

SQLite by default; set CUSTOMER_REGISTRY_TEST_DATABASE_URL=postgresql://… to run the same
suite on PostgreSQL (CI does both), and CUSTOMER_REGISTRY_TEST_DB_POOLER=pgbouncer as well when
that URL is PgBouncer's in transaction mode (CI's third run), with
CUSTOMER_REGISTRY_TEST_DIRECT_DATABASE_URL naming the same database on PostgreSQL itself.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from customer_registry.apis.context import Context
from customer_registry.app import create_app
from customer_registry.auth import tokens
from customer_registry.auth.passwords import hash_password
from customer_registry.core import catalogues, entities, users
from customer_registry.core.clock import utcnow
from customer_registry.core.permissions import COMMAND_LINE, Level, Visibility
from customer_registry.settings import Settings
from customer_registry.storage import entities as entity_storage
from customer_registry.storage.migrate import upgrade
from customer_registry.storage.schema import (
    brands,
    customer_categories,
    customers,
    metadata,
    regions,
)

TEST_URL_VARIABLE = "CUSTOMER_REGISTRY_TEST_DATABASE_URL"
TEST_POOLER_VARIABLE = "CUSTOMER_REGISTRY_TEST_DB_POOLER"
TEST_DIRECT_VARIABLE = "CUSTOMER_REGISTRY_TEST_DIRECT_DATABASE_URL"
PASSWORD = "correct horse battery"

# What stands between the suite and its PostgreSQL database (the service's DB_POOLER). Every
# Settings and every `customer-registry` process the tests make on that database gets it,
# through `database_settings` and `database_env`.
POOLER = os.environ.get(TEST_POOLER_VARIABLE) or "none"
# Behind a pooler, PostgreSQL's own address (the suite's database there), which backups and
# restores use (the service's DIRECT_DATABASE_URL); the tests' other databases on the same
# server are reached at the same address.
DIRECT = os.environ.get(TEST_DIRECT_VARIABLE)


def _direct(url: str) -> str | None:
    """`url`'s database at PostgreSQL's own address, when the suite has a pooler's."""
    if DIRECT is None or url.startswith("sqlite"):
        return None
    direct = make_url(DIRECT).set(database=make_url(url).database)
    return direct.render_as_string(hide_password=False)


def _database_url(tmp: Path) -> str:
    return os.environ.get(TEST_URL_VARIABLE) or f"sqlite:///{tmp / 'registry.db'}"


def database_settings(url: str, **more: Any) -> Settings:
    """Settings on the database at `url` (the suite's, or a file of a test's own)."""
    return Settings(database_url=url, db_pooler=POOLER, direct_database_url=_direct(url), **more)


def database_env(url: str) -> dict[str, str]:
    """The same, as the environment of a `customer-registry` process."""
    env = {"CUSTOMER_REGISTRY_DATABASE_URL": url, "CUSTOMER_REGISTRY_DB_POOLER": POOLER}
    direct = _direct(url)
    if direct is not None:
        env["CUSTOMER_REGISTRY_DIRECT_DATABASE_URL"] = direct
    return env


async def _drop_postgres_schema(settings: Settings) -> None:
    conn = await asyncpg.connect(settings.postgres_dsn)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The run's database, created from nothing by running every migration."""
    import asyncio

    tmp = tmp_path_factory.mktemp("db")
    result = database_settings(
        _database_url(tmp),
        token_cache_seconds=0.2,
        media_dir=str(tmp / "media"),
        imports_dir=str(tmp / "imports"),
    )
    if result.dialect == "postgresql":
        asyncio.run(_drop_postgres_schema(result))
    upgrade(result)
    return result


_SELF_REFERENCES = (
    (customers, "customer_id", "parent_customer_id"),
    (customer_categories, "category_id", "parent_id"),
    (regions, "region_id", "parent_id"),
)


async def reset_database(ctx: Context) -> None:
    """Empty every table and put back entity 1, brand 1 and entity 1's root category, as
    fresh migrations leave them."""
    async with ctx.db.write() as conn:
        if conn.dialect_name == "postgresql":
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # SQLite applies ON DELETE RESTRICT row by row, so a row naming a parent in its
            # own table (sub-customers, categories, regions) would stop the DELETE: each row
            # is made its own parent first.
            for table, key, parent in _SELF_REFERENCES:
                await conn.execute(sa.update(table).values({parent: table.c[key]}))
            for table in reversed(metadata.sorted_tables):
                await conn.execute(sa.delete(table))
            await conn.execute(sa.text("DELETE FROM sqlite_sequence"))
        await entity_storage.insert(
            conn,
            {
                "name": "default",
                "bboxx_company_flag": False,
                "created_at": utcnow(),
                "created_by": "migration",
            },
        )
        await conn.execute(
            sa.insert(brands).values(
                name="default", created_at=sa.func.now(), created_by="migration"
            )
        )
        await catalogues.create_root_category(conn, COMMAND_LINE.scope, "migration")


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Any]:
    """The app on `settings`, started, over a database reset to what migrations leave."""
    application = create_app(settings)
    ctx: Context = application.state.ctx
    await ctx.start()
    await reset_database(ctx)
    try:
        yield application
    finally:
        await ctx.stop()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
def ctx(app: Any) -> Context:
    context: Context = app.state.ctx
    return context


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


MakeUser = Callable[..., Awaitable[dict[str, str]]]
MakeEntity = Callable[[str], Awaitable[int]]  # an entity of this name: its id


@pytest.fixture
def make_user(ctx: Context) -> MakeUser:
    """A user with the given level and visibility; answers the headers that carry its token."""
    counter = iter(range(1, 10_000))

    async def make(
        level: Level = Level.SYSTEM,
        visibility: Visibility = Visibility.GLOBAL,
        entity_id: int = 1,
        username: str | None = None,
    ) -> dict[str, str]:
        name = username or f"user{next(counter)}.{level.name.lower()}@example.com"
        async with ctx.db.write() as conn:
            user = await users.create(
                conn,
                COMMAND_LINE,
                username=name,
                password=PASSWORD,
                level=level,
                visibility=visibility,
                entity_id=entity_id,
            )
            issued = await tokens.issue(
                conn, user.user_id, idle_seconds=3600, lifetime_seconds=None
            )
        return {"Authorization": f"Token token={issued.token}"}

    return make


@pytest.fixture
async def admin(make_user: MakeUser) -> dict[str, str]:
    """Headers of a SYSTEM / GLOBAL user."""
    return await make_user(Level.SYSTEM, Visibility.GLOBAL, username="root@example.com")


@pytest.fixture
def make_entity(ctx: Context) -> MakeEntity:
    async def make(name: str) -> int:
        async with ctx.db.write() as conn:
            entity = await entities.create(conn, COMMAND_LINE, {"name": name})
        return entity.entity_id

    return make


@pytest.fixture
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Users made by `make_user` get one argon2 hash computed once per session (about 150 ms
    each otherwise), for tests that make many users; hashing itself is tested elsewhere."""
    precomputed = _precomputed_hash()

    async def hash_once(password: str) -> str:
        assert password == PASSWORD
        return precomputed

    monkeypatch.setattr(users, "hash_password_async", hash_once)


@functools.cache
def _precomputed_hash() -> str:
    return hash_password(PASSWORD)


# --- the command line, run as a user runs it (a real process, on its own SQLite file) ----

EXE = str(Path(sys.executable).with_name("customer-registry"))


class Run(Protocol):
    """The command run with these arguments and extra environment variables."""

    def __call__(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]: ...


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """`customer-registry` with these arguments, on a migrated database of its own."""
    env = {**os.environ, "CUSTOMER_REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [EXE, *args],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert run("migrate").returncode == 0
    return run
