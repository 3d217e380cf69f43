"""Reading a results form's header and rows (SPEC §2): pure functions over cells.

Two layouts are read by the same rules: ours (`Код участника`, task headers equal to the
labels, `Сумма баллов`, …) and the school's results form as FIS OKO hands it out (sheet
`Протокол`: `Код`, task headers `LABEL (Nб)`, `Вариант (часть 1)` / `Вариант (часть 2)`,
`Класс № …` resolved through the sheet `Классы`, `Отметка за предыдущий …`, `Итого баллов`
as a formula), and the municipal export «Индивидуальные результаты» (title and meta rows and a
`Б`/`П` row above the header, many schools, each row's school login in `ОО`). Real layouts and
their sources: the shared `vpr/form_columns.yaml`.

Nothing here knows a file or a database: a header is a list of cells, a row is a list of
cells, and every problem is a :class:`Problem` naming the column as the file names it; the
importer adds the row number and the database checks.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .grading import NOT_ATTEMPTED, GradeScale, ScoreError, TaskSpec, parse_score

#: Headers of the participant code column; the header row is the first row holding one.
CODE_HEADERS = ("код участника", "код")
#: What schools and tools write in a variant cell for a pupil who did not sit the paper.
ABSENT_MARKERS = frozenset({"отсутствовал", "не присутствовал", "отсутствует", "отсутсвовал",
                            "отсутствовала", "не присутствовала"})
#: `LABEL (Nб)`: "5.1 (1б)", "8(1) (1б)", "10К1 (2б)"; N is the task's maximum.
TASK_HEADER = re.compile(r"^(?P<label>.+?)\s*\(\s*(?P<max>\d{1,4})\s*б\.?\s*\)$", re.IGNORECASE)
#: A school's FIS OKO login: `sch730101` or `edu730101` (the municipal export's `ОО` column).
SCHOOL_LOGIN = re.compile(r"(?:sch|edu)(\d+)", re.IGNORECASE)
#: The municipal export's difficulty row (базовый / повышенный) just above the header.
DIFFICULTY_MARKS = frozenset({"б", "п"})
#: What the municipal export writes in the journal mark column for a pupil with no mark.
NO_JOURNAL_MARK = frozenset({"-", "—", "–", "нет отметки"})
# A header that looks like a task label ("15", "3.2", "4(2)", "10К1") but is not one of ours.
TASK_LIKE = re.compile(r"^\d+([.,(]|[кk]|\s|$)", re.IGNORECASE)

_EXACT = {
    "код участника": "code", "код": "code",
    "вариант": "variant",
    "класс": "class", "наименование класса": "class",
    "порядковый номер класса": "class_ordinal",
    "сумма баллов": "total", "итого баллов": "total", "первичный балл": "total",
    "отметка": "grade",
    "отметка по журналу": "journal",
    "эксперт": "marker",
    "код оо": "school", "оо": "school", "логин оо": "school", "пользователь": "school",
    "пол": "gender",
}
_PREFIXES = (("вариант", "variant"), ("класс №", "class_ordinal"), ("отметка за предыдущ", "journal"))
# Errors name a column by its header, cut to this many characters (the real headers run to 51).
TITLE_CHARS = 100
# Names the errors use for a column the form does not have.
MISSING_NAMES = {"code": "Код участника", "school": "Код ОО"}


def norm(value: object) -> str:
    """A header cell for matching: spaces collapsed, lower case."""
    return " ".join(text(value).split()).lower()


def text(value: object) -> str:
    """A cell as text: 12.0 from Excel is "12"; an empty cell is ""."""
    kind = type(value)  # the common kinds first: this runs for every cell of a file
    if kind is str:
        return value.strip()
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def quote(value: object, limit: int = 40) -> str:
    cell = text(value)
    return cell if len(cell) <= limit else cell[:limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    column: str
    message: str


@dataclass(frozen=True)
class Column:
    index: int
    title: str  # the header as the file writes it: how errors name the column


@dataclass
class Layout:
    """Where each field of a results form is, found from its header row."""

    code: Column
    tasks: dict[str, Column]  # template label -> its column, in template order
    variants: list[Column] = field(default_factory=list)
    class_name: Column | None = None
    class_ordinal: Column | None = None  # `Класс № …`: an ordinal into the sheet «Классы»
    journal: Column | None = None
    total: Column | None = None
    grade: Column | None = None
    marker: Column | None = None
    school: Column | None = None
    gender: Column | None = None


@dataclass
class FormRow:
    participant: str
    school: str
    class_name: str
    variant: str
    scores: dict[str, tuple[int, bool]]  # label -> (score, attempted)
    journal_mark: int | None
    marker: str


def is_header_row(cells: Sequence[object]) -> bool:
    return any(norm(c) in CODE_HEADERS for c in cells)


def find_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """Index of the first row with a participant code header, else None."""
    return next((i for i, row in enumerate(rows) if is_header_row(row)), None)


def is_difficulty_row(cells: Sequence[object]) -> bool:
    """The municipal export's row of `Б`/`П` (basic / advanced task) and nothing else."""
    found = False
    for cell in cells:  # stops at the first other cell: every pupil's row is asked
        if text(cell):
            if norm(cell) not in DIFFICULTY_MARKS:
                return False
            found = True
    return found


