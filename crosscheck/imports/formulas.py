"""Spreadsheet formula injection: text we export must never become a live formula.

A value that came from an import (a class «=HYPERLINK(…)», a marker «=cmd|' /C calc'!A0»)
is written by openpyxl as a formula when it starts with ``=``, and Excel or LibreOffice
run CSV cells that start with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or carriage
return, whatever follows) as formulas too. Every CSV and XLSX export passes its cells
through :func:`safe_cell`: such text is prefixed with ``'`` and so stays text (OWASP's
advice for CSV injection); numbers, dates and ``None`` are written as they are.
"""
from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` as an export may write it: text that a spreadsheet would read as a formula
    gets a leading ``'``; anything that is not text is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]
