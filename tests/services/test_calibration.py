"""Calibration papers through the database (docs/experts.md, «Calibration papers»): copies are
given with live work through the gate, never count as rechecks, deviations follow the key."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import (Assignment, AssignmentKind, AuditEvent, CalibrationPaper, Paper, PaperStatus)
from crosscheck.services.audit.trail import Actor
from crosscheck.services.distribution.assignment import run_assignment, withdraw_expert
from crosscheck.services.distribution.calibration import (CalibrationRefused, pause_expert, resume_expert,
                                                          set_rate)
from crosscheck.services.marking.scoring import save_scores, submit
from crosscheck.services.reports.calibration import (KeyRefused, calibration_view, expert_copies, final_scores,
                                                     parse_key, set_key)
from tests.services.calibration_world import build, copies


@pytest.fixture
def world(db, factory):
    return build(db, factory)


def mark(db, expert, assignment, scores):
    save_scores(db, expert, assignment.id, scores, "", assignment.version)
    submit(db, expert, assignment.id)
    db.commit()


def test_a_run_gives_each_expert_their_copies_through_the_gate(db, world):
    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    ref_ids = {p.id for p in world.refs}
    for expert in (world.eb1, world.eb2, world.ec):
        mine = copies(db, expert)
        live = db.scalars(select(Assignment).where(Assignment.expert_id == expert.id,
                                                   Assignment.kind == AssignmentKind.RECHECK)).all()
        # first 1, then one per 2 live papers; only two references exist
        assert len(mine) == min(2, 1 + len(live) // 2) and {a.paper_id for a in mine} <= ref_ids
        assert len({a.paper_id for a in mine}) == len(mine)
        # created with the live batch: the same creation time
        assert {a.created_at for a in mine} <= {a.created_at for a in live}
    # the references' own school's expert and the one who marked them live get none
    assert copies(db, world.ea) == [] and copies(db, world.old) == []
    # a copy is no recheck: the reference papers are still done, with one live recheck each
    for paper in world.refs:
        db.refresh(paper)
        assert paper.status == PaperStatus.DONE


def test_a_second_run_tops_up_without_giving_a_paper_twice(db, world, factory):
    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    before = {(a.expert_id, a.paper_id) for a in copies(db)}
    for _ in range(4):
        factory.paper(world.campaign, world.a)
    factory.commit()
    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    after = [(a.expert_id, a.paper_id) for a in copies(db)]
    assert len(after) == len(set(after)) and before <= set(after)


def test_rate_zero_gives_no_copies(db, factory):
    w = build(db, factory, rate=0)
    run_assignment(db, w.campaign, Actor(w.org))
    db.commit()
    assert copies(db) == []


def test_deviation_from_the_current_key_and_a_changed_key_recomputes(db, world):
    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    copy = copies(db, world.eb1)[0]
    paper = db.get(Paper, copy.paper_id)
    key = db.scalar(select(CalibrationPaper).where(CalibrationPaper.paper_id == paper.id)).key_scores
    assert key["1"] == 1 and key["10"] == 2
    scores = dict(key) | {"1": 0, "10": 0}  # one point under on task 1, two under on task 10
    mark(db, world.eb1, copy, scores)
    expected_total = sum(scores.values()) - sum(key.values())
    view = calibration_view(db, world.campaign)
    row = next(e for e in view.experts if e.login == "eb1")
    assert row.done == 1 and row.copies[0].total_diff == expected_total == -3
    assert row.copies[0].exceeds is True  # task 10: two points off the key ≥ task_threshold 2
    # the reviewer changes the key to what the expert gave: no deviation any more
    set_key(db, world.campaign, paper, scores, "пересмотрено", Actor(world.mo))
    db.commit()
    row = next(e for e in calibration_view(db, world.campaign).experts if e.login == "eb1")
    assert row.copies[0].total_diff == 0 and row.copies[0].exceeds is False and row.mean_diff == 0
    change = db.scalar(select(AuditEvent).where(AuditEvent.action == "calibration.key_change"))
    assert change.before["key"] == key and change.after["key"] == scores


def test_an_expert_who_only_did_calibration_is_listed_with_no_checked_papers(db, world):
    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    copy = copies(db, world.ec)[0]
    key = db.scalar(select(CalibrationPaper).where(CalibrationPaper.paper_id == copy.paper_id)).key_scores
    mark(db, world.ec, copy, dict(key))
    detail = expert_copies(db, world.campaign, "ec")
    assert detail.summary.live_rechecks == 0 and detail.summary.done == 1
    assert detail.summary.copies[0].total_diff == 0


def test_the_key_form_names_the_task_in_russian(world):
    form = {label: str(m) for label, m in world.full.items()} | {"9": "5", "10": "x"}
    with pytest.raises(KeyRefused) as refused:
        parse_key(world.campaign, form)
    assert "задание 9: нужен балл от 0 до 2 (введено «5»)" in refused.value.message
    assert "задание 10: нужен балл от 0 до 2 (введено «x»)" in refused.value.message


def test_a_new_key_is_prefilled_with_the_final_marks(db, world):
    assert final_scores(db, world.campaign, world.refs[0]) == world.full


def test_rate_is_validated_and_audited(db, world):
    with pytest.raises(CalibrationRefused) as refused:
        set_rate(db, world.campaign, "один", 2, Actor(world.org))
    assert "Калибровочная работа: одна на N" in refused.value.message
    assert set_rate(db, world.campaign, 20, 2, Actor(world.org)) is True
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.calibration"))
    assert event.after == {"calibration_rate": 20, "calibration_first": 2}


def test_a_paused_expert_gets_no_new_work_and_resuming_is_audited(db, world, factory):
    pause_expert(db, world.campaign, world.eb1, Actor(world.mo), "расхождение с эталоном")
    db.commit()
    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    assert db.scalars(select(Assignment).where(Assignment.expert_id == world.eb1.id)).all() == []
    resume_expert(db, world.campaign, world.eb1, Actor(world.mo), "беседа проведена")
    factory.paper(world.campaign, world.a)
    factory.commit()
    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == world.eb1.id,
                                                              AuditEvent.entity_type == "user")))
    assert actions == ["campaign.pause_expert", "campaign.resume_expert"]


def test_withdrawing_an_expert_takes_their_unstarted_copies_too(db, world):
    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    assert copies(db, world.eb1)
    withdraw_expert(db, world.campaign, world.eb1, Actor(world.org), "болезнь")
    db.commit()
    assert copies(db, world.eb1) == []


def test_a_problem_reported_on_a_copy_is_resolved_never_handed_to_another_expert(db, world):
    from crosscheck.services.marking.problems import ProblemError, reassign, report_in, resolve
    from crosscheck.services.marking.scoring import flag_problem

    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    copy = copies(db, world.eb1)[0]
    flag_problem(db, world.eb1, copy.id, "unreadable", "страница 2 размыта")
    db.commit()
    report = report_in(db, world.campaign, copy.id)
    with pytest.raises(ProblemError) as refused:
        reassign(db, world.campaign, report, "eb2", "", Actor(world.org))
    assert "калибровочную работу другому эксперту не передают" in str(refused.value)
    db.rollback()
    resolve(db, world.campaign, report_in(db, world.campaign, copy.id), "страница пересканирована", Actor(world.org))
    db.commit()
    assert [a.expert_id for a in copies(db) if a.paper_id == copy.paper_id].count(world.eb1.id) == 1


def test_an_expert_moved_to_the_references_school_loses_their_unstarted_copies(db, world):
    from crosscheck.services.distribution.regate import recheck_live_assignments

    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    mine = copies(db, world.eb1)
    assert mine
    world.eb1.school_id = world.a.id  # now works where the references were written
    db.flush()
    withdrawn = recheck_live_assignments(db, [world.eb1.id], Actor(world.org))
    db.commit()
    assert {w.assignment_id for w in withdrawn if w.kind == "calibration"} >= {a.id for a in mine}
    assert copies(db, world.eb1) == []
    for paper in world.refs:
        db.refresh(paper)
        assert paper.status == PaperStatus.DONE  # nothing reopened


def test_the_assignments_listing_of_spec_4_has_no_copies(db, world):
    from crosscheck.services.distribution.assignment import assignments_json

    run_assignment(db, world.campaign, Actor(world.org))
    db.commit()
    listed = assignments_json(db, world.campaign)
    ref_ciphers = {p.cipher for p in world.refs}
    assert copies(db) and listed
    assert {row["kind"] for row in listed} == {"recheck"}
    assert not ref_ciphers & {row["cipher"] for row in listed if row["status"] != "submitted"}
