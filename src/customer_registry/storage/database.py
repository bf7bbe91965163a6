"""Connections to SQLite or PostgreSQL, driven straight through their async drivers.

Statements are built with SQLAlchemy Core and compiled to the dialect's SQL here, but run
through asyncpg / aiosqlite directly: SQLAlchemy's execution layer costs more per request
than a whole fast endpoint. Hot statements are
wrapped in `Prepared` and compiled once; others are compiled at each call.

Transactions belong to the edge: `read()` lends a connection in autocommit mode (one
statement is its own transaction), `write()` lends one inside a transaction that commits
when the block ends and rolls back if it raises. `write(transaction=False)` is for an
operation that may be one statement: BEGIN and COMMIT would be two more round trips, so the
operation opens `conn.transaction()` itself only when it needs several statements.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

import aiosqlite
import asyncpg
import sqlalchemy as sa
from asyncpg.pool import PoolConnectionProxy
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.base import Executable
from sqlalchemy.util import LRUCache

from customer_registry.core.errors import Unavailable
from customer_registry.settings import Settings
from customer_registry.storage.errors import ForeignKeyViolation, UniqueViolation
from customer_registry.storage.files import create_private_file
from customer_registry.storage.schema import metadata
from customer_registry.storage.scope import SCOPE_ENTITY


class Row(Protocol):
    """A result row: an asyncpg Record on PostgreSQL, a dict on SQLite. A Record is no
    Mapping (iterating it gives its values, not its column names), so a row is read only
    through what both answer alike: by column name, or its keys, values and items."""

    def __getitem__(self, key: str, /) -> Any: ...
    def keys(self) -> Iterable[str]: ...
    def values(self) -> Iterable[Any]: ...
    def items(self) -> Iterable[tuple[str, Any]]: ...


Decoder = Callable[[Any], Any]
_T = TypeVar("_T")

# SQLite's lower() folds ASCII letters only, so `ilike` (which SQLAlchemy writes as
# `lower(x) LIKE lower(y)` there) would miss `Émile` for `émile%`. Its operands go through
# FOLD_CASE instead, a function each SQLite connection gets (Python's str.lower, Unicode's
# case mapping, as PostgreSQL's ILIKE in a UTF-8 database).
FOLD_CASE = "registry_fold_case"


class _SqliteCompiler(sqlite_dialect.base.SQLiteCompiler):
    def visit_ilike_case_insensitive_operand(self, element: Any, **kw: Any) -> str:
        return f"{FOLD_CASE}({element.element._compiler_dispatch(self, **kw)})"


class _SqliteDialect(sqlite_dialect.pysqlite.SQLiteDialect_pysqlite):
    statement_compiler = _SqliteCompiler
    supports_statement_cache = True  # the compiler differs in one function name only


def fold_case(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


_DIALECTS: dict[str, Dialect] = {
    "postgresql": asyncpg_dialect.dialect(),  # type: ignore[no-untyped-call]
    "sqlite": _SqliteDialect(),
}


@dataclass(frozen=True, slots=True)
class CompiledSQL:
    sql: str
    names: tuple[str, ...]  # bind parameter names in positional order
    values: Mapping[str, Any]  # values bound at build time (ad hoc statements)
    decoding: _Decoding | None  # SQLite: how its rows are read (None: the columns unknown)


def _decode_datetime(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _decode_bool(value: Any) -> Any:
    return None if value is None else bool(value)


def _sqlite_decoder(column: sa.ColumnElement[Any]) -> Decoder | None:
    if isinstance(column.type, sa.DateTime):
        return _decode_datetime
    if isinstance(column.type, sa.Boolean):
        return _decode_bool
    return None


class _Decoding:
    """A statement's SQLite rows as dicts, each value decoded by its column's type (SQLite
    keeps times as text and booleans as 0/1). Worked out once per statement (or shape): a
    row is `dict(zip(names, row))` and a few decoded values, not a comprehension calling
    per column (a fifth of a SQLite list page's time, py-spy)."""

    __slots__ = ("_decoders", "_named")

    def __init__(self, columns: Sequence[sa.ColumnElement[Any]]) -> None:
        self._decoders = tuple(_sqlite_decoder(column) for column in columns)
        self._named: list[tuple[str, Decoder]] | None = None

    def rows(self, names: list[str], rows: list[Any]) -> list[dict[str, Any]]:
        named = self._named
        if named is None:  # a statement's result names are the same at every run
            named = self._named = self._by_name(names)
        found = [dict(zip(names, row, strict=True)) for row in rows]
        if named:
            for record in found:
                for name, decode in named:
                    record[name] = decode(record[name])
        return found

    def values(self, rows: list[tuple[Any, ...]]) -> Sequence[Sequence[Any]]:
        """The rows as their values in the statement's column order, decoded."""
        if rows and len(rows[0]) != len(self._decoders):
            raise RuntimeError("the rows are not the columns the statement exports")
        placed = [(place, decode) for place, decode in enumerate(self._decoders) if decode]
        if not placed:
            return rows
        found = [list(row) for row in rows]
        for values in found:
            for place, decode in placed:
                values[place] = decode(values[place])
        return found

    def _by_name(self, names: list[str]) -> list[tuple[str, Decoder]]:
        if len(names) != len(self._decoders):  # not the columns SQLAlchemy exported
            return []
        last = {name: place for place, name in enumerate(names)}  # a repeated name: its last
        return [
            (name, decode)
            for place, (name, decode) in enumerate(zip(names, self._decoders, strict=True))
            if decode is not None and last[name] == place
        ]


def _decoding(stmt: Executable) -> _Decoding | None:
    columns = getattr(stmt, "exported_columns", None)
    return None if columns is None else _Decoding(tuple(columns))


def _compile(stmt: Executable, dialect: Dialect) -> CompiledSQL:
    compiled = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]
    # Bind parameters without a value are the ones each execution passes; so is the scope's
    # entity, whatever the statement was built with: it serves every scope of its kind.
    bound = {
        name: value
        for name, value in compiled.params.items()
        if value is not None and name != SCOPE_ENTITY
    }
    return CompiledSQL(compiled.string, tuple(compiled.positiontup or ()), bound, _decoding(stmt))


