"""Imports and exports in the console: the upload, its dry run's report, the run and its
progress, the error report, the search as CSV; the same import service and rules as the
command line's."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import time
from pathlib import Path
from typing import Any

import httpx

from customer_registry.apis.context import Context
from customer_registry.core.permissions import Level, Visibility
from customer_registry.transfer import jobs
from tests.conftest import MakeEntity, MakeUser
from tests.console.conftest import SignIn, csrf

BILLING_FILE = (
    "customerAccount,name,mainAddressCity\n"
    "A-1,Amani Duka,Kigali\n"
    "A-2,,Huye\n"  # no name: refused, in the billing API's words
    "A-3,Baraka Shop,Musanze\n"
)


async def _upload(
    client: httpx.AsyncClient, content: bytes, name: str = "customers.csv", **fields: str
) -> httpx.Response:
    return await client.post(
        "/console/imports",
        data={"csrf": await csrf(client, "/console/imports"), **fields},
        files={"file": (name, content, "text/csv")},
    )


async def _settled(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    """The import's progress once it no longer runs."""
    for _ in range(1200):
        found: dict[str, Any] = (await client.get(f"{path}/progress")).json()
        if found["state"] != "running":
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not end")


async def _billing_names(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    answer = await client.get("/api/v1/customers", headers=headers)
    return sorted(c["name"] for c in answer.json()["data"])


async def test_upload_dry_run_run_and_error_report(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    uploaded = await _upload(client, BILLING_FILE.encode())
    assert uploaded.status_code == 303
    path = uploaded.headers["location"]
    dry = await _settled(client, path)
    assert dry == {
        "state": "done",
        "dry_run": True,
        "rows_total": 3,
        "rows_done": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "refused": 1,
    }
    page = (await client.get(path)).text
    assert "billing API names them" in page
    assert "The name field is required." in page
    assert await _billing_names(client, admin) == []  # a dry run writes nothing

    ran = await client.post(f"{path}/run", data={"csrf": await csrf(client, path)})
    assert ran.status_code == 303
    done = await _settled(client, path)
    assert (done["dry_run"], done["created"], done["refused"]) == (False, 2, 1)
    assert await _billing_names(client, admin) == ["Amani Duka", "Baraka Shop"]
    report = await client.get(f"{path}/errors.csv")
    assert report.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(report.text))) == [
        ["line", "message"],
        ["3", "The name field is required."],
    ]
    again = await client.post(f"{path}/run", data={"csrf": await csrf(client, path)})
    assert again.status_code == 409  # an import that has run does not run twice
    assert "This import is running, or has run." in again.text
    assert await _billing_names(client, admin) == ["Amani Duka", "Baraka Shop"]
    page = (await client.get(path)).text
    assert "Run the import" not in page
    assert "Run it again" not in page


