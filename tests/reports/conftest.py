"""A small district taken through the whole flow: marks import → assignment → marking → review."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from crosscheck.models import Assignment, AssignmentKind, AssignmentStatus, Paper, User
from crosscheck.services.distribution.assignment import run_assignment
from crosscheck.services.audit.trail import Actor
from crosscheck.services.marking.scoring import save_scores, submit
from crosscheck.services.marks.importer import import_marks
from tests.conftest import csrf_from

LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]
HEADER = ["Код участника", "Класс", *LABELS, "Сумма баллов", "Отметка", "Отметка по журналу", "Эксперт", "Код ОО"]
FULL = [1] * 8 + [2, 2, 1, 1, 1, 1, 2]  # 18 points → grade 5
MIXED = [1, 0, 1, "Х", 1, 0, 1, 1, 2, 1, 1, 0, 0, 0, 2]  # 11 points → grade 4


def marks_file(tmp_path, rows, name="marks.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(["Форма сбора результатов ВПР"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def scores(values) -> dict[str, int]:
    return {label: (0 if v == "Х" else int(v)) for label, v in zip(LABELS, values)}


def mark(db, assignment: Assignment, values: dict[str, int], comment: str = "") -> None:
    user = db.get(User, assignment.expert_id)
    saved = save_scores(db, user, assignment.id, values, comment, assignment.version)
    assert saved.version
    submit(db, user, assignment.id)


def live_assignment(db, paper: Paper, kind: str = "recheck") -> Assignment:
    return db.scalar(select(Assignment).where(Assignment.paper_id == paper.id,
                                              Assignment.kind == AssignmentKind(kind),
                                              Assignment.status != AssignmentStatus.SUPERSEDED))


@pytest.fixture
def district(db, factory, tmp_path):
    """School 500101's papers: 10001 confirmed, 10002 over-marked (→ review), 10003 not yet marked."""
    home, other, third = factory.school("500101", "Заречный ГО"), factory.school("500102"), factory.school("500103")
    factory.user("organiser", role="organiser")
    factory.user("observer", role="observer")
    factory.user("exp1", school=other)
    factory.user("exp2", school=third)
    factory.user("reviewer", role="reviewer", school=third)
    factory.user("physics_mo", role="reviewer", school=other, subjects=("Физика",))
    factory.user("petrova", school=home, full_name="Петрова Ольга Ивановна")
    campaign = factory.campaign("e2e", name="Перепроверка ВПР, математика 5")
    import_marks(db, campaign, marks_file(tmp_path, [
        ["10001", "5А", *FULL, 18, 5, 5, "Петрова Ольга Ивановна", "500101"],
        ["10002", "5А", *FULL, 18, 5, 4, "Петрова Ольга Ивановна", "500101"],
        ["10003", "5Б", *MIXED, 11, 4, None, "Сидоров", "500101"],
    ]), actor=Actor(label="test"))
    run_assignment(db, campaign, Actor(label="test"))
    papers = {p.participant_code: p for p in db.scalars(select(Paper).where(Paper.campaign_id == campaign.id))}
    factory.commit()
    return campaign, papers


@pytest.fixture
def marked(db, district):
    """10001 confirmed; 10002 rechecked 3 points lower (significant), reviewed 6 lower (grade 5 → 4)."""
    campaign, papers = district
    mark(db, live_assignment(db, papers["10001"]), scores(FULL))
    lower = scores(FULL) | {"9": 0, "14": 1}  # −3: 15 points, grade 5 → 4
    mark(db, live_assignment(db, papers["10002"]), lower)
    db.commit()
    review = live_assignment(db, papers["10002"], "review")
    assert review is not None, "a significant recheck must start a third check"
    mark(db, review, scores(FULL) | {"9": 0, "10": 0, "14": 0}, comment="Задания 9, 10, 14 решены неверно")
    db.commit()
    return campaign, papers


def press_report(client, kind: str, code: str = "", follow: bool = False):
    """Press a report button of campaign e2e (a CSRF-protected POST)."""
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    return client.post("/analytics/e2e/reports", data={"kind": kind, "code": code, "csrf_token": token},
                       follow_redirects=follow)