# Ad hoc statements (list queries, partial updates…) are compiled once per shape: SQLAlchemy's
# cache key tells two statements apart by structure, not by their values, which it extracts.
_SHAPES: LRUCache[Any, Any] = LRUCache(1000)


def _compile_cached(stmt: Executable, dialect: Dialect) -> CompiledSQL:
    compiled: Any
    compiled, extracted, collected, _ = stmt._compile_w_cache(
        dialect, compiled_cache=_SHAPES, column_keys=[]
    )
    params: dict[str, Any] = compiled.construct_params(
        extracted_parameters=extracted, escape_names=False, _collected_params=collected
    )
    # The result columns (so SQLite's decoding) are the same for every statement of a shape.
    try:
        decoding = compiled._registry_decoding
    except AttributeError:
        decoding = compiled._registry_decoding = _decoding(stmt)
    if compiled.literal_execute_params or compiled.post_compile_params:  # IN (…) lists
        expanded = compiled._process_parameters_for_postcompile(params)
        return CompiledSQL(
            expanded.statement, tuple(expanded.positiontup or ()), expanded.parameters, decoding
        )
    return CompiledSQL(compiled.string, tuple(compiled.positiontup or ()), params, decoding)


class Prepared:
    """A statement with named `bindparam`s, compiled once per dialect and reused."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, CompiledSQL] = {}

    def compiled(self, dialect_name: str) -> CompiledSQL:
        found = self._compiled.get(dialect_name)
        if found is None:
            found = _compile(self.statement, _DIALECTS[dialect_name])
            self._compiled[dialect_name] = found
        return found


Statement = Executable | Prepared
# What runs once a write's transaction has ended (`Connection.on_outcome`).
Hook = Callable[[], Awaitable[None]]


class Connection(ABC):
    """One borrowed database connection. Every query of the service goes through these four
    (or `fetch_values`, for a reader by position; for a bulk write, the two `_in_order`
    ones)."""

    dialect_name: str
    _hooks: tuple[list[Hook], list[Hook]] | None = None

    def on_outcome(self, committed: Hook | None, rolled_back: Hook | None) -> None:
        """Await `committed` once the write transaction commits, or `rolled_back` if it does
        not (for what lives outside the database, such as image files)."""
        if self._hooks is None:
            self._hooks = ([], [])
        if committed is not None:
            self._hooks[0].append(committed)
        if rolled_back is not None:
            self._hooks[1].append(rolled_back)

    async def _finished(self, committed: bool) -> None:
        hooks, self._hooks = self._hooks, None
        for hook in hooks[0 if committed else 1] if hooks else ():
            await hook()

    def _compile(self, stmt: Statement, params: Mapping[str, Any]) -> tuple[CompiledSQL, list[Any]]:
        if isinstance(stmt, Prepared):
            compiled = stmt.compiled(self.dialect_name)
            if compiled.values:  # values bound when the statement was built
                params = {**compiled.values, **params}
            return compiled, [params[name] for name in compiled.names]
        compiled = _compile_cached(stmt, _DIALECTS[self.dialect_name])
        values = {**compiled.values, **params}
        return compiled, [values[name] for name in compiled.names]

    async def fetch_all(self, stmt: Statement, **params: Any) -> Sequence[Row]:
        compiled, args = self._compile(stmt, params)
        return await self._fetch(compiled, args)

    async def fetch_one(self, stmt: Statement, **params: Any) -> Row | None:
        rows = await self.fetch_all(stmt, **params)
        return rows[0] if rows else None

    async def fetch_values(self, stmt: Statement, **params: Any) -> Sequence[Sequence[Any]]:
        """`fetch_all`'s rows as their values alone, in the statement's column order, for a
        reader by position: no name-to-value mapping built per row (on SQLite, a quarter of
        an export's main thread, py-spy)."""
        compiled, args = self._compile(stmt, params)
        return await self._fetch_values(compiled, args)

    async def fetch_value(self, stmt: Statement, **params: Any) -> Any:
        row = await self.fetch_one(stmt, **params)
        return None if row is None else next(iter(row.values()))

    async def execute(self, stmt: Statement, **params: Any) -> int:
        """Run a statement that returns no rows; answer how many rows it touched."""
        compiled, args = self._compile(stmt, params)
        return await self._execute(compiled, args)

    # A bulk write's statement has thousands of parameters: these take them already in the
    # statement's order (`CompiledSQL.names`, which the caller has checked), unnamed.
    async def fetch_all_in_order(self, stmt: Prepared, args: list[Any]) -> Sequence[Row]:
        return await self._fetch(stmt.compiled(self.dialect_name), args)

    async def execute_in_order(self, stmt: Prepared, args: list[Any]) -> int:
        return await self._execute(stmt.compiled(self.dialect_name), args)

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """`async with conn.transaction()`: the block's statements commit together, or not at
        all if it raises. Inside a transaction already, the block is simply part of it."""

    @abstractmethod
    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """`async with conn.savepoint()`, inside a transaction: if the block raises, its
        statements alone are undone and the transaction goes on (a bulk import refuses one
        row, database errors included, and keeps the others of its batch)."""

    # A total above this many rows is the planner's estimate, or a count up to a second old
    # (None: always counted at once; see storage/listing.py).
    exact_total_limit: int | None = None

    async def estimate_rows(self, stmt: Statement, **params: Any) -> int | None:
        """How many rows the planner expects `stmt` to answer, without running it (None:
        this database gives no estimate)."""
        return None

    @abstractmethod
    async def _fetch(self, compiled: CompiledSQL, args: list[Any]) -> Sequence[Row]: ...

    async def _fetch_values(
        self, compiled: CompiledSQL, args: list[Any]
    ) -> Sequence[Sequence[Any]]:
        return [tuple(row.values()) for row in await self._fetch(compiled, args)]

    @abstractmethod
    async def _execute(self, compiled: CompiledSQL, args: list[Any]) -> int: ...


@dataclass(frozen=True)
class PoolUsage:
    """A worker's connections to the database, now (what /metrics shows)."""

    size: int  # open
    in_use: int  # lent to a request or a task
    waiting: int  # requests waiting for one


class Database(ABC):
    dialect_name: str

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    def usage(self) -> PoolUsage: ...

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[Connection]:
        """`async with db.read() as conn`: a connection for reads, no transaction."""

    @abstractmethod
    def write(self, *, transaction: bool = True) -> AbstractAsyncContextManager[Connection]:
        """`async with db.write() as conn`: a connection inside one transaction. With
        `transaction=False`, each statement commits on its own unless the code opens
        `conn.transaction()`. Either way `on_outcome` hooks run when the block ends, once the
        connection is given back (and, on SQLite, the next writer let in).

        Within an `enclosing_write()` block of the same task, the enclosing connection and
        transaction are lent instead."""

    @asynccontextmanager
    async def enclosing_write(self) -> AsyncIterator[Connection]:
        """A `write()` whose transaction also holds every `write()` the block's task opens
        on this database: what the block does around a request handler (before it, after
        it) commits with what the handler writes, or not at all."""
        async with self.write() as conn:
            token = _ENCLOSING.set((self, conn))
            try:
                yield conn
            finally:
                _ENCLOSING.reset(token)

    def _enclosing(self) -> Connection | None:
        """The connection of the `enclosing_write()` this task is in, if any."""
        enclosing = _ENCLOSING.get()
        return enclosing[1] if enclosing is not None and enclosing[0] is self else None


_ENCLOSING: ContextVar[tuple[Database, Connection] | None] = ContextVar(
    "enclosing_write", default=None
)


# --- PostgreSQL -----------------------------------------------------------------------------

_UNAVAILABLE_PG = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.QueryCanceledError,  # statement_timeout
    asyncpg.AdminShutdownError,
)


