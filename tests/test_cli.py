"""The `customer-registry` command line, run as a user runs it (a real process)."""

from __future__ import annotations

import pytest

from tests.conftest import Run


def test_entities_users_and_tokens(run: Run) -> None:
    created = run("entities", "create", "--name", "Partner A")
    assert (created.returncode, created.stdout.strip()) == (0, "2")
    again = run("entities", "create", "--name", "Partner A")
    assert again.returncode == 1
    assert len(again.stderr.strip().splitlines()) == 1
    assert "error" in again.stderr

    user = run(
        "users",
        "create",
        "--username",
        "ops@example.com",
        "--password",
        "long enough",
        "--permissions",
        "ADMIN",
        "--visibility",
        "ENTITY",
        "--entity",
        "2",
    )
    assert user.returncode == 0, user.stderr
    listed = run("users", "list")
    assert "ops@example.com" in listed.stdout
    assert "ADMIN" in listed.stdout

    token = run("tokens", "create", "--username", "ops@example.com")
    assert token.returncode == 0
    assert len(token.stdout.strip()) == 64
    assert token.stdout.strip().isalnum()
    assert (
        run("tokens", "create", "--username", "ops@example.com", "--expires-in", "3600").returncode
        == 0
    )
    assert run("tokens", "revoke", token.stdout.strip()).returncode == 0
    assert run("tokens", "revoke", token.stdout.strip()).returncode == 1

    assert run("users", "disable", "ops@example.com").returncode == 0
    assert "yes" in run("users", "list").stdout
    assert run("users", "disable", "nobody@example.com").returncode == 1


@pytest.mark.parametrize(
    "args",
    [
        (
            "users",
            "create",
            "--username",
            "a@b.c",
            "--password",
            "long enough",
            "--permissions",
            "KING",
            "--visibility",
            "GLOBAL",
        ),
        (
            "users",
            "create",
            "--username",
            "a@b.c",
            "--password",
            "long enough",
            "--permissions",
            "ADMIN",
            "--visibility",
            "SOME",
        ),
        ("tokens", "create", "--username", "a@b.c", "--expires-in", "soon"),
        ("serve", "--port", "0"),
        ("nonsense",),
    ],
)
def test_bad_arguments_exit_non_zero(run: Run, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.strip()


def test_user_in_missing_entity(run: Run) -> None:
    result = run(
        "users",
        "create",
        "--username",
        "a@b.c",
        "--password",
        "long enough",
        "--permissions",
        "ADMIN",
        "--visibility",
        "GLOBAL",
        "--entity",
        "9",
    )
    assert result.returncode == 1
    assert "Entity #9 does not exist." in result.stderr


def test_bad_settings_are_reported_at_start(run: Run) -> None:
    result = run("migrate", CUSTOMER_REGISTRY_DATABASE_URL="mysql://nope")
    assert result.returncode == 2
    assert "CUSTOMER_REGISTRY_DATABASE_URL" in result.stderr


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"CUSTOMER_REGISTRY_PORT": "0"}, "bad setting: CUSTOMER_REGISTRY_PORT: "),
        (  # a URL that cannot be parsed: refused in words that do not quote it
            {
                "CUSTOMER_REGISTRY_DATABASE_URL": "postgresql://me@pooler/reg",
                "CUSTOMER_REGISTRY_DB_POOLER": "pgbouncer",
                "CUSTOMER_REGISTRY_DIRECT_DATABASE_URL": "postgresql://me:s3cret@db:port/reg",
            },
            "CUSTOMER_REGISTRY_DIRECT_DATABASE_URL: Value error, is not a database URL",
        ),
        (  # a rule across settings: its message names them, no empty name before it
            {
                "CUSTOMER_REGISTRY_DATABASE_URL": "postgresql://me@db/reg",
                "CUSTOMER_REGISTRY_DIRECT_DATABASE_URL": "postgresql://me:s3cret@db/reg",
            },
            "bad setting: Value error, CUSTOMER_REGISTRY_DIRECT_DATABASE_URL is for",
        ),
    ],
)
def test_a_bad_setting_is_named_in_one_line_without_its_secret(
    run: Run, settings: dict[str, str], said: str
) -> None:
    done = run("users", "list", **settings)
    assert done.returncode == 2
    assert said in done.stderr
    assert "s3cret" not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) == 1
