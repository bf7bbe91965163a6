"""PostgreSQL's client tools (`pg_dump`, `pg_restore`, `psql`), run for backups.

Each tool is given the connection as `--dbname=<URL without its password>` and the password
in its environment (PGPASSWORD): a process's arguments are visible to every user of the
machine (ps), its environment is not. What a tool refuses comes back as one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg
from sqlalchemy.engine import make_url

INSTALL = (
    "install PostgreSQL's client tools (Debian: apt-get install postgresql-client), "
    "of the server's major version or newer"
)


class ToolError(Exception):
    """A tool missing or failing, in one line."""


@dataclass(frozen=True)
class Target:
    """A database as the tools are told of it."""

    dbname: str  # the URL without its password
    env: dict[str, str]  # the process's environment, with PGPASSWORD when the URL has one

    @classmethod
    def of(cls, dsn: str) -> Target:
        url = make_url(dsn)
        env = dict(os.environ)
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        without_password = url._replace(password=None)
        return cls(without_password.render_as_string(hide_password=False), env)


def require(*names: str) -> dict[str, str]:
    """Each tool's path, found on PATH; the first one missing stops the command."""
    found: dict[str, str] = {}
    for name in names:
        path = shutil.which(name)
        if path is None:
            raise ToolError(f"{name} not found: {INSTALL}")
        found[name] = path
    return found


def _one_line(tool: str, stderr: bytes) -> str:
    said = " ".join(line.strip() for line in stderr.decode(errors="replace").splitlines())
    return f"{tool} failed: {said or 'no message'}"


async def dump(dsn: str, target: Path, also: str) -> list[Any]:
    """`pg_dump -Fc` of the database into `target`, and the first column of `also`'s rows,
    read in the very snapshot the dump holds: a transaction of ours exports it, the dump
    takes it (`--snapshot`), and the transaction stays open until the dump is done."""
    tools = require("pg_dump")
    to = Target.of(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            process = await asyncio.create_subprocess_exec(
                tools["pg_dump"],
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
                f"--dbname={to.dbname}",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=to.env,
            )
            _, stderr = await process.communicate()
            if process.returncode != 0:
                raise ToolError(_one_line("pg_dump", stderr))
            return [row[0] for row in await conn.fetch(also)]
    finally:
        await conn.close()


def restore(dsn: str, archive: Path, prologue: str) -> None:
    """Run `prologue`, then the archive's SQL, in one transaction on the database: `pg_restore`
    writes the SQL (without owners or privileges: the objects are the restoring user's) and
    `psql` runs it, stopping at the first error. COMMIT is sent only once pg_restore has read
    the whole archive: a damaged one leaves the database as it was."""
    tools = require("pg_restore", "psql")
    to = Target.of(dsn)
    psql_command = [tools["psql"], "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"]
    restore_command = [tools["pg_restore"], "--no-owner", "--no-privileges", "--file=-"]
    with tempfile.TemporaryFile() as psql_err, tempfile.TemporaryFile() as restore_err:
        psql = subprocess.Popen(  # noqa: S603 (a tool found on PATH, our arguments)
            [*psql_command, f"--dbname={to.dbname}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
            env=to.env,
        )
        reader = subprocess.Popen(  # noqa: S603 (a tool found on PATH, our arguments)
            [*restore_command, str(archive)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=restore_err,
            env=to.env,
        )
        read_whole = _feed(psql, reader, prologue)
        if psql.wait() != 0:
            raise ToolError(_one_line("psql", _read(psql_err)))
        if not read_whole:
            raise ToolError(_one_line("pg_restore", _read(restore_err)))


def _feed(psql: subprocess.Popen[bytes], reader: subprocess.Popen[bytes], prologue: str) -> bool:
    """Give psql BEGIN, `prologue`, what pg_restore writes, and COMMIT if pg_restore succeeded;
    answer whether it did. psql stopping early (at an error, which it tells) stops pg_restore:
    the transaction it had begun ends with its connection, rolled back."""
    assert psql.stdin is not None
    assert reader.stdout is not None
    read_whole = False
    try:
        psql.stdin.write(f"BEGIN;\n{prologue}\n".encode())
        shutil.copyfileobj(reader.stdout, psql.stdin)
        read_whole = reader.wait() == 0
        if read_whole:
            psql.stdin.write(b"COMMIT;\n")
    except BrokenPipeError:
        read_whole = False
    finally:
        with contextlib.suppress(BrokenPipeError):
            psql.stdin.close()
        if reader.poll() is None:
            reader.kill()
        reader.wait()
        reader.stdout.close()
    return read_whole


def _read(file: IO[bytes]) -> bytes:
    file.seek(0)
    return file.read()
