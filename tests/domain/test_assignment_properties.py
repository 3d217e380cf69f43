"""Property tests: random small regions against the gate and an exact optimum.

Each example builds up to 8 schools, 12 experts (conflicts, capacities,
withdrawn ones, some without a school or the subject), 40 papers (some
marked originally by an expert), optionally a first round of work already
stored in every status, then plans the rest. The plan must break no rule,
keep the stored work, fill as many slots as the exact optimum, reach the
optimum maximum load and be as even as possible (least sum of squares).
"""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosscheck.domain.assignment import check_plan, plan_assignments, plan_withdrawal
from crosscheck.domain.conflicts import (
    ExistingAssignment,
    ExpertInfo,
    PaperInfo,
    allowed,
    school_group,
)

from ._assignment_oracle import exact_optimum

MATH = "Математика"
MUNIS = ["А", "Б", "В"]
STATUSES = ["assigned", "in_progress", "submitted", "superseded"]
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def regions(draw, stored=True):
    n_schools = draw(st.integers(1, 8))
    muni = [draw(st.sampled_from(MUNIS)) for _ in range(n_schools)]
    schools = st.integers(0, n_schools - 1)
    team = []
    for i in range(1, draw(st.integers(0, 12)) + 1):
        school = draw(st.one_of(schools, st.none())) if draw(st.booleans()) else draw(schools)
        team.append(ExpertInfo(
            i, school, muni[school] if school is not None else None,
            frozenset(draw(st.sampled_from([{MATH}, {MATH}, {MATH}, {"Физика"}]))),
            frozenset(draw(st.sets(schools, max_size=3))),
            draw(st.one_of(st.none(), st.none(), st.integers(0, 8))),
            draw(st.sampled_from([True, True, True, True, False])),
        ))
    work = []
    for pid in range(1, draw(st.integers(0, 40)) + 1):
        school = draw(schools)
        marker = draw(st.one_of(st.none(), st.integers(1, 14)))
        work.append(PaperInfo(100 + pid, school, muni[school], MATH, marker))
    per_paper = draw(st.sampled_from([1, 2]))
    by_muni = draw(st.booleans())
    existing = draw(_stored(work, team, per_paper, by_muni)) if stored else []
    return work, team, existing, per_paper, by_muni


@st.composite
def _stored(draw, work, team, per_paper, by_muni):
    """A first run on some papers with some experts, its work now in any status."""
    if not draw(st.booleans()):
        return []
    early = [p for p in work if draw(st.booleans())]
    early_team = [e for e in team if draw(st.booleans())]
    first = plan_assignments(early, early_team, per_paper=per_paper,
                             exclude_same_municipality=by_muni)
    return [ExistingAssignment(a.paper_id, a.expert_id, a.kind, a.round,
                               draw(st.sampled_from(STATUSES))) for a in first.new]


def _active_slots(existing):
    return {(a.paper_id, a.round) for a in existing if a.is_active}


@FAST
@given(regions(), st.integers(0, 3))
def test_plans_break_no_rule_and_reach_the_exact_optimum(region, seed):
    work, team, existing, per_paper, by_muni = region
    plan = plan_assignments(work, team, existing, per_paper=per_paper, seed=seed,
                            exclude_same_municipality=by_muni)
    assert not check_plan(work, team, existing, plan.new, per_paper=per_paper,
                          exclude_same_municipality=by_muni)
    assert not _active_slots(existing) & {(a.paper_id, a.round) for a in plan.new}
    best = exact_optimum(work, team, existing, per_paper, exclude_same_municipality=by_muni)
    assert len(plan.new) == best.filled
    assert plan.max_load == plan.optimum == best.max_load
    assert sum(v * v for v in plan.loads.values()) == best.square_sum
    _loads_add_up(plan, existing)
    _every_slot_accounted(plan, work, existing, per_paper)


def _loads_add_up(plan, existing):
    active = Counter(a.expert_id for a in existing if a.is_active)
    new = Counter(a.expert_id for a in plan.new)
    assert all(plan.loads[e] == active[e] + new[e] for e in plan.loads)