# Two transactions waiting on each other: PostgreSQL cancels one; the client may retry it.
_CONFLICT_PG = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


def _translate_pg_errors(error: Exception) -> Exception:
    if isinstance(error, _CONFLICT_PG):
        return Unavailable("The request collided with another one; try it again.")
    if isinstance(error, asyncpg.UniqueViolationError):
        return UniqueViolation(error.constraint_name)
    if isinstance(error, asyncpg.ForeignKeyViolationError):
        return ForeignKeyViolation(error.constraint_name)
    if isinstance(error, _UNAVAILABLE_PG):
        return Unavailable("The database is not available; try again later.")
    return error


class _PgConnection(Connection):
    dialect_name = "postgresql"

    def __init__(self, raw: PoolConnectionProxy, exact_total_limit: int | None = None) -> None:
        self._raw = raw
        self.exact_total_limit = exact_total_limit

    async def estimate_rows(self, stmt: Statement, **params: Any) -> int | None:
        compiled, args = self._compile(stmt, params)
        try:
            plan = await self._raw.fetchval(f"EXPLAIN (FORMAT JSON) {compiled.sql}", *args)
        except Exception as error:
            raise _translate_pg_errors(error) from error
        # Parameters are planned with their values (a custom plan), so the estimate is the
        # one the statistics give for these values, not an average.
        return int(json.loads(plan)[0]["Plan"]["Plan Rows"])

    async def _fetch(self, compiled: CompiledSQL, args: list[Any]) -> Sequence[Row]:
        try:
            rows: Sequence[Row] = await self._raw.fetch(compiled.sql, *args)
        except Exception as error:
            raise _translate_pg_errors(error) from error
        return rows

    async def _fetch_values(
        self, compiled: CompiledSQL, args: list[Any]
    ) -> Sequence[Sequence[Any]]:
        # A Record is read by position as a tuple is (index, slice, iteration); it is only
        # not registered as a Sequence.
        return cast(Sequence[Sequence[Any]], await self._fetch(compiled, args))

    async def _execute(self, compiled: CompiledSQL, args: list[Any]) -> int:
        try:
            status: str = await self._raw.execute(compiled.sql, *args)
        except Exception as error:
            raise _translate_pg_errors(error) from error
        # asyncpg answers the command tag, e.g. "UPDATE 3" or "INSERT 0 1".
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._raw.is_in_transaction():
            yield
            return
        async with self._raw.transaction():
            yield

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        if not self._raw.is_in_transaction():
            raise RuntimeError("a savepoint needs a transaction")
        async with self._raw.transaction():  # asyncpg: a nested transaction is a savepoint
            yield


