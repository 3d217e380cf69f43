"""Read CSV (UTF-8 with or without BOM, ``;`` or ``,``) and XLSX into rows of cells.

Rows keep their file row numbers (1-based) so every error can point at the line
the organiser sees in their spreadsheet program.

Every read is bounded (``limits.py``): the file's size, its rows and columns up to the last
non-empty one, each cell's text; XLSX files are read by a streaming parser of our own
(``xlsx.py``) that trusts no declared size and refuses DTDs and zip bombs. A cell longer
than ``MAX_CELL_CHARS`` is reported by row and column by :func:`make_sheet`, and the
importers check each text against its database column with :meth:`Sheet.check_length`.

A sheet is read whole (:meth:`Book.rows`, a list of rows) or streamed
(:meth:`Book.iter_rows`, its non-empty rows one at a time: XLSX rows as the parser
completes them, CSV records line by line from the bytes, never the whole text); the marks
import streams, so its memory does not grow with the file (issue 13).
"""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..domain import forms
from .limits import (MAX_CELL_CHARS, MAX_CELLS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, Overlong, TableReadError, mb,
                     num)
from .xlsx import XlsxBook, column_letter

Cell = Any  # str | int | float | bool | Overlong | None

__all__ = ["Book", "Cell", "ImportRejected", "Overlong", "RowError", "Sheet", "TableReadError", "cell_text",
           "load_sheet", "make_sheet", "norm_header", "open_book", "quote", "read_rows", "too_long"]

# A physical CSV line with more separators than this is refused before the csv module
# builds a list of its fields (quoted text may hold separators, hence the margin).
MAX_LINE_SEPARATORS = 10 * MAX_COLUMNS
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls and password-protected .xlsx


def quote(value: Cell, limit: int = 40) -> str:
    """A cell's text for an error message, cut to ``limit`` characters."""
    return forms.quote(cell_text(value), limit)


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
    """All rows of the file (of an XLSX, its first worksheet) up to the last non-empty one;
    row ``i`` of the list is file row ``i + 1``."""
    return open_book(path, data).rows(0)


class Book:
    """The sheets of one file: a CSV is one sheet; an XLSX's sheets are read on demand,
    every one under the same limits (its rows as :func:`read_rows` gives them), as a list
    or streamed (:meth:`iter_rows`)."""

    def __init__(self, sheet_names: list[str], reader, streamer):
        self.sheet_names = sheet_names
        self._reader = reader
        self._streamer = streamer

    def rows(self, index: int) -> list[list[Cell]]:
        return self._reader(index)

    def iter_rows(self, index: int) -> Iterator[tuple[int, list[Cell]]]:
        """The sheet's non-empty rows as (file row number, cells), one at a time: nothing but
        the rows being parsed is held. The file's limits and refusals are those of
        :meth:`rows`, raised (as TableReadError) when the read gets there."""
        return self._streamer(index)

    def find(self, title: str) -> int | None:
        """The position of the sheet called ``title`` (case and spaces ignored), else None."""
        wanted = norm_header(title)
        return next((i for i, name in enumerate(self.sheet_names) if norm_header(name) == wanted), None)


def open_book(path: str | Path, data: bytes | None = None) -> Book:
    path = Path(path)
    if data is None:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise TableReadError(too_big(path.name))
            data = path.read_bytes()
        except OSError as exc:
            raise TableReadError(f"{path.name}: не удаётся прочитать файл ({exc.strerror})") from exc
    if len(data) > MAX_FILE_BYTES:
        raise TableReadError(too_big(path.name))
    if not data or data.isspace():
        raise TableReadError(f"{path.name}: файл пуст")
    if data[:4] == b"PK\x03\x04":
        book = XlsxBook(path.name, data)
        return Book(book.sheet_names, book.rows, book.iter_rows)
    if data[:4] == OLE_MAGIC:
        raise TableReadError(f"{path.name}: это файл старого формата XLS или XLSX, защищённый паролем; "
                             "сохраните его как XLSX без пароля или как CSV")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise TableReadError(f"{path.name}: это не файл XLSX")
    name = path.name
    _check_utf8(name, data)
    return Book([name], lambda _index: _read_csv(name, data), lambda _index: _iter_csv(name, data))


def too_big(name: str) -> str:
    return f"{name}: файл больше {mb(MAX_FILE_BYTES)} МБ — такой не принимается; разделите его на части"


def _check_utf8(name: str, data: bytes) -> None:
    """Refuse a file that is not UTF-8 (the offset as a whole decode after the BOM gives it)
    without holding its text: decoded a megabyte at a time and let go."""
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    for start in range(0, len(body), step):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(body[start:start + step], final=start + step >= len(body))
        except UnicodeDecodeError as exc:
            raise TableReadError(f"{name}: файл не в кодировке UTF-8 (байт {start - pending + exc.start})") from exc


