"""Submitting marks: the paper's outcome is decided once every recheck is in, even when the
two experts of a double-marked paper press «Сдать» at the same moment."""
from __future__ import annotations

import threading

import pytest

from sqlalchemy import func, select

from crosscheck.db import Database
from crosscheck.models import Assignment, AssignmentKind, AssignmentStatus, Paper, PaperStatus, Role, User
from crosscheck.services.marking.scoring import save_scores, submit


def double_marked(factory, db):
    campaign = factory.campaign(per_paper=2)
    tasks = {t.label: t.max_score for t in campaign.template.tasks}
    paper = factory.paper(campaign, factory.school("500101"))
    first, second = factory.user("exp01"), factory.user("exp02")
    factory.user("mo_math", Role.REVIEWER)
    a1 = factory.assignment(paper, first, round=1)
    a2 = factory.assignment(paper, second, round=2)
    factory.commit()
    # The first expert agrees with the school, the second takes every point away: the
    # rechecks disagree, so the paper needs a third check.
    save_scores(db, first, a1.id, dict(tasks), "", 1)
    save_scores(db, second, a2.id, {label: 0 for label in tasks}, "", 1)
    db.commit()
    return paper.id, (first.id, a1.id), (second.id, a2.id)


def test_two_rechecks_submitted_at_once_still_send_the_paper_to_review(db, factory, database_url):
    paper_id, (first_id, first_a), (second_id, second_a) = double_marked(factory, db)
    one, two = Database(database_url), Database(database_url)
    try:
        s1, s2 = one.session(), two.session()
        submit(s1, s1.get(User, first_id), first_a)  # not committed yet
        finished = threading.Event()
        errors: list[BaseException] = []

        def second_expert():
            try:
                submit(s2, s2.get(User, second_id), second_a)
                s2.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                finished.set()

        thread = threading.Thread(target=second_expert)
        thread.start()
        # The second submission waits for the first one's transaction (the paper's row lock
        # on PostgreSQL, the write lock on SQLite) instead of deciding without it.
        assert not finished.wait(0.5)
        s1.commit()
        thread.join(30)
        assert not errors, errors
    finally:
        one.dispose()
        two.dispose()

    db.expire_all()
    assert db.get(Paper, paper_id).status == PaperStatus.REVIEW
    reviews = db.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.paper_id == paper_id, Assignment.kind == AssignmentKind.REVIEW,
        Assignment.status == AssignmentStatus.ASSIGNED))
    assert reviews == 1


def test_one_recheck_submitted_leaves_the_paper_marking(db, factory):
    paper_id, (first_id, first_a), _ = double_marked(factory, db)
    submit(db, db.get(User, first_id), first_a)
    db.commit()
    db.expire_all()
    assert db.get(Paper, paper_id).status != PaperStatus.REVIEW
    assert db.get(Assignment, first_a).status == AssignmentStatus.SUBMITTED


def test_a_save_that_loses_the_race_writes_nothing(db, factory, monkeypatch):
    """Two tabs read version 1 at the same moment; the first write wins and the second finds
    the version gone at the moment of writing (not only when reading): 409, nothing stored."""
    import crosscheck.services.marking.scoring as marking
    from crosscheck.models import AuditEvent, TaskScore

    campaign = factory.campaign()
    expert = factory.user("exp01")
    assignment = factory.assignment(factory.paper(campaign, factory.school("500101")), expert)
    factory.commit()
    seen_by_second_tab = marking.marking_state(db, expert, assignment.id)
    marking.save_scores(db, expert, assignment.id, {"1": 1}, "", 1)
    db.commit()

    monkeypatch.setattr(marking, "marking_state", lambda *_args: seen_by_second_tab)
    with pytest.raises(marking.Stale):
        marking.save_scores(db, expert, assignment.id, {"1": 0, "2": 1}, "", 1)
    db.rollback()
    db.expire_all()
    assert dict(db.execute(select(TaskScore.task_id, TaskScore.score)
                           .where(TaskScore.assignment_id == assignment.id)).all()).__len__() == 1
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "marks.save")) == 1
    assert db.get(Assignment, assignment.id).version == 2
