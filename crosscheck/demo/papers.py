"""Demo papers: the schools' results forms, their scanned papers, distribution and some
marking — all through the real importers, pipeline, engine and marking services.

The marks arrive as they do in a real municipality (SPEC §2, see forms.py): most schools in
one FIS OKO export «Индивидуальные результаты» (imported with no school: each row's school
by its login), two schools in their own results forms «Протокол» (imported with the school
given). The files stay in ``<data dir>/demo-forms/`` for a visitor to upload again.

One school (500105) over-marks on purpose, so the analytics have something to find. One
school (500107) scans its stack as it is, without our covers (SPEC §3): its title pages carry
the handwritten participant codes, read and matched by the real pipeline; two codes are hard
to read (a smudged digit, a code crossed out with the right one written below the boxes) and
wait in the confirmation queue for the visitor.
"""
from __future__ import annotations

import random
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Assignment, Campaign, Paper, School, User
from ..services.distribution.assignment import run_assignment
from ..services.audit.trail import Actor
from ..services.marking.scoring import save_scores, submit
from ..services.marks.importer import import_marks
from ..services.scans.batches import register_upload
from .forms import FORMS_DIR, ExportSchool, Pupil, Task, municipal_export, school_form, school_login

PUPILS_PER_SCHOOL = 6
PUPILS_AT_OVER_MARKING_SCHOOL = 14  # enough checked papers for the flag rule to speak
SCAN_SIZE = (1240, 1754)  # A4 at 150 dpi, as schools scan
OVER_MARKING_SCHOOL = "500105"
SCHOOLS_WITH_PAPERS = ("500101", "500102", "500103", "500105", "500107", "500211")
CLASSES = ("5А", "5Б")
# The two schools that send their own form «Протокол»; every other school's marks come in the
# municipal export. 500211 saved its form in Excel (the totals' formulas carry their results)
# and lists absentees in two spellings; 500105 added a column «Эксперт» for the marking teacher.
SCHOOL_FORMS = {
    "500211": {"stored_totals": True, "absent": ("отсутствовал", "не присутствовал"), "marker": False},
    "500105": {"stored_totals": False, "absent": ("отсутствовал",), "marker": True},
}
EXPORT_ABSENT = {"500102": 1}  # absentees the export lists (blank variant and tasks)
EXPORT_FILE = "individual-results-500100.xlsx"
MUNICIPAL_LOGIN = "mun500100"
EXPORT_DATE = "16.04.2026"
# The school that sends its stack without covers, and its pupils (by their place in the
# school's list) whose codes a person has to confirm: the last digit overwritten and smeared,
# and a wrong code crossed out in the boxes with the right one written below them.
UNCOVERED_SCHOOL = "500107"
SMUDGED, SMUDGED_OVER = 2, 8
CROSSED, CROSSED_OUT = 4, "10760"
TITLE_SEED = 2369  # the handwriting: with it the four clean codes are read with confidence


def export_path(data_dir: Path) -> Path:
    return Path(data_dir) / FORMS_DIR / EXPORT_FILE


def school_form_path(data_dir: Path, code: str) -> Path:
    return Path(data_dir) / FORMS_DIR / f"protocol-{code}.xlsx"


def demo_form_paths(data_dir: Path) -> list[Path]:
    """The demo's forms in the data directory: the municipal export, then the schools' forms."""
    return [export_path(data_dir), *(school_form_path(data_dir, code) for code in SCHOOL_FORMS)]


def _true_scores(rng: random.Random, tasks) -> dict[str, int]:
    ability = rng.betavariate(3, 2)
    return {t.label: min(t.max_score, int(rng.random() < ability) + int(t.max_score > 1 and rng.random() < ability))
            for t in tasks}


def _school_marks(rng: random.Random, truth: dict[str, int], tasks, school: str) -> dict[str, int]:
    marks = dict(truth)
    if school == OVER_MARKING_SCHOOL:  # generous original marking: +1 on several tasks
        for t in rng.sample(list(tasks), 4):
            marks[t.label] = min(t.max_score, marks[t.label] + 1)
    elif rng.random() < 0.3:
        t = rng.choice(list(tasks))
        marks[t.label] = min(t.max_score, marks[t.label] + 1)
    return marks


def _written(mark: int, n: int, i: int) -> int | str:
    """A score as the form carries it: now and then a 0 is a task not attempted, written as
    the Cyrillic «Х» or the Latin «X» (both read as 0, not attempted)."""
    if mark == 0 and n % 4 == 0 and i % 5 == 3:
        return "Х"
    if mark == 0 and n % 4 == 2 and i % 5 == 1:
        return "X"
    return mark


