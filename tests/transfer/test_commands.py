"""`customer-registry import` and `export`, run as a user runs them (a real process): each
API's header, the report of refused rows, conflicts, dry runs, rights, round trips, and a
resume after the process is killed."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import EXE, Run

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"


def _codes(database: Path, entity_id: int = 1) -> list[str]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT code FROM customers WHERE entity_id = ? ORDER BY code", (entity_id,)
        )
        return [code for (code,) in rows]


def _database(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"  # the `run` fixture's


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("example", "api", "codes"),
    [
        ("customers-partner.jsonl", "partner", ["RW-0001", "RW-0002", "RW-0003"]),
        ("customers-sales.csv", "sales", ["S-1001", "S-1002", "S-1003"]),
        ("customers-billing.csv", "billing", ["CL0101", "CL0102", "CL0103"]),
    ],
)
def test_each_apis_example_file_imports(
    run: Run, tmp_path: Path, example: str, api: str, codes: list[str]
) -> None:
    done = run("import", str(EXAMPLES / example))
    assert done.returncode == 0, done.stderr
    assert f"columns named as the {api} API names them" in done.stdout
    assert done.stdout.rstrip().endswith("3 created, 0 updated, 0 unchanged, 0 refused")
    assert _codes(_database(tmp_path)) == codes


def test_refused_rows_are_reported_with_their_line_in_the_apis_words(
    run: Run, tmp_path: Path
) -> None:
    source = tmp_path / "billing.csv"
    source.write_text(
        "customerAccount,name,vip,emailAddress\n"
        "B1,Alpha,1,a@example.com\n"
        "B2,,0,\n"
        '"B3","Gamma\nand Co",maybe,\n'
        "B4,Delta,,d@example.com\n"
    )
    report = tmp_path / "refused.csv"
    done = run("import", str(source), "--errors", str(report))
    assert done.returncode == 1
    assert "2 created, 0 updated, 0 unchanged, 2 refused" in done.stdout
    assert _rows(report.read_text()) == [
        {"line": "3", "message": "The name field is required."},
        {"line": "4", "message": "The vip field must be true or false."},
    ]
    assert "line 3: The name field is required." in done.stderr
    assert _codes(_database(tmp_path)) == ["B1", "B4"]


@pytest.mark.parametrize(
    ("on_conflict", "summary", "name"),
    [
        ("fail", "0 created, 0 updated, 0 unchanged, 1 refused", "Before"),
        ("skip", "0 created, 0 updated, 1 unchanged, 0 refused", "Before"),
        ("update", "0 created, 1 updated, 0 unchanged, 0 refused", "After"),
    ],
)
def test_a_code_already_there(
    run: Run, tmp_path: Path, on_conflict: str, summary: str, name: str
) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("reference_is_not_ours,customerAccount,name\nx,C1,Before\n")
    second.write_text("customerAccount,name\nC1,After\n")
    assert run("import", str(first)).returncode == 0
    done = run("import", str(second), "--on-conflict", on_conflict)
    assert summary in done.stdout
    with sqlite3.connect(_database(tmp_path)) as conn:
        assert conn.execute("SELECT name FROM customers").fetchall() == [(name,)]


def test_a_dry_run_writes_nothing(run: Run, tmp_path: Path) -> None:
    done = run("import", str(EXAMPLES / "customers-billing.csv"), "--dry-run")
    assert done.returncode == 0
    assert "3 created, 0 updated, 0 unchanged, 0 refused (dry run: nothing written)" in done.stdout
    assert _codes(_database(tmp_path)) == []


def test_an_entity_user_naming_another_entity_is_refused_and_nothing_is_written(
    run: Run, tmp_path: Path
) -> None:
    assert run("entities", "create", "--name", "Other").stdout.strip() == "2"
    user = run(
        "users",
        "create",
        "--username",
        "clerk@example.com",
        "--permissions",
        "ADMIN",
        "--visibility",
        "ENTITY",
        CUSTOMER_REGISTRY_USER_PASSWORD="long enough",
    )
    assert user.returncode == 0, user.stderr
    example = str(EXAMPLES / "customers-billing.csv")
    done = run("import", example, "--as", "clerk@example.com", "--entity", "2")
    assert done.returncode == 1
    assert "You may only create customers in your own entity." in done.stderr
    assert _codes(_database(tmp_path), 2) == []
    own = run("import", example, "--as", "clerk@example.com")
    assert own.returncode == 0, own.stderr
    assert len(_codes(_database(tmp_path))) == 3


def test_columns_may_be_renamed_and_the_others_are_named_as_ignored(
    run: Run, tmp_path: Path
) -> None:
    source = tmp_path / "legacy.csv"
    source.write_text("Account,Company,Town,Notes\nL1,Legacy Ltd,Huye,keep\n")
    done = run(
        "import",
        str(source),
        "--columns",
        "Account=customerAccount,Company=name",
        "--columns",
        "Town=mainAddressCity",
    )
    assert done.returncode == 0, done.stderr
    assert "Account (as customerAccount)" in done.stdout
    assert "ignores (not written through that API): Notes" in done.stdout
    with sqlite3.connect(_database(tmp_path)) as conn:
        assert conn.execute("SELECT code, name, city FROM customers").fetchall() == [
            ("L1", "Legacy Ltd", "Huye")
        ]


def test_a_header_no_api_uses_is_refused_before_anything_is_read(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "mystery.csv"
    source.write_text("id,label\n1,Thing\n")
    done = run("import", str(source))
    assert done.returncode == 2
    assert "no column names the customer's code as an API does" in done.stderr


def test_an_excel_workbook_imports(run: Run, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["customerAccount", "name", "resellerLevel", "isReseller"])
    sheet.append(["X1", "Excel One", 2, 1])
    sheet.append(["X2", "Excel Two", None, 0])
    path = tmp_path / "customers.xlsx"
    book.save(path)
    done = run("import", str(path))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(_database(tmp_path)) as conn:
        assert conn.execute(
            "SELECT code, reseller_level, is_reseller FROM customers ORDER BY code"
        ).fetchall() == [("X1", 2, 1), ("X2", 0, 0)]


@pytest.mark.parametrize(
    ("example", "api", "volatile"),
    [
        ("customers-partner.jsonl", "partner", {"customer_id", "created_at", "modified_at"}),
        ("customers-sales.csv", "sales", {"id", "dateCreated", "lastUpdated"}),
        ("customers-billing.csv", "billing", {"id", "created_at", "updated_at"}),
    ],
)
def test_an_export_imports_back_unchanged(
    run: Run, tmp_path: Path, example: str, api: str, volatile: set[str]
) -> None:
    assert run("import", str(EXAMPLES / example)).returncode == 0
    exported = run("export", "--api", api)
    assert exported.returncode == 0, exported.stderr
    path = tmp_path / "export.csv"
    path.write_text(exported.stdout)
    again = run("import", str(path), "--on-conflict", "update")
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated, 3 unchanged, 0 refused" in again.stdout
    # Into an empty registry, the same customers come out.
    other = {"CUSTOMER_REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    assert run("migrate", **other).returncode == 0
    assert run("import", str(path), **other).returncode == 0
    second = run("export", "--api", api, **other).stdout

    def kept(text: str) -> list[dict[str, str]]:
        return [{k: v for k, v in row.items() if k not in volatile} for row in _rows(text)]

    assert kept(second) == kept(exported.stdout)
    assert len(kept(second)) == 3


def test_an_export_in_json_lines_and_filtered(run: Run) -> None:
    assert run("import", str(EXAMPLES / "customers-billing.csv")).returncode == 0
    done = run("export", "--api", "billing", "--format", "jsonl", "--where", "mainAddressCity=Lyon")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert all('"mainAddressCity":"Lyon"' in line for line in lines)
    assert "2 customers exported" in done.stderr
    unknown = run("export", "--api", "billing", "--where", "town=Lyon")
    assert unknown.returncode == 2


def test_an_import_killed_midway_resumes_with_no_row_lost_or_doubled(
    run: Run, tmp_path: Path
) -> None:
    rows = 6_000
    source = tmp_path / "many.csv"
    source.write_text(
        "customerAccount,name\n" + "".join(f"K{n:05d},Customer {n}\n" for n in range(rows))
    )
    database = _database(tmp_path)
    env = {**os.environ, "CUSTOMER_REGISTRY_DATABASE_URL": f"sqlite:///{database}"}
    process = subprocess.Popen(
        [EXE, "import", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(database, timeout=1) as conn:
                if conn.execute("SELECT count(*) FROM customers").fetchone()[0] >= 1_000:
                    break
        except sqlite3.OperationalError:  # the importer holds the write lock: still going
            continue
    assert process.poll() is None, "the import ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    kept = _codes(database)
    assert 1_000 <= len(kept) < rows
    assert len(kept) % 500 == 0  # whole batches only
    done = run("import", str(source), "--on-conflict", "skip")
    assert done.returncode == 0, done.stderr
    assert f"{rows - len(kept)} created, 0 updated, {len(kept)} unchanged" in done.stdout
    assert _codes(database) == [f"K{n:05d}" for n in range(rows)]


def test_sales_rows_name_objects_by_reference_in_the_apis_words(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "sales.csv"
    source.write_text(
        "reference,name,customerCategory,billingCountry,isActive\n"
        "S1,One,root,Rwanda,yes\n"
        "S2,Two,nowhere,RW,true\n"
        "S3,Three,,Atlantis,true\n"
        "S4,,root,RW,true\n"
    )
    report = tmp_path / "refused.csv"
    done = run("import", str(source), "--errors", str(report))
    assert done.returncode == 1
    assert _rows(report.read_text()) == [
        {"line": "3", "message": "The customer category with the reference nowhere doesn't exist."},
        {
            "line": "4",
            "message": "The type of parameter billingCountry you provided is not valid for this request.",
        },
        {"line": "5", "message": "name parameter is missing"},
    ]
    with sqlite3.connect(_database(tmp_path)) as conn:
        assert conn.execute(
            "SELECT c.code, c.country, g.reference FROM customers c "
            "JOIN customer_categories g ON g.category_id = c.category_id"
        ).fetchall() == [("S1", "RW", "root")]


def test_a_json_line_with_a_list_for_a_reference_is_refused_not_a_crash(
    run: Run, tmp_path: Path
) -> None:
    source = tmp_path / "sales.jsonl"
    source.write_text(
        '{"reference": "J1", "name": "One", "customerCategory": ["root"]}\n'
        '{"reference": "J2", "name": "Two", "customerCategory": "root"}\n'
    )
    done = run("import", str(source))
    assert done.returncode == 1, done.stderr
    assert "line 1: The type of parameter customerCategory you provided is not valid" in done.stderr
    assert _codes(_database(tmp_path)) == ["J2"]
