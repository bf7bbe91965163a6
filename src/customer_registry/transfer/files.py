"""The files an import reads and an export writes: CSV, JSON Lines and Excel (.xlsx), one
record per row, read as a stream (constant memory at any size).

CSV comes from spreadsheets and other systems' exports: its delimiter is whatever Python's
sniffer finds, and its encoding UTF-8 (with or without a byte-order mark) or, when the file is
not valid UTF-8, Windows-1252 (the superset of Latin-1 that Excel writes on Windows).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
from openpyxl import load_workbook

_SAMPLE = 64 * 1024  # what the delimiter sniffer reads
_CHUNK = 1024 * 1024
_DELIMITERS = ",;\t|"


class UnreadableFile(ValueError):
    """A file that is not what its name says, or has no header."""


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # where it starts in the file (1: the first line; the header's in CSV)
    values: dict[str, Any]  # column -> value, as the file has it (text in CSV)


@dataclass(frozen=True, slots=True)
class Table:
    """A file's columns and its records (read once, in order)."""

    columns: Sequence[str]
    records: Iterator[Record]
    description: str  # how the file was read: "CSV, UTF-8, ';'" …
    rows: int | None  # about how many records (its lines), for the progress shown; None: unknown


def read(path: Path) -> Table:
    """The records of `path`, by its suffix: .csv (or .txt), .jsonl (or .ndjson), .xlsx."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_csv(path)
    if suffix in (".jsonl", ".ndjson"):
        return read_json_lines(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    raise UnreadableFile(f"{path.name}: not a CSV, JSON Lines or .xlsx file (by its suffix)")


# --- CSV -------------------------------------------------------------------------------------


def encoding_of(path: Path) -> str:
    """UTF-8 with a byte-order mark, UTF-8, or else Windows-1252; Latin-1 when even that
    fails (Windows-1252 leaves five bytes undefined; Latin-1 reads every byte)."""
    with path.open("rb") as file:
        if file.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as file:
        try:
            while chunk := file.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def read_csv(path: Path) -> Table:
    encoding = encoding_of(path)
    file = path.open(encoding=encoding, newline="")
    dialect = _dialect(file.read(_SAMPLE))
    file.seek(0)
    reader = csv.reader(file, dialect)
    header = next(reader, None)
    if not header:
        file.close()
        raise UnreadableFile(f"{path.name}: no header line")
    columns = [name.strip() for name in header]
    name = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "cp1252": "Windows-1252"}
    description = f"CSV, {name.get(encoding, encoding)}, delimiter {dialect.delimiter!r}"
    return Table(columns, _csv_records(file, reader, columns), description, _lines(path) - 1)


def _lines(path: Path) -> int:
    """The file's lines (a quoted value over several lines counts them all)."""
    count, last = 0, b"\n"
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:  # one column, or too little to tell: commas
        return csv.excel


def _csv_records(file: IO[str], reader: Any, columns: Sequence[str]) -> Iterator[Record]:
    with file:
        line = reader.line_num + 1
        for row in reader:
            if "".join(row).strip():  # blank lines are not rows (joined: no call per cell)
                yield Record(line, dict(zip(columns, row, strict=False)))
            line = reader.line_num + 1


def write_csv(
    out: IO[str],
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    *,
    header: bool = True,
) -> None:
    """Comma-separated, every value quoted as needed; None as an empty cell. Without
    `header`, the rows go on a file already started."""
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(columns)
    # csv writes None as an empty cell itself: each row's cells are taken in C (`map`).
    writer.writerows(map(row.get, columns) for row in rows)


# --- JSON Lines ------------------------------------------------------------------------------


def read_json_lines(path: Path) -> Table:
    file = path.open("rb")
    first = _next_object(file)
    if first is None:
        file.close()
        raise UnreadableFile(f"{path.name}: no JSON object")
    line, values = first
    columns = list(values)
    records = _json_records(file, Record(line, values))
    return Table(columns, records, "JSON Lines", _lines(path))


def _next_object(file: IO[bytes], start: int = 0) -> tuple[int, dict[str, Any]] | None:
    for line, raw in enumerate(file, start=start + 1):
        if raw.strip():
            return line, _object(raw, line)
    return None


def _object(raw: bytes, line: int) -> dict[str, Any]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise UnreadableFile(f"line {line}: not JSON ({error})") from None
    if not isinstance(value, dict):
        raise UnreadableFile(f"line {line}: not a JSON object")
    return value


def _json_records(file: IO[bytes], first: Record) -> Iterator[Record]:
    with file:
        yield first
        for line, raw in enumerate(file, start=first.line + 1):
            if raw.strip():
                yield Record(line, _object(raw, line))


def write_json_lines(out: IO[bytes], rows: Iterable[Mapping[str, Any]]) -> None:
    for row in rows:
        out.write(orjson.dumps(row))
        out.write(b"\n")


# --- Excel -----------------------------------------------------------------------------------


def read_xlsx(path: Path) -> Table:
    """The first sheet, its first row the header (openpyxl's read-only mode streams it)."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile's, KeyError, its own…
        raise UnreadableFile(f"{path.name}: not an .xlsx workbook ({error})") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header or all(cell is None for cell in header):
        book.close()
        raise UnreadableFile(f"{path.name}: no header row")
    columns = [str(cell).strip() if cell is not None else "" for cell in header]
    records = _xlsx_records(book, rows, columns)
    count = sheet.max_row - 1 if sheet.max_row else None
    return Table(columns, records, f"Excel, sheet {sheet.title!r}", count)


def _xlsx_records(
    book: Any, rows: Iterator[tuple[Any, ...]], columns: Sequence[str]
) -> Iterator[Record]:
    try:
        for line, row in enumerate(rows, start=2):
            if any(cell not in (None, "") for cell in row):
                yield Record(line, dict(zip(columns, row, strict=False)))
    finally:
        book.close()


def text_io(out: IO[bytes]) -> io.TextIOWrapper:
    """A text view of a binary stream (stdout's buffer) for CSV: UTF-8, no newline changes."""
    return io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
