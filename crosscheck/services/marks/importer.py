"""Original marks from the VPR results collection form (SPEC §2): papers + the school's marks.

All-or-nothing and idempotent: nothing is written while any row is in error (every error is
collected and reported); a second import of the same file finds every paper and score as it
is and changes nothing.

The file is streamed (issue 13): its rows are read, validated and counted or written one at
a time, and none is kept once it is done with — the preview keeps counters and the
(school, participant) keys that duplicate detection needs, the import writes in chunks of
``CHUNK_ROWS``. What is held whole is the database's state that rows are compared with
(``_current_papers``: the campaign's papers and scores), not the file's.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, scoped_session

from ...bulk import bulk_insert
from ...domain.lifecycle import ensure_open
from ...db import utcnow
from ...domain import forms
from ...domain.grading import GradeScale, TaskSpec
from ...imports.tabular import (Book, Cell, ImportRejected, Overlong, RowError, Sheet, TableReadError, cell_text,
                               norm_header, open_book, overlong_cells, quote, too_long)
from ...models import (AuditEvent, Campaign, CampaignSample, OriginalScore, Paper, PaperStatus, School,
                       TemplateTask, User)
from ..audit.trail import Actor
from ..distribution.regate import GateWithdrawal, recheck_live_assignments
from .ciphers import new_ciphers

CODE = "Код участника"
CLASSES_SHEET = "Классы"
# How the person names the file's school when the file has no school column: each interface
# passes its own words (the command line's option, the web form's field).
ASK_SCHOOL = "укажите школу параметром --school"
# Participant codes are the digits FIS OKO hands out (five in practice, SPEC §2 and §3):
# nothing else is accepted, so no text, formula or markup ever becomes a code.
PARTICIPANT_CODE_DIGITS = 10
PARTICIPANT_CODE = re.compile(rf"[0-9]{{1,{PARTICIPANT_CODE_DIGITS}}}")
CODE_HINT = f"код участника состоит только из цифр (от 1 до {PARTICIPANT_CODE_DIGITS})"
# Rows an import writes at a time (through the bulk writer): what it holds of the file.
CHUNK_ROWS = 2_000
# Text fields and the length of the database column each one is stored in.
TEXT_LIMITS = {"class_name": Paper.__table__.c.class_name.type.length,
               "variant": Paper.__table__.c.variant.type.length,
               "marker": Paper.__table__.c.original_marker_name.type.length}


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
    outside_sample: int = 0  # new papers of a campaign whose sample is fixed: excluded (SPEC §8)

    def summary(self) -> str:
        text = (f"работ создано: {self.created}, обновлено: {self.updated}, без изменений: {self.unchanged}, "
                f"отсутствовавших участников пропущено: {self.absent}")
        if self.outside_sample:
            text += (f"; выборка уже зафиксирована — новые работы ({self.outside_sample}) в неё не вошли: "
                     f"чтобы включить их, зафиксируйте выборку заново")
        if self.unlinked_markers:
            text += f"; эксперты первичной проверки не найдены среди пользователей: {len(self.unlinked_markers)}"
        return text


def find_header(name: str, book: Book) -> tuple[int, int, list[Cell], Iterator[tuple[int, list[Cell]]]]:
    """The first sheet with a header row: (sheet index, the header's file row, its cells, the
    sheet's rows below it still to be read). Rows above the header are read and let go."""
    for index in range(len(book.sheet_names)):
        rows = book.iter_rows(index)
        for rownum, cells in rows:
            if forms.is_header_row(cells):
                return index, rownum, cells, rows
    raise ImportRejected([RowError(1, CODE, "не найдена строка заголовков со столбцом «Код участника» "
                                            "(или «Код»)")], name)


class _Parser:
    """Validates every row of one sheet against the campaign's template (domain/forms.py
    reads the cells; here the row numbers, schools, column lengths and duplicates)."""

    def __init__(self, sheet: Sheet, tasks: list[TemplateTask], scale: GradeScale,
                 schools: dict[str, School], default_school: str | None, classes: dict[int, str] | None,
                 ask_school: str = ASK_SCHOOL):
        self.sheet, self.scale, self.ask_school = sheet, scale, ask_school
        self.tasks = [TaskSpec(t.label, t.max_score) for t in tasks]
        self.schools, self.default_school, self.classes = schools, default_school, classes
        self.errors: list[RowError] = []
        self.layout: forms.Layout | None = None
        self.absent_by_school: Counter = Counter()  # school code (or "" when unknown) -> absent pupils
        self._resolved: dict[str, str | None] = {}  # a row's school cell -> the loaded school code
        self._seen: dict[tuple[str, str], int] = {}  # (school code, participant) -> its first row

    def check_columns(self) -> None:
        self.layout, problems = forms.read_layout(self.sheet.headers, self.tasks)
        self.errors += [RowError(self.sheet.header_row, p.column, p.message) for p in problems]
        if self.layout is not None and self.layout.school is None and not self.default_school:
            self.errors.append(RowError(self.sheet.header_row, "Код ОО",
                                        f"нет столбца «Код ОО»: {self.ask_school}"))

    def parse(self, body: Iterator[tuple[int, list[Cell]]]) -> Iterator[MarksRow]:
        """The valid rows of ``body`` (the rows below the header), one at a time; every
        problem goes to ``errors``. A row whose (school, participant) an earlier row has is
        an error: the keys seen, and the row of each, are all that is kept."""
        layout = self.layout
        seen = self._seen
        for rownum, row in body:
            if forms.is_blank(layout, row) or forms.is_difficulty_row(row):
                continue
            absent, problems = forms.absence(layout, row)
            self.errors += [RowError(rownum, p.column, p.message) for p in problems]
            if absent:
                # an absent pupil of a school not loaded is still an error
                self.absent_by_school[self._check_school(rownum, row) or ""] += 1
                continue
            parsed = self._row(rownum, row)
            if parsed is None:
                continue
            key = (parsed.school_code, parsed.participant)
            first = seen.get(key)
            if first is not None:
                self._err(rownum, layout.code.title, f"участник «{parsed.participant}» уже есть в строке {first}")
                continue
            seen[key] = rownum
            yield parsed

    def _err(self, rownum: int, column: str, message: str) -> None:
        self.errors.append(RowError(rownum, column, message))

    def _row(self, rownum: int, row: list) -> MarksRow | None:
        layout = self.layout
        form_row, problems = forms.read_row(layout, row, self.tasks, self.scale,
                                            default_school=self.default_school or "", classes=self.classes,
                                            code_pattern=PARTICIPANT_CODE, code_hint=CODE_HINT)
        before = len(self.errors)
        school_code = self._check_school(rownum, row)
        self.errors += [RowError(rownum, p.column, p.message) for p in problems]
        if form_row is not None:
            columns = {"class_name": layout.class_name or layout.class_ordinal,
                       "variant": (layout.variants or [None])[0], "marker": layout.marker}
            for attr, limit in TEXT_LIMITS.items():
                value = getattr(form_row, attr)
                problem = too_long(value, limit)
                if problem:
                    column = columns[attr]
                    self._err(rownum, column.title if column else attr, problem)
        if form_row is None or len(self.errors) != before:
            return None
        return MarksRow(rownum, school_code, form_row.participant, form_row.class_name, form_row.variant,
                        form_row.scores, form_row.journal_mark, form_row.marker)

    def _check_school(self, rownum: int, row: list) -> str | None:
        """The loaded school of a row (its own cell, else --school); an error when there is none."""
        layout = self.layout
        cell = forms.cell_text(row, layout.school)
        school_code = self._school(cell or (self.default_school or ""))
        if not school_code:
            self._err(rownum, layout.school.title if layout.school else "Код ОО",
                      f"неизвестный код ОО «{quote(cell)}»" if cell else "пустой код ОО")
        return school_code

    def _school(self, cell: str) -> str | None:
        """The loaded school a row names by its code or FIS OKO login (`sch730101`), else None."""
        if cell not in self._resolved:
            self._resolved[cell] = forms.resolve_school(cell, list(self.schools)) if cell else ""
        return self._resolved[cell]


class MarksStream:
    """A results form being read: its valid rows (:meth:`rows`) streamed from the file and
    validated against the campaign as they come, then :meth:`check`, which raises every error
    found. Nothing of the file is kept but the duplicate keys; a file that cannot be read
    raises TableReadError from :meth:`rows` when the read gets there."""

    def __init__(self, sheet: Sheet, parser: _Parser, schools: dict[str, School],
                 body: Iterator[tuple[int, list[Cell]]], header: list[Cell], overlong: list[RowError],
                 refusal: TableReadError | None):
        self.sheet, self.parser, self.schools = sheet, parser, schools
        self._body, self._header, self._overlong, self._refusal = body, header, overlong, refusal
        self._done = False
        self._header_errors = False  # the header's problems (found before any row is read)

    @property
    def absent(self) -> Counter:
        """School code -> absent pupils skipped (complete once :meth:`rows` is)."""
        return self.parser.absent_by_school

    def _failed(self) -> bool:
        return bool(self._overlong or self._refusal or self.parser.errors)

    def rows(self) -> Iterator[MarksRow]:
        """The valid rows, as long as no error has been found; after the first error the
        rest of the file is still read and validated (every error is reported), and no
        further row is given."""
        body = self._cells(self._body)
        if self._refusal is None and self.parser.layout is not None and not self.parser.errors:
            for row in self.parser.parse(body):
                if not self._failed():
                    yield row
        for _ in body:  # a read error, or a cell too long, is still found and reported
            pass
        self._done = True

    def _cells(self, body: Iterator[tuple[int, list[Cell]]]) -> Iterator[tuple[int, list[Cell]]]:
        """The non-blank rows; cells over MAX_CELL_CHARS (blank rows' too) go to the errors."""
        header, overlong = self._header, self._overlong
        for rownum, row in body:
            if Overlong in map(type, row):
                overlong += overlong_cells([(rownum, row)], header)
            if any(cell_text(c) for c in row):
                yield rownum, row

    def check(self) -> None:
        """Raise what the file's rows gave, as the whole-file read did: cells too long, an
        unknown school, the header's problems, then every row's error in row order."""
        if not self._done:
            for _ in self.rows():
                pass
        if self._overlong:
            raise ImportRejected(self._overlong, self.sheet.name)
        if self._refusal is not None:
            raise self._refusal
        if self.parser.layout is None or self._header_errors:
            raise ImportRejected(self.parser.errors, self.sheet.name)
        if self.parser.errors:
            raise ImportRejected(sorted(self.parser.errors, key=lambda e: (e.row, e.column)), self.sheet.name)


def read_marks(session: Session, campaign: Campaign, path: str | Path, *, school_code: str | None = None,
               data: bytes | None = None, ask_school: str = ASK_SCHOOL) -> MarksStream:
    """A results form opened and its header checked, its rows to be streamed (see
    :class:`MarksStream`) and validated against the campaign's template: our layout (SPEC
    §2), the school's form as FIS OKO gives it (sheet «Протокол», class list in the sheet
    «Классы») or the municipal export «Индивидуальные результаты» (many schools, each row's
    school by its login in `ОО`). Errors (ImportRejected with every bad row, or
    TableReadError) are raised by :meth:`MarksStream.check`, a file that is not a table's
    at once."""
    path = Path(path)
    book = open_book(path, data)
    index, header_row, header, body = find_header(path.name, book)
    columns: dict[str, int] = {}
    for idx, value in enumerate(header):
        columns.setdefault(norm_header(value), idx)
    columns.pop("", None)
    sheet = Sheet(path.name, header_row, columns, [cell_text(h) for h in header], [])
    overlong = overlong_cells([(header_row, header)], header)
    template = campaign.template
    schools = {s.code: s for s in session.scalars(select(School))}
    refusal = None
    if school_code and school_code not in schools:
        refusal = TableReadError(f"неизвестная школа: код ОО «{quote(school_code)}»")
    parser = _Parser(sheet, list(template.tasks), GradeScale(template.grades), schools, school_code, None,
                     ask_school)
    stream = MarksStream(sheet, parser, schools, body, header, overlong, refusal)
    if refusal is None and not overlong:
        parser.check_columns()
        stream._header_errors = bool(parser.errors)
        classes_at = book.find(CLASSES_SHEET)
        if not parser.errors and parser.layout.class_ordinal is not None and classes_at is not None \
                and classes_at != index:
            parser.classes = forms.class_list(book.rows(classes_at))
    return stream


def import_marks(session: Session, campaign: Campaign, path: str | Path, *, school_code: str | None = None,
                 actor: Actor | None = None, data: bytes | None = None, ask_school: str = ASK_SCHOOL) -> MarksResult:
    """Original marks from a results form (see read_marks), all-or-nothing and idempotent.

    The rows are written ``CHUNK_ROWS`` at a time as they are read and validated, inside the
    caller's transaction (flushed, never committed), and only while no error has been found;
    a file of fewer rows is written only once the whole of it is known good. When a later
    row is bad (or the file cannot be read to its end) ImportRejected / TableReadError is
    raised with every error and the caller rolls back what the earlier chunks wrote, as
    every caller does (the upload job, the command line's session, the tests' rollback)."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    if isinstance(session, scoped_session):  # the thread below must write in this thread's session
        session = session()
    stream = read_marks(session, campaign, path, school_code=school_code, data=data, ask_school=ask_school)
    result = MarksResult()
    writer = _Writer(session, campaign, stream.schools, result, actor)
    # On PostgreSQL the server checks every score's foreign keys while it takes a chunk in:
    # a chunk is written by one helper thread while this one reads and validates the next
    # (the session is used by one thread at a time: this one waits for the write before it
    # starts the next, and before anything else touches the session). SQLite writes in-process.
    pool = ThreadPoolExecutor(1) if session.get_bind().dialect.name == "postgresql" else None
    pending: Future | None = None
    chunk: list[MarksRow] = []
    try:
        for row in stream.rows():
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                if pool is None:
                    writer.write(chunk)
                else:
                    if pending is not None:
                        pending.result()
                    pending = pool.submit(writer.write, chunk)
                chunk = []
        if pending is not None:
            done, pending = pending, None
            done.result()
        stream.check()
        if chunk:
            writer.write(chunk)
        writer.finish()
    finally:
        if pending is not None:  # an error while a chunk was being written: let it end first
            futures_wait([pending])
        if pool is not None:
            pool.shutdown(wait=True)
    result.absent = sum(stream.absent.values())
    return result


@dataclass
class SchoolPreview:
    code: str
    name: str
    participants: int = 0
    absent: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    journal_marks: int = 0


@dataclass
class MarksPreview:
    """What an import of this file would do, computed without writing anything."""
    sheet: str
    schools: list[SchoolPreview]
    unlinked_markers: list[str]

    def total(self, attr: str) -> int:
        return sum(getattr(s, attr) for s in self.schools)

    def to_json(self) -> dict:
        return {"sheet": self.sheet, "unlinked_markers": self.unlinked_markers,
                "schools": [vars(s) for s in self.schools]}

    @classmethod
    def from_json(cls, doc: dict) -> "MarksPreview":
        return cls(doc["sheet"], [SchoolPreview(**s) for s in doc["schools"]], list(doc["unlinked_markers"]))


def preview_marks(session: Session, campaign: Campaign, path: str | Path, *, school_code: str | None = None,
                  data: bytes | None = None, ask_school: str = ASK_SCHOOL) -> MarksPreview:
    """Per school: participants, absent, and how many papers an import would create, update
    or leave as they are. Raises what read_marks raises; writes nothing."""
    stream = read_marks(session, campaign, path, school_code=school_code, data=data, ask_school=ask_school)
    by_code: dict[str, SchoolPreview] = {}

    def school(code: str) -> SchoolPreview:
        if code not in by_code:
            by_code[code] = SchoolPreview(code, stream.schools[code].name)
        return by_code[code]

    current = _current_papers(session, campaign)
    task_ids = {t.label: t.id for t in campaign.template.tasks}
    markers = _marker_index(session)
    unlinked: set[str] = set()
    for r in stream.rows():
        entry = school(r.school_code)
        entry.participants += 1
        entry.journal_marks += r.journal_mark is not None
        marker = _marker_of(markers, r.marker_text)
        if r.marker_text and marker is None:
            unlinked.add(r.marker_text)
        _, state, unchanged = _compare(r, stream.schools[r.school_code].id, marker, current, task_ids)
        if state is None:
            entry.created += 1
        elif unchanged:
            entry.unchanged += 1
        else:
            entry.updated += 1
    stream.check()
    for code, count in stream.absent.items():
        school(code).absent += count
    return MarksPreview(stream.sheet.name, sorted(by_code.values(), key=lambda s: s.code), sorted(unlinked))


def _current_papers(session: Session, campaign: Campaign) -> dict[tuple[int, str], tuple[int, tuple, dict]]:
    """(school id, participant) -> (paper id, (class, variant, journal mark, marker id, marker
    text), {task id: (score, attempted)}) of the campaign's papers, in two queries."""
    current: dict[tuple[int, str], tuple[int, tuple, dict]] = {}
    by_id: dict[int, dict] = {}
    for row in session.execute(select(Paper.id, Paper.school_id, Paper.participant_code, Paper.class_name,
                                      Paper.variant, Paper.journal_mark, Paper.original_marker_id,
                                      Paper.original_marker_name).where(Paper.campaign_id == campaign.id)):
        scores: dict = {}
        by_id[row.id] = scores
        current[(row.school_id, row.participant_code)] = (
            row.id, (row.class_name, row.variant, row.journal_mark, row.original_marker_id, row.original_marker_name),
            scores)
    for paper_id, task_id, score, attempted in session.execute(
            select(OriginalScore.paper_id, OriginalScore.task_id, OriginalScore.score, OriginalScore.attempted)
            .join(Paper, Paper.id == OriginalScore.paper_id).where(Paper.campaign_id == campaign.id)):
        by_id[paper_id][task_id] = (score, bool(attempted))
    return current


def _marker_index(session: Session) -> dict[str, User]:
    index: dict[str, User] = {}
    for user in session.scalars(select(User)):
        index.setdefault(" ".join(user.full_name.lower().split()), user)
    for user in session.scalars(select(User)):
        index[user.login.lower()] = user  # a login wins over a namesake's full name
    return index


def _marker_of(markers: dict[str, User], text: str) -> User | None:
    """The user a row's «Эксперт» cell names (login or full name), if any."""
    return markers.get(" ".join(text.lower().split())) if text else None


def _compare(r: MarksRow, school_id: int, marker: User | None, current: dict, task_ids: dict[str, int]
             ) -> tuple[tuple, tuple | None, bool]:
    """A row against the campaign's current papers (``_current_papers``): its FIELDS, the
    paper's current state (None: a new paper) and whether the paper is unchanged by it. The
    preview and the import judge every row by this one comparison, so what the preview
    promises is what the import does."""
    fields = (r.class_name, r.variant, r.journal_mark, marker.id if marker else None, r.marker_text)
    state = current.get((school_id, r.participant))
    if state is None:
        return fields, None, False
    _, stored, scores = state
    return fields, state, stored == fields and scores == {task_ids[label]: v for label, v in r.scores.items()}


# Columns of the rows the import writes in bulk (crosscheck.bulk), in the order given.
PAPER_COLUMNS = ("campaign_id", "school_id", "participant_code", "cipher", "class_name", "variant", "journal_mark",
                 "original_marker_id", "original_marker_name", "status", "created_at")
SCORE_COLUMNS = ("paper_id", "task_id", "max_score", "score", "attempted")
EVENT_COLUMNS = ("at", "actor_id", "actor_label", "action", "entity_type", "entity_id", "campaign_id", "before",
                 "after")
FIELDS = ("class_name", "variant", "journal_mark", "original_marker_id", "original_marker_name")


@dataclass
class _Change:
    paper_id: int
    school_id: int
    row: MarksRow
    fields: tuple  # FIELDS, as the file gives them
    before: tuple  # FIELDS, as stored
    scores: dict[int, tuple[int, bool]]  # task id -> (score, attempted), as stored


class _Writer:
    """Create the new papers, update the changed ones, leave the rest as they are; one audit
    event per created or updated paper. Flushes, never commits. :meth:`write` takes the rows
    a chunk at a time; :meth:`finish` re-runs the gate once all are written.

    A municipal export holds tens of thousands of papers: the campaign's papers and scores
    are read once in two queries (as the preview reads them: the database's state, held
    whole), new papers, their scores and the events go to the driver in bulk
    (``crosscheck.bulk``: COPY on PostgreSQL, executemany on SQLite) and the new ids are read
    back by their ciphers; changed papers are updated by executemany. Papers the session
    holds are expired where the import changed them."""

    def __init__(self, session: Session, campaign: Campaign, schools: dict[str, School], result: MarksResult,
                 actor: Actor | None):
        self.session, self.campaign, self.schools, self.result, self.actor = session, campaign, schools, result, actor
        session.flush()
        self.tasks = {t.label: t for t in campaign.template.tasks}
        self.task_ids = {label: t.id for label, t in self.tasks.items()}
        self.current = _current_papers(session, campaign)
        self.markers = _marker_index(session)
        # A fixed sample is not changed behind the organiser's back: new papers stay outside it.
        self.sampled = session.scalar(select(CampaignSample.id).where(CampaignSample.campaign_id == campaign.id)
                                      .limit(1)) is not None
        self.now = utcnow()
        self.taken: set[str] | None = None  # every paper's cipher, read when the first paper is created
        self.changed: list[int] = []  # ids of the papers updated

    def write(self, rows: list[MarksRow]) -> None:
        session, campaign, result, tasks = self.session, self.campaign, self.result, self.tasks
        created: list[tuple[int, MarksRow, tuple]] = []
        changes: list[_Change] = []
        for r in rows:
            marker = _marker_of(self.markers, r.marker_text)
            if marker is not None:
                result.linked_markers += 1
            elif r.marker_text:
                result.unlinked_markers.add(r.marker_text)
            school_id = self.schools[r.school_code].id
            fields, state, unchanged = _compare(r, school_id, marker, self.current, self.task_ids)
            if state is None:
                created.append((school_id, r, fields))
            elif unchanged:
                result.unchanged += 1
            else:
                paper_id, stored, scores = state
                changes.append(_Change(paper_id, school_id, r, fields, stored, scores))
        events: list[tuple] = []
        if created:
            if self.taken is None:
                self.taken = set(session.scalars(select(Paper.cipher)))
            events += _create(session, campaign, created, tasks, self.now, self.taken, excluded=self.sampled)
            result.created += len(created)
            if self.sampled:
                result.outside_sample += len(created)
        if changes:
            events += _update(session, campaign, changes, tasks)
            result.updated += len(changes)
            self.changed += [c.paper_id for c in changes]
        if events:
            actor = self.actor
            label, actor_id = (actor.label, actor.user.id if actor.user else None) if actor else ("system", None)
            bulk_insert(session, AuditEvent.__table__, EVENT_COLUMNS,
                        ((self.now, actor_id, label, action, "paper", paper_id, campaign.id,
                          None if before is None else json.dumps(before), json.dumps(after))
                         for action, paper_id, before, after in events))

    def finish(self) -> None:
        # A changed original marker may now hold the paper's recheck: re-run the gate (SPEC §5).
        self.result.withdrawn = recheck_live_assignments(self.session, None, self.actor, paper_ids=self.changed)


def _create(session: Session, campaign: Campaign, created: list[tuple[int, MarksRow, tuple]],
            tasks: dict[str, TemplateTask], now, taken: set[str], *, excluded: bool = False) -> list[tuple]:
    """Insert the new papers and their scores; their `paper.create` events (action, paper
    id, before, after). Each paper gets a cipher no paper of any campaign has (``taken``,
    to which the new ones are added); ``excluded``: the campaign's sample is fixed, so the
    new papers start outside it."""
    ciphers = new_ciphers(len(created), taken)
    status = (PaperStatus.EXCLUDED if excluded else PaperStatus.UNASSIGNED).value
    bulk_insert(session, Paper.__table__, PAPER_COLUMNS,
                ((campaign.id, school_id, r.participant, cipher, *fields, status, now)
                 for (school_id, r, fields), cipher in zip(created, ciphers)))
    ids = dict(session.execute(select(Paper.cipher, Paper.id).where(Paper.campaign_id == campaign.id,
                                                                    Paper.cipher.in_(ciphers))).all())
    paper_ids = [ids[cipher] for cipher in ciphers]
    task_of = [(label, t.id, t.max_score) for label, t in tasks.items()]
    bulk_insert(session, OriginalScore.__table__, SCORE_COLUMNS,
                ((paper_id, task_id, max_score, *r.scores[label])
                 for paper_id, (_, r, _) in zip(paper_ids, created)
                 for label, task_id, max_score in task_of if label in r.scores))
    return [("paper.create", paper_id, None, _paper_view(school_id, r.participant, fields, r.scores))
            for paper_id, (school_id, r, fields) in zip(paper_ids, created)]


def _update(session: Session, campaign: Campaign, changes: list[_Change],
            tasks: dict[str, TemplateTask]) -> list[tuple]:
    """Write the changed fields and scores of papers already there; their
    `paper.marks_update` events (action, paper id, before, after)."""
    papers, scores = Paper.__table__, OriginalScore.__table__
    connection = session.connection()
    connection.execute(update(papers).where(papers.c.id == bindparam("paper_id")),
                       [{"paper_id": c.paper_id, **dict(zip(FIELDS, c.fields))} for c in changes])
    changed_scores, new_scores, events = [], [], []
    for c in changes:
        for label, (score, attempted) in c.row.scores.items():
            task = tasks[label]
            old = c.scores.get(task.id)
            if old is None:
                new_scores.append((c.paper_id, task.id, task.max_score, score, attempted))
            elif old != (score, attempted):
                changed_scores.append({"b_paper": c.paper_id, "b_task": task.id, "score": score,
                                       "attempted": attempted})
        stored = {label: c.scores[t.id] for label, t in tasks.items() if t.id in c.scores}
        events.append(("paper.marks_update", c.paper_id,
                       _paper_view(c.school_id, c.row.participant, c.before, stored),
                       _paper_view(c.school_id, c.row.participant, c.fields, c.row.scores)))
    if changed_scores:
        connection.execute(update(scores).where(scores.c.paper_id == bindparam("b_paper"),
                                                scores.c.task_id == bindparam("b_task")), changed_scores)
    if new_scores:
        bulk_insert(session, scores, SCORE_COLUMNS, new_scores)
    # The statements went round the unit of work: what the session holds of these papers is stale.
    ids = {c.paper_id for c in changes}
    for obj in list(session.identity_map.values()):
        if (isinstance(obj, Paper) and obj.id in ids) or (isinstance(obj, OriginalScore) and obj.paper_id in ids):
            session.expire(obj)
    return events


def _paper_view(school_id: int, participant: str, fields: tuple, scores: dict[str, tuple[int, bool]]) -> dict:
    class_name, variant, journal_mark, _, marker_name = fields
    return {"school_id": school_id, "participant": participant, "class": class_name, "variant": variant,
            "journal_mark": journal_mark, "original_marker": marker_name,
            "scores": {label: ("Х" if not attempted else score) for label, (score, attempted) in scores.items()}}


def paper_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count()).select_from(Paper).where(Paper.campaign_id == campaign.id))
