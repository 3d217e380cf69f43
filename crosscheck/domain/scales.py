"""VPR conversion scales (primary score → grade) shipped as data, and their lookup.

The scales change by subject, grade and year, so they are data with their year and
source (``crosscheck/data/scales.csv``), never code. The lookup never guesses: a subject,
grade or year with no shipped row gives ``None`` — a year written as ``pre-2025`` in the
data matches no numeric year — and the organiser gives the grades themselves.

An administrator extends them without code: ``crosscheck scales import FILE`` checks a CSV
in the shipped file's columns (``validate_scales``: every row, all-or-nothing) and merges it
into their own file in the data directory (``merge_scales``, ``scales_csv``); the lookup
reads both, the administrator's rows first (``known_scales``). This module reads and writes
text only: ``services/campaigns/scales.py`` finds the files (for the command line and the
organiser's «Шаблоны» page).
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


#: The columns of a scales CSV, shipped or imported, in this order.
SCALE_COLUMNS = ("subject", "grade", "year", "max_primary", "mark2", "mark3", "mark4", "mark5", "status", "source")
_YEAR = re.compile(r"^(20\d\d|2100)$")


class ScaleImportError(ValueError):
    """An administrator's scales file refused: one line per problem (``row N, column "C": …``)."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} ошибок")
        self.errors = errors


def _range(cell: str) -> tuple[int, int | None] | None:
    match = _RANGE.match(cell or "")
    if not match:
        return None
    return int(match.group(1)), (int(match.group(2)) if match.group(2) else None)


def validate_scales(text: str) -> list[Scale]:
    """Every row of an administrator's scales CSV checked; the scales, or ScaleImportError
    naming each bad row and column (row numbers as in the file: the header is row 1)."""
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    missing = [c for c in SCALE_COLUMNS if c not in header]
    if missing:
        return _refuse([f'row 1, column "{c}": нет столбца (нужны столбцы: {", ".join(SCALE_COLUMNS)})'
                        for c in missing])
    reader.fieldnames = header
    errors: list[str] = []
    scales: list[Scale] = []
    seen: dict[tuple[str, int, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() if isinstance(v, str) else "" for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        bad = len(errors)

        def error(column: str, message: str) -> None:
            errors.append(f'row {number}, column "{column}": {message}')

        code = subject_code(row["subject"])
        if code is None:
            error("subject", f"предмет «{row['subject']}» неизвестен; допустимы: "
                             + ", ".join(sorted(set(SUBJECT_CODES.values()))))
        grade = int(row["grade"]) if row["grade"].isdigit() else None
        if grade is None or not 1 <= grade <= 11:
            error("grade", f"класс должен быть числом от 1 до 11, а не «{row['grade']}»")
        if not _YEAR.match(row["year"]):
            error("year", f"год должен быть числом вида 2026, а не «{row['year']}»")
        max_primary = int(row["max_primary"]) if row["max_primary"].isdigit() else None
        if not max_primary:
            error("max_primary", f"максимальный первичный балл должен быть целым числом больше 0, "
                                 f"а не «{row['max_primary']}»")
        minimums: dict[str, int] = {}
        for mark in ("2", "3", "4", "5"):
            cell = row[f"mark{mark}"]
            parsed = _range(cell)
            if parsed is None:
                error(f"mark{mark}", f"диапазон баллов для отметки {mark} записывается как «10-15», а не «{cell}»")
            elif parsed[1] is not None and parsed[1] < parsed[0]:
                error(f"mark{mark}", f"в диапазоне «{cell}» конец меньше начала")
            elif max_primary and max(parsed[0], parsed[1] or 0) > max_primary:
                error(f"mark{mark}", f"диапазон «{cell}» выходит за максимальный первичный балл ({max_primary})")
            elif mark != "2":
                minimums[mark] = parsed[0]
        if len(minimums) == 3:
            if not minimums["3"] < minimums["4"] < minimums["5"]:
                error("mark3", "наименьшие баллы отметок 3, 4, 5 должны строго возрастать "
                               f"({minimums['3']}, {minimums['4']}, {minimums['5']})")
            elif max_primary and minimums["5"] > max_primary:
                error("mark5", f"наименьший балл отметки 5 ({minimums['5']}) больше максимального ({max_primary})")
        if row["status"] not in ("", "found"):
            error("status", f"допустимо только «found» (шкала найдена в источнике), а не «{row['status']}»")
        if not row["source"]:
            error("source", "не указан источник шкалы (ссылка или документ)")
        if len(errors) > bad:
            continue
        key = (code, grade, row["year"])
        if key in seen:
            error("year", f"шкала для {code}, {grade} класс, {row['year']} год уже задана в строке {seen[key]}")
            continue
        seen[key] = number
        scales.append(Scale(subject=code, grade=grade, year=row["year"], max_primary=max_primary,
                            minimums=minimums, source=row["source"]))
    if errors:
        return _refuse(errors)
    if not scales:
        return _refuse(['row 2, column "subject": в файле нет ни одной шкалы'])
    return scales


def _refuse(errors: list[str]):
    raise ScaleImportError(errors)


def scale_key(scale: Scale) -> tuple[str, int, str]:
    return scale.subject, scale.grade, scale.year


@dataclass
class ScaleMerge:
    scales: list[Scale]  # the administrator's file after the import
    added: list[Scale]
    replaced: list[tuple[Scale, Scale]]  # (earlier, new)
    unchanged: list[Scale]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced)


def merge_scales(earlier: list[Scale], new: list[Scale]) -> ScaleMerge:
    """The administrator's scales with ``new`` merged in: same subject/grade/year replaces."""
    merged = {scale_key(s): s for s in earlier}
    added, replaced, unchanged = [], [], []
    for scale in new:
        old = merged.get(scale_key(scale))
        if old is None:
            added.append(scale)
        elif old == scale:
            unchanged.append(scale)
        else:
            replaced.append((old, scale))
        merged[scale_key(scale)] = scale
    ordered = sorted(merged.values(), key=lambda s: (s.subject, s.grade, s.year))
    return ScaleMerge(scales=ordered, added=added, replaced=replaced, unchanged=unchanged)


def marks_text(scale: Scale) -> dict[str, str]:
    """The ranges of the four marks as the scales file writes them."""
    m3, m4, m5 = scale.minimums["3"], scale.minimums["4"], scale.minimums["5"]
    return {"mark2": f"0-{m3 - 1}" if m3 > 0 else "0",
            "mark3": f"{m3}-{m4 - 1}", "mark4": f"{m4}-{m5 - 1}", "mark5": f"{m5}-{scale.max_primary}"}


def scales_csv(scales: list[Scale]) -> str:
    """A scales CSV (the shipped file's columns) holding ``scales``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SCALE_COLUMNS)
    for s in scales:
        marks = marks_text(s)
        writer.writerow([s.subject, s.grade, s.year, s.max_primary, marks["mark2"], marks["mark3"],
                         marks["mark4"], marks["mark5"], "found", s.source])
    return out.getvalue()


def known_scales(imported_text: str | None = None) -> list[tuple[Scale, bool]]:
    """Every scale the lookup knows, with ``True`` for the administrator's: theirs first,
    then the shipped ones no imported row replaces."""
    imported = parse_scales(imported_text) if imported_text else []
    keys = {scale_key(s) for s in imported}
    return [(s, True) for s in imported] + [(s, False) for s in shipped_scales() if scale_key(s) not in keys]


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
