"""Distribution of work through the database: automatic, manual, withdrawal (SPEC §5)."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from crosscheck.cli import main
from crosscheck.models import Assignment, AssignmentStatus, AuditEvent, Paper, PaperStatus
from crosscheck.services.distribution.assignment import (AssignmentRefused, assign_manually, run_assignment,
                                            withdraw_expert)
from crosscheck.services.audit.trail import Actor


@pytest.fixture
def district(factory):
    """Three schools, two experts each, ten papers per school; a declared conflict."""
    schools = [factory.school(f"50010{i}") for i in range(1, 4)]
    experts = [factory.user(f"exp{i}{j}", school=s) for i, s in enumerate(schools, 1) for j in (1, 2)]
    campaign = factory.campaign()
    papers = [factory.paper(campaign, s, code=f"{i}{n:03d}", marker=experts[2 * (i - 1)] if n == 0 else None)
              for i, s in enumerate(schools, 1) for n in range(10)]
    factory.conflict(experts[0], schools[1])  # exp11 may not mark school 2
    factory.commit()
    return campaign, schools, experts, papers


def live(db):
    return db.scalars(select(Assignment).where(Assignment.status != AssignmentStatus.SUPERSEDED)).all()


def test_run_assigns_everything_within_the_rules_and_balanced(db, district):
    campaign, schools, experts, papers = district
    plan = run_assignment(db, campaign, Actor(label="test"))
    assert len(plan.new) == 30 and not plan.unassigned
    rows = live(db)
    for a in rows:
        assert a.expert.school_id != a.paper.school_id
        assert a.paper.original_marker_id != a.expert_id
        assert not (a.expert.login == "exp11" and a.paper.school_id == schools[1].id)
    loads = Counter(a.expert_id for a in rows)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert {p.status for p in db.scalars(select(Paper))} == {PaperStatus.MARKING}
    assert db.scalar(select(func.count()).select_from(AuditEvent)
                     .where(AuditEvent.action == "assignment.create")) == 30


def test_a_second_run_changes_nothing(db, district):
    campaign = district[0]
    run_assignment(db, campaign, None)
    again = run_assignment(db, campaign, None)
    assert again.new == () and len(live(db)) == 30


def test_papers_added_later_are_assigned_without_touching_existing_work(db, district, factory):
    campaign, schools, *_ = district
    run_assignment(db, campaign, None)
    before = {(a.id, a.expert_id) for a in live(db)}
    factory.paper(campaign, schools[0], code="9999")
    plan = run_assignment(db, campaign, None)
    assert len(plan.new) == 1
    assert before <= {(a.id, a.expert_id) for a in live(db)}


def test_double_marking_uses_two_schools(db, factory):
    schools = [factory.school(f"5002{i}") for i in range(4)]
    for i, s in enumerate(schools):
        factory.user(f"e{i}a", school=s)
        factory.user(f"e{i}b", school=s)
    campaign = factory.campaign(per_paper=2)
    for i in range(12):
        factory.paper(campaign, schools[i % 4])
    plan = run_assignment(db, campaign, None)
    assert len(plan.new) == 24 and not plan.unassigned
    by_paper = {}
    for a in live(db):
        by_paper.setdefault(a.paper_id, []).append(a)
    for pair in by_paper.values():
        assert sorted(a.round for a in pair) == [1, 2]
        assert pair[0].expert_id != pair[1].expert_id
        assert pair[0].expert.school_id != pair[1].expert.school_id


def test_unassignable_paper_stays_with_a_reason(db, factory):
    school = factory.school("500301")
    factory.user("only", school=school)
    campaign = factory.campaign()
    paper = factory.paper(campaign, school)
    plan = run_assignment(db, campaign, None)
    assert plan.new == () and plan.unassigned[0].paper_id == paper.id
    assert "другой ОО" in plan.unassigned[0].reason.message
    assert paper.status == PaperStatus.UNASSIGNED


def test_manual_move_across_a_conflict_is_refused_with_the_reason(db, district):
    campaign, schools, experts, papers = district
    run_assignment(db, campaign, None)
    paper = papers[10]  # school 2
    with pytest.raises(AssignmentRefused) as info:
        assign_manually(db, campaign, paper, 1, experts[0], Actor(label="test"))  # exp11: declared conflict
    assert "конфликт интересов" in info.value.message
    with pytest.raises(AssignmentRefused) as own:
        assign_manually(db, campaign, paper, 1, experts[2], None)  # works at school 2
    assert "работает в ОО" in own.value.message


def test_manual_move_supersedes_and_keeps_history(db, district):
    campaign, schools, experts, papers = district
    run_assignment(db, campaign, None)
    paper = papers[0]  # school 1
    current = next(a for a in live(db) if a.paper_id == paper.id)
    target = next(e for e in experts[2:] if e.id != current.expert_id)
    new = assign_manually(db, campaign, paper, 1, target, None)
    db.refresh(current)
    assert current.status == AssignmentStatus.SUPERSEDED and new.expert_id == target.id
    assert db.scalar(select(func.count()).select_from(Assignment).where(Assignment.paper_id == paper.id)) == 2


def test_submitted_work_cannot_be_moved(db, district):
    from crosscheck.db import utcnow

    campaign, schools, experts, papers = district
    run_assignment(db, campaign, None)
    current = next(a for a in live(db) if a.paper_id == papers[0].id)
    current.status, current.submitted_at = AssignmentStatus.SUBMITTED, utcnow()
    db.flush()
    target = next(e for e in experts[2:] if e.id != current.expert_id)
    with pytest.raises(AssignmentRefused, match="уже сдана"):
        assign_manually(db, campaign, papers[0], 1, target, None)


def test_withdrawal_redistributes_unstarted_work(db, district):
    campaign, schools, experts, papers = district
    run_assignment(db, campaign, None)
    leaving = experts[3]
    had = [a for a in live(db) if a.expert_id == leaving.id]
    assert had
    plan = withdraw_expert(db, campaign, leaving, None, reason="болезнь")
    assert len(plan.new) == len(had)
    assert not [a for a in live(db) if a.expert_id == leaving.id]
    assert len(live(db)) == 30
    assert run_assignment(db, campaign, None).new == ()  # a withdrawn expert gets nothing new


def test_withdrawal_hands_on_a_draft_in_progress_and_keeps_it_in_the_trail(db, district):
    from crosscheck.models import AssignmentStatus, AuditEvent, TaskScore

    campaign, schools, experts, papers = district
    run_assignment(db, campaign, None)
    leaving = experts[3]
    started, *_ = [a for a in live(db) if a.expert_id == leaving.id]
    first_task = campaign.template.tasks[0]
    started.status = AssignmentStatus.IN_PROGRESS
    db.add(TaskScore(assignment_id=started.id, task_id=first_task.id, max_score=first_task.max_score, score=1))
    db.flush()
    withdraw_expert(db, campaign, leaving, None, reason="болезнь")
    db.refresh(started)
    assert started.status == AssignmentStatus.SUPERSEDED  # the draft no longer sits with them
    heir = [a for a in live(db) if a.paper_id == started.paper_id and a.round == started.round]
    assert len(heir) == 1 and heir[0].expert_id != leaving.id
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.supersede",
                                               AuditEvent.entity_id == started.id))
    assert event is not None and event.after["draft"] == {first_task.label: 1}


def test_cli_assign_and_assignments_json(db, district, cli_env):
    campaign, *_ = district
    runner = CliRunner()
    result = runner.invoke(main, ["assign", campaign.slug], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "назначено перепроверок: 30" in result.output and "макс. 5, мин. 5" in result.output
    listing = runner.invoke(main, ["assignments", campaign.slug, "--json"], env=cli_env)
    data = json.loads(listing.output)
    assert len(data) == 30 and set(data[0]) >= {"cipher", "expert", "round", "status"}
    assert {d["status"] for d in data} == {"assigned"}


def test_the_first_distribution_starts_the_marking_stage(db, district):
    from crosscheck.models import CampaignStatus

    campaign = district[0]
    assert campaign.status == CampaignStatus.PREPARING
    run_assignment(db, campaign, None)
    assert campaign.status == CampaignStatus.MARKING
