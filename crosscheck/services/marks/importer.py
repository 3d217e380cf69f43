"""Original marks from the VPR results collection form (SPEC §2): papers + the school's marks.

All-or-nothing and idempotent: every row is validated first; a second import of the same
file finds every paper and score as it is and changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.grading import NOT_ATTEMPTED, GradeScale, ScoreError, TaskSpec, parse_score
from ...imports.tabular import (ImportRejected, RowError, Sheet, TableReadError, cell_text, make_sheet,
                               norm_header, quote, read_rows)
from ...models import Campaign, OriginalScore, Paper, School, TemplateTask, User
from ..audit.trail import Actor, record
from ..distribution.regate import GateWithdrawal, recheck_live_assignments
from .ciphers import new_cipher

CODE = "Код участника"
CLASS, VARIANT, SUM, GRADE = "Класс", "Вариант", "Сумма баллов", "Отметка"
JOURNAL, MARKER, SCHOOL = "Отметка по журналу", "Эксперт", "Код ОО"
KNOWN = {c.lower() for c in (CODE, CLASS, VARIANT, SUM, GRADE, JOURNAL, MARKER, SCHOOL)}
# A header that looks like a task label ("15", "3.2", "4(2)", "10К1") but is not one of ours.
TASK_LIKE = re.compile(r"^\d+([.,(]|[кk]|\s|$)", re.IGNORECASE)
# Participant codes are the digits FIS OKO hands out (five in practice, SPEC §2 and §3):
# nothing else is accepted, so no text, formula or markup ever becomes a code.
PARTICIPANT_CODE_DIGITS = 10
PARTICIPANT_CODE = re.compile(rf"[0-9]{{1,{PARTICIPANT_CODE_DIGITS}}}")
# Text columns and the length of the database column each one is stored in.
TEXT_LIMITS = {CLASS: Paper.__table__.c.class_name.type.length, VARIANT: Paper.__table__.c.variant.type.length,
               MARKER: Paper.__table__.c.original_marker_name.type.length}


@dataclass
class MarksRow:
    rownum: int
    school_code: str
    participant: str
    class_name: str
    variant: str
    scores: dict[str, tuple[int, bool]]  # label -> (score, attempted)
    journal_mark: int | None
    marker_text: str


@dataclass
class MarksResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    absent: int = 0
    linked_markers: int = 0
    unlinked_markers: set[str] = field(default_factory=set)
    withdrawn: list[GateWithdrawal] = field(default_factory=list)  # live work the gate no longer allows

    def summary(self) -> str:
        text = (f"работ создано: {self.created}, обновлено: {self.updated}, без изменений: {self.unchanged}, "
                f"отсутствовавших участников пропущено: {self.absent}")
        if self.unlinked_markers:
            text += f"; эксперты первичной проверки не найдены среди пользователей: {len(self.unlinked_markers)}"
        return text


def find_header(name: str, rows: list[list]) -> int:
    for index, row in enumerate(rows):
        if any(norm_header(c) == CODE.lower() for c in row):
            return index
    raise ImportRejected([RowError(1, CODE, "не найдена строка заголовков со столбцом «Код участника»")], name)


class _Parser:
    """Validates every row of one sheet against the campaign's template."""

    def __init__(self, sheet: Sheet, tasks: list[TemplateTask], scale: GradeScale,
                 schools: dict[str, School], default_school: str | None):
        self.sheet, self.tasks, self.scale = sheet, tasks, scale
        self.schools, self.default_school = schools, default_school
        self.errors: list[RowError] = []

    def check_columns(self) -> None:
        labels = {t.label.lower() for t in self.tasks}
        for header in self.sheet.headers:
            key = norm_header(header)
            if key and key not in KNOWN and key not in labels and TASK_LIKE.match(key):
                self.errors.append(RowError(self.sheet.header_row, quote(header),
                                            "в шаблоне кампании нет такого задания"))
        for task in self.tasks:
            if not self.sheet.has(task.label):
                self.errors.append(RowError(self.sheet.header_row, task.label, "нет столбца этого задания"))
        if not self.sheet.has(SCHOOL) and not self.default_school:
            self.errors.append(RowError(self.sheet.header_row, SCHOOL,
                                        "нет столбца «Код ОО»: укажите школу параметром --school"))

    def parse(self) -> list[MarksRow]:
        rows: list[MarksRow] = []
        for rownum, row in self.sheet.body:
            cells = {t.label: self.sheet.get(row, t.label) for t in self.tasks}
            if all(cell_text(v) == "" for v in cells.values()):
                continue  # absent participant
            parsed = self._row(rownum, row, cells)
            if parsed is not None:
                rows.append(parsed)
        self._duplicates(rows)
        return rows

    def absent_count(self) -> int:
        return sum(1 for _, row in self.sheet.body
                   if all(cell_text(self.sheet.get(row, t.label)) == "" for t in self.tasks))

    def _err(self, rownum: int, column: str, message: str) -> None:
        self.errors.append(RowError(rownum, column, message))

    def _row(self, rownum: int, row: list, cells: dict) -> MarksRow | None:
        before = len(self.errors)
        s = self.sheet
        code = s.text(row, CODE)
        if not code:
            self._err(rownum, CODE, "пустой код участника")
        elif not PARTICIPANT_CODE.fullmatch(code):
            self._err(rownum, CODE, f"«{quote(code)}» — код участника состоит только из цифр "
                                    f"(от 1 до {PARTICIPANT_CODE_DIGITS})")
        school_code = s.text(row, SCHOOL) or (self.default_school or "")
        if school_code and school_code not in self.schools:
            self._err(rownum, SCHOOL, f"неизвестный код ОО «{quote(school_code)}»")
        for column, limit in TEXT_LIMITS.items():
            s.check_length(self.errors, rownum, row, column, limit)
        scores = {t.label: self._score(rownum, t, cells[t.label]) for t in self.tasks}
        journal = self._journal(rownum, s.text(row, JOURNAL))
        if len(self.errors) == before:
            self._check_totals(rownum, row, scores)
        if len(self.errors) != before:
            return None
        return MarksRow(rownum, school_code, code, s.text(row, CLASS), s.text(row, VARIANT),
                        scores, journal, s.text(row, MARKER))

    def _score(self, rownum: int, task: TemplateTask, value) -> tuple[int, bool]:
        text = cell_text(value)
        if text == "":
            self._err(rownum, task.label, "нет балла (для невыполненного задания ставится Х)")
            return (0, True)
        if text in NOT_ATTEMPTED:
            return (0, False)
        try:
            return (parse_score(value, TaskSpec(task.label, task.max_score)), True)
        except ScoreError:
            self._err(rownum, task.label,
                      f"«{quote(text)}» — недопустимый балл: нужно целое от 0 до {task.max_score} или Х")
            return (0, True)

    def _journal(self, rownum: int, text: str) -> int | None:
        if not text:
            return None
        if text not in {"2", "3", "4", "5"}:
            self._err(rownum, JOURNAL, f"«{quote(text)}» — отметка по журналу должна быть от 2 до 5")
            return None
        return int(text)

    def _check_totals(self, rownum: int, row: list, scores: dict[str, tuple[int, bool]]) -> None:
        total = sum(score for score, _ in scores.values())
        given_sum = self.sheet.text(row, SUM)
        if given_sum and given_sum != str(total):
            self._err(rownum, SUM, f"указано {quote(given_sum)}, а сумма баллов по заданиям — {total}")
        given_grade = self.sheet.text(row, GRADE)
        grade = self.scale.grade(total)
        if given_grade and given_grade != str(grade):
            self._err(rownum, GRADE, f"указана отметка {quote(given_grade)}, а за {total} первичных баллов "
                                     f"по шкале шаблона полагается {grade}")

    def _duplicates(self, rows: list[MarksRow]) -> None:
        seen: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (r.school_code, r.participant)
            if key in seen:
                self._err(r.rownum, CODE, f"участник «{r.participant}» уже есть в строке {seen[key]}")
            seen.setdefault(key, r.rownum)


