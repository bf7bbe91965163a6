"""Reading and writing import/export files: CSV in any delimiter and the encodings
spreadsheets write, JSON Lines, Excel; line numbers for the error report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from customer_registry.transfer.files import (
    UnreadableFile,
    encoding_of,
    read,
    write_csv,
    write_json_lines,
)

_ROWS = (
    'reference;name;billingCity\nR1;Ünal Çelik;Zürich\n\nR2;"Two; lines\nhere";Kigali\nR3;Three;\n'
)


def _lines(path: Path) -> list[tuple[int, dict[str, object]]]:
    table = read(path)
    return [(record.line, record.values) for record in table.records]


@pytest.mark.parametrize(
    ("encoding", "described"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"), ("cp1252", "Windows-1252")],
)
def test_csv_in_the_encodings_spreadsheets_write(
    tmp_path: Path, encoding: str, described: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(_ROWS.encode(encoding))
    table = read(path)
    assert table.columns == ["reference", "name", "billingCity"]
    assert table.description == f"CSV, {described}, delimiter ';'"
    assert table.rows == 5  # its lines: the blank one and the quoted line break included
    assert [(r.line, r.values) for r in table.records] == [
        (2, {"reference": "R1", "name": "Ünal Çelik", "billingCity": "Zürich"}),
        (4, {"reference": "R2", "name": "Two; lines\nhere", "billingCity": "Kigali"}),
        (6, {"reference": "R3", "name": "Three", "billingCity": ""}),
    ]


def test_bytes_windows_1252_leaves_undefined_are_read_as_latin_1(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"name\nA\x81B\n")
    assert encoding_of(path) == "latin-1"
    assert _lines(path) == [(2, {"name": "A\x81B"})]


@pytest.mark.parametrize("delimiter", [",", "\t", "|", ";"])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        f"code{delimiter}name\nC1{delimiter}One\nC2{delimiter}Two, Ltd\n".replace(
            "Two, Ltd", '"Two, Ltd"' if delimiter == "," else "Two, Ltd"
        )
    )
    assert _lines(path) == [
        (2, {"code": "C1", "name": "One"}),
        (3, {"code": "C2", "name": "Two, Ltd"}),
    ]


def test_json_lines_keep_their_types_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text(
        '{"reference": "R1", "isActive": true, "creditLimit": 5000}\n\n{"reference": "R2"}\n'
    )
    table = read(path)
    assert table.columns == ["reference", "isActive", "creditLimit"]
    assert [(r.line, r.values) for r in table.records] == [
        (1, {"reference": "R1", "isActive": True, "creditLimit": 5000}),
        (3, {"reference": "R2"}),
    ]


def test_a_json_line_that_is_not_an_object_is_named(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text('{"reference": "R1"}\n[1, 2]\n')
    with pytest.raises(UnreadableFile, match="line 2"):
        list(read(path).records)


def test_excel_first_sheet_first_row_is_the_header(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["customerAccount", "name", "resellerLevel"])
    sheet.append(["B1", "One", 2])
    sheet.append([None, None, None])
    sheet.append(["B2", "Two", None])
    path = tmp_path / "customers.xlsx"
    book.save(path)
    table = read(path)
    assert table.columns == ["customerAccount", "name", "resellerLevel"]
    assert [(r.line, r.values) for r in table.records] == [
        (2, {"customerAccount": "B1", "name": "One", "resellerLevel": 2}),
        (4, {"customerAccount": "B2", "name": "Two", "resellerLevel": None}),
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.csv", b""), ("empty.jsonl", b"\n\n"), ("bad.xlsx", b"not a zip"), ("x.pdf", b"%PDF")],
)
def test_an_unreadable_file_is_refused_with_its_reason(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile):
        read(path)


def test_what_is_written_reads_back_the_same(tmp_path: Path) -> None:
    rows: list[dict[str, str | None]] = [
        {"code": "C1", "name": 'Say "hi", then\nleave', "city": None},
        {"code": "C2", "name": "Ünal"},
    ]
    text = io.StringIO()
    write_csv(text, ["code", "name", "city"], rows)
    path = tmp_path / "out.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    assert [r.values for r in read(path).records] == [
        {"code": "C1", "name": 'Say "hi", then\nleave', "city": ""},
        {"code": "C2", "name": "Ünal", "city": ""},
    ]
    binary = io.BytesIO()
    write_json_lines(binary, rows)
    lines = tmp_path / "out.jsonl"
    lines.write_bytes(binary.getvalue())
    assert [r.values for r in read(lines).records] == rows
