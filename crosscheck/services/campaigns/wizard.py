"""The «Новая кампания» wizard (issue 15): subject, grade and year → a template from the
shipped library, from an uploaded results form, or copied from an earlier campaign → tasks,
criteria, grade scale and settings edited → one campaign created with its template.

A :class:`Draft` is the whole wizard as the organiser filled it in (values as typed); the web
page carries it between the steps in its fields, nothing is stored before «Создать кампанию».
:func:`check` judges it and names every bad field in Russian; :func:`create` stores the
template and the campaign in the caller's one transaction. The draft's ``token`` is given at
the first step and kept in the campaign (``Campaign.wizard_token``, unique): pressing «Создать»
twice, or a second tab, answers with the campaign already created instead of a second one.

The same services as the command line: ``drafts.form_tasks_from_file`` (`template from-form`),
``store.save_template`` and ``store.create_campaign`` (`campaign create`).
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.library import STATUS_RU, TaskList, find_task_list, shipped_task_lists, years_for
from ...domain.russian import counted
from ...domain.scales import Scale, subject_code
from ...domain.template import (DISCREPANCY_DEFAULTS, GRADE_KEYS, MAX_LENGTHS, SLUG_RE, TemplateError, TemplateSpec,
                                parse_template)
from ...domain.template_draft import DEFAULT_IDENTITY, DEFAULT_MASKS, DEFAULT_PAGES, draft_template, template_name
from ...models import Campaign
from ..audit.trail import Actor
from .drafts import FormDraftError, form_tasks_from_file, match_scale, scale_source
from .store import canonical_source, create_campaign, get_template, save_template, stored_spec

MOSCOW = ZoneInfo("Europe/Moscow")
MAX_TASKS = 200
MAX_CRITERIA = 20000
SOURCES = {"library": "библиотека crosscheck", "form": "форма сбора результатов", "campaign": "прежняя кампания"}
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class WizardError(ValueError):
    """Every problem of a draft, one Russian line each, naming the field."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class Draft:
    """The wizard as filled in. Numbers may be text as typed; :func:`check` judges them."""
    subject: str
    grade: Any
    year: Any
    source_kind: str = "library"
    source_note: str = ""
    title: str = ""
    pages: Any = DEFAULT_PAGES
    tasks: list[dict[str, Any]] = field(default_factory=list)  # {"label", "max", "criteria"}
    grades: dict[str, Any] = field(default_factory=dict)  # "3" / "4" / "5" → minimum
    masks: list[Any] = field(default_factory=lambda: [dict(m, box=list(m["box"])) for m in DEFAULT_MASKS])
    identity: Any = field(default_factory=lambda: dict(DEFAULT_IDENTITY, box=list(DEFAULT_IDENTITY["box"])))
    discrepancy: dict[str, Any] = field(default_factory=lambda: dict(DISCREPANCY_DEFAULTS))
    name: str = ""
    slug: str = ""
    per_paper: Any = 1
    deadline: str = ""  # YYYY-MM-DD, the last day (Moscow time)
    exclude_same_municipality: bool = False
    teacher_views: bool = True
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        """A draft sent back by the summary page, its shapes checked (values are judged by :func:`check`)."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        if not isinstance(values.get("tasks", []), list) or not all(isinstance(t, dict) for t in values.get("tasks", [])):
            values["tasks"] = []
        for key in ("grades", "discrepancy"):
            if not isinstance(values.get(key, {}), dict):
                values[key] = {}
        if not isinstance(values.get("masks", []), list):
            values["masks"] = []
        for key in ("subject", "source_kind", "source_note", "title", "name", "slug", "deadline", "token"):
            if key in values and not isinstance(values[key], str):
                values[key] = str(values[key])
        return cls(**values)

    @property
    def max_total(self) -> int:
        return sum(int(t["max"]) for t in self.tasks if str(t.get("max", "")).strip().isdigit())


@dataclass(frozen=True)
class Checked:
    spec: TemplateSpec
    slug: str
    name: str
    per_paper: int
    settings: dict[str, Any]  # deadline, exclude_same_municipality, teacher_views


# --- step 1: where the template comes from ------------------------------------------------

def parse_year(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None


def _basics(subject: str, grade: Any, year: Any) -> tuple[str, int, int | None]:
    errors = []
    subject = " ".join((subject or "").split())
    if not subject:
        errors.append("Предмет: укажите предмет, например «Математика»")
    elif len(subject) > MAX_LENGTHS["subject"]:
        errors.append(f"Предмет: длиннее {MAX_LENGTHS['subject']} символов")
    grade_text = str(grade or "").strip()
    if not grade_text.isdigit() or not 1 <= int(grade_text) <= 11:
        errors.append("Класс: число от 1 до 11")
    if str(year or "").strip() and parse_year(year) is None:
        errors.append("Год: четыре цифры, например 2026")
    if errors:
        raise WizardError(errors)
    return subject, int(grade_text), parse_year(year)


def _grades_from_scale(subject: str, grade: int, year: int | None, tasks: list[tuple[str, int]],
                       scales: Iterable[Scale]) -> tuple[dict[str, Any], str]:
    match = match_scale(subject, grade, year, tasks, scales)
    if match.grades:
        return dict(match.grades), f"пороги отметок — {scale_source(match.scale)}"
    if match.problem:
        return {}, "пороги отметок не заполнены: " + match.problem.split("; укажите")[0]
    return {}, "шкала перевода для этого предмета, класса и года не найдена — укажите пороги отметок"


def _suggest(session: Session, draft: Draft) -> Draft:
    """A free campaign code and a name, as the organiser would type them."""
    base = template_name(draft.subject, int(draft.grade), parse_year(draft.year))
    slug = base
    for n in range(2, 100):
        if session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is None:
            break
        slug = f"{base}-{n}"
    draft.slug = draft.slug or slug
    year = parse_year(draft.year)
    draft.name = draft.name or (f"Перепроверка ВПР, {draft.subject.lower()}, {draft.grade} класс"
                                + (f", {year}" if year else ""))
    return draft


def _from_tasks(session: Session, tasks: list[tuple[str, int]], *, subject: str, grade: int, year: int | None,
                scales: Iterable[Scale], kind: str, note: str) -> Draft:
    grades, scale_note = _grades_from_scale(subject, grade, year, tasks, scales)
    doc = draft_template(tasks, subject=subject, grade=grade, year=year, grades=dict.fromkeys(GRADE_KEYS))
    draft = Draft(subject=subject, grade=grade, year=year or "", source_kind=kind, source_note=f"{note}; {scale_note}",
                  title=doc["title"], pages=doc["pages"], grades=grades,
                  tasks=[{"label": t["label"], "max": t["max"], "criteria": t["criteria"]} for t in doc["tasks"]])
    return _suggest(session, draft)


def library_note(item: TaskList) -> str:
    return (f"{item.subject_name}, {item.grade} класс, {item.year} год: "
            f"{counted(len(item.tasks), 'задание', 'задания', 'заданий')}, "
            f"{counted(item.max_total, 'балл', 'балла', 'баллов')} ({STATUS_RU[item.status]}; источник: {item.source})")


def start_from_library(session: Session, subject: str, grade: Any, year: Any, *, scales: Iterable[Scale],
                       lists: list[TaskList] | None = None) -> Draft:
    subject, grade, year = _basics(subject, grade, year)
    lists = shipped_task_lists() if lists is None else lists
    item = find_task_list(subject, grade, year, lists)
    if item is None:
        have = years_for(subject, grade, lists)
        where = f"«{subject}», {grade} класс" + (f", {year} год" if year else " (год не указан)")
        hint = (f"есть годы: {', '.join(have)} — укажите один из них" if have
                else "загрузите форму сбора результатов школы или скопируйте шаблон прежней кампании")
        raise WizardError([f"Библиотека: нет списка заданий для {where}; {hint}"])
    return _from_tasks(session, list(item.tasks), subject=subject, grade=grade, year=year, scales=scales,
                       kind="library", note=library_note(item))


def start_from_form(session: Session, filename: str, data: bytes, subject: str, grade: Any, year: Any, *,
                    scales: Iterable[Scale]) -> Draft:
    subject, grade, year = _basics(subject, grade, year)
    try:
        tasks = form_tasks_from_file(filename, data)
    except FormDraftError as exc:
        raise WizardError([f"Форма сбора результатов: {exc}"]) from exc
    if len(tasks) > MAX_TASKS:
        raise WizardError([f"Форма сбора результатов: {filename}: столбцов заданий больше {MAX_TASKS}"])
    return _from_tasks(session, tasks, subject=subject, grade=grade, year=year, scales=scales, kind="form",
                       note=f"задания из формы сбора результатов «{filename}»")


def copy_sources(session: Session) -> list[Campaign]:
    """Earlier campaigns whose template may be copied, newest first."""
    return list(session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())))


def start_from_campaign(session: Session, slug: str, subject: str, grade: Any, year: Any) -> Draft:
    """The earlier campaign's template (tasks, criteria, scale, masks, discrepancy rules) and
    its distribution settings, for a new campaign of the subject, grade and year given."""
    subject, grade, year = _basics(subject, grade, year)
    earlier = session.scalar(select(Campaign).where(Campaign.slug == (slug or "").strip()))
    if earlier is None:
        raise WizardError(["Прежняя кампания: выберите кампанию, шаблон которой скопировать"])
    doc = stored_spec(earlier.template).to_document()
    note = f"шаблон скопирован из кампании «{earlier.name}» ({earlier.slug}; {doc['subject']}, {doc['grade_level']} класс)"
    if subject_code(subject) != subject_code(doc["subject"]) or grade != doc["grade_level"]:
        note += f" — внимание: у неё другой предмет или класс, чем «{subject}», {grade} класс"
    draft = Draft(subject=subject, grade=grade, year=year or "", source_kind="campaign", source_note=note,
                  title=doc["title"], pages=doc["pages"], tasks=[dict(t) for t in doc["tasks"]],
                  grades=dict(doc["grades"]), masks=doc["masks"], identity=doc.get("identity"),
                  discrepancy=dict(doc["discrepancy"]), per_paper=earlier.per_paper,
                  exclude_same_municipality=earlier.exclude_same_municipality, teacher_views=earlier.teacher_views)
    return _suggest(session, draft)


# --- the last steps: judged, then created ---------------------------------------------------

def _int(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


def deadline_day(text: str) -> date | None:
    return datetime.strptime(text.strip(), "%Y-%m-%d").date()


def deadline_moment(day: date) -> datetime:
    """The end of the deadline's day in Moscow (as the console's deadline form stores it)."""
    return datetime.combine(day, time(23, 59), MOSCOW).astimezone(timezone.utc)


def _check_tasks(errors: list[str], draft: Draft) -> list[dict[str, Any]]:
    if not draft.tasks:
        errors.append("Задания: не добавлено ни одного задания")
        return []
    if len(draft.tasks) > MAX_TASKS:
        errors.append(f"Задания: больше {MAX_TASKS}")
        return []
    tasks, seen = [], {}
    for i, task in enumerate(draft.tasks, start=1):
        label = " ".join(str(task.get("label") or "").split())
        where = f"Задание {i}" + (f" («{label}»)" if label else "")
        if not label:
            errors.append(f"{where}: укажите номер задания, как в форме сбора результатов («1», «5.1», «10К1»)")
        elif len(label) > MAX_LENGTHS["label"]:
            errors.append(f"{where}: номер задания длиннее {MAX_LENGTHS['label']} символов")
        elif label in seen:
            errors.append(f"{where}: такой номер уже есть у задания {seen[label]}")
        else:
            seen[label] = i
        max_score = _int(task.get("max"))
        if max_score is None or not 1 <= max_score <= 100:
            errors.append(f"{where}: максимальный балл — целое число от 1 до 100")
        criteria = str(task.get("criteria") or "").replace("\r\n", "\n")
        if len(criteria) > MAX_CRITERIA:
            errors.append(f"{where}: критерии длиннее {MAX_CRITERIA} символов")
        tasks.append({"label": label, "max": max_score, "criteria": criteria})
    return tasks


def _check_grades(errors: list[str], grades: dict[str, Any], total: int | None) -> dict[str, int]:
    values: dict[str, int] = {}
    for key in GRADE_KEYS:
        raw = str(grades.get(key) if grades.get(key) is not None else "").strip()
        if not raw:
            errors.append(f"Шкала отметок: укажите порог «{key}» (наименьший первичный балл для отметки «{key}»)")
        elif _int(raw) is None:
            errors.append(f"Шкала отметок: порог «{key}» — целое число от 0")
        else:
            values[key] = _int(raw)
    for low, high in (("3", "4"), ("4", "5")):
        if low in values and high in values and values[high] <= values[low]:
            errors.append(f"Шкала отметок: порог «{high}» должен быть больше порога «{low}»")
    if "5" in values and total and values["5"] > total:
        errors.append(f"Шкала отметок: порог «5» ({values['5']}) больше максимального первичного балла {total}")
    return values


def _free_template_name(session: Session, doc: dict[str, Any], base: str) -> str:
    """``base``, or ``base-t2``…: a name that is free or holds exactly this template."""
    for n in range(1, 100):
        name = base if n == 1 else f"{base[:95]}-t{n}"
        existing = get_template(session, name)
        if existing is None:
            return name
        try:
            if existing.source == canonical_source(parse_template(dict(doc, name=name))):
                return name
        except TemplateError:
            return name
    raise WizardError(["Код кампании: не удаётся подобрать имя шаблона; выберите другой код"])


def check(session: Session, draft: Draft) -> Checked:
    """The draft judged: the template and the campaign's settings, or WizardError naming
    every bad field (nothing is written)."""
    errors: list[str] = []
    try:
        subject, grade, _year = _basics(draft.subject, draft.grade, draft.year)
    except WizardError as exc:
        errors += exc.errors
        subject, grade = draft.subject, 0
    title = " ".join(str(draft.title or "").split())
    if not title:
        errors.append("Название работы: укажите, например «ВПР. Математика. 4 класс»")
    elif len(title) > MAX_LENGTHS["title"]:
        errors.append(f"Название работы: длиннее {MAX_LENGTHS['title']} символов")
    pages = _int(draft.pages)
    if pages is None or not 1 <= pages <= 100:
        errors.append("Страниц в работе: целое число от 1 до 100")
    tasks = _check_tasks(errors, draft)
    total = sum(t["max"] for t in tasks if t["max"])
    grades = _check_grades(errors, draft.grades or {}, total)

    name = " ".join(str(draft.name or "").split())
    if not name:
        errors.append("Название кампании: укажите название")
    elif len(name) > 300:
        errors.append("Название кампании: длиннее 300 символов")
    slug = str(draft.slug or "").strip()
    if not SLUG_RE.match(slug) or len(slug) > 64:
        errors.append("Код кампании: только строчные латинские буквы, цифры и дефис, до 64 знаков "
                      "(например vpr-math-4-2026)")
    else:
        taken = session.scalar(select(Campaign).where(Campaign.slug == slug))
        if taken is not None and taken.wizard_token != draft.token:
            errors.append(f"Код кампании: уже занят (кампания «{taken.name}»); выберите другой код")
    per_paper = _int(draft.per_paper)
    if per_paper not in (1, 2):
        errors.append("Перепроверок на работу: 1 или 2")
    discrepancy = dict(DISCREPANCY_DEFAULTS)
    discrepancy.update({k: v for k, v in (draft.discrepancy or {}).items() if k in DISCREPANCY_DEFAULTS})
    tolerance = _int(discrepancy.get("double_tolerance"))
    if tolerance is None or tolerance > 100:
        errors.append("Допуск расхождения двух перепроверок: целое число от 0 (баллов по заданию)")
    else:
        discrepancy["double_tolerance"] = tolerance
    settings: dict[str, Any] = {"exclude_same_municipality": bool(draft.exclude_same_municipality),
                                "teacher_views": bool(draft.teacher_views)}
    if str(draft.deadline or "").strip():
        try:
            day = deadline_day(str(draft.deadline))
        except ValueError:
            errors.append("Срок проверки: дата в формате ГГГГ-ММ-ДД")
        else:
            if day < datetime.now(MOSCOW).date():
                errors.append(f"Срок проверки: {day:%d.%m.%Y} уже прошёл")
            settings["deadline"] = deadline_moment(day)
    if not TOKEN_RE.match(str(draft.token or "")):
        errors.append("Мастер: обновите страницу и начните заново (нет отметки этого сеанса)")
    if errors:
        raise WizardError(errors)

    doc = {"name": "draft", "title": title, "subject": subject, "grade_level": grade, "pages": pages,
           "tasks": tasks, "grades": grades, "masks": draft.masks or [], "discrepancy": discrepancy}
    if draft.identity:
        doc["identity"] = draft.identity
    try:
        parse_template(doc)
    except TemplateError as exc:  # masks or rules from a copied template: named as the SPEC names them
        raise WizardError([f"Шаблон: {e}" for e in exc.errors]) from exc
    doc["name"] = _free_template_name(session, doc, slug)
    return Checked(spec=parse_template(doc), slug=slug, name=name, per_paper=per_paper, settings=settings)


def by_token(session: Session, token: str) -> Campaign | None:
    if not TOKEN_RE.match(str(token or "")):
        return None
    return session.scalar(select(Campaign).where(Campaign.wizard_token == token))


@dataclass(frozen=True)
class Created:
    campaign: Campaign
    created: bool  # False: this wizard run had already created it (a second «Создать»)


def create(session: Session, draft: Draft, *, actor: Actor | None = None) -> Created:
    """The template (stored, or an identical one reused) and the campaign, flushed in the
    caller's transaction; the campaign already made by this wizard run when there is one.
    A concurrent second submit that slips past the lookup fails on the unique token at
    flush or commit: the caller rolls back and asks :func:`by_token`."""
    existing = by_token(session, draft.token)
    if existing is not None:
        return Created(existing, False)
    checked = check(session, draft)
    save_template(session, checked.spec, actor=actor)
    settings = dict(checked.settings)
    campaign = create_campaign(session, checked.slug, checked.spec, checked.name, per_paper=checked.per_paper,
                               actor=actor, settings=settings, wizard_token=draft.token)
    return Created(campaign, True)
