"""`customer-registry`: serve, migrate, and manage entities, users and API keys."""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from customer_registry.auth import tokens
from customer_registry.core import entities, users
from customer_registry.core.clock import parse_timestamp
from customer_registry.core.errors import DomainError, Forbidden, NotUnique
from customer_registry.core.fields import INT32, NotAnInteger, parse_integer
from customer_registry.core.permissions import COMMAND_LINE, Caller, Level, Visibility
from customer_registry.logs import uvicorn_log_config
from customer_registry.settings import Settings
from customer_registry.storage.database import Database, open_database
from customer_registry.storage.migrate import upgrade
from customer_registry.storage.schema import DEFAULT_ENTITY_ID

if TYPE_CHECKING:  # imported where used: every other command starts faster without them
    from customer_registry.transfer.importing import Plan

T = TypeVar("T")

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
entities_app = typer.Typer(no_args_is_help=True, help="Entities (tenants).")
users_app = typer.Typer(no_args_is_help=True, help="Users who call the APIs.")
tokens_app = typer.Typer(no_args_is_help=True, help="API keys: long-lived tokens.")
app.add_typer(entities_app, name="entities")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
webhooks_app = typer.Typer(no_args_is_help=True, help="Webhooks: receivers of customers' changes.")
app.add_typer(webhooks_app, name="webhooks")

err = Console(stderr=True)
LevelName = Enum("LevelName", {level.name: level.name for level in Level})  # type: ignore[misc]
VisibilityName = Enum("VisibilityName", {v.value: v.value for v in Visibility})  # type: ignore[misc]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


# Where a secret can be given without showing it to the machine's other users, who can read
# every process's arguments (ps, /proc/PID/cmdline) but not its input or environment.
PASSWORD_VARIABLE = "CUSTOMER_REGISTRY_USER_PASSWORD"  # noqa: S105 (a variable's name)
TOKEN_VARIABLE = "CUSTOMER_REGISTRY_TOKEN_TO_REVOKE"  # noqa: S105 (a variable's name)
FROM_STDIN = "-"


def _on_terminal() -> bool:
    return sys.stdin.isatty()


def _secret(given: str | None, *, name: str, argument: str, variable: str, new: bool) -> str:
    """A secret (`name`: "password", "token"), from the first of: the command line (kept for
    scripts, with a warning: other users see it), one line of stdin when given as `-`, the
    environment variable, a hidden prompt on a terminal (twice for a `new` secret), and
    otherwise one line of stdin (piped)."""
    if given is not None and given != FROM_STDIN:
        err.print(
            f"[yellow]warning:[/yellow] a {name} given as {argument} is visible to other users "
            f"of this machine (ps); leave it out to be asked for it, give {FROM_STDIN} to read "
            f"it from stdin, or set {variable}.",
            highlight=False,
            soft_wrap=True,  # one line, however narrow the terminal
        )
        return given
    if given is None and (from_environment := os.environ.get(variable)):
        return from_environment
    if given is None and _on_terminal():
        prompted: str = typer.prompt(
            name.capitalize(), hide_input=True, confirmation_prompt=new, err=True
        )
        return prompted
    line = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not line:
        raise _fail(f"no {name} on stdin (or give it in {variable})", 2)
    return line


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(_setting_problem(e["loc"], e["msg"]) for e in error.errors())
        raise _fail(f"bad setting: {problems}", 2) from None


def _setting_problem(location: tuple[int | str, ...], message: str) -> str:
    """A refused setting named as its environment variable (none: a rule across settings,
    whose message names them)."""
    if not location:
        return message
    return f"CUSTOMER_REGISTRY_{'_'.join(map(str, location)).upper()}: {message}"