async def _keep_session(raw: asyncpg.Connection) -> None:
    """Readies a connection for its next borrower: asyncpg has already rolled back a
    transaction left open. Its default reset query (advisory unlocks, CLOSE ALL, UNLISTEN,
    RESET ALL) would add a round trip to every request, and undo nothing: the service never
    changes session state on pooled connections (its advisory locks end with their
    transaction; it opens no cursors, listens to nothing and SETs nothing)."""


def _session_options(settings: Settings) -> dict[str, Any]:
    """asyncpg's options for each connection of the pool.

    Straight to PostgreSQL, the session is the connection's own: the statement timeout and
    the time zone are given at connect, and each statement is prepared once per connection
    (asyncpg's cache) and then sent as one Bind/Execute.

    Through PgBouncer in transaction mode (`db_pooler = "pgbouncer"`) a server connection is
    lent for one transaction, or one statement outside a transaction (until the server says
    it is idle): the session is not ours. So nothing may be kept in it (the service SETs
    nothing but `SET LOCAL`, locks only with `pg_advisory_xact_lock`, listens to nothing,
    leaves no cursor open), and:
    - no statement cache: asyncpg's named statements would be missing on the next server
      connection, or collide with another client's of the same name there. Uncached, asyncpg
      sends each statement as Parse/Describe/Flush, then Parse/Bind/Execute/Sync: the first
      exchange ends with no Sync, so PgBouncer keeps the server linked to the second, which
      holds all it needs (one round trip more than a cached statement, and a new plan);
    - the statement timeout is asyncpg's own (`command_timeout`: past it asyncpg cancels the
      statement, a cancel PgBouncer passes to the server running it), since PgBouncer refuses
      `statement_timeout` at connect and a SET would stay on whichever server connection
      had it. The time zone is one of the few settings PgBouncer keeps for each client (it
      sets it on the server connection it lends).
    The one session setting left to asyncpg: the first time a connection meets an array type
    (`int8[]`…) it asks the catalog about it between a `set_config('jit', 'off')` and the
    setting put back; outside a transaction those may reach different server connections,
    leaving one with JIT off (a planner choice: no answer changes)."""
    if settings.db_pooler == "pgbouncer":
        return {
            "statement_cache_size": 0,
            "command_timeout": settings.statement_timeout_ms / 1000,
            "server_settings": {"timezone": "UTC"},
        }
    return {
        "server_settings": {
            "statement_timeout": str(settings.statement_timeout_ms),
            "timezone": "UTC",
        }
    }


