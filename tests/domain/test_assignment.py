"""The assignment engine on hand-made cases: rules, reasons, balance, increments."""

import pytest

from crosscheck.domain.assignment import (
    NewAssignment,
    PlanError,
    candidates,
    check_plan,
    plan_assignments,
    plan_reviews,
    plan_withdrawal,
)
from crosscheck.domain.conflicts import ExistingAssignment, ExpertInfo, PaperInfo

MATH = "Математика"


def expert(id, school, *, conflicts=(), capacity=None, subjects=(MATH,), active=True, muni=None):
    return ExpertInfo(id, school, muni, frozenset(subjects), frozenset(conflicts), capacity,
                      active)


def papers(n, school, start=1, marker=None, muni=None):
    return [PaperInfo(i, school, muni, MATH, marker) for i in range(start, start + n)]


def held(plan, status="assigned"):
    return [ExistingAssignment(a.paper_id, a.expert_id, a.kind, a.round, status)
            for a in plan.new]


def experts_of(plan, paper_id):
    return sorted(a.expert_id for a in plan.new if a.paper_id == paper_id)


def spread(plan, ids):
    loads = [plan.loads[i] for i in ids]
    return max(loads) - min(loads)


def test_everyone_can_take_anything_so_loads_differ_by_at_most_one():
    team = [expert(i, 100 + i) for i in range(1, 8)]
    plan = plan_assignments(papers(23, school=1), team, per_paper=1)
    assert len(plan.new) == 23 and not plan.unassigned
    assert spread(plan, range(1, 8)) <= 1
    assert plan.max_load == plan.optimum == 4


def test_double_marking_uses_two_experts_from_two_schools():
    team = [expert(1, 10), expert(2, 10), expert(3, 20), expert(4, 20), expert(5, None)]
    plan = plan_assignments(papers(30, school=1), team, per_paper=2)
    assert len(plan.new) == 60 and not plan.unassigned
    school = {e.id: e.school_id for e in team}
    for pid in range(1, 31):
        first, second = experts_of(plan, pid)
        assert first != second and (school[first] != school[second] or school[first] is None)
    assert sorted(a.round for a in plan.new if a.paper_id == 1) == [1, 2]
    assert spread(plan, range(1, 6)) <= 1


def test_own_school_conflicts_and_markers_are_respected():
    team = [expert(1, 1), expert(2, 2, conflicts=(3,)), expert(3, 3), expert(4, 4)]
    work = papers(5, 1) + papers(5, 2, start=10, marker=4) + papers(5, 3, start=20)
    plan = plan_assignments(work, team, per_paper=1)
    assert not check_plan(work, team, (), plan.new, per_paper=1)
    by_paper = {a.paper_id: a.expert_id for a in plan.new}
    assert all(by_paper[p] != 1 for p in range(1, 6))
    assert all(by_paper[p] not in (2, 4) for p in range(10, 15))
    assert all(by_paper[p] not in (2, 3) for p in range(20, 25))


def test_a_tight_instance_that_round_robin_would_strand():
    # Expert 1 is the only one allowed for school 2's papers; a greedy pass that
    # hands school 1's papers out first would fill expert 1 and strand school 2.
    team = [expert(1, 9, capacity=4), expert(2, 2, capacity=4)]
    work = papers(4, 1) + papers(4, 2, start=10)
    plan = plan_assignments(work, team, per_paper=1)
    assert not plan.unassigned
    assert {a.expert_id for a in plan.new if a.paper_id >= 10} == {1}


def test_minimises_the_maximum_under_conflicts():
    # Experts 1-2 may take everything, 3-4 only school 1: 3-4 absorb school 1.
    team = [expert(1, 8), expert(2, 9), expert(3, 2), expert(4, 2, conflicts=())]
    work = papers(20, 1) + papers(4, 2, start=100)
    plan = plan_assignments(work, team, per_paper=1)
    assert plan.max_load == plan.optimum == 6


