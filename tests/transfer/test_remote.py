"""`customer-registry import --from API URL --token T`: a migration from a running original.
A second registry, started the way docs/getting-started.md says, stands in for it (its three
APIs answer as the originals do); what it lists through each API comes over, page after page,
and shows the same through that API here."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from customer_registry.transfer.remote import PAGE_SIZE, SourceError, read_api
from tests.conftest import EXE, Run

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
ROOTS = {"partner": "/v1", "sales": "/api/v1.0", "billing": "/api/v1"}
MANY = 2 * PAGE_SIZE + 50  # three pages of each API's list
# What differs between two registries holding the same customers: ids, times, the creator.
VOLATILE = {
    "partner": {"customer_id", "created_at", "modified_at", "created_by", "modified_by"},
    "sales": {"id", "dateCreated", "lastUpdated", "createdBy"},
    "billing": {"id", "created_at", "updated_at"},
}


@dataclass(frozen=True)
class Source:
    url: str
    token: str
    env: dict[str, str]  # the source's database, for the CLI


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_answering(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the source registry exited at start"
        try:
            httpx.get(f"{url}/api/version", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the source registry did not answer within 30 s")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """A registry of its own (SQLite) holding the sales example and MANY more customers."""
    tmp = tmp_path_factory.mktemp("source")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    env["CUSTOMER_REGISTRY_DATABASE_URL"] = f"sqlite:///{tmp / 'source.db'}"

    def cli(*args: str) -> str:
        done = subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("migrate")
    many = tmp / "many.csv"
    many.write_text(
        "customerAccount,name,mainAddressCity\n"
        + "".join(f"M{n:04d},Customer {n},Kigali\n" for n in range(MANY))
    )
    cli("import", str(many))
    cli("import", str(EXAMPLES / "customers-sales.csv"))
    cli("users", "create", "--username", "reader@example.com", "--password", "a-long-password",
        "--permissions", "ADMIN", "--visibility", "GLOBAL")  # fmt: skip
    token = cli("tokens", "create", "--username", "reader@example.com").split()[-1]
    port = _free_port()
    process = subprocess.Popen(
        [EXE, "serve", "--port", str(port), "--no-access-log"],
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_answering(process, url)
        yield Source(url, token, env)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _rows(text: str, api: str) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(text))
    return [{k: v for k, v in row.items() if k not in VOLATILE[api]} for row in rows]


@pytest.mark.parametrize("api", ["partner", "sales", "billing"])
def test_a_running_apis_customers_come_over_through_that_api(
    run: Run, source: Source, api: str
) -> None:
    done = run("import", "--from", api, source.url + ROOTS[api], "--token", source.token)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"the {api} API at {source.url}{ROOTS[api]}, {MANY + 3} customers" in done.stdout
    assert f"{MANY + 3} created, 0 updated, 0 unchanged, 0 refused" in done.stdout

    here = run("export", "--api", api)
    there = run("export", "--api", api, **source.env)
    assert here.returncode == there.returncode == 0
    assert _rows(here.stdout, api) == _rows(there.stdout, api)

    # Again: every customer is there by its code, nothing changes.
    again = run("import", "--from", api, source.url + ROOTS[api], "--on-conflict", "update",
                CUSTOMER_REGISTRY_SOURCE_TOKEN=source.token)  # fmt: skip
    assert f"0 created, 0 updated, {MANY + 3} unchanged, 0 refused" in again.stdout, again.stderr


def test_a_refused_token_or_an_answer_not_the_apis_stops_before_any_row(
    run: Run, source: Source
) -> None:
    refused = run("import", "--from", "sales", source.url + ROOTS["sales"], "--token", "wrong")
    assert refused.returncode == 2
    assert "answered 401" in refused.stderr
    # The billing root read as the partner API: its pages are not Flask-Restless pages.
    wrong_api = run("import", "--from", "partner", source.url + ROOTS["billing"],
                    "--token", source.token)  # fmt: skip
    assert wrong_api.returncode == 2
    assert "not a page of that API's customers" in wrong_api.stderr
    assert run("export").stdout.count("\n") == 1  # the header only: nothing was written


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "name a file or --from API URL"),
        (("--from", "crm", "http://127.0.0.1:1"), "is not partner, sales or billing"),
        (("--from", "sales", "http://127.0.0.1:1"), "--from takes --token"),
    ],
)
def test_the_source_is_a_file_or_an_api(run: Run, arguments: tuple[str, ...], message: str) -> None:
    done = run("import", *arguments)
    assert done.returncode == 2
    assert message in done.stderr


def test_an_unreachable_source_is_an_error_not_a_crash() -> None:
    with pytest.raises(SourceError, match="customers"):
        read_api("billing", f"http://127.0.0.1:{_free_port()}/api/v1", "t")