class PostgresDatabase(Database):
    dialect_name = "postgresql"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: asyncpg.Pool | None = None
        self._waiting = 0  # requests waiting for a connection (metrics)

    async def start(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self._settings.postgres_dsn,
                min_size=1,
                max_size=self._settings.db_pool_size,
                reset=_keep_session,
                **_session_options(self._settings),
            )
        except Exception as error:
            raise _translate_pg_errors(error) from error

    async def stop(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _require_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("Database.start() was not awaited")
        return self._pool

    def usage(self) -> PoolUsage:
        if self._pool is None:
            return PoolUsage(0, 0, self._waiting)
        size = self._pool.get_size()
        return PoolUsage(size, size - self._pool.get_idle_size(), self._waiting)

    def read(self) -> AbstractAsyncContextManager[Connection]:
        return _PgRead(self)

    async def _acquire(self) -> PoolConnectionProxy:
        self._waiting += 1
        try:
            raw: PoolConnectionProxy = await self._require_pool().acquire()
        except Exception as error:
            raise _translate_pg_errors(error) from error
        finally:
            self._waiting -= 1
        return raw

    @asynccontextmanager
    async def write(self, *, transaction: bool = True) -> AsyncIterator[Connection]:
        enclosing = self._enclosing()
        if enclosing is not None:
            yield enclosing
            return
        conn: Connection | None = None
        committed = False
        try:
            async with self.read() as conn:
                async with conn.transaction() if transaction else nullcontext():
                    yield conn
                committed = True
        except asyncpg.PostgresError as error:
            raise _translate_pg_errors(error) from error
        finally:
            if conn is not None:  # its hooks run once the connection is back in the pool
                await conn._finished(committed)


class _PgRead(AbstractAsyncContextManager[Connection]):
    """`PostgresDatabase.read()`: a pooled connection, given back when the block ends. A
    class, not a generator's context manager: entering and leaving one of those costs about
    11,000 instructions (callgrind), and every request reads."""

    __slots__ = ("_db", "_raw")

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db
        self._raw: PoolConnectionProxy | None = None

    async def __aenter__(self) -> Connection:
        self._raw = raw = await self._db._acquire()
        return _PgConnection(raw, self._db._settings.exact_total_limit or None)

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._raw is not None
        await _release(self._db._require_pool(), self._raw)


async def _release(pool: asyncpg.Pool, raw: PoolConnectionProxy) -> None:
    """`pool.release(raw)`, without the `asyncio.shield` asyncpg wraps around every release
    when the connection is outside a transaction: the shield's task and the event loop's
    turns it takes cost about 85,000 instructions a request, a seventh of a GET of one
    customer (`bench.instructions`, PostgreSQL), and about 8 % of its CPU under wrk.

    The shield keeps a cancelled release from leaving the connection lent for ever. Outside
    a transaction it has nothing to keep: the holder's release does not suspend (the reset is
    `_keep_session`, which does nothing), so no cancellation can reach it; and where it does
    suspend (closing a connection past its query limit, waiting for a cancelled query),
    asyncpg ends a cancelled release by terminating the connection, which gives its place in
    the pool back. A connection in a transaction (its block failed as it ended) takes
    asyncpg's own release, whose rollback is a round trip. These are the steps of asyncpg
    0.32's `Pool.release` bar the shield, through its internals: it has no release without
    one (`tests/storage/test_pool_release.py` fails on a version whose steps differ)."""
    proxy = cast(Any, raw)
    connection = proxy._con
    if connection is None:  # closed in the block: asyncpg gave its place back then
        return
    if connection.is_in_transaction():
        await pool.release(raw)
        return
    holder = proxy._holder
    connection._on_release()
    await holder.release(holder._timeout)


# --- SQLite ---------------------------------------------------------------------------------

_UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: (.+)")


def _unique_names_by_columns() -> dict[tuple[str, tuple[str, ...]], str]:
    """SQLite names the columns of a failed unique index (or key), not its name: map back."""
    names: dict[tuple[str, tuple[str, ...]], str] = {}
    for table in metadata.tables.values():
        for index in table.indexes:
            if index.unique:
                names[(table.name, tuple(c.name for c in index.columns))] = str(index.name)
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint):
                cols = tuple(c.name for c in constraint.columns)
                names[(table.name, cols)] = str(constraint.name)
    return names