def _pupils(code: str, rows: list[tuple[str, dict[str, int], int]], labels: list[str],
            absent: tuple[str, ...] | int) -> list[Pupil]:
    """A school's pupils in the order of their codes: the present ones (class 5А and 5Б in
    turn, two variants), then the absentees (an int: that many; a tuple: their variant cells)."""
    pupils = [Pupil(participant, class_no=1 if n % 2 else 2, sex="ж" if n % 3 == 0 else "м", variant=1 + n % 2,
                    scores={label: _written(marks[label], n, i) for i, label in enumerate(labels)},
                    journal=journal)
              for n, (participant, marks, journal) in enumerate(rows, start=1)]
    markers = absent if isinstance(absent, tuple) else ("",) * absent
    for k, text in enumerate(markers, start=len(rows) + 1):
        pupils.append(Pupil(f"{code[-3:]}{k:02d}", class_no=1 + k % 2, sex="м" if k % 2 else "ж",
                            absent=text or "отсутствовал"))
    return pupils


def _write_forms(data_dir: Path, campaign: Campaign, schools: dict[str, School],
                 rows: dict[str, list[tuple[str, dict[str, int], int]]], markers: dict[str, str], grade) -> None:
    """The municipal export (every school without its own form) and the schools' forms."""
    template = campaign.template
    tasks = [Task(t.label, t.max_score) for t in template.tasks]
    labels = [t.label for t in tasks]
    in_export = [code for code in rows if code not in SCHOOL_FORMS]
    municipality = schools[in_export[0]].municipality
    export = municipal_export(
        tasks,
        [ExportSchool(school_login(code), schools[code].name, CLASSES,
                      _pupils(code, rows[code], labels, EXPORT_ABSENT.get(code, 0))) for code in in_export],
        grade=grade, municipality=municipality, municipal_login=MUNICIPAL_LOGIN, subject=template.subject.name,
        grade_level=template.grade_level, year=2026, date=EXPORT_DATE)
    export_path(data_dir).parent.mkdir(parents=True, exist_ok=True)
    export_path(data_dir).write_bytes(export)
    for code, how in SCHOOL_FORMS.items():
        form = school_form(tasks, CLASSES, _pupils(code, rows[code], labels, how["absent"]),
                           stored_totals=how["stored_totals"], marker=markers[code] if how["marker"] else "")
        school_form_path(data_dir, code).write_bytes(form)


def _page(seed: int, code: str, position: int, marks: dict[str, int] | None):
    """A handwritten page with the participant code in the header box (masked later) and,
    on the last page, the school's marks table (masked too)."""
    from scanner_import.synthetic import vpr_page

    table = "  ".join(f"{k}:{v}" for k, v in marks.items()) if marks is not None else None
    return vpr_page(seed, code, position, table, size=SCAN_SIZE)


def _scan_pdf(path: Path, campaign: Campaign, school: School, papers: list[Paper], marks: dict[str, dict],
              pages: int) -> None:
    from scanner_import import CoverEntry, CoverSheetSet
    from scanner_import.synthetic import blank_back, cover_page, write_scan_pdf

    sheets = CoverSheetSet(campaign.slug, campaign.name, school.code, school.name,
                           [CoverEntry(p.participant_code, p.cipher) for p in papers])

    def images():
        for n, paper in enumerate(sorted(papers, key=lambda p: p.participant_code)):
            yield cover_page(sheets, CoverEntry(paper.participant_code, paper.cipher), n + 1, len(papers),
                             size=SCAN_SIZE, angle=0.6, upside_down=(n == 2), seed=n)
            for k in range(1, pages + 1):
                yield _page(1000 * n + k, paper.participant_code, k,
                            marks[paper.participant_code] if k == pages else None)
                if n % 2 == 0:
                    yield blank_back(1000 * n + k, size=SCAN_SIZE)

    write_scan_pdf(path, images(), dpi=150, quality=70)


def _uncovered_pdf(path: Path, papers: list[Paper], marks: dict[str, dict], pages: int) -> None:
    """The stack as the school scans it with no covers: each paper's title page with the code
    written by hand in the boxes, then its other pages; duplex blank backs now and then."""
    from scanner_import.synthetic import blank_back, write_scan_pdf
    from scanner_import.synthetic_titles import title_page

    def images():
        for n, paper in enumerate(sorted(papers, key=lambda p: p.participant_code)):
            code, seed = paper.participant_code, TITLE_SEED + n
            if n == SMUDGED:
                yield title_page(code, seed, smudged={len(code) - 1: SMUDGED_OVER})
            elif n == CROSSED:
                yield title_page(code, seed, crossed=CROSSED_OUT)
            else:
                yield title_page(code, seed)
            if n % 2 == 1:
                yield blank_back(5000 + n, size=SCAN_SIZE)
            for k in range(2, pages + 1):
                yield _page(7000 + 1000 * n + k, code, k, marks[code] if k == pages else None)

    write_scan_pdf(path, images(), dpi=150, quality=70)


