"""The balancing assignment engine (pure and deterministic for a given seed).

Entry points for the service layer:

- :func:`plan_assignments` — every open recheck slot of a campaign;
- :func:`plan_reviews` — third checks for papers that need one;
- :func:`plan_withdrawal` — what to supersede when an expert withdraws, and
  where that work goes;
- :func:`check_plan` — the safety net: re-runs the gate on every pair.

Existing active assignments are never touched: they count toward each
expert's load and block their paper's round. The engine fills as many open
slots as possible, with the least possible maximum load, evened out (see
``flow``); slots nobody may take come back with a Russian reason. Papers
``held_back`` (pages whose masks may not cover what they must, until an
organiser confirms them) are given to nobody: their open slots come back with
that reason.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from .assignment_check import Violation, check_plan
from .assignment_classes import (
    AllowedSets,
    Slot,
    SlotClass,
    active_by_paper,
    build_classes,
    groups_of,
    recheck_slots,
    review_slots,
)
from .assignment_network import Layout, build_network, class_sequence, deal, split_shared
from .conflicts import (
    RECHECK,
    REVIEW,
    SUPERSEDED,
    UNSTARTED,
    ExistingAssignment,
    ExpertInfo,
    PaperInfo,
    Refusal,
    refusals,
)
from .flow import INF, BalancedFlow, balanced_flow

__all__ = [
    "NewAssignment", "Unassigned", "Plan", "Withdrawal", "Violation", "PlanError", "Candidate", "HELD_BACK",
    "plan_assignments", "plan_reviews", "plan_withdrawal", "check_plan", "candidates",
]


class NewAssignment(NamedTuple):
    """A pair to create (a NamedTuple: 100,000 of them must be cheap to build)."""

    paper_id: int
    expert_id: int
    round: int
    kind: str = RECHECK


class Unassigned(NamedTuple):
    """A slot the engine could not fill, with the reason for the organiser."""

    paper_id: int
    round: int
    reason: Refusal
    kind: str = RECHECK


@dataclass(frozen=True)
class Plan:
    """What to create. ``loads`` are totals (existing active + new) for every expert given.

    ``optimum`` is the least maximum load any plan filling as many slots could
    have (proved by max-flow); ``max_load`` is this plan's, and equals it.
    """

    new: tuple[NewAssignment, ...]
    unassigned: tuple[Unassigned, ...]
    loads: dict[int, int]
    optimum: int

    @property
    def max_load(self) -> int:
        return max(self.loads.values(), default=0)


@dataclass(frozen=True)
class Withdrawal:
    """Assignments to supersede when an expert withdraws, and the plan for their slots."""

    supersede: tuple[ExistingAssignment, ...]
    plan: Plan


class Candidate(NamedTuple):
    """An expert as offered for a manual (re)assignment of one slot."""

    expert_id: int
    load: int
    refusals: tuple[Refusal, ...]

    @property
    def allowed(self) -> bool:
        return not self.refusals


class PlanError(AssertionError):
    """The engine produced a pair the gate refuses: a bug, never shown as a plan."""


NO_SUBJECT = "нет эксперта по предмету «{subject}»"
NO_EXPERT = "нет эксперта по предмету из другой ОО без конфликта интересов"
NO_OTHER_SCHOOL = "нет эксперта по предмету из другой ОО, чем у другой перепроверки этой работы"
NO_SECOND = "для {n}-й перепроверки нет эксперта из ещё одной ОО без конфликта интересов"
NO_REVIEWER = "нет руководителя МО по предмету без конфликта интересов"
FULL = "у всех допустимых экспертов исчерпан лимит работ"
AT_CAPACITY = Refusal("at_capacity", "у эксперта исчерпан лимит работ")
HELD_BACK = Refusal("held_back", "работа задержана: положение или ориентация её страниц под сомнением, "
                                 "пока организатор не подтвердит их в просмотре работы")


def plan_assignments(
    papers: Iterable[PaperInfo],
    experts: Sequence[ExpertInfo],
    existing: Iterable[ExistingAssignment] = (),
    *,
    per_paper: int = 1,
    seed: int = 0,
    exclude_same_municipality: bool = False,
    validate: bool = True,
    held_back: Collection[int] = frozenset(),
) -> Plan:
    """Assign every open recheck round ``1..per_paper`` of ``papers`` (not of those ``held_back``).

    ``experts`` must include every expert holding an active assignment
    (withdrawn ones with ``active=False``): their school and load matter.
    ``existing`` are the campaign's assignments (any status). With
    ``validate`` the result is re-checked by the gate (raises :class:`PlanError`).
    """
    existing = list(existing)
    active = active_by_paper(existing)
    slots = recheck_slots(papers, per_paper, active, groups_of(experts))
    return _plan(slots, RECHECK, experts, existing, seed, exclude_same_municipality, validate, held_back)


def plan_reviews(
    papers: Iterable[PaperInfo],
    reviewers: Sequence[ExpertInfo],
    existing: Iterable[ExistingAssignment] = (),
    *,
    seed: int = 0,
    exclude_same_municipality: bool = False,
    validate: bool = True,
    held_back: Collection[int] = frozenset(),
) -> Plan:
    """One third check for each of ``papers`` (those the discrepancy engine flagged).

    ``reviewers`` are the campaign's reviewers (role reviewer, with the subject);
    the same gate applies, and nobody reviews a paper they rechecked.
    """
    existing = list(existing)
    slots = review_slots(papers, active_by_paper(existing))
    return _plan(slots, REVIEW, reviewers, existing, seed, exclude_same_municipality, validate, held_back)


def plan_withdrawal(
    expert_id: int,
    papers: Iterable[PaperInfo],
    experts: Sequence[ExpertInfo],
    existing: Iterable[ExistingAssignment],
    *,
    per_paper: int = 1,
    seed: int = 0,
    exclude_same_municipality: bool = False,
    include_started: bool = False,
    held_back: Collection[int] = frozenset(),
) -> Withdrawal:
    """The withdrawn expert's unstarted work, superseded and planned afresh.

    Only ``assigned`` work moves by default (``include_started`` also moves
    ``in_progress`` drafts); submitted work always stays. ``experts`` may list
    the withdrawn expert as active or not: they get no new work either way.
    A withdrawing reviewer's reviews are replanned the same way.
    """
    statuses = {UNSTARTED, "in_progress"} if include_started else {UNSTARTED}
    existing = list(existing)
    freed = tuple(a for a in existing if a.expert_id == expert_id and a.status in statuses)
    moved = set(freed)
    after = [replace(a, status=SUPERSEDED) if a in moved else a for a in existing]
    people = [replace(e, active=False) if e.id == expert_id else e for e in experts]
    by_id = {p.id: p for p in papers}
    kinds = {a.kind for a in freed}
    recheck = [by_id[a.paper_id] for a in freed if a.kind == RECHECK]
    review = [by_id[a.paper_id] for a in freed if a.kind == REVIEW]
    opts = dict(seed=seed, exclude_same_municipality=exclude_same_municipality, held_back=held_back)
    plan = plan_assignments(_unique(recheck), people, after, per_paper=per_paper, **opts)
    if REVIEW in kinds:
        after += [ExistingAssignment(n.paper_id, n.expert_id, n.kind, n.round, UNSTARTED)
                  for n in plan.new]
        plan = _merge(plan, plan_reviews(_unique(review), people, after, **opts))
    return Withdrawal(freed, plan)


def candidates(
    paper: PaperInfo,
    round: int,
    experts: Sequence[ExpertInfo],
    existing: Iterable[ExistingAssignment] = (),
    *,
    kind: str = RECHECK,
    exclude_same_municipality: bool = False,
) -> list[Candidate]:
    """Every expert for a manual assignment or reassignment of one slot.

    Allowed experts come first, least loaded first; the others carry all their
    refusals (the gate's, plus a full capacity). The slot's current holder, if
    any, is judged as if the slot were free, so a reassignment can list them.
    """
    existing = list(existing)
    loads = _loads(experts, existing)
    schools = {e.id: e.school_id for e in experts}
    out = []
    for e in experts:
        found = refusals(e, paper, round, existing, kind=kind, expert_schools=schools,
                         exclude_same_municipality=exclude_same_municipality)
        if e.capacity is not None and loads[e.id] >= e.capacity:
            found.append(AT_CAPACITY)
        out.append(Candidate(e.id, loads[e.id], tuple(found)))
    return sorted(out, key=lambda c: (bool(c.refusals), c.load, c.expert_id))


def _unique(papers: list[PaperInfo]) -> list[PaperInfo]:
    return list({p.id: p for p in papers}.values())


def _merge(first: Plan, second: Plan) -> Plan:
    return Plan(first.new + second.new, first.unassigned + second.unassigned,
                second.loads, max(first.optimum, second.optimum))


def _plan(
    slots: list[Slot],
    kind: str,
    experts: Sequence[ExpertInfo],
    existing: list[ExistingAssignment],
    seed: int,
    by_municipality: bool,
    validate: bool,
    held_back: Collection[int] = frozenset(),
) -> Plan:
    """Classes → network → balanced flow → pairs; the common path of every planner."""
    held = tuple(Unassigned(s.paper.id, r, HELD_BACK, kind) for s in slots if s.paper.id in held_back
                 for r in s.rounds)
    if held:
        slots = [s for s in slots if s.paper.id not in held_back]
    classes, sets = build_classes(slots, kind, experts, exclude_same_municipality=by_municipality)
    offsets = _loads(experts, existing)
    layout = build_network(classes, groups_of(experts))
    result = balanced_flow(layout.net, *_bounds(layout, experts, offsets))
    new, unassigned = _expand(classes, layout, result, sets, random.Random(seed))
    loads = dict(offsets)
    for a in new:
        loads[a.expert_id] += 1
    levels = [result.level] if new else []
    plan = Plan(tuple(new), tuple(unassigned) + held, loads, max(levels + list(offsets.values()),
                                                                  default=0))
    if validate:
        _validate(plan, slots, experts, existing, by_municipality)
    return plan


def _bounds(
    layout: Layout, experts: Sequence[ExpertInfo], offsets: dict[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Per network expert: current load, and the most they may still receive."""
    capacity = {e.id: e.capacity for e in experts}
    offset = np.array([offsets[e] for e in layout.expert_ids], dtype=np.int64)
    left = np.array([INF if capacity[e] is None else max(capacity[e] - offsets[e], 0)
                     for e in layout.expert_ids], dtype=np.int64)
    return offset, np.minimum(left, layout.reach)


def _expand(
    classes: list[SlotClass],
    layout: Layout,
    result: BalancedFlow,
    sets: AllowedSets,
    rng: random.Random,
) -> tuple[list[NewAssignment], list[Unassigned]]:
    """Class quantities → concrete pairs, and the slots left open with their reason."""
    shared = split_shared(layout, result.arc_flow)
    new, unassigned = [], []
    for ci, c in enumerate(classes):
        done, missing = deal(c, class_sequence(ci, layout, result.arc_flow, shared), rng)
        new += [NewAssignment(p, e, r, c.kind) for p, r, e in done]
        reasons: dict[int, Refusal] = {}
        for p, r, idx in missing:
            if idx not in reasons:
                reasons[idx] = _reason(c, idx, sets)
            unassigned.append(Unassigned(p, r, reasons[idx], c.kind))
    return new, unassigned


def _loads(experts: Sequence[ExpertInfo], existing: Iterable[ExistingAssignment]) -> dict[int, int]:
    loads = {e.id: 0 for e in experts}
    for a in existing:
        if a.is_active and a.expert_id in loads:
            loads[a.expert_id] += 1
    return loads


def _reason(c: SlotClass, round_index: int, sets: AllowedSets) -> Refusal:
    """Why a slot of class ``c`` stayed open (the ``round_index``-th open round of its paper).

    The max-flow fills every slot it can, so an open slot either has nobody
    allowed at all, or no second school for a second recheck, or every allowed
    expert is at their capacity.
    """
    if c.kind == REVIEW and not c.allowed:
        return Refusal("no_allowed_reviewer", NO_REVIEWER)
    if not sets.has_subject(c.papers[0]):
        return Refusal("no_subject_expert", NO_SUBJECT.format(subject=c.papers[0].subject))
    if not c.base_allowed:
        return Refusal("no_allowed_expert", NO_EXPERT)
    if not c.allowed:
        return Refusal("no_other_school", NO_OTHER_SCHOOL)
    if round_index >= sets.n_groups(c.allowed):
        return Refusal("no_second_school", NO_SECOND.format(n=round_index + 1))
    return Refusal("capacity", FULL)


def _validate(
    plan: Plan,
    slots: list[Slot],
    experts: Sequence[ExpertInfo],
    existing: list[ExistingAssignment],
    by_municipality: bool,
) -> None:
    papers = [s.paper for s in slots]
    problems = check_plan(papers, experts, existing, plan.new,
                          exclude_same_municipality=by_municipality, check_existing=False)
    if problems:
        raise PlanError(f"engine produced refused pairs: {problems[:5]}")