_SQLITE_UNIQUE_NAMES = _unique_names_by_columns()


def _translate_sqlite_errors(error: Exception) -> Exception:
    if isinstance(error, sqlite3.IntegrityError):
        message = str(error)
        if match := _UNIQUE_FAILED.match(message):
            qualified = [part.strip() for part in match.group(1).split(",")]
            table = qualified[0].split(".", 1)[0]
            columns = tuple(part.split(".", 1)[1] for part in qualified)
            return UniqueViolation(_SQLITE_UNIQUE_NAMES.get((table, columns)))
        if "FOREIGN KEY" in message:
            return ForeignKeyViolation(None)
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        return Unavailable("The database is busy; try again later.")
    return error


def _sqlite_time(value: datetime) -> str:
    return value.isoformat(sep=" ", timespec="microseconds")


# Times are written in the same text form as SQLAlchemy's SQLite DateTime, so ordering and
# migrations agree. By sqlite3's own adapter (process-wide; it replaces the default one,
# which drops a zero fraction): sqlite3 consults it in C, for datetimes only, where a pass
# over every parameter in Python cost 7 % of a SQLite import (a statement of a bulk write
# has thousands of parameters).
sqlite3.register_adapter(datetime, _sqlite_time)


def _query(conn: sqlite3.Connection, sql: str, args: list[Any]) -> tuple[list[str], list[Any]]:
    """A query's column names and rows (in the connection's thread)."""
    cursor = conn.execute(sql, args)
    try:
        return [d[0] for d in cursor.description or ()], cursor.fetchall()
    finally:
        cursor.close()