def _every_slot_accounted(plan, work, existing, per_paper):
    open_slots = {(p.id, r) for p in work for r in range(1, per_paper + 1)}
    open_slots -= _active_slots(existing)
    planned = [(a.paper_id, a.round) for a in plan.new]
    left = [(u.paper_id, u.round) for u in plan.unassigned]
    assert sorted(planned + left) == sorted(open_slots)


@FAST
@given(regions())
def test_reasons_tell_the_truth(region):
    work, team, existing, per_paper, by_muni = region
    plan = plan_assignments(work, team, existing, per_paper=per_paper,
                            exclude_same_municipality=by_muni)
    everything = existing + [ExistingAssignment(a.paper_id, a.expert_id, a.kind, a.round,
                                                "assigned") for a in plan.new]
    for u in plan.unassigned:
        takers = _takers(u, work, team, everything, by_muni)
        if u.reason.code == "capacity":
            assert all(e.capacity is not None and plan.loads[e.id] >= e.capacity for e in takers)
        elif u.reason.code == "no_second_school":
            groups = {school_group(e.id, e.school_id)
                      for e in _takers(u, work, team, existing, by_muni)}
            assert len(groups) <= 1 and per_paper == 2
        else:
            assert not takers, u


def _takers(u, work, team, assignments, by_muni):
    paper = next(p for p in work if p.id == u.paper_id)
    schools = {e.id: e.school_id for e in team}
    return [e for e in team if allowed(e, paper, u.round, assignments, expert_schools=schools,
                                       exclude_same_municipality=by_muni) is None]


@st.composite
def open_regions(draw):
    """Everyone may take any paper: experts' schools wrote no papers, no conflicts."""
    per_paper = draw(st.sampled_from([1, 2]))
    n = draw(st.integers(per_paper, 12))
    # With double marking the two rechecks need two schools: a school with few
    # experts facing many would have to take every paper, so give each its own.
    schools = st.integers(100, 105) if per_paper == 1 else st.none()
    team = [ExpertInfo(i, draw(schools), None, frozenset({MATH})) for i in range(1, n + 1)]
    work = [PaperInfo(i, draw(st.integers(0, 7)), None, MATH)
            for i in range(draw(st.integers(0, 40)))]
    return work, team, per_paper


@FAST
@given(open_regions(), st.integers(0, 5))
def test_when_everyone_can_take_anything_loads_differ_by_at_most_one(region, seed):
    work, team, per_paper = region
    plan = plan_assignments(work, team, per_paper=per_paper, seed=seed)
    assert not plan.unassigned
    assert max(plan.loads.values()) - min(plan.loads.values()) <= 1


@settings(max_examples=40, deadline=None)
@given(regions(), st.integers(0, 3))
def test_same_input_same_seed_same_plan(region, seed):
    work, team, existing, per_paper, by_muni = region
    run = [plan_assignments(list(w), list(t), list(x), per_paper=per_paper, seed=seed,
                            exclude_same_municipality=by_muni)
           for w, t, x in [(work, team, existing), (work[::-1], team[::-1], existing[::-1])]]
    assert run[0] == run[1]


@settings(max_examples=60, deadline=None)
@given(regions(stored=False), st.data())
def test_withdrawal_redistributes_without_breaking_rules(region, data):
    work, team, _, per_paper, by_muni = region
    first = plan_assignments(work, team, per_paper=per_paper, exclude_same_municipality=by_muni)
    if not first.new:
        return
    existing = [ExistingAssignment(a.paper_id, a.expert_id, a.kind, a.round,
                                   data.draw(st.sampled_from(STATUSES[:3]))) for a in first.new]
    gone = data.draw(st.sampled_from(sorted({a.expert_id for a in first.new})))
    w = plan_withdrawal(gone, work, team, existing, per_paper=per_paper,
                        exclude_same_municipality=by_muni)
    assert all(a.expert_id == gone and a.status == "assigned" for a in w.supersede)
    assert all(a.expert_id != gone for a in w.plan.new)
    after = [a for a in existing if a not in w.supersede]
    assert not check_plan(work, team, after, w.plan.new, per_paper=per_paper,
                          exclude_same_municipality=by_muni)
    freed = {(a.paper_id, a.round) for a in w.supersede}
    assert freed <= {(a.paper_id, a.round) for a in w.plan.new} | {
        (u.paper_id, u.round) for u in w.plan.unassigned}