def _run(work: Callable[[Database], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run one database operation with `settings` (default: the environment's); errors in
    one line."""
    settings = settings or _settings()

    async def main() -> T:
        db = open_database(settings)
        await db.start()
        try:
            return await work(db)
        finally:
            await db.stop()

    try:
        return asyncio.run(main())
    except DomainError as error:
        raise _fail(error.message) from None
    except OSError as error:
        raise _fail(f"cannot reach the database: {error}") from None


def _migrate(settings: Settings) -> None:
    try:
        upgrade(settings)
    except Exception as error:  # Alembic and the drivers raise many kinds; all are fatal here
        raise _fail(f"migration failed: {error}") from None


def _ensure_admin(settings: Settings) -> None:
    """On an empty database, create the first SYSTEM/GLOBAL administrator."""
    username = settings.admin_username or "admin"
    given = settings.admin_password.get_secret_value() if settings.admin_password else None
    password = given or secrets.token_urlsafe(18)

    async def work(db: Database) -> bool:
        async with db.write() as conn:
            if await users.any_exists(conn):
                return False
            try:
                await users.create(
                    conn,
                    COMMAND_LINE,
                    username=username,
                    password=password,
                    level=Level.SYSTEM,
                    visibility=Visibility.GLOBAL,
                    entity_id=DEFAULT_ENTITY_ID,
                )
            except NotUnique:  # another instance, starting at the same time, made it first
                return False
        return True

    if not _run(work):
        return
    if given is None:
        print(f"Created administrator {username!r} with password {password} (shown only once).")
    else:
        print(f"Created administrator {username!r} from CUSTOMER_REGISTRY_ADMIN_PASSWORD.")


class ServerChoice(StrEnum):
    UVICORN = "uvicorn"
    GRANIAN = "granian"


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.", min=1, max=65535)] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.", min=1, max=64)] = None,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (CUSTOMER_REGISTRY_ACCESS_LOG).")
    ] = True,
    server: Annotated[
        ServerChoice | None,
        typer.Option(help="The HTTP server (CUSTOMER_REGISTRY_SERVER, default uvicorn)."),
    ] = None,
) -> None:
    """Apply pending migrations, create the first administrator if needed, and serve."""
    # The workers read their settings from the environment: the options reach them there.
    if server is not None:
        os.environ["CUSTOMER_REGISTRY_SERVER"] = server.value
    settings = _settings()
    host, port, workers = host or settings.host, port or settings.port, workers or settings.workers
    if settings.server == "granian":
        _refuse_taken_address(host, port)
    _migrate(settings)
    _ensure_admin(settings)
    logged = access_log and settings.access_log
    os.environ["CUSTOMER_REGISTRY_ACCESS_LOG"] = "true" if logged else "false"
    _print_addresses(settings.public_url or f"http://{_url_host(host)}:{port}")
    with _metrics_directory(settings):
        if settings.server == "granian":
            from customer_registry.operations import granian_server

            granian_server.run(settings, host, port, workers)
        else:
            _serve_uvicorn(settings, host, port, workers, logged)


def _refuse_taken_address(host: str, port: int) -> None:
    """granian cannot say it itself (see operations/granian_server.py); uvicorn does, and
    exits 3 (its start-up failure), as here."""
    from customer_registry.operations.granian_server import taken

    problem = taken(host, port)
    if problem is not None:
        raise _fail(f"cannot listen on {_url_host(host)}:{port}: {problem.strerror}", 3)


def _serve_uvicorn(settings: Settings, host: str, port: int, workers: int, logged: bool) -> None:
    import uvicorn  # here, not at the top: every other command starts faster without it

    from customer_registry.operations import server
    from customer_registry.protocol import DeadlineProtocol

    server.run(
        uvicorn.Config(
            "customer_registry.app:serving_app",
            factory=True,
            proxy_headers=False,  # the app applies them, with X-Forwarded-Host (serving_app)
            host=host,
            port=port,
            workers=workers,
            # With JSON logs, the service writes the line per request itself.
            access_log=logged and settings.log_format == "text",
            log_config=uvicorn_log_config(settings.log_format),
            server_header=False,
            http=DeadlineProtocol,
            timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        )
    )


@contextmanager
def _metrics_directory(settings: Settings) -> Iterator[None]:
    """With metrics on, a new directory the workers keep their values in (prometheus-client's
    multiprocess mode: the worker answering a scrape adds up all of theirs), named to them
    before any starts, and removed when the server stops."""
    if settings.metrics_token is None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="customer-registry-metrics-") as directory:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _print_addresses(origin: str) -> None:
    """Where each surface answers, before the server's own start-up lines."""
    for surface, path in [
        ("partner API", "/v1"),
        ("sales API", "/api/v1.0"),
        ("billing API", "/api/v1"),
        ("console", "/console/"),
    ]:
        print(f"{surface:>12}: {origin}{path}", flush=True)


@app.command()
def migrate() -> None:
    """Create the database or bring its schema up to date."""
    _migrate(_settings())
    print("Database is up to date.")


@entities_app.command("create")
def entities_create(name: Annotated[str, typer.Option(help="Unique entity name.")]) -> None:
    """Create an entity; prints its id."""

    async def work(db: Database) -> int:
        async with db.write() as conn:
            entity = await entities.create(conn, COMMAND_LINE, {"name": name})
        return entity.entity_id

    print(_run(work))


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name (an e-mail address).")],
    permissions: Annotated[LevelName, typer.Option(help="Permission level.")],
    visibility: Annotated[VisibilityName, typer.Option(help="GLOBAL or ENTITY.")],
    entity: Annotated[int, typer.Option(help="Entity the user belongs to.")] = DEFAULT_ENTITY_ID,
    password: Annotated[
        str | None,
        typer.Option(
            help=f"At least 8 characters. Best left out: then it is taken from "
            f"{PASSWORD_VARIABLE}, asked for (hidden, twice) on a terminal, or read from "
            f"stdin when piped; {FROM_STDIN} reads stdin. Given here, other users can see it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create a user."""
    password = _secret(
        password, name="password", argument="--password", variable=PASSWORD_VARIABLE, new=True
    )

    async def work(db: Database) -> int:
        async with db.write() as conn:
            user = await users.create(
                conn,
                COMMAND_LINE,
                username=username,
                password=password,
                level=Level[permissions.value],
                visibility=Visibility(visibility.value),
                entity_id=entity,
            )
        return user.user_id

    print(_run(work))


@users_app.command("list")
def users_list() -> None:
    """List users."""

    async def work(db: Database) -> list[users.User]:
        async with db.read() as conn:
            return await users.list_all(conn)

    table = Table("id", "username", "entity", "permissions", "visibility", "disabled")
    for user in _run(work):
        table.add_row(
            str(user.user_id),
            user.username,
            str(user.entity_id),
            user.level.name,
            user.visibility.value,
            "yes" if user.disabled else "no",
        )
    Console().print(table)


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="The user to disable.")]) -> None:
    """Disable a user: no more logins, and their tokens are refused."""

    async def work(db: Database) -> None:
        async with db.write() as conn:
            await users.set_disabled(conn, username)

    _run(work)
    print(f"Disabled {username}.")


def _lifetime(expires_in: str) -> int | None:
    if expires_in == "never":
        return None
    try:
        seconds = parse_integer(expires_in)
    except NotAnInteger:
        seconds = None
    if seconds is None or not 1 <= seconds <= INT32[1]:
        raise _fail("--expires-in must be a number of seconds or 'never'", 2)
    return seconds


@tokens_app.command("create")
def tokens_create(
    username: Annotated[str, typer.Option(help="The user the key acts as.")],
    expires_in: Annotated[
        str, typer.Option(help="Seconds until it expires, or 'never'.")
    ] = "never",
) -> None:
    """Create an API key; prints only the key (shown once, stored hashed)."""
    lifetime = _lifetime(expires_in)

    async def work(db: Database) -> str:
        async with db.write() as conn:
            issued = await tokens.issue_api_key(conn, username, lifetime)
        return issued.token

    print(_run(work))


@tokens_app.command("revoke")
def tokens_revoke(
    token: Annotated[
        str | None,
        typer.Argument(
            help=f"The token to revoke. Best left out: then it is taken from {TOKEN_VARIABLE}, "
            f"asked for (hidden) on a terminal, or read from stdin when piped; {FROM_STDIN} "
            "reads stdin. Given here, other users can see it.",
            metavar="TOKEN",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Revoke a token (a login token or an API key) at once."""
    token = _secret(token, name="token", argument="TOKEN", variable=TOKEN_VARIABLE, new=False)

    async def work(db: Database) -> None:
        async with db.write() as conn:
            await tokens.revoke(conn, token)

    _run(work)
    print("Revoked.")


# --- import and export ------------------------------------------------------------------


class ApiName(StrEnum):
    PARTNER = "partner"
    SALES = "sales"
    BILLING = "billing"


class Conflict(StrEnum):  # core.imports.OnConflict, without importing it at start-up
    FAIL = "fail"
    SKIP = "skip"
    UPDATE = "update"


class FileFormat(StrEnum):  # transfer.exporting.Format
    CSV = "csv"
    JSONL = "jsonl"


def _pairs(given: list[str], option: str) -> dict[str, str]:
    """`NAME=VALUE` options (repeatable, or comma-separated) as a mapping."""
    pairs: dict[str, str] = {}
    for item in (part for text in given for part in text.split(",")):
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise _fail(f"{option} takes NAME=VALUE, not {item!r}", 2)
        pairs[name.strip()] = value.strip()
    return pairs


async def _caller(db: Database, username: str | None) -> Caller:
    if username is None:
        return COMMAND_LINE
    async with db.read() as conn:
        return await users.acting_as(conn, username)


def _import_plan(
    file: Path | None,
    source: tuple[str, str] | None,
    token: str | None,
    api: ApiName | None,
    columns: dict[str, str],
) -> Plan:
    """What `import` reads: the file, or the API `--from` names (its own names, read with
    `--token`)."""
    from customer_registry.transfer import importing, remote

    if (file is None) == (source is None):
        raise _fail("name a file or --from API URL (one of the two)", 2)
    if source is None:
        assert file is not None
        return importing.plan(file, api=api and api.value, columns=columns)
    source_api, url = source
    if source_api not in remote.PAGINGS:
        raise _fail(f"--from: {source_api!r} is not partner, sales or billing", 2)
    if token is None or api is not None or columns:
        raise _fail("--from takes --token, and its API's own names (no --api, --columns)", 2)
    return importing.plan_read(remote.read_api(source_api, url, token), source_api)


@app.command("import")
def import_customers(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="CSV (any delimiter; UTF-8 or Windows-1252), JSON Lines (.jsonl) or .xlsx.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    source: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--from",
            metavar="API URL",
            help="Instead of a file, read the customers a running API lists (partner, sales "
            "or billing; URL: its root, e.g. https://old.example.com/api/v1.0).",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="With --from: the API token to read it with.",
            envvar="CUSTOMER_REGISTRY_SOURCE_TOKEN",
        ),
    ] = None,
    entity: Annotated[int, typer.Option(help="The entity the customers go to.")] = (
        DEFAULT_ENTITY_ID
    ),
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as", help="Act as this user (their level and entity). Default: with every right."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row as the import would; write nothing.")
    ] = False,
    on_conflict: Annotated[
        Conflict,
        typer.Option(
            help="A row whose code the entity has: refuse it, skip it, or update what differs."
        ),
    ] = Conflict.FAIL,
    errors: Annotated[
        Path | None, typer.Option(help="Write the refused rows (line, message) to this CSV file.")
    ] = None,
    api: Annotated[
        ApiName | None, typer.Option(help="Whose names the header uses. Default: the header tells.")
    ] = None,
    columns: Annotated[
        list[str],
        typer.Option(help="Rename file columns to an API's names: 'Account=customerAccount,…'."),
    ] = [],  # noqa: B006 (Typer's way of a repeatable option)
) -> None:
    """Import customers from a file or a running API, each row through the APIs' rules. Exit
    status: 0 all imported, 1 some rows refused, 2 nothing imported (unreadable file or
    source, no right…)."""
    from customer_registry.core.imports import OnConflict, Report
    from customer_registry.transfer import importing
    from customer_registry.transfer.files import UnreadableFile
    from customer_registry.transfer.progress import ImportProgress
    from customer_registry.transfer.remote import SourceError

    try:
        plan = _import_plan(file, source, token, api, _pairs(columns, "--columns"))
    except (UnreadableFile, SourceError) as error:
        raise _fail(str(error), 2) from None
    print(plan.describe(), flush=True)

    async def work(db: Database) -> Report:
        caller = await _caller(db, as_user)
        with ImportProgress(plan.table.rows, sys.stderr, terminal=sys.stderr.isatty()) as shown:
            return await importing.run(
                db,
                caller,
                plan,
                entity_id=entity,
                on_conflict=OnConflict(on_conflict.value),
                dry_run=dry_run,
                progress=shown,
            )

    try:
        report = _run(work)
    except (UnreadableFile, SourceError) as error:  # found on the way: a bad line, a lost page
        raise _fail(str(error), 2) from None
    if errors is not None:
        with errors.open("w", encoding="utf-8", newline="") as out:
            importing.write_refusals(out, report)
    written = " (dry run: nothing written)" if dry_run else ""
    print(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.refused)} refused{written}"
    )
    for refusal in report.refused[:10]:
        err.print(f"line {refusal.line}: {refusal.message}", highlight=False, soft_wrap=True)
    if len(report.refused) > 10:
        more = "" if errors is None else f"; every one in {errors}"
        err.print(f"… and {len(report.refused) - 10} more{more}", highlight=False)
    if report.refused:
        raise typer.Exit(1)


@app.command("export")
def export_customers(
    api: Annotated[ApiName, typer.Option(help="Name the columns as this API does.")] = (
        ApiName.PARTNER
    ),
    entity: Annotated[
        int | None, typer.Option(help="Only this entity's customers. Default: every entity's.")
    ] = None,
    file_format: Annotated[FileFormat, typer.Option("--format", help="csv or jsonl.")] = (
        FileFormat.CSV
    ),
    where: Annotated[
        list[str], typer.Option(help="Only rows whose column shows this value: 'city=Kigali'.")
    ] = [],  # noqa: B006 (Typer's way of a repeatable option)
    as_user: Annotated[
        str | None, typer.Option("--as", help="Act as this user: only what they may see.")
    ] = None,
) -> None:
    """Write customers to stdout, named as one API names them (the file imports back)."""
    from customer_registry.transfer.columns import NAMINGS
    from customer_registry.transfer.exporting import Format, export

    naming = NAMINGS[api.value]
    conditions = _pairs(where, "--where")
    unknown = set(conditions) - set(naming.export_columns)
    if unknown:
        raise _fail(f"no such {api.value} column: {', '.join(sorted(unknown))}", 2)

    async def work(db: Database) -> int:
        caller = await _caller(db, as_user)
        if entity is not None and not caller.can_see_entity(entity):
            raise Forbidden(f"{caller.username} may not see entity #{entity}.")
        scope = caller.scope if entity is None else caller.scope.only(entity)
        out = sys.stdout.buffer
        count = await export(
            db, caller, scope, naming, out, file_format=Format(file_format.value), where=conditions
        )
        out.flush()
        return count

    count = _run(work)
    err.print(f"{count} customers exported", highlight=False)


@app.command("history")
def history(
    customer: Annotated[int, typer.Argument(help="The customer's id.")],
    since: Annotated[
        str | None,
        typer.Option(
            help="Only changes made at or after this time (ISO 8601; UTC unless it says)."
        ),
    ] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Act as this user: only what they may see.")
    ] = None,
    json_lines: Annotated[
        bool, typer.Option("--json", help="One JSON object per change, for programs.")
    ] = False,
) -> None:
    """Print a customer's history: each change (also of its contacts, entity links and
    products), when, by whom, through which API or tool, and each field's old and new value.
    A deleted customer's history is still printed."""
    from customer_registry.core import changes

    try:
        start = None if since is None else parse_timestamp(since)
    except ValueError:
        raise _fail(f"--since: not an ISO 8601 time: {since!r}", 2) from None

    async def work(db: Database) -> Sequence[changes.Change]:
        caller = await _caller(db, as_user)
        async with db.read() as conn:
            return await changes.of_customer(conn, caller, customer, start)

    found = _run(work)
    if json_lines:
        for change in found:
            sys.stdout.buffer.write(orjson.dumps(change, option=orjson.OPT_APPEND_NEWLINE))
        return
    table = Table()
    table.add_column("when (UTC)", no_wrap=True)
    table.add_column("through", no_wrap=True)
    # Narrow terminals wrap the rest; the values keep a readable width.
    for heading in ("who", "what", "field"):
        table.add_column(heading, overflow="fold")
    for heading in ("old", "new"):
        table.add_column(heading, overflow="fold", min_width=10)
    for change in found:
        what = change.action if change.subject is None else f"{change.action} {change.subject}"
        fields = sorted(change.changes.items()) or [("", ["", ""])]
        for number, (name, (old, new)) in enumerate(fields):
            first = number == 0
            table.add_row(
                f"{change.changed_at:%Y-%m-%d %H:%M:%S}" if first else "",
                change.surface if first else "",
                change.username if first else "",
                what if first else "",
                name,
                _shown(old),
                _shown(new),
            )
    Console().print(table)
    err.print(f"{len(found)} changes", highlight=False)


def _shown(value: object) -> str:
    """A field's value in the history's table: JSON's spelling (null, true), text as is."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


# --- backups ------------------------------------------------------------------------------------


@app.command("backup")
def backup_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Where the database's copy goes (SQLite: a database file; PostgreSQL: "
            "pg_dump's custom format); the images go beside it, to FILE.media.tar.",
            dir_okay=False,
        ),
    ],
) -> None:
    """Copy the database and the customers' images, while the service runs and writes. The
    service key is not included: keep a copy of it apart (docs/operating/backups.md)."""
    from customer_registry.storage import backup

    settings = _settings()
    try:
        report = asyncio.run(backup.backup(settings, file))
    except backup.BackupError as error:
        raise _fail(str(error)) from None
    print(f"Database copied to {report.database}.")
    print(f"{report.image_files} image files archived to {report.media}.")
    for name in report.missing:
        err.print(
            f"[yellow]warning:[/yellow] image {name} was replaced or deleted during the backup: "
            "its customer's image is missing from this one",
            highlight=False,
            soft_wrap=True,
        )
    key = "CUSTOMER_REGISTRY_SECRET_KEY" if settings.secret_key else settings.secret_key_file
    err.print(f"Not included: the service key ({key}); keep a copy of it apart.", highlight=False)


@app.command("restore")
def restore_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="A backup made by `customer-registry backup` (FILE.media.tar beside it).",
            exists=True,
            dir_okay=False,
        ),
    ],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace a database that holds customers or users, and its images."
        ),
    ] = False,
) -> None:
    """Put a backup in place of the configured database and image directory (stop the
    service first). `serve` or `migrate` then brings an older backup's schema up to date."""
    from customer_registry.storage import backup

    try:
        report = asyncio.run(backup.restore(_settings(), file, force=force))
    except backup.BackupError as error:
        raise _fail(str(error)) from None
    print(f"Restored {file} into the {report.database}, its images into {report.media}.")


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="The receiver: an http:// or https:// URL.")],
    events: Annotated[
        str, typer.Option(help="Comma-separated: customer.created,customer.updated,…")
    ],
    entity: Annotated[
        int | None, typer.Option(help="Only this entity's changes. Default: every entity's.")
    ] = None,
) -> None:
    """Add a webhook, told of the changes made from now on; prints its signing secret, once,
    as the last word of the output."""
    from customer_registry.auth.keys import service_key
    from customer_registry.core import webhooks

    settings = _settings()

    async def work(db: Database) -> webhooks.Webhook:
        async with db.write() as conn:
            return await webhooks.add(
                conn,
                COMMAND_LINE,
                url,
                events.split(","),
                entity_id=entity,
                allow_private=settings.webhook_allow_private_addresses,
            )

    hook = _run(work, settings)
    secret = webhooks.signing_secret(service_key(settings), hook)
    print(f"Webhook #{hook.webhook_id} added. Its signing secret (shown only once): {secret}")


@webhooks_app.command("list")
def webhooks_list() -> None:
    """List webhooks."""
    from customer_registry.core import webhooks

    async def work(db: Database) -> list[webhooks.Webhook]:
        async with db.read() as conn:
            return await webhooks.listed(conn, COMMAND_LINE)

    table = Table("id", "url", "events", "entity", "active", "delivered up to entry")
    for hook in _run(work):
        entity = "every" if hook.entity_id is None else str(hook.entity_id)
        active = "yes" if hook.active else "no"
        events = ",".join(sorted(hook.events))
        table.add_row(str(hook.webhook_id), hook.url, events, entity, active, str(hook.position))
    Console().print(table)


@webhooks_app.command("disable")
def webhooks_disable(webhook: Annotated[int, typer.Argument(help="The webhook's id.")]) -> None:
    """Stop delivering to a webhook."""
    from customer_registry.core import webhooks

    async def work(db: Database) -> None:
        async with db.write() as conn:
            await webhooks.disable(conn, COMMAND_LINE, webhook)

    _run(work)
    print(f"Webhook #{webhook} disabled.")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    failed: Annotated[bool, typer.Option("--failed", help="Only those given up on.")] = False,
) -> None:
    """The latest delivery attempts' outcomes (a thousand at most), newest first."""
    from customer_registry.core import webhooks

    async def work(db: Database) -> list[webhooks.Delivery]:
        async with db.read() as conn:
            return await webhooks.deliveries(conn, COMMAND_LINE, failed_only=failed)

    table = Table("webhook", "event", "type", "customer", "status", "attempts", "last answer")
    for found in _run(work):
        table.add_row(
            str(found.webhook_id),
            webhooks.event_id(found.change_id),
            found.action,
            str(found.customer_id),
            found.status,
            str(found.attempts),
            found.last_answer,
        )
    Console().print(table)


@webhooks_app.command("replay")
def webhooks_replay(
    event: Annotated[str, typer.Argument(help="The event's id (evt_123).")],
) -> None:
    """Send an event again, now, to every active webhook that subscribes to it."""
    import httpx

    from customer_registry import dispatcher
    from customer_registry.auth.keys import service_key

    settings = _settings()
    try:
        change_id = int(event.removeprefix("evt_"))
    except ValueError:
        raise _fail(f"not an event id: {event!r}", 2) from None

    async def work(db: Database) -> list[tuple[int, bool, str]]:
        async with httpx.AsyncClient(timeout=dispatcher.TIMEOUT) as client:
            sender = dispatcher.Dispatcher(
                db,
                functools.partial(service_key, settings),
                settings.webhook_allow_private_addresses,
                client,
            )
            return await sender.replay(change_id)

    sent = _run(work, settings)
    for webhook_id, delivered, answer in sent:
        print(f"Webhook #{webhook_id}: {'delivered' if delivered else 'not delivered'} ({answer})")
    if not sent:
        print("No active webhook subscribes to that event.")
    elif not all(delivered for _, delivered, _ in sent):
        raise typer.Exit(1)


def main() -> None:
    app(prog_name="customer-registry")


if __name__ == "__main__":
    main()