def _read_csv(name: str, data: bytes) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for number, cells in _iter_csv(name, data):
        while len(rows) < number - 1:
            rows.append([])
        rows.append(cells)
    return rows


def _iter_csv(name: str, data: bytes) -> Iterator[tuple[int, list[Cell]]]:
    """The non-empty records of a CSV (UTF-8, already checked by :func:`_check_utf8`) as
    (record number, cells), read line by line from the bytes."""
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    # The first 65,536 characters (at most 4 bytes each; a character cut in two is dropped).
    first = next((line for line in body[:4 * 65536].decode("utf-8", "ignore")[:65536].splitlines()
                  if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    number = total = 0
    text = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", newline="")
    reader = csv.reader(_csv_lines(name, text, delimiter), delimiter=delimiter)
    try:
        for record in reader:
            number += 1
            cells = [_csv_cell(c) for c in record]
            while cells and cells[-1] is None:
                cells.pop()
            total += len(cells)
            if total > MAX_CELLS:
                raise TableReadError(f"{name}: в таблице больше {num(MAX_CELLS)} ячеек — файл слишком велик "
                                     "для загрузки; разделите его на части")
            if cells:
                if number > MAX_ROWS:
                    raise TableReadError(f"{name}: заполнена строка {num(number)}, а допустимо не больше "
                                         f"{num(MAX_ROWS)} строк; разделите файл на части")
                if len(cells) > MAX_COLUMNS:
                    raise TableReadError(f"{name}: в строке {number} заполнен столбец {len(cells)}, а допустимо "
                                         f"не больше {MAX_COLUMNS} столбцов; удалите лишние столбцы")
                yield number, cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module's own bound (128 KB)
            raise TableReadError(f"{name}: строка {reader.line_num}: ячейка длиннее {num(MAX_CELL_CHARS)} "
                                 "символов") from None
        raise TableReadError(f"{name}: строка {reader.line_num}: файл CSV не читается ({exc})") from None


def _csv_lines(name: str, text: Iterable[str], delimiter: str) -> Iterator[str]:
    for number, line in enumerate(text, start=1):
        if line.count(delimiter) > MAX_LINE_SEPARATORS:
            raise TableReadError(f"{name}: в строке {number} больше {MAX_COLUMNS} столбцов; "
                                 "удалите лишние столбцы")
        yield line


def _csv_cell(value: str) -> Cell:
    if len(value) > MAX_CELL_CHARS:
        return Overlong(len(value))
    return value if value.strip() else None


def norm_header(value: Cell) -> str:
    if value is None or isinstance(value, Overlong):
        return ""
    return " ".join(str(value).split()).lower()


def cell_text(value: Cell) -> str:
    """A cell as text: 12.0 from Excel becomes "12", not "12.0". An over-long cell reads as
    empty here: :func:`make_sheet` has already refused the file for it."""
    return "" if isinstance(value, Overlong) else forms.text(value)


def too_long(text: str, limit: int) -> str | None:
    """The error for a text longer than its column allows, else None."""
    return f"длиннее {num(limit)} символов (в ячейке {num(len(text))})" if len(text) > limit else None


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

    def check_length(self, errors: list[RowError], rownum: int, row: list[Cell], column: str,
                     limit: int) -> bool:
        """Add ``row N, column "C": длиннее N символов`` when the cell's text is longer than
        ``limit`` (its database column); True when it fits."""
        problem = too_long(self.text(row, column), limit)
        if problem:
            errors.append(RowError(rownum, column, problem))
        return problem is None


def column_title(header: list[Cell], index: int) -> str:
    """How an error names a column: its header (cut short), else its letter."""
    title = quote(header[index]) if index < len(header) else ""
    return title or column_letter(index)


def overlong_cells(rows: Iterable[tuple[int, list[Cell]]], header: list[Cell]) -> list[RowError]:
    return [RowError(rownum, column_title(header, idx), f"длиннее {num(MAX_CELL_CHARS)} символов "
                                                        f"(в ячейке {num(value.length)})")
            for rownum, row in rows for idx, value in enumerate(row) if isinstance(value, Overlong)]


def make_sheet(name: str, rows: list[list[Cell]], required: Iterable[str], header_index: int = 0) -> Sheet:
    """Build a Sheet from rows, the header at ``header_index``; missing columns and cells
    longer than MAX_CELL_CHARS (in the header or below it) are an error."""
    if header_index >= len(rows):
        raise TableReadError(f"{name}: нет строки заголовков")
    header = rows[header_index]
    overlong = overlong_cells(((header_index + 1 + i, row) for i, row in enumerate(rows[header_index:])), header)
    if overlong:
        raise ImportRejected(overlong, name)
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