def school_key(value: object) -> str:
    """A school code or FIS OKO login for matching: `sch730101`, `EDU730101` and `730101`
    name one school (the login's digits are the school code)."""
    cell = text(value)
    match = SCHOOL_LOGIN.fullmatch(cell)
    return match[1] if match else cell.lower()


def resolve_school(value: object, codes: Sequence[str]) -> str | None:
    """The loaded school code a row's `Код ОО` / login names: the code itself, else the one
    code with the same key (`sch730101` → `730101`); None when there is none or several."""
    cell = text(value)
    if cell in codes:
        return cell
    key = school_key(cell)
    found = [c for c in codes if school_key(c) == key]
    return found[0] if len(found) == 1 else None


def _role(key: str) -> str | None:
    if key in _EXACT:
        return _EXACT[key]
    return next((role for prefix, role in _PREFIXES if key.startswith(prefix)), None)


def read_layout(header: Sequence[object], tasks: Sequence[TaskSpec]) -> tuple[Layout | None, list[Problem]]:
    """Map the header's columns to fields and tasks. A task header `LABEL (Nб)` must carry
    the template's maximum; an unknown task-like column, a missing or repeated task column
    is a problem naming the column."""
    by_label = {t.label.lower(): t for t in tasks}
    problems: list[Problem] = []
    found: dict[str, Column] = {}
    variants: list[Column] = []
    task_columns: dict[str, Column] = {}
    refused: set[str] = set()  # tasks whose column is there but declares another maximum
    for index, cell in enumerate(header):
        key, title = norm(cell), quote(cell, TITLE_CHARS)
        if not key:
            continue
        task = by_label.get(key)
        declared = None
        match = TASK_HEADER.match(key) if task is None else None
        if match:
            task = by_label.get(" ".join(match["label"].split()))
            declared = int(match["max"])
        if task is not None:
            if task.label in task_columns:
                problems.append(Problem(title, f"второй столбец задания «{task.label}» (первый — "
                                               f"«{task_columns[task.label].title}»)"))
            elif declared is not None and declared != task.max:
                refused.add(task.label)
                problems.append(Problem(title, f"в заголовке максимальный балл {declared}, а в шаблоне кампании "
                                               f"у задания «{task.label}» — {task.max}"))
            else:
                task_columns[task.label] = Column(index, title)
            continue
        role = _role(key)
        if role == "variant":
            variants.append(Column(index, title))
        elif role is not None:
            found.setdefault(role, Column(index, title))
        elif match or TASK_LIKE.match(key):
            problems.append(Problem(title, "в шаблоне кампании нет такого задания"))
    for task in tasks:
        if task.label not in task_columns and task.label not in refused:
            problems.append(Problem(task.label, "нет столбца этого задания"))
    if "code" not in found:
        problems.append(Problem(MISSING_NAMES["code"], "обязательный столбец отсутствует"))
    if problems:
        return None, problems
    layout = Layout(code=found["code"], tasks={t.label: task_columns[t.label] for t in tasks}, variants=variants,
                    class_name=found.get("class"), class_ordinal=found.get("class_ordinal"),
                    journal=found.get("journal"), total=found.get("total"), grade=found.get("grade"),
                    marker=found.get("marker"), school=found.get("school"), gender=found.get("gender"))
    return layout, []


def class_list(rows: Sequence[Sequence[object]]) -> dict[int, str]:
    """The sheet «Классы» as {ordinal: class name}. Rows `N | name` give the ordinal; a sheet
    of names only numbers them from 1 in order (a first row `Класс`/`Классы`/`Наименование
    класса` is a title). The real sheet's layout is not published: both are read."""
    pairs: dict[int, str] = {}
    names: list[str] = []
    for row in rows:
        cells = [text(c) for c in row if text(c)]
        if not cells:
            continue
        if len(cells) >= 2 and cells[0].isdigit():
            pairs.setdefault(int(cells[0]), cells[1])
        elif len(cells) == 1:
            names.append(cells[0])
    if pairs:
        return pairs
    if names and norm(names[0]) in ("класс", "классы", "наименование класса", "название класса"):
        names = names[1:]
    return {n: name for n, name in enumerate(names, start=1)}


def _cell(row: Sequence[object], column: Column | None) -> object:
    if column is None or column.index >= len(row):
        return None
    return row[column.index]


def cell_text(row: Sequence[object], column: Column | None) -> str:
    return text(_cell(row, column))


def is_blank(layout: Layout, row: Sequence[object]) -> bool:
    """No code and no score: a row of the form nobody filled in (its total formula may
    still show 0); not a participant at all."""
    return cell_text(row, layout.code) == "" and all(cell_text(row, c) == "" for c in layout.tasks.values())


