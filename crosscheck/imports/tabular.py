"""Read CSV (UTF-8 with or without BOM, ``;`` or ``,``) and XLSX into rows of cells.

Rows keep their file row numbers (1-based) so every error can point at the line
the organiser sees in their spreadsheet program.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

Cell = Any  # str | int | float | None


class TableReadError(ValueError):
    """The file as a whole cannot be read (not a table, wrong encoding, empty)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:  # the contract's wording (SPEC §2)
        return f'row {self.row}, column "{self.column}": {self.message}'

    def ru(self) -> str:
        return f"строка {self.row}, столбец «{self.column}»: {self.message}"


class ImportRejected(ValueError):
    """Some rows are bad: nothing was written. ``errors`` lists every one."""

    def __init__(self, errors: list[RowError], filename: str = ""):
        self.errors = errors
        self.filename = filename
        super().__init__(f"{filename}: {len(errors)} ошибок; ничего не записано")


def read_rows(path: str | Path, data: bytes | None = None) -> list[list[Cell]]:
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TableReadError(f"{path.name}: не удаётся прочитать файл ({exc.strerror})") from exc
    if not data.strip():
        raise TableReadError(f"{path.name}: файл пуст")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(path.name, data)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise TableReadError(f"{path.name}: это не файл XLSX")
    return _read_csv(path.name, data)


def _read_csv(name: str, data: bytes) -> list[list[Cell]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableReadError(f"{name}: файл не в кодировке UTF-8 (байт {exc.start})") from exc
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [[c if c.strip() else None for c in row] for row in reader]


def _read_xlsx(name: str, data: bytes) -> list[list[Cell]]:
    from openpyxl import load_workbook

    try:
        # data_only: formulas are never evaluated by us; only cached values are read.
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableReadError(f"{name}: повреждённый файл XLSX ({exc})") from exc
    try:
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return [[_xlsx_cell(c) for c in row] for row in rows]


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def norm_header(value: Cell) -> str:
    return " ".join(str(value).split()).lower() if value is not None else ""


def cell_text(value: Cell) -> str:
    """A cell as text: 12.0 from Excel becomes "12", not "12.0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Sheet:
    """Rows under a header, with columns found by case-insensitive trimmed name."""

    name: str
    header_row: int  # 1-based file row of the header
    columns: dict[str, int]  # normalised header -> index
    headers: list[str]  # original header texts
    body: list[tuple[int, list[Cell]]]

    def get(self, row: list[Cell], column: str) -> Cell:
        idx = self.columns.get(column.lower())
        return row[idx] if idx is not None and idx < len(row) else None

    def text(self, row: list[Cell], column: str) -> str:
        return cell_text(self.get(row, column))

    def has(self, column: str) -> bool:
        return column.lower() in self.columns


def make_sheet(name: str, rows: list[list[Cell]], required: Iterable[str], header_index: int = 0) -> Sheet:
    """Build a Sheet from rows, the header at ``header_index``; missing columns are an error."""
    if header_index >= len(rows):
        raise TableReadError(f"{name}: нет строки заголовков")
    header = rows[header_index]
    columns: dict[str, int] = {}
    for idx, value in enumerate(header):
        key = norm_header(value)
        if key and key not in columns:
            columns[key] = idx
    missing = [c for c in required if c.lower() not in columns]
    if missing:
        raise ImportRejected(
            [RowError(header_index + 1, c, "обязательный столбец отсутствует") for c in missing], name
        )
    body = [
        (header_index + 2 + i, row)
        for i, row in enumerate(rows[header_index + 1:])
        if any(cell_text(c) for c in row)
    ]
    return Sheet(name, header_index + 1, columns, [cell_text(h) for h in header], body)


def load_sheet(path: str | Path, required: Iterable[str], data: bytes | None = None) -> Sheet:
    path = Path(path)
    return make_sheet(path.name, read_rows(path, data), required)
