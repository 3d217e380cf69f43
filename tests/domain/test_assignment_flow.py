"""The balanced max-flow core, on networks small enough to reason about by hand."""

import numpy as np
import pytest

import crosscheck.domain.flow as flow
from crosscheck.domain.assignment import plan_assignments
from crosscheck.domain.conflicts import ExistingAssignment, ExpertInfo, PaperInfo
from crosscheck.domain.flow import INF, Network, balanced_flow, counting_bound

MATH = "Математика"


def star(demands, allowed, n_experts):
    """source → item i (demand) → allowed experts → sink."""
    tails, heads, caps = [], [], []
    first_item = 2 + n_experts
    for i, (demand, experts) in enumerate(zip(demands, allowed)):
        tails.append(0), heads.append(first_item + i), caps.append(demand)
        for e in experts:
            tails.append(first_item + i), heads.append(2 + e), caps.append(INF)
    as_array = lambda xs: np.array(xs, dtype=np.int64)  # noqa: E731
    return Network(first_item + len(demands), 0, 1, as_array(tails), as_array(heads),
                   as_array(caps), np.arange(2, 2 + n_experts))


def test_counting_bound_is_the_water_level():
    offset = np.array([0, 3, 10])
    upper = np.array([INF, INF, INF])
    assert counting_bound(7, offset, upper) == 5  # 5 + 2 + 0
    assert counting_bound(0, offset, upper) == 0


def test_balances_and_respects_who_may_take_what():
    # item 0 (10 units) only expert 0 or 1; item 1 (2 units) anyone of 3
    net = star([10, 2], [[0, 1], [0, 1, 2]], 3)
    res = balanced_flow(net, np.zeros(3, dtype=np.int64), np.full(3, INF))
    assert res.total == 12 and res.level == 5
    assert sorted(res.expert_flow.tolist()) == [2, 5, 5]


def test_existing_load_is_respected_and_not_punished_twice():
    net = star([6], [[0, 1, 2]], 3)
    res = balanced_flow(net, np.array([9, 0, 0]), np.full(3, INF))
    assert res.expert_flow.tolist() == [0, 3, 3]


def test_upper_bounds_cap_the_flow():
    net = star([6], [[0, 1]], 2)
    res = balanced_flow(net, np.zeros(2, dtype=np.int64), np.array([1, 2]))
    assert res.total == 3 and res.expert_flow.tolist() == [1, 2]


@pytest.mark.parametrize("levels", [1, 2, 24])
def test_the_maximum_stays_optimal_when_progressive_filling_is_cut_short(monkeypatch, levels):
    monkeypatch.setattr(flow, "MAX_PROGRESSIVE_LEVELS", levels)
    # expert 0 alone may take item 0 (30 units); 5 others share item 1 (3 units)
    net = star([30, 3], [[0], [0, 1, 2, 3, 4, 5]], 6)
    res = balanced_flow(net, np.zeros(6, dtype=np.int64), np.full(6, INF))
    assert res.level == 30 and res.expert_flow[0] == 30
    assert res.total == 33


def test_experts_with_little_reach_do_not_hold_the_others_back():
    # Experts 1 and 2 may only take the 2 papers of school 3, everyone else is open.
    team = [ExpertInfo(1, 1, None, frozenset({MATH}), frozenset({2})),
            ExpertInfo(2, 2, None, frozenset({MATH}), frozenset({1})),
            *[ExpertInfo(i, 10 + i, None, frozenset({MATH})) for i in range(3, 7)]]
    work = ([PaperInfo(i, 1, None, MATH) for i in range(20)]
            + [PaperInfo(i, 2, None, MATH) for i in range(20, 40)]
            + [PaperInfo(i, 3, None, MATH) for i in range(40, 42)])
    plan = plan_assignments(work, team)
    assert sorted(plan.loads[e] for e in (1, 2)) == [1, 1]
    assert sorted(plan.loads[e] for e in range(3, 7)) == [10, 10, 10, 10]


def test_an_expert_far_above_the_rest_is_left_alone():
    team = [ExpertInfo(i, 10 + i, None, frozenset({MATH})) for i in range(1, 4)]
    done = [ExistingAssignment(100 + k, 1, "recheck", 1, "submitted") for k in range(50)]
    plan = plan_assignments([PaperInfo(i, 1, None, MATH) for i in range(10)], team, done)
    assert plan.loads == {1: 50, 2: 5, 3: 5}
    assert plan.optimum == plan.max_load == 50