def import_marks(session: Session, campaign: Campaign, path: str | Path, *, school_code: str | None = None,
                 actor: Actor | None = None, data: bytes | None = None) -> MarksResult:
    path = Path(path)
    rows = read_rows(path, data)
    sheet = make_sheet(path.name, rows, [CODE], header_index=find_header(path.name, rows))
    template = campaign.template
    schools = {s.code: s for s in session.scalars(select(School))}
    if school_code and school_code not in schools:
        raise TableReadError(f"--school: неизвестный код ОО «{quote(school_code)}»")
    parser = _Parser(sheet, list(template.tasks), GradeScale(template.grades), schools, school_code)
    parser.check_columns()
    if parser.errors:
        raise ImportRejected(parser.errors, sheet.name)
    parsed = parser.parse()
    if parser.errors:
        raise ImportRejected(sorted(parser.errors, key=lambda e: (e.row, e.column)), sheet.name)
    result = MarksResult(absent=parser.absent_count())
    _write(session, campaign, parsed, schools, result, actor)
    return result


def _marker_index(session: Session) -> dict[str, User]:
    index: dict[str, User] = {}
    for user in session.scalars(select(User)):
        index.setdefault(" ".join(user.full_name.lower().split()), user)
    for user in session.scalars(select(User)):
        index[user.login.lower()] = user  # a login wins over a namesake's full name
    return index


