"""VPR conversion scales (primary score → grade) shipped as data, and their lookup.

The scales change by subject, grade and year, so they are data with their year and
source (``crosscheck/data/scales.csv``), never code. The lookup never guesses: a subject,
grade or year with no shipped row gives ``None`` — a year written as ``pre-2025`` in the
data matches no numeric year — and the organiser gives the grades themselves.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

#: What organisers type for a subject → the code the scales file uses. Matched after
#: lower-casing, collapsing spaces and ё → е; the codes themselves are accepted too.
SUBJECT_CODES = {
    "математика": "math",
    "русский язык": "russian", "русский": "russian",
    "обществознание": "social",
    "история": "history",
    "география": "geography",
    "биология": "biology",
    "химия": "chemistry",
    "физика": "physics",
    "окружающий мир": "world",
    "английский язык": "english", "немецкий язык": "german", "французский язык": "french",
    "информатика": "informatics", "литература": "literature",
}
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*|\+\s*)?$")
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                      "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))


@dataclass(frozen=True)
class Scale:
    subject: str  # the code: math, russian, …
    grade: int
    year: str  # as the source states it: "2026", "pre-2025 (year not stated)"
    max_primary: int
    minimums: dict[str, int]  # "3" / "4" / "5" → the lowest primary score for that grade
    source: str


def _key(value: str) -> str:
    return " ".join(value.lower().replace("ё", "е").split())


def subject_code(subject: str) -> str | None:
    """The scales' code for a subject as an organiser types it ("Русский язык" → russian)."""
    key = _key(subject)
    if key in SUBJECT_CODES:
        return SUBJECT_CODES[key]
    return key if key in set(SUBJECT_CODES.values()) else None


def _minimum(cell: str) -> int | None:
    match = _RANGE.match(cell or "")
    return int(match.group(1)) if match else None


def parse_scales(text: str) -> list[Scale]:
    """The rows of a scales CSV that hold a complete, increasing scale (others are skipped)."""
    scales: list[Scale] = []
    for row in csv.DictReader(io.StringIO(text)):
        if (row.get("status") or "").strip() != "found":
            continue
        minimums = {g: _minimum(row.get(f"mark{g}", "")) for g in ("3", "4", "5")}
        try:
            grade, max_primary = int(row["grade"]), int(row["max_primary"])
        except (KeyError, TypeError, ValueError):
            continue
        if None in minimums.values() or not minimums["3"] < minimums["4"] < minimums["5"] <= max_primary:
            continue
        scales.append(Scale(subject=_key(row["subject"]), grade=grade, year=(row.get("year") or "").strip(),
                            max_primary=max_primary, minimums=minimums, source=(row.get("source") or "").strip()))
    return scales


def shipped_scales() -> list[Scale]:
    """The scales shipped with crosscheck (package data)."""
    return parse_scales(resources.files("crosscheck.data").joinpath("scales.csv").read_text(encoding="utf-8"))


def find_scale(subject: str, grade: int, year: int | str | None,
               scales: Iterable[Scale] | None = None) -> Scale | None:
    """The scale for exactly this subject, grade and year, else None (never a neighbour's)."""
    code = subject_code(subject)
    if code is None or year is None:
        return None
    wanted = str(year).strip()
    for scale in shipped_scales() if scales is None else scales:
        if scale.subject == code and scale.grade == grade and scale.year == wanted:
            return scale
    return None


def slug_part(text: str) -> str:
    """Latin lower-case letters, digits and hyphens (Cyrillic transliterated)."""
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]+", "-", out).strip("-")
