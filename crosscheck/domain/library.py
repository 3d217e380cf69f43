"""The shipped library of VPR task lists (labels and maxima by subject, grade and year), read
from ``crosscheck/data/task_lists.csv`` — the complete lists of the shared research file
``vpr/task_max_scores.csv`` (status ``found`` or ``inferred``), each with its source.

Like the scales (``domain/scales.py``) the lookup never guesses: a subject, grade and year
with no list gives ``None``, and :func:`years_for` tells which years the library does have,
so the organiser picks one or uploads a results form instead.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from .scales import SUBJECT_CODES, subject_code

#: The Russian name a subject code is shown with (the first name that maps to it).
SUBJECT_NAMES: dict[str, str] = {}
for _name, _code in SUBJECT_CODES.items():
    SUBJECT_NAMES.setdefault(_code, _name[0].upper() + _name[1:])

STATUS_RU = {"found": "по опубликованным материалам", "inferred": "выведено из соседнего года или формы"}


@dataclass(frozen=True)
class TaskList:
    subject: str  # the scales' code: math, russian, …
    grade: int
    year: str
    tasks: tuple[tuple[str, int], ...]  # (label, max) in paper order
    status: str  # found | inferred (the least certain row's)
    source: str  # the first row's source

    @property
    def max_total(self) -> int:
        return sum(m for _label, m in self.tasks)

    @property
    def subject_name(self) -> str:
        return SUBJECT_NAMES.get(self.subject, self.subject)


def parse_task_lists(text: str) -> list[TaskList]:
    """Complete task lists of a task-lists CSV, in file order (a list with a row that has no
    maximum, an unknown status or a repeated label is left out whole)."""
    groups: dict[tuple[str, int, str], list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        try:
            key = ((row.get("subject") or "").strip(), int(row["grade"]), (row.get("year") or "").strip())
        except (KeyError, TypeError, ValueError):
            continue
        groups.setdefault(key, []).append(row)
    lists: list[TaskList] = []
    for (subject, grade, year), rows in groups.items():
        tasks: list[tuple[str, int]] = []
        statuses = {(r.get("status") or "").strip() for r in rows}
        if not statuses <= set(STATUS_RU):
            continue
        for r in rows:
            label, max_text = (r.get("task_label") or "").strip(), (r.get("max_score") or "").strip()
            if not label or not max_text.isdigit() or int(max_text) < 1 or label in dict(tasks):
                break
            tasks.append((label, int(max_text)))
        else:
            lists.append(TaskList(subject=subject, grade=grade, year=year, tasks=tuple(tasks),
                                  status="inferred" if "inferred" in statuses else "found",
                                  source=(rows[0].get("source") or "").strip()))
    return lists


def shipped_task_lists() -> list[TaskList]:
    return parse_task_lists(resources.files("crosscheck.data").joinpath("task_lists.csv").read_text(encoding="utf-8"))


def find_task_list(subject: str, grade: int, year: int | str | None,
                   lists: Iterable[TaskList] | None = None) -> TaskList | None:
    """The list for exactly this subject, grade and year, else None (never a neighbour's)."""
    code = subject_code(subject)
    if code is None or year is None:
        return None
    wanted = str(year).strip()
    for item in shipped_task_lists() if lists is None else lists:
        if item.subject == code and item.grade == grade and item.year == wanted:
            return item
    return None


def years_for(subject: str, grade: int, lists: Iterable[TaskList] | None = None) -> list[str]:
    """The years the library has a list for this subject and grade, newest first."""
    code = subject_code(subject)
    found = {item.year for item in (shipped_task_lists() if lists is None else lists)
             if item.subject == code and item.grade == grade}
    return sorted(found, reverse=True)
