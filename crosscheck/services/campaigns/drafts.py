"""A paper template drafted from a school's results form (SPEC §1, «A template from a results
form»), shared by `crosscheck template from-form` and the organiser's «Шаблоны» page.

The file (a path, or the bytes of an upload) is read under the tabular limits; the tasks are
the `LABEL (Nб)` columns of the first sheet with a header row; the grades are given, or come
from a conversion scale found for exactly this subject, grade and year (never guessed). Every
refusal is a :class:`FormDraftError` carrying one Russian line.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ...domain import forms
from ...domain.scales import Scale, find_scale
from ...domain.template import GRADE_KEYS, TemplateSpec, parse_template
from ...domain.template_draft import DEFAULT_IDENTITY, DEFAULT_MASKS, DEFAULT_PAGES, DraftError, draft_template, form_tasks, scale_grades
from ...imports.tabular import TableReadError, open_book

Task = tuple[str, int]  # (label, max) as the form's header gives it


class FormDraftError(ValueError):
    """Why no template can be drafted from this form (one Russian line, naming the file)."""


def form_tasks_from_file(path: str | Path, data: bytes | None = None) -> list[Task]:
    """(label, max) of the form's task columns, from the first sheet that has a header row.
    ``path`` names the file (its suffix tells an XLSX that is not one); ``data`` is its
    content when it is an upload, else the file is read from ``path``."""
    name = Path(path).name
    try:
        book = open_book(path, data)
        header = None
        for index in range(len(book.sheet_names)):  # the first sheet with a header row (SPEC §2)
            rows = book.rows(index)
            found = forms.find_header_row(rows)
            if found is not None:
                header = rows[found]
                break
        if header is None:
            raise FormDraftError(f"{name}: не найдена строка заголовков со столбцом «Код» (или «Код участника»)")
        tasks = form_tasks(header)
    except TableReadError as exc:
        raise FormDraftError(str(exc)) from exc
    except DraftError as exc:
        raise FormDraftError(f"{name}: {exc}") from exc
    if not tasks:
        raise FormDraftError(f"{name}: в строке заголовков нет столбцов заданий вида «1 (1б)», «5.1 (2б)»")
    return tasks


def max_total(tasks: Sequence[Task]) -> int:
    return sum(m for _label, m in tasks)


@dataclass(frozen=True)
class ScaleMatch:
    """The conversion scale found for a form: ``grades`` when it fits the form's total,
    else ``problem`` says why not; no scale at all is ``scale=None``, ``problem=None``."""
    scale: Scale | None
    grades: dict[str, int] | None
    problem: str | None = None


def match_scale(subject: str, grade: int, year: int | None, tasks: Sequence[Task],
                scales: Iterable[Scale]) -> ScaleMatch:
    scale = find_scale(subject, grade, year, list(scales))
    if scale is None:
        return ScaleMatch(None, None)
    try:
        return ScaleMatch(scale, scale_grades(scale, max_total(tasks)))
    except DraftError as exc:
        return ScaleMatch(scale, None, str(exc))


@dataclass(frozen=True)
class FormDraft:
    doc: dict[str, Any]  # the template document (SPEC §1), in the SPEC's key order
    spec: TemplateSpec
    grades: dict[str, int]
    scale: Scale | None  # the scale the grades came from; None when they were given


def draft_from_tasks(tasks: Sequence[Task], *, subject: str, grade: int, year: int | None,
                     grades: dict[str, int] | None, scales: Iterable[Scale], form_name: str = "") -> FormDraft:
    """The template document for these tasks. Without ``grades`` the scale for exactly this
    subject, grade and year gives them, or FormDraftError says what to give instead (the
    command line's options: only `template from-form` asks for a draft without thresholds;
    the web page leaves them empty for the organiser instead). A document the SPEC refuses
    raises TemplateError (every key named)."""
    scale = None
    if grades is None:
        match = match_scale(subject, grade, year, tasks, scales)
        if match.scale is None and year is None:
            raise FormDraftError("не заданы пороги отметок: укажите --grades 3:A,4:B,5:C или --year ГГГГ "
                                 "(год, для которого в crosscheck есть шкала перевода)")
        if match.scale is None:
            raise FormDraftError(f"в crosscheck нет шкалы перевода для «{subject}», {grade} класс, {year} год: "
                                 "укажите пороги в --grades 3:A,4:B,5:C или импортируйте шкалу "
                                 "(crosscheck scales import ФАЙЛ)")
        if match.grades is None:
            raise FormDraftError(f"{form_name}: {match.problem}" if form_name else str(match.problem))
        scale, grades = match.scale, match.grades
    doc = draft_template(tasks, subject=subject, grade=grade, year=year, grades=grades)
    return FormDraft(doc=doc, spec=parse_template(doc), grades=grades, scale=scale)


def draft_from_form(path: str | Path, data: bytes | None = None, *, subject: str, grade: int, year: int | None,
                    grades: dict[str, int] | None, scales: Iterable[Scale]) -> FormDraft:
    """:func:`form_tasks_from_file` then :func:`draft_from_tasks`."""
    return draft_from_tasks(form_tasks_from_file(path, data), subject=subject, grade=grade, year=year,
                            grades=grades, scales=scales, form_name=Path(path).name)


def scale_source(scale: Scale) -> str:
    """How a template's comment and the page name a scale: its year and source."""
    return f"шкала перевода {scale.year} года ({scale.source})"


def edited_document(*, name: Any, title: Any, subject: Any, grade_level: Any, pages: Any,
                    tasks: Sequence[tuple[str, int, str]], grades: dict[str, Any]) -> dict[str, Any]:
    """A drafted document as the organiser edited it on the page (values as typed; the
    SPEC's validation, :func:`parse_template`, judges them). A missing threshold is left out
    so that the validation names it; the masks are the VPR title page's defaults."""
    return {
        "name": name, "title": title, "subject": subject, "grade_level": grade_level,
        "pages": DEFAULT_PAGES if pages is None else pages,
        "tasks": [{"label": label, "max": max_score, "criteria": criteria} for label, max_score, criteria in tasks],
        "grades": {key: grades[key] for key in GRADE_KEYS if grades.get(key) is not None},
        "masks": [dict(m, box=list(m["box"])) for m in DEFAULT_MASKS],
        "identity": dict(DEFAULT_IDENTITY, box=list(DEFAULT_IDENTITY["box"])),
    }


def template_yaml(doc: dict[str, Any], *, form_name: str, grades_source: str,
                  made_by: str = "crosscheck template from-form") -> str:
    """The template file as `template from-form` writes it: a comment head, then the YAML."""
    head = (f"# Шаблон составлен по форме сбора результатов {form_name} ({made_by}).\n"
            "# Впишите критерии оценивания заданий; проверьте маски (masks) на отсканированном титуле.\n"
            f"# Пороги отметок: {grades_source}.\n")
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False, width=120)
