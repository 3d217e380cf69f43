"""The demo's results forms, written in the layouts schools and FIS OKO really produce
(SPEC §2 «The forms as schools and FIS OKO really produce them»; the shared
``vpr/form_columns.yaml``), so a new user meets in the demo the files they will meet at work:

- :func:`school_form` — the school's own results form: sheet «Протокол», the header in row 1,
  ``Код``, ``Вариант (часть 1)``, tasks ``LABEL (Nб)``, ``Вариант (часть 2)``, more tasks,
  ``Класс № (список формируется из листа "Классы")``, ``Пол``, the journal mark
  ``Отметка за предыдущий триместр/ четверть/полугодие`` and ``Итого баллов`` as a formula
  (with or without a stored result), absent pupils ``отсутствовал`` and a sheet «Классы»;
- :func:`municipal_export` — FIS OKO's «Индивидуальные результаты» for a municipality: title
  and meta rows, a ``Б``/``П`` row above the header, then ``ОО`` (the school's login
  ``sch500101``), ``Муниципалитет``, ``Название ОО``, ``Код участника``, ``Класс``, ``Вариант``,
  tasks ``N (Mб)``, ``Первичный балл``, ``Отметка``, ``Отметка по журналу``.

Pure builders: rows in, XLSX bytes out; nothing here touches the database.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

#: The demo's forms are kept under the data directory for a visitor to upload again.
FORMS_DIR = "demo-forms"

PROTOCOL_SHEET = "Протокол"
CLASSES_SHEET = "Классы"
EXPORT_SHEET = "Индивидуальные результаты"
CLASS_COLUMN = 'Класс № (список формируется из листа "Классы")'
JOURNAL_COLUMN = "Отметка за предыдущий триместр/ четверть/полугодие"
TOTAL_COLUMN = "Итого баллов"
MARKER_COLUMN = "Эксперт"  # not FIS OKO's: a column a school adds for the teacher who marked

Score = int | str  # a task's score, or "Х"/"X" (Cyrillic or Latin): not attempted


@dataclass(frozen=True)
class Task:
    label: str
    max: int

    @property
    def header(self) -> str:
        return f"{self.label} ({self.max}б)"


@dataclass(frozen=True)
class Pupil:
    """One participant's row: present (``scores`` filled) or absent (``absent`` is the text
    the variant cell carries, e.g. «отсутствовал»)."""
    code: str
    class_no: int  # the class's place in the school's list (sheet «Классы»), from 1
    sex: str = "м"
    variant: int | None = None
    scores: dict[str, Score] = field(default_factory=dict)
    journal: int | None = None
    absent: str = ""

    @property
    def total(self) -> int:
        return sum(s for s in self.scores.values() if isinstance(s, int))


@dataclass(frozen=True)
class ExportSchool:
    login: str  # FIS OKO's login: sch + the school's code
    name: str
    classes: Sequence[str]
    pupils: Sequence[Pupil]


def school_login(code: str) -> str:
    """The school's FIS OKO login, as the municipal export writes it in `ОО`."""
    return f"sch{code}"


def split_parts(tasks: Sequence[Task]) -> tuple[list[Task], list[Task]]:
    """The paper's two parts: the second begins at the first task worth more than one point
    (the demo template's 9), as the two `Вариант` columns of the school's form divide them."""
    cut = next((i for i, t in enumerate(tasks) if t.max > 1), len(tasks))
    return list(tasks[:cut]), list(tasks[cut:])


# --- the school's form «Протокол» -------------------------------------------------------------