def _change(conn: sqlite3.Connection, sql: str, args: list[Any]) -> int:
    """A statement that answers no rows; how many it touched (in the connection's thread)."""
    cursor = conn.execute(sql, args)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _begun(conn: sqlite3.Connection, work: Callable[..., _T], *args: Any) -> _T:
    """A transaction's first statement, after its BEGIN (in the connection's thread)."""
    conn.execute("BEGIN IMMEDIATE").close()
    return work(conn, *args)


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo the transaction, if its BEGIN went through (it runs after it, in the same
    thread's order, even when the awaiting request was cancelled in between)."""
    if conn.in_transaction:
        conn.execute("ROLLBACK").close()


class _SqliteConnection(Connection):
    dialect_name = "sqlite"

    def __init__(self, raw: aiosqlite.Connection, exact_total_limit: int | None = None) -> None:
        self._raw = raw
        self.exact_total_limit = exact_total_limit
        self._begin_pending = False  # a transaction begun, its BEGIN not yet sent

    async def _in_thread(self, work: Callable[..., _T], *args: Any) -> _T:
        """`work(sqlite3_connection, *args)` in the connection's thread, in one hand-over.
        aiosqlite's public methods take one each (execute, fetchall, close: three for a
        query), and each hand-over wakes the event loop: doing it once per statement took a
        third off a partner GET's instructions (998k to 670k, `bench.instructions`) and a
        quarter off an update's. `_execute` is how aiosqlite runs each of its own calls."""
        if self._begin_pending:
            self._begin_pending = False
            args = (work, *args)
            work = _begun
        try:
            result: _T = await self._raw._execute(work, self._raw._conn, *args)  # type: ignore[no-untyped-call]
        except sqlite3.Error as error:
            raise _translate_sqlite_errors(error) from error
        return result

    async def _fetch(self, compiled: CompiledSQL, args: list[Any]) -> Sequence[Row]:
        names, rows = await self._in_thread(_query, compiled.sql, args)
        if compiled.decoding is None:
            return [dict(zip(names, row, strict=True)) for row in rows]
        return compiled.decoding.rows(names, rows)

    async def _fetch_values(
        self, compiled: CompiledSQL, args: list[Any]
    ) -> Sequence[Sequence[Any]]:
        _, rows = await self._in_thread(_query, compiled.sql, args)
        return rows if compiled.decoding is None else compiled.decoding.values(rows)

    async def _execute(self, compiled: CompiledSQL, args: list[Any]) -> int:
        return await self._in_thread(_change, compiled.sql, args)

    def _in_transaction(self) -> bool:
        return self._begin_pending or self._raw.in_transaction

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._in_transaction():
            yield
            return
        # BEGIN goes with the block's first statement, in its hand-over (one fewer per write:
        # a partner rename's five became four). IMMEDIATE: the write lock is still taken
        # before that statement runs, not at the first write (no upgrade deadlock).
        self._begin_pending = True
        try:
            yield
        except BaseException:
            if not self._begin_pending:  # else nothing reached the database
                await self._in_thread(_rollback)
            raise
        finally:
            began, self._begin_pending = not self._begin_pending, False
        if not began:
            return
        try:
            await self._in_thread(_change, "COMMIT", [])
        except Exception:
            await self._in_thread(_rollback)
            raise

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        if not self._in_transaction():
            raise RuntimeError("a savepoint needs a transaction")
        name = f"sp{next(_SAVEPOINTS)}"
        await self._in_thread(_change, f"SAVEPOINT {name}", [])
        try:
            yield
        except BaseException:
            await self._in_thread(_change, f"ROLLBACK TO {name}", [])
            await self._in_thread(_change, f"RELEASE {name}", [])
            raise
        await self._in_thread(_change, f"RELEASE {name}", [])


_SAVEPOINTS = itertools.count()  # names unique in the process, so savepoints may nest


_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    # The partner API's `like` is case-sensitive, as on PostgreSQL.
    "PRAGMA case_sensitive_like=ON",
)