def test_reasons_when_nobody_is_left():
    work = papers(2, 1)
    no_subject = plan_assignments(work, [expert(1, 2, subjects=("Физика",))])
    assert {u.reason.code for u in no_subject.unassigned} == {"no_subject_expert"}
    assert "«Математика»" in no_subject.unassigned[0].reason.message
    local = plan_assignments(work, [expert(1, 1), expert(2, 3, conflicts=(1,))])
    assert local.unassigned[0].reason.message == (
        "нет эксперта по предмету из другой ОО без конфликта интересов")
    assert [u.reason.code for u in local.unassigned] == ["no_allowed_expert"] * 2


def test_second_recheck_without_a_second_school_stays_open():
    plan = plan_assignments(papers(3, 1), [expert(1, 5), expert(2, 5)], per_paper=2)
    assert len(plan.new) == 3
    assert {(u.round, u.reason.code) for u in plan.unassigned} == {(2, "no_second_school")}
    assert "2-й перепроверки" in plan.unassigned[0].reason.message


def test_capacity_is_honoured_and_explained():
    team = [expert(1, 5, capacity=2), expert(2, 6, capacity=1)]
    plan = plan_assignments(papers(5, 1), team)
    assert plan.loads == {1: 2, 2: 1}
    assert [u.reason.code for u in plan.unassigned] == ["capacity"] * 2


def test_existing_work_is_kept_and_counted():
    team = [expert(1, 5), expert(2, 6)]
    first = plan_assignments(papers(4, 1), team[:1])
    later = plan_assignments(papers(6, 1), team, held(first, "submitted"))
    assert all(a.paper_id > 4 for a in later.new)
    assert later.loads == {1: 4, 2: 2}
    assert experts_of(later, 5) == [2] and experts_of(later, 6) == [2]


def test_late_papers_balance_with_existing_loads():
    team = [expert(i, 10 + i) for i in range(1, 5)]
    first = plan_assignments(papers(8, 1), team[:2])
    later = plan_assignments(papers(16, 1), team, held(first, "submitted"))
    assert set(later.loads.values()) == {4}


def test_open_second_round_avoids_the_first_rechecker_school():
    team = [expert(1, 5), expert(2, 5), expert(3, 6)]
    existing = [ExistingAssignment(1, 1, "recheck", 1, "submitted")]
    plan = plan_assignments(papers(1, 1), team, existing, per_paper=2)
    assert plan.new == (NewAssignment(1, 3, 2),)
    blocked = plan_assignments(papers(1, 1), team[:2], existing, per_paper=2)
    assert blocked.unassigned[0].reason.code == "no_other_school"


def test_holders_must_be_known():
    existing = [ExistingAssignment(1, 42, "recheck", 1, "submitted")]
    with pytest.raises(ValueError, match="42"):
        plan_assignments(papers(1, 1), [expert(1, 5)], existing, per_paper=2)


def test_same_seed_same_plan_other_seed_other_papers():
    team = [expert(i, 10 + i) for i in range(1, 6)]
    work = papers(40, 1)
    a = plan_assignments(work, team, per_paper=2, seed=3)
    b = plan_assignments(list(reversed(work)), list(reversed(team)), per_paper=2, seed=3)
    assert sorted(a.new) == sorted(b.new)
    c = plan_assignments(work, team, per_paper=2, seed=4)
    assert sorted(a.new) != sorted(c.new)
    assert a.loads == c.loads


def test_withdrawal_moves_only_unstarted_work():
    team = [expert(1, 5), expert(2, 6), expert(3, 7)]
    plan = plan_assignments(papers(9, 1), team)
    existing = held(plan)
    mine = [a for a in existing if a.expert_id == 1]
    existing[existing.index(mine[0])] = ExistingAssignment(mine[0].paper_id, 1, "recheck", 1,
                                                           "in_progress")
    w = plan_withdrawal(1, papers(9, 1), team, existing)
    assert {a.paper_id for a in w.supersede} == {a.paper_id for a in mine[1:]}
    assert len(w.plan.new) == len(mine) - 1
    assert all(a.expert_id in (2, 3) for a in w.plan.new)
    assert w.plan.loads[2] + w.plan.loads[3] == 9 - 1 and w.plan.loads[1] == 1
    started = plan_withdrawal(1, papers(9, 1), team, existing, include_started=True)
    assert len(started.supersede) == len(mine)


