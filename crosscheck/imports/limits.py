"""The hard limits of a tabular import, and what a file beyond them gets.

Generous for a whole region's file (the municipal export of individual results of every
school runs to tens of thousands of rows and a few dozen columns), small enough that a
hostile file can neither exhaust memory nor be stored. A file over a limit is refused as a
whole (:class:`TableReadError`, in Russian, naming the file); a cell over
``MAX_CELL_CHARS`` becomes an :class:`Overlong` marker that the importers report as
``row N, column "C": длиннее 10000 символов``.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_FILE_BYTES = 50 * 1024 * 1024       # the file as uploaded (CSV or XLSX)
MAX_ROWS = 200_000                      # the last non-empty row of the sheet
MAX_COLUMNS = 200                       # the last non-empty column of any row
MAX_CELL_CHARS = 10_000                 # one cell's text
MAX_CELLS = 10_000_000                  # all rows up to their last non-empty cell
MAX_TEXT_CHARS = 50_000_000             # all text of a sheet (XLSX: plus its shared strings)
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024  # XLSX: all zip members inflated
MAX_ZIP_RATIO = 200                     # XLSX: inflated / compressed size of any member over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_ZIP_MEMBERS = 1_000                 # XLSX: members of the zip (a real workbook has a few dozen)
MAX_SHARED_STRINGS = 1_000_000          # XLSX: distinct strings of the workbook
MAX_XML_TOKEN = 1024 * 1024             # XLSX: one tag, comment or text run while the parser holds it


class TableReadError(ValueError):
    """The file as a whole cannot be read (not a table, wrong encoding, empty, over a limit)."""


@dataclass(frozen=True)
class Overlong:
    """A cell whose text is longer than MAX_CELL_CHARS; only its length is kept."""

    length: int

    def __str__(self) -> str:
        return ""


def mb(size: int) -> int:
    return -(-size // (1024 * 1024))


def num(value: int) -> str:
    """200000 → "200 000" (the Russian thousands separator)."""
    return f"{value:,}".replace(",", " ")
