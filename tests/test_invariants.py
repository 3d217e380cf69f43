"""Workflow invariants live in the database: these writes must be refused by it."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from crosscheck.db import utcnow
from crosscheck.models import (Assignment, AssignmentKind, AssignmentStatus, OriginalScore, Paper, Role,
                               TaskScore, User)


@pytest.fixture
def paper(db, factory):
    campaign = factory.campaign()
    school = factory.school()
    p = Paper(campaign_id=campaign.id, school_id=school.id, participant_code="10001", cipher="ABCD2345EF")
    db.add(p)
    db.flush()
    return p


def refused(db, *objects):
    with pytest.raises(IntegrityError):
        db.add_all(objects)
        db.flush()
    db.rollback()


def test_expert_must_have_a_place_of_work(db):
    refused(db, User(login="x", full_name="X", role=Role.EXPERT, password_hash="h"))


def test_one_live_recheck_per_paper_and_round(db, factory, paper):
    e1, e2 = factory.user("e1"), factory.user("e2")
    db.add(Assignment(paper_id=paper.id, expert_id=e1.id, kind=AssignmentKind.RECHECK, round=1))
    db.flush()
    refused(db, Assignment(paper_id=paper.id, expert_id=e2.id, kind=AssignmentKind.RECHECK, round=1))


def test_superseded_work_stays_beside_its_replacement(db, factory, paper):
    e1, e2 = factory.user("e1"), factory.user("e2")
    db.add(Assignment(paper_id=paper.id, expert_id=e1.id, kind=AssignmentKind.RECHECK, round=1,
                      status=AssignmentStatus.SUPERSEDED, superseded_at=utcnow()))
    db.add(Assignment(paper_id=paper.id, expert_id=e2.id, kind=AssignmentKind.RECHECK, round=1))
    db.flush()


def test_submitted_needs_a_time(db, factory, paper):
    e1 = factory.user("e1")
    refused(db, Assignment(paper_id=paper.id, expert_id=e1.id, kind=AssignmentKind.RECHECK, round=1,
                           status=AssignmentStatus.SUBMITTED))


def test_recheck_round_is_one_or_two(db, factory, paper):
    refused(db, Assignment(paper_id=paper.id, expert_id=factory.user("e1").id, kind=AssignmentKind.RECHECK,
                           round=3))


def test_score_cannot_exceed_the_task_maximum(db, factory, paper):
    task = paper.campaign.template.tasks[8]  # task "9", max 2
    a = Assignment(paper_id=paper.id, expert_id=factory.user("e1").id, kind=AssignmentKind.RECHECK, round=1)
    db.add(a)
    db.flush()
    refused(db, TaskScore(assignment_id=a.id, task_id=task.id, max_score=task.max_score, score=3))


def test_score_row_cannot_lie_about_the_maximum(db, factory, paper):
    task = paper.campaign.template.tasks[0]  # max 1
    refused(db, OriginalScore(paper_id=paper.id, task_id=task.id, max_score=5, score=4))


def test_not_attempted_task_scores_zero(db, paper):
    task = paper.campaign.template.tasks[8]
    refused(db, OriginalScore(paper_id=paper.id, task_id=task.id, max_score=2, score=1, attempted=False))


def test_cipher_is_unique_and_long(db, factory, paper):
    school = factory.school()
    refused(db, Paper(campaign_id=paper.campaign_id, school_id=school.id, participant_code="2",
                      cipher="ABCD2345EF"))
    refused(db, Paper(campaign_id=paper.campaign_id, school_id=school.id, participant_code="3", cipher="SHORT"))


def test_participant_code_unique_per_school_in_campaign(db, paper):
    refused(db, Paper(campaign_id=paper.campaign_id, school_id=paper.school_id,
                      participant_code=paper.participant_code, cipher="ZZZZ2345EF"))