def test_withdrawal_keeps_the_two_schools_rule():
    team = [expert(1, 5), expert(2, 6), expert(3, 6), expert(4, 7)]
    plan = plan_assignments(papers(6, 1), team, per_paper=2)
    w = plan_withdrawal(4, papers(6, 1), team, held(plan), per_paper=2)
    after = [a for a in held(plan) if a not in w.supersede]
    assert not check_plan(papers(6, 1), team, after, w.plan.new, per_paper=2)
    assert not w.plan.unassigned


def test_reviews_go_to_reviewers_who_did_not_recheck():
    team = [expert(1, 5), expert(2, 6)]
    rechecks = held(plan_assignments(papers(4, 1), team), "submitted")
    reviewers = [expert(1, 5), expert(9, 8)]  # user 1 is both: must not review own work
    plan = plan_reviews(papers(4, 1), reviewers + [team[1]], rechecks)
    for a in plan.new:
        assert a.kind == "review"
        assert a.expert_id not in {r.expert_id for r in rechecks if r.paper_id == a.paper_id}
    again = plan_reviews(papers(4, 1), [expert(9, 8)], rechecks + held(plan))
    assert not again.new and not again.unassigned


def test_no_reviewer_reason():
    plan = plan_reviews(papers(1, 1), [expert(9, 1)])
    assert plan.unassigned[0].reason.code == "no_allowed_reviewer"
    assert plan.unassigned[0].kind == "review"


def test_municipality_option():
    team = [expert(1, 5, muni="А"), expert(2, 6, muni="Б")]
    work = papers(4, 1, muni="А")
    plan = plan_assignments(work, team, exclude_same_municipality=True)
    assert {a.expert_id for a in plan.new} == {2}


def test_check_plan_reports_every_kind_of_problem():
    team = [expert(1, 1), expert(2, 2, active=False)]
    work = papers(2, 1)
    new = [NewAssignment(1, 1, 1), NewAssignment(1, 2, 3), NewAssignment(2, 77, 1)]
    old = [ExistingAssignment(2, 2, "recheck", 1, "submitted")]
    codes = {v.reason.code for v in check_plan(work, team, old, new, per_paper=2)}
    assert codes == {"own_school", "inactive", "bad_round", "unknown_expert", "duplicate_slot"}
    assert not check_plan(work, team, old, per_paper=2)  # a withdrawn expert's stored work


def test_a_refused_pair_is_never_returned(monkeypatch):
    import crosscheck.domain.assignment as engine

    monkeypatch.setattr(engine, "check_plan", lambda *a, **k: ["broken"])
    with pytest.raises(PlanError):
        plan_assignments(papers(1, 1), [expert(1, 2)])


def test_nothing_to_do():
    plan = plan_assignments([], [expert(1, 2)])
    assert plan.new == () and plan.unassigned == () and plan.loads == {1: 0}
    assert plan_assignments(papers(2, 1), []).unassigned[0].reason.code == "no_subject_expert"


def test_candidates_for_a_manual_reassignment():
    team = [expert(1, 5), expert(2, 6, capacity=1), expert(3, 1), expert(4, 7)]
    existing = [ExistingAssignment(1, 1, "recheck", 1, "assigned"),
                ExistingAssignment(9, 2, "recheck", 1, "submitted")]
    listed = candidates(papers(1, 1)[0], 1, team, existing)
    assert [c.expert_id for c in listed] == [4, 1, 3, 2]
    assert [c.allowed for c in listed] == [True, True, False, False]
    assert [r.code for r in listed[2].refusals] == ["own_school"]
    assert [r.code for r in listed[3].refusals] == ["at_capacity"]