def load_papers(session: Session, campaign: Campaign, data_dir: Path, seed: int = 2026) -> None:
    from ..domain.grading import GradeScale
    from ..jobs.runner import run

    rng = random.Random(seed)
    actor = Actor(label="demo")
    tasks = list(campaign.template.tasks)
    scale = GradeScale(campaign.template.grades)
    schools = {s.code: s for s in session.scalars(select(School))}
    truths: dict[tuple[str, str], dict[str, int]] = {}
    rows: dict[str, list[tuple[str, dict[str, int], int]]] = {}
    markers: dict[str, str] = {}
    for code in SCHOOLS_WITH_PAPERS:
        school = schools[code]
        markers[code] = session.scalar(select(User.full_name).where(User.school_id == school.id,
                                                                    User.role == "expert").order_by(User.id)) or ""
        rows[code] = []
        for i in range(PUPILS_AT_OVER_MARKING_SCHOOL if code == OVER_MARKING_SCHOOL else PUPILS_PER_SCHOOL):
            participant = f"{code[-3:]}{i + 1:02d}"
            truth = _true_scores(rng, tasks)
            truths[(code, participant)] = truth
            marks = _school_marks(rng, truth, tasks, code)
            journal = min(5, max(2, scale.grade(sum(marks.values())) + rng.choice([0, 0, 1])))
            rows[code].append((participant, marks, journal))
    _write_forms(data_dir, campaign, schools, rows, markers, scale.grade)
    import_marks(session, campaign, export_path(data_dir), actor=actor)  # each row's school by its login
    for code in SCHOOL_FORMS:
        import_marks(session, campaign, school_form_path(data_dir, code), school_code=code, actor=actor)
    for code in SCHOOLS_WITH_PAPERS:
        school = schools[code]
        papers = list(session.scalars(select(Paper).where(Paper.campaign_id == campaign.id,
                                                          Paper.school_id == school.id)))
        original = {code_: dict(m) for code_, m, _ in rows[code]}
        with tempfile.TemporaryDirectory() as tmp:
            pdf = Path(tmp) / f"scan-{code}.pdf"
            if code == UNCOVERED_SCHOOL:  # no covers: the school is named, its codes are read
                _uncovered_pdf(pdf, papers, original, campaign.template.pages)
            else:
                _scan_pdf(pdf, campaign, school, papers, original, campaign.template.pages)
            reg = register_upload(session, campaign, pdf, pdf.name, data_dir, actor,
                                  school=school if code == UNCOVERED_SCHOOL else None)
            session.commit()
            run("import_scan_batch", reg.batch.id)
    run_assignment(session, campaign, actor)
    session.flush()
    _mark_some(session, campaign, truths, rng)
    _review_some(session, campaign, truths)


def _mark_some(session: Session, campaign: Campaign, truths, rng: random.Random) -> None:
    """Experts have submitted about two thirds of their papers; exp01 keeps a few to try. A
    paper whose scans wait in the confirmation queue has no pages yet: nobody marks it."""
    from ..models import Page, PageStatus

    scanned = set(session.scalars(select(Page.paper_id).where(Page.campaign_id == campaign.id,
                                                              Page.status == PageStatus.PLACED)))
    kept_for_visitor = 0
    for a in session.scalars(select(Assignment).join(Paper, Assignment.paper_id == Paper.id)
                             .where(Paper.campaign_id == campaign.id).order_by(Assignment.id)).all():
        if a.paper_id not in scanned:
            continue
        expert = a.expert
        if expert.login == "exp01" and kept_for_visitor < 2:
            kept_for_visitor += 1
            continue
        if a.paper.school.code != OVER_MARKING_SCHOOL and rng.random() < 0.1:
            continue
        truth = truths[(a.paper.school.code, a.paper.participant_code)]
        scores = dict(truth)
        if rng.random() < 0.2:  # an honest slip of one point
            t = rng.choice(list(campaign.template.tasks))
            scores[t.label] = max(0, scores[t.label] - 1)
        save_scores(session, expert, a.id, scores, "", a.version)
        if a.paper.school.code == OVER_MARKING_SCHOOL or rng.random() < 0.9:
            submit(session, expert, a.id)
    session.flush()


def _review_some(session: Session, campaign: Campaign, truths) -> None:
    """Reviewers have closed most third checks; each keeps one open to try."""
    from ..models import AssignmentKind, AssignmentStatus

    kept: set[int] = set()
    reviews = session.scalars(select(Assignment).join(Paper, Assignment.paper_id == Paper.id).where(
        Paper.campaign_id == campaign.id, Assignment.kind == AssignmentKind.REVIEW,
        Assignment.status == AssignmentStatus.ASSIGNED).order_by(Assignment.id)).all()
    for a in reviews:
        if a.expert_id not in kept:
            kept.add(a.expert_id)
            continue
        truth = truths[(a.paper.school.code, a.paper.participant_code)]
        save_scores(session, a.expert, a.id, dict(truth),
                    "Баллы выставлены строго по критериям: ответы без обоснования не засчитаны.", a.version)
        submit(session, a.expert, a.id)
    session.flush()