def absence(layout: Layout, row: Sequence[object]) -> tuple[bool, list[Problem]]:
    """Whether the pupil did not sit the paper: a variant cell reads `отсутствовал` (or a
    variant of it) — then the task cells must be empty — or every task cell is empty."""
    scored = [c for c in layout.tasks.values() if cell_text(row, c) != ""]
    marked = next((v for v in layout.variants if norm(_cell(row, v)) in ABSENT_MARKERS), None)
    if marked is not None:
        if scored:
            return True, [Problem(scored[0].title, f"участник отмечен как отсутствовавший "
                                                   f"(«{cell_text(row, marked)}»), но баллы проставлены")]
        return True, []
    return not scored, []


def read_row(layout: Layout, row: Sequence[object], tasks: Sequence[TaskSpec], scale: GradeScale, *,
             default_school: str = "", classes: Mapping[int, str] | None = None,
             code_pattern: re.Pattern | None = None, code_hint: str = "") -> tuple[FormRow | None, list[Problem]]:
    """One present participant's row → a :class:`FormRow`, or the problems with it.
    ``classes`` is the sheet «Классы» when the workbook has one."""
    problems: list[Problem] = []
    code = cell_text(row, layout.code)
    if not code:
        problems.append(Problem(layout.code.title, "пустой код участника"))
    elif code_pattern is not None and not code_pattern.fullmatch(code):
        problems.append(Problem(layout.code.title, f"«{quote(code)}» — {code_hint}"))
    scores = {t.label: _score(problems, t, layout.tasks[t.label], _cell(row, layout.tasks[t.label]))
              for t in tasks}
    journal = _journal(problems, layout.journal, cell_text(row, layout.journal))
    class_name = _class(problems, layout, row, classes)
    if not problems:
        _check_totals(problems, layout, row, scores, scale)
    if problems:
        return None, problems
    parts = [cell_text(row, c) for c in layout.variants]
    variant = "/".join(dict.fromkeys(p for p in parts if p))  # "1", or "1/2" when the parts differ
    return FormRow(code, cell_text(row, layout.school) or default_school, class_name, variant, scores, journal,
                   cell_text(row, layout.marker)), []


# One shared (score, attempted) pair per value: a file's rows hold hundreds of thousands of them.
_SCORED = tuple((n, True) for n in range(101))
_NOT_ATTEMPTED = (0, False)


def _scored(score: int) -> tuple[int, bool]:
    return _SCORED[score] if score < len(_SCORED) else (score, True)


def _score(problems: list[Problem], task: TaskSpec, column: Column, value: object) -> tuple[int, bool]:
    if type(value) is int and 0 <= value <= task.max:  # most cells: what parse_score would accept
        return _scored(value)
    cell = text(value)
    if cell == "":
        problems.append(Problem(column.title, "нет балла (для невыполненного задания ставится Х)"))
        return (0, True)
    if cell in NOT_ATTEMPTED:
        return _NOT_ATTEMPTED
    try:
        return _scored(parse_score(value, task))
    except ScoreError:
        problems.append(Problem(column.title,
                                f"«{quote(cell)}» — недопустимый балл: нужно целое от 0 до {task.max} или Х"))
        return (0, True)


def _journal(problems: list[Problem], column: Column | None, cell: str) -> int | None:
    if not cell or cell.lower() in NO_JOURNAL_MARK:
        return None
    if cell not in {"2", "3", "4", "5"}:
        problems.append(Problem(column.title, f"«{quote(cell)}» — отметка по журналу должна быть от 2 до 5"))
        return None
    return int(cell)


def _class(problems: list[Problem], layout: Layout, row: Sequence[object],
           classes: Mapping[int, str] | None) -> str:
    name = cell_text(row, layout.class_name)
    if name or layout.class_ordinal is None:
        return name
    ordinal = cell_text(row, layout.class_ordinal)
    if not ordinal or not classes or not ordinal.isdigit():
        return ordinal  # no sheet «Классы» (or a class name typed in): kept as written
    if int(ordinal) not in classes:
        problems.append(Problem(layout.class_ordinal.title,
                                f"класса № {quote(ordinal)} нет на листе «Классы» (там {len(classes)})"))
        return ""
    return classes[int(ordinal)]


def _check_totals(problems: list[Problem], layout: Layout, row: Sequence[object],
                  scores: Mapping[str, tuple[int, bool]], scale: GradeScale) -> None:
    """A total or grade written in the form (a formula's stored result included) must agree
    with the tasks; a formula saved without a result reads as empty and is not checked."""
    total = sum(score for score, _ in scores.values())
    given_sum = cell_text(row, layout.total)
    if given_sum and given_sum != str(total):
        problems.append(Problem(layout.total.title,
                                f"указано {quote(given_sum)}, а сумма баллов по заданиям — {total}"))
    given_grade = cell_text(row, layout.grade)
    grade = scale.grade(total)
    if given_grade and given_grade != str(grade):
        problems.append(Problem(layout.grade.title, f"указана отметка {quote(given_grade)}, а за {total} первичных "
                                                    f"баллов по шкале шаблона полагается {grade}"))