def create_sqlite_file(path: str) -> None:
    """The database file, created its owner's only before SQLite opens it: SQLite would
    create it world-readable, and gives its -wal, -shm and -journal files the database
    file's permissions."""
    if path != ":memory:":
        create_private_file(path)


class SqliteDatabase(Database):
    """A small pool of SQLite connections. Writers take one lock per process; across
    processes (several workers) SQLite's own lock and busy timeout order them."""

    dialect_name = "sqlite"

    def __init__(self, settings: Settings, pool_size: int = 4) -> None:
        self._path = settings.sqlite_path
        self._exact_total_limit = settings.exact_total_limit or None
        self._pool_size = pool_size
        # The connection given back last is taken first: its page cache is the warm one (a
        # connection's cache is dropped when another writes), and a bulk import's batches
        # then all write through one connection (an import of 200,000 rows, three runs each:
        # 20.1 s round-robin, 19.2 s so; peak RSS 137 → 118 MB).
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.LifoQueue()
        self._all: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()
        self._waiting = 0  # requests waiting for a connection (metrics)

    async def start(self) -> None:
        create_sqlite_file(self._path)
        for _ in range(self._pool_size):
            raw = await aiosqlite.connect(self._path, isolation_level=None)
            for pragma in _SQLITE_PRAGMAS:
                # Close each cursor: a pragma left open (journal_mode answers a row) makes
                # SQLite ignore the ones after it.
                cursor = await raw.execute(pragma)
                await cursor.close()
            await raw.create_function(FOLD_CASE, 1, fold_case, deterministic=True)
            self._all.append(raw)
            self._idle.put_nowait(raw)

    async def stop(self) -> None:
        for raw in self._all:
            await raw.close()
        self._all.clear()
        self._idle = asyncio.LifoQueue()

    def usage(self) -> PoolUsage:
        return PoolUsage(len(self._all), len(self._all) - self._idle.qsize(), self._waiting)

    def read(self) -> AbstractAsyncContextManager[Connection]:
        return _SqliteRead(self)

    async def _acquire(self) -> aiosqlite.Connection:
        self._waiting += 1
        try:
            return await self._idle.get()
        finally:
            self._waiting -= 1

    @asynccontextmanager
    async def write(self, *, transaction: bool = True) -> AsyncIterator[Connection]:
        enclosing = self._enclosing()
        if enclosing is not None:
            yield enclosing
            return
        # Writers wait for each other here rather than in SQLite's busy timeout.
        conn: Connection | None = None
        committed = False
        try:
            async with self._write_lock, self.read() as conn:
                async with conn.transaction() if transaction else nullcontext():
                    yield conn
                committed = True
        finally:
            if conn is not None:  # its hooks run once the next writer may go on
                await conn._finished(committed)


class _SqliteRead(AbstractAsyncContextManager[Connection]):
    """`SqliteDatabase.read()`: an idle connection, given back when the block ends (a class,
    as `_PgRead` is)."""

    __slots__ = ("_db", "_raw")

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._raw: aiosqlite.Connection | None = None

    async def __aenter__(self) -> Connection:
        self._raw = raw = await self._db._acquire()
        return _SqliteConnection(raw, self._db._exact_total_limit)

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._raw is not None
        self._db._idle.put_nowait(self._raw)


def storable(*values: object) -> bool:
    """Whether every value could be stored: text holding NUL cannot (PostgreSQL refuses it
    outright), so a lookup by such a value finds nothing without asking the database."""
    return not any(isinstance(value, str) and "\x00" in value for value in values)


def dialect_insert(dialect_name: str, table: sa.Table) -> postgresql.Insert | sqlite_dialect.Insert:
    """An INSERT with the dialect's `ON CONFLICT` clauses (both spell them alike)."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite_dialect.insert(table)


def insert_ignoring_conflicts(conn: Connection, table: sa.Table) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the connection's dialect."""
    return dialect_insert(conn.dialect_name, table).on_conflict_do_nothing()


def open_database(settings: Settings) -> Database:
    if settings.dialect == "sqlite":
        return SqliteDatabase(settings)
    return PostgresDatabase(settings)
