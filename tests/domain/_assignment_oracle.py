"""An independent exact optimum for small assignment instances (tests only).

Formulated per paper and per expert — no classes, no flow network — as
integer programs solved by HiGHS (``scipy.optimize.milp``):

1. the most slots that can be filled;
2. with that many, the least possible maximum load;
3. with that many, the least possible sum of squared loads (the most even
   load vector: for these problems it is the decreasingly-minimal one).

Who may take which slot is decided by the gate (``allowed``) itself; what is
independent here is the optimisation, and the "two rechecks from two schools"
constraint written directly as "at most one expert of each school per paper".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from crosscheck.domain.conflicts import RECHECK, allowed


@dataclass
class Optimum:
    filled: int
    max_load: int
    square_sum: int


def _school_key(expert):
    return ("school", expert.school_id) if expert.school_id is not None else ("solo", expert.id)


def _open_slots(papers, per_paper, existing):
    held = defaultdict(set)
    for a in existing:
        if a.is_active and a.kind == RECHECK:
            held[a.paper_id].add(a.round)
    return {p.id: [r for r in range(1, per_paper + 1) if r not in held[p.id]] for p in papers}


def exact_optimum(papers, experts, existing, per_paper, *, exclude_same_municipality=False):
    """The three optima for assigning the open rechecks (see module docstring)."""
    schools = {e.id: e.school_id for e in experts}
    open_rounds = _open_slots(papers, per_paper, existing)
    pairs = []  # (paper, expert) that may be used
    for p in papers:
        rounds = open_rounds[p.id]
        if not rounds:
            continue
        for e in experts:
            if allowed(e, p, rounds[0], existing, expert_schools=schools,
                       exclude_same_municipality=exclude_same_municipality) is None:
                pairs.append((p, e))
    load0 = {e.id: sum(1 for a in existing if a.is_active and a.expert_id == e.id)
             for e in experts}
    if not pairs:
        return Optimum(0, max(load0.values(), default=0), sum(v * v for v in load0.values()))
    return _solve(pairs, papers, experts, open_rounds, load0)


def _solve(pairs, papers, experts, open_rounds, load0):
    n = len(pairs)
    rows, lo, hi = [], [], []

    def add(coeffs, low, high):
        rows.append(coeffs)
        lo.append(low)
        hi.append(high)

    by_paper = defaultdict(list)
    for i, (p, e) in enumerate(pairs):
        by_paper[p.id].append(i)
    for pid, idx in by_paper.items():
        add({i: 1 for i in idx}, 0, len(open_rounds[pid]))
        by_school = defaultdict(list)
        for i in idx:
            by_school[_school_key(pairs[i][1])].append(i)
        for same in by_school.values():
            if len(same) > 1:
                add({i: 1 for i in same}, 0, 1)
    by_expert = defaultdict(list)
    for i, (p, e) in enumerate(pairs):
        by_expert[e.id].append(i)
    for e in experts:
        if e.capacity is not None and by_expert[e.id]:
            add({i: 1 for i in by_expert[e.id]}, 0, max(e.capacity - load0[e.id], 0))
    filled = _stage_fill(n, rows, lo, hi)
    max_load = _stage_max(n, rows, lo, hi, filled, experts, by_expert, load0)
    squares = _stage_squares(n, rows, lo, hi, filled, experts, by_expert, load0)
    return Optimum(filled, max_load, squares)


def _matrix(rows, width):
    a = np.zeros((len(rows), width))
    for r, coeffs in enumerate(rows):
        for i, v in coeffs.items():
            a[r, i] = v
    return a


def _run(c, rows, lo, hi, width, integral):
    res = milp(c, constraints=LinearConstraint(_matrix(rows, width), lo, hi),
               integrality=integral, bounds=Bounds(np.zeros(width), _upper(width, integral)))
    assert res.success, res.message
    return res


def _upper(width, integral):
    up = np.full(width, np.inf)
    up[integral == 1] = 1
    return up


def _stage_fill(n, rows, lo, hi):
    res = _run(-np.ones(n), rows, lo, hi, n, np.ones(n))
    return round(-res.fun)


def _stage_max(n, rows, lo, hi, filled, experts, by_expert, load0):
    # variable n is M (continuous, the max load)
    rows = rows + [{i: 1 for i in range(n)}]
    lo, hi = lo + [filled], hi + [filled]
    for e in experts:
        rows.append({**{i: 1 for i in by_expert[e.id]}, n: -1})
        lo.append(-np.inf)
        hi.append(-load0[e.id])
    c = np.zeros(n + 1)
    c[n] = 1
    integral = np.ones(n + 1)
    integral[n] = 0
    res = _run(c, rows, lo, hi, n + 1, integral)
    return round(res.fun)


def _stage_squares(n, rows, lo, hi, filled, experts, by_expert, load0):
    # unit variables y[e, j] (j-th new unit of expert e) cost (a+j)^2 - (a+j-1)^2
    rows = rows + [{i: 1 for i in range(n)}]
    lo, hi = lo + [filled], hi + [filled]
    cost = list(np.zeros(n))
    width = n
    for e in experts:
        units = len(by_expert[e.id])
        if not units:
            continue
        ys = list(range(width, width + units))
        width += units
        a = load0[e.id]
        cost += [2 * (a + j) - 1 for j in range(1, units + 1)]
        rows.append({**{i: 1 for i in by_expert[e.id]}, **{y: -1 for y in ys}})
        lo.append(0)
        hi.append(0)
    res = _run(np.array(cost, dtype=float), rows, lo, hi, width, np.ones(width))
    return round(res.fun) + sum(v * v for v in load0.values())