def _write(session: Session, campaign: Campaign, rows: list[MarksRow], schools: dict[str, School],
           result: MarksResult, actor: Actor | None) -> None:
    tasks = {t.label: t for t in campaign.template.tasks}
    papers = {(p.school_id, p.participant_code): p
              for p in session.scalars(select(Paper).where(Paper.campaign_id == campaign.id))}
    taken = set(session.scalars(select(Paper.cipher)))
    markers = _marker_index(session)
    updated: list[int] = []
    for r in rows:
        marker = markers.get(" ".join(r.marker_text.lower().split())) if r.marker_text else None
        if marker is not None:
            result.linked_markers += 1
        elif r.marker_text:
            result.unlinked_markers.add(r.marker_text)
        fields = {"class_name": r.class_name, "variant": r.variant, "journal_mark": r.journal_mark,
                  "original_marker_id": marker.id if marker else None, "original_marker_name": r.marker_text}
        paper = papers.get((schools[r.school_code].id, r.participant))
        if paper is None:
            cipher = new_cipher(taken)
            taken.add(cipher)
            paper = Paper(campaign_id=campaign.id, school_id=schools[r.school_code].id,
                          participant_code=r.participant, cipher=cipher, **fields)
            paper.original_scores = [OriginalScore(task_id=tasks[label].id, max_score=tasks[label].max_score,
                                                   score=score, attempted=attempted)
                                     for label, (score, attempted) in r.scores.items()]
            session.add(paper)
            session.flush()
            record(session, actor, "paper.create", "paper", paper.id, campaign_id=campaign.id,
                   after=_paper_view(paper, r.scores))
            result.created += 1
        elif _update(session, paper, fields, r.scores, tasks, actor):
            result.updated += 1
            updated.append(paper.id)
        else:
            result.unchanged += 1
    session.flush()
    # A changed original marker may now hold the paper's recheck: re-run the gate (SPEC §5).
    result.withdrawn = recheck_live_assignments(session, None, actor, paper_ids=updated)


def _paper_view(paper: Paper, scores: dict[str, tuple[int, bool]]) -> dict:
    return {"school_id": paper.school_id, "participant": paper.participant_code, "class": paper.class_name,
            "variant": paper.variant, "journal_mark": paper.journal_mark,
            "original_marker": paper.original_marker_name,
            "scores": {label: ("Х" if not attempted else score) for label, (score, attempted) in scores.items()}}


def _update(session: Session, paper: Paper, fields: dict, scores: dict[str, tuple[int, bool]],
            tasks: dict[str, TemplateTask], actor: Actor | None) -> bool:
    by_task = {s.task_id: s for s in paper.original_scores}
    current = {label: (by_task[t.id].score, by_task[t.id].attempted) for label, t in tasks.items()
               if t.id in by_task}
    before = _paper_view(paper, current)
    if all(getattr(paper, k) == v for k, v in fields.items()) and current == scores:
        return False
    for key, value in fields.items():
        setattr(paper, key, value)
    for label, (score, attempted) in scores.items():
        row = by_task.get(tasks[label].id)
        if row is None:
            paper.original_scores.append(OriginalScore(task_id=tasks[label].id, max_score=tasks[label].max_score,
                                                       score=score, attempted=attempted))
        else:
            row.score, row.attempted = score, attempted
    session.flush()
    record(session, actor, "paper.marks_update", "paper", paper.id, campaign_id=paper.campaign_id,
           before=before, after=_paper_view(paper, scores))
    return True


def paper_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count()).select_from(Paper).where(Paper.campaign_id == campaign.id))
