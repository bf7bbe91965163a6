"""Secrets on the command line: `users create`'s password and `tokens revoke`'s token.

Any user of the machine can read every process's arguments (`ps`), so neither needs to be
one: left out, the secret comes from an environment variable, a hidden prompt on a terminal
(a new password twice), or stdin when piped; `-` reads stdin explicitly. Given as an
argument it still works, for existing scripts, with a warning on stderr.

Run in process with Typer's CliRunner, against the suite's database (SQLite, or PostgreSQL
when the suite runs there); whether a password was stored is checked by verifying it.
"""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner, Result

from customer_registry import cli
from customer_registry.apis.context import Context
from customer_registry.auth import tokens
from customer_registry.auth.passwords import verify_password
from customer_registry.core.errors import NotFound
from customer_registry.storage import identity
from tests.conftest import MakeUser, database_env

NEW_PASSWORD = "typed, not shown"
USER = ["--username", "ops@example.com", "--permissions", "ADMIN", "--visibility", "GLOBAL"]
WARNING = "visible to other users"


async def _invoke(ctx: Context, args: list[str], stdin: str = "", **environment: str) -> Result:
    """The command, as `customer-registry` runs it, on the suite's database."""
    env = {
        **database_env(ctx.settings.database_url),
        cli.PASSWORD_VARIABLE: None,
        cli.TOKEN_VARIABLE: None,
        **environment,
    }
    # In a thread: the command runs its own event loop.
    return await asyncio.to_thread(CliRunner().invoke, cli.app, args, input=stdin, env=env)


async def _password_is(ctx: Context, password: str) -> bool:
    async with ctx.db.read() as conn:
        row = await identity.user_by_username(conn, "ops@example.com")
    assert row is not None, "the user was not created"
    return await verify_password(row["password_hash"], password)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard input is a terminal (CliRunner's never is)."""
    monkeypatch.setattr(cli, "_on_terminal", lambda: True)


@pytest.mark.usefixtures("terminal")
async def test_a_new_password_is_asked_for_twice_and_not_shown(ctx: Context) -> None:
    typed = f"{NEW_PASSWORD}\nnot the same\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    result = await _invoke(ctx, ["users", "create", *USER], stdin=typed)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Password:") == 2, result.stderr
    assert "Repeat for confirmation:" in result.stderr
    assert "do not match" in result.stderr  # asked again after a mismatch
    assert NEW_PASSWORD not in result.output
    assert WARNING not in result.stderr
    assert await _password_is(ctx, NEW_PASSWORD)


async def test_a_piped_password_is_read_from_stdin(ctx: Context) -> None:
    result = await _invoke(ctx, ["users", "create", *USER], stdin=f"{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().isdigit()  # only the new id, as before
    assert WARNING not in result.stderr
    assert await _password_is(ctx, NEW_PASSWORD)


@pytest.mark.usefixtures("terminal")
async def test_a_dash_reads_stdin_even_on_a_terminal(ctx: Context) -> None:
    result = await _invoke(
        ctx,
        ["users", "create", *USER, "--password", "-"],
        stdin=f"{NEW_PASSWORD}\n",
        **{cli.PASSWORD_VARIABLE: "not this one"},
    )
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.stderr
    assert await _password_is(ctx, NEW_PASSWORD)


@pytest.mark.usefixtures("terminal")
async def test_the_password_from_the_environment(ctx: Context) -> None:
    result = await _invoke(ctx, ["users", "create", *USER], **{cli.PASSWORD_VARIABLE: NEW_PASSWORD})
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.stderr
    assert WARNING not in result.stderr
    assert await _password_is(ctx, NEW_PASSWORD)


async def test_the_password_flag_still_works_with_a_warning(ctx: Context) -> None:
    result = await _invoke(ctx, ["users", "create", *USER, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().isdigit()
    warning = result.stderr.strip()
    assert WARNING in warning
    assert cli.PASSWORD_VARIABLE in warning
    assert len(warning.splitlines()) == 1
    assert await _password_is(ctx, NEW_PASSWORD)


async def test_no_password_on_stdin_is_an_error(ctx: Context) -> None:
    result = await _invoke(ctx, ["users", "create", *USER], stdin="")
    assert result.exit_code == 2
    assert "no password" in result.stderr
    async with ctx.db.read() as conn:
        assert await identity.user_by_username(conn, "ops@example.com") is None


@pytest.mark.parametrize("how", ["argument", "dash", "piped", "environment", "terminal"])
async def test_a_token_to_revoke(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, make_user: MakeUser, how: str
) -> None:
    await make_user(username="ops@example.com")
    async with ctx.db.write() as conn:
        issued = await tokens.issue_api_key(conn, "ops@example.com", None)
    key = issued.token
    if how == "terminal":
        monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    args, stdin, environment = {
        "argument": ([key], "", {}),
        "dash": (["-"], f"{key}\n", {}),
        "piped": ([], f"{key}\n", {}),
        "environment": ([], "", {cli.TOKEN_VARIABLE: key}),
        "terminal": ([], f"{key}\n", {}),
    }[how]

    result = await _invoke(ctx, ["tokens", "revoke", *args], stdin=stdin, **environment)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Revoked."
    assert (WARNING in result.stderr) == (how == "argument"), result.stderr
    assert key not in result.output
    assert ("Token:" in result.stderr) == (how == "terminal")
    with pytest.raises(NotFound):
        async with ctx.db.write() as conn:
            await tokens.revoke(conn, key)
