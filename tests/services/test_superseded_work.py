"""Work moved to another expert while its expert was typing: the late autosave is refused
as stale (409 at the API), never written into the superseded row, never a database error."""
from __future__ import annotations

import pytest

from crosscheck.db import Database
from crosscheck.models import Assignment, AssignmentStatus, TaskScore, User
from crosscheck.services.audit.trail import Actor
from crosscheck.services.distribution.assignment import assign_manually
from crosscheck.services.marking import scoring
from crosscheck.services.marking.scoring import Stale, save_scores


@pytest.mark.parametrize("draft_first", [False, True])
def test_an_autosave_read_before_a_manual_move_is_refused_as_stale(db, factory, database_url, monkeypatch,
                                                                 draft_first):
    campaign = factory.campaign()
    paper = factory.paper(campaign, factory.school("500101"))
    first, second = factory.user("exp01"), factory.user("exp02")
    work = factory.assignment(paper, first)
    factory.commit()
    tasks = {t.label: t.max_score for t in campaign.template.tasks}
    version = 1
    if draft_first:
        version = save_scores(db, first, work.id, {"1": tasks["1"]}, "", 1).version
        db.commit()

    # The expert's autosave has read its assignment ...
    read = scoring.marking_state(db, db.get(User, first.id), work.id)
    db.rollback()
    # ... when the organiser moves the paper to another expert (another request, committed).
    other = Database(database_url)
    try:
        s = other.session()
        assign_manually(s, s.get(type(campaign), campaign.id), s.get(type(paper), paper.id), 1,
                        s.get(User, second.id), Actor(label="test"))
        s.commit()
    finally:
        other.dispose()

    # Now the autosave writes with what it read: refused, nothing written, the move stands.
    monkeypatch.setattr(scoring, "marking_state", lambda *_args: read)
    with pytest.raises(Stale):
        save_scores(db, db.get(User, first.id), work.id, dict(tasks), "", version)
    db.rollback()
    db.expire_all()
    moved = db.get(Assignment, work.id)
    assert moved.status == AssignmentStatus.SUPERSEDED
    assert db.query(TaskScore).filter(TaskScore.assignment_id == work.id).count() == (1 if draft_first else 0)
    live = db.query(Assignment).filter(Assignment.paper_id == paper.id,
                                       Assignment.status != AssignmentStatus.SUPERSEDED).one()
    assert live.expert_id == second.id