def school_form(tasks: Sequence[Task], classes: Sequence[str], pupils: Sequence[Pupil], *,
                stored_totals: bool = False, marker: str = "") -> bytes:
    """The school's results form. ``Итого баллов`` is the real form's formula in every row;
    with ``stored_totals`` each formula carries its result as Excel saves it, without (as
    tools write the file) it has none. ``marker`` adds the school's own column «Эксперт»."""
    part1, part2 = split_parts(tasks)
    head = ["Код", "Вариант (часть 1)", *(t.header for t in part1), "Вариант (часть 2)",
            *(t.header for t in part2), CLASS_COLUMN, "Пол", JOURNAL_COLUMN, TOTAL_COLUMN]
    if marker:
        head.append(MARKER_COLUMN)
    first = 3  # column C: the first task
    second = first + len(part1) + 1  # after «Вариант (часть 2)»
    total_at = head.index(TOTAL_COLUMN) + 1
    wb = Workbook()
    sheet = wb.active
    sheet.title = PROTOCOL_SHEET
    sheet.append(head)
    results: dict[str, object] = {}
    for n, pupil in enumerate(pupils, start=2):
        ranges = [f"{get_column_letter(first)}{n}:{get_column_letter(first + len(part1) - 1)}{n}"]
        if part2:
            ranges.append(f"{get_column_letter(second)}{n}:{get_column_letter(second + len(part2) - 1)}{n}")
        formula = f'=IF(LEN({get_column_letter(first)}{n})>0, SUM({", ".join(ranges)}), "")'
        if pupil.absent:
            row = [int(pupil.code), pupil.absent, *[None] * len(part1), None, *[None] * len(part2),
                   pupil.class_no, pupil.sex, None, formula]
            results[f"{get_column_letter(total_at)}{n}"] = ""
        else:
            row = [int(pupil.code), pupil.variant, *(pupil.scores[t.label] for t in part1), pupil.variant,
                   *(pupil.scores[t.label] for t in part2), pupil.class_no, pupil.sex, pupil.journal, formula]
            results[f"{get_column_letter(total_at)}{n}"] = pupil.total
        if marker:
            row.append(None if pupil.absent else marker)
        sheet.append(row)
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 9
    for col in (CLASS_COLUMN, JOURNAL_COLUMN, MARKER_COLUMN):
        if col in head:
            sheet.column_dimensions[get_column_letter(head.index(col) + 1)].width = 22
    listing = wb.create_sheet(CLASSES_SHEET)
    for n, name in enumerate(classes, start=1):
        listing.append([n, name])
    data = _save(wb)
    return store_formula_results(data, results) if stored_totals else data


def store_formula_results(data: bytes, results: dict[str, object], part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """Give the formulas in the named cells of the first sheet their results ({"V2": 14,
    "V8": ""}), as Excel stores them beside the formula (openpyxl saves formulas without)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts[part].decode("utf-8")
    for ref, value in results.items():
        pattern = re.compile(rf'<c r="{ref}"( [^>]*)?><f>(.*?)</f><v ?/>(?:</v>)?</c>')
        kind = ' t="str"' if isinstance(value, str) else ""
        xml, count = pattern.subn(lambda m: f'<c r="{ref}"{kind}><f>{m[2]}</f><v>{value}</v></c>', xml)
        if count != 1:
            raise ValueError(f"no formula cell {ref} in {part}")
    parts[part] = xml.encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


# --- FIS OKO's municipal export «Индивидуальные результаты» ----------------------------------

def municipal_export(tasks: Sequence[Task], schools: Sequence[ExportSchool], *, grade: Callable[[int], int],
                     municipality: str, municipal_login: str, subject: str, grade_level: int, year: int,
                     date: str) -> bytes:
    """FIS OKO's «Индивидуальные результаты» of one municipality: every participant of every
    school, each row's school by its login; `grade` is the template's scale (total → 2..5)."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = EXPORT_SHEET
    fixed = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант"]
    participants = sum(len(s.pupils) for s in schools)
    sheet.append([f"ВПР {year} {subject} {grade_level} класс"])
    sheet.append(["Предмет", subject])
    sheet.append(["Максимальный первичный балл", sum(t.max for t in tasks)])
    sheet.append(["Дата", date])
    sheet.append([f"{municipality} ({municipal_login})", *[None] * 5, f"Кол-во участников: {participants}"])
    sheet.append([*[None] * len(fixed), *("П" if t.max > 1 else "Б" for t in tasks)])
    sheet.append([*fixed, *(t.header for t in tasks), "Первичный балл", "Отметка", "Отметка по журналу"])
    for school in schools:
        for pupil in school.pupils:
            start = [school.login, municipality, school.name, int(pupil.code), school.classes[pupil.class_no - 1]]
            if pupil.absent:
                sheet.append([*start, None, *[None] * len(tasks), None, None, None])
            else:
                sheet.append([*start, pupil.variant, *(pupil.scores[t.label] for t in tasks), pupil.total,
                              grade(pupil.total), "-" if pupil.journal is None else pupil.journal])
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 26
    sheet.column_dimensions["C"].width = 44
    sheet.column_dimensions["D"].width = 14
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