async def test_an_upload_larger_than_any_other_request(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    rows = "".join(f"B-{n},Customer {n},{'x' * 1900}\n" for n in range(600))
    content = f"customerAccount,name,comment\n{rows}".encode()
    assert len(content) > 1024 * 1024  # the APIs' and the console's pages' body limit
    uploaded = await _upload(client, content)
    assert uploaded.status_code == 303
    dry = await _settled(client, uploaded.headers["location"])
    assert (dry["created"], dry["refused"]) == (600, 0)


async def test_a_file_no_import_reads_is_refused(
    client: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await sign_in()
    wrong = await _upload(client, b"\x89PNG....", name="photo.png")
    assert wrong.status_code == 422
    assert "not a CSV, JSON Lines or .xlsx file" in wrong.text
    empty = await _upload(client, b"", name="empty.csv")
    assert empty.status_code == 422


async def test_imports_keep_the_apis_rules(
    client: httpx.AsyncClient,
    sign_in: SignIn,
    make_entity: MakeEntity,
    make_user: MakeUser,
    ctx: Context,
) -> None:
    other = await make_entity("Other")
    theirs = await make_user(Level.SYSTEM, Visibility.ENTITY, other, username="t@example.com")
    await sign_in(Level.SYSTEM, Visibility.ENTITY, 1)
    before = _files(Path(ctx.settings.imports_dir))
    refused = await _upload(client, BILLING_FILE.encode(), entity_id=str(other))
    assert refused.status_code == 403
    assert _files(Path(ctx.settings.imports_dir)) == before  # nothing kept
    assert await _billing_names(client, theirs) == []
    mine = await _upload(client, BILLING_FILE.encode())
    path = mine.headers["location"]
    await _settled(client, path)
    client.cookies.clear()
    await sign_in(Level.SYSTEM, Visibility.GLOBAL, 1, username="another@example.com")
    assert (await client.get(path)).status_code == 404  # another user's import
    client.cookies.clear()
    await sign_in(Level.OVERVIEW)
    assert (await client.get("/console/imports")).status_code == 403


async def test_the_search_exported_as_csv_in_an_apis_names(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    for name, account in [("Kivu Traders", "K-1"), ("Kivu Farm", "K-2"), ("Other", "O-1")]:
        created = await client.post(
            "/api/v1/customers", headers=admin, data={"name": name, "customerAccount": account}
        )
        assert created.status_code == 201
    exported = await client.get(
        "/console/customers/export.csv", params={"q": "kivu", "api": "sales"}
    )
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted((row["reference"], row["name"]) for row in rows) == [
        ("K-1", "Kivu Traders"),
        ("K-2", "Kivu Farm"),
    ]
    everything = await client.get("/console/customers/export.csv")
    header = everything.text.splitlines()[0]
    assert re.match(r"^id,brand_id,representative_id,customerAccount", header)
    assert len(everything.text.strip().splitlines()) == 4


async def test_an_upload_is_kept_its_owners_only_until_it_has_run(
    client: httpx.AsyncClient, sign_in: SignIn, ctx: Context
) -> None:
    await sign_in()
    directory = Path(ctx.settings.imports_dir)
    before = _files(directory)
    path, (kept,) = await _checked_upload(client, directory)
    assert kept.suffix == ".csv"
    assert os.stat(kept).st_mode & 0o777 == 0o600
    await client.post(f"{path}/run", data={"csrf": await csrf(client, path)})
    await _settled(client, path)
    assert _files(directory) == before


async def test_an_upload_no_longer_kept_cannot_run(
    client: httpx.AsyncClient, sign_in: SignIn, ctx: Context
) -> None:
    await sign_in()
    directory = Path(ctx.settings.imports_dir)
    path, kept_files = await _checked_upload(client, directory)
    for kept in kept_files:
        kept.unlink()  # as the housekeeping does a day later
    refused = await client.post(f"{path}/run", data={"csrf": await csrf(client, path)})
    assert refused.status_code == 409
    assert "no longer kept" in refused.text
    assert str(directory) not in refused.text


async def _checked_upload(client: httpx.AsyncClient, directory: Path) -> tuple[str, set[Path]]:
    """An upload whose dry run is done: its page, and the files it added to `directory`."""
    before = _files(directory)
    uploaded = await _upload(client, BILLING_FILE.encode())
    path = uploaded.headers["location"]
    await _settled(client, path)
    return path, _files(directory) - before


def _files(directory: Path) -> set[Path]:
    return set(directory.iterdir()) if directory.exists() else set()


def test_uploads_never_run_are_forgotten_after_a_day(tmp_path: Path) -> None:
    old, fresh, other = tmp_path / "old.csv", tmp_path / "fresh.xlsx", tmp_path / "notes.md"
    for path in (old, fresh, other):
        path.write_text("x")
    day_ago = time.time() - jobs.KEEP_UPLOADS.total_seconds() - 60
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert jobs.forget_old_uploads(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.xlsx", "notes.md"]
    assert jobs.forget_old_uploads(tmp_path / "missing") == 0
