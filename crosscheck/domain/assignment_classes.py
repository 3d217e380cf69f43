"""Open slots grouped into classes of papers that every rule treats alike.

A regional campaign has 50,000 papers but only a few hundred distinct answers
to "who may take this paper": the answer depends on the paper's school,
municipality, subject, original marker and the schools of its other rechecks.
Planning classes instead of papers turns 100,000 × 1,000 candidate pairs into
a few hundred thousand, which is what makes an exact flow solution fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .conflicts import (
    EXPERT_RULES,
    RECHECK,
    REVIEW,
    ExistingAssignment,
    ExpertInfo,
    PaperInfo,
    original_marker_refusal,
    passes,
    school_group,
    school_rules,
)

Group = tuple[int, int]


@dataclass(frozen=True)
class Slot:
    """A paper with its open rounds, and whom its other assignments exclude."""

    paper: PaperInfo
    rounds: tuple[int, ...]
    excluded_groups: frozenset[Group] = frozenset()
    excluded_ids: frozenset[int] = frozenset()


@dataclass
class SlotClass:
    """Papers with the same open-round count and the same allowed experts."""

    kind: str
    need: int
    papers: list[PaperInfo] = field(default_factory=list)
    rounds: list[tuple[int, ...]] = field(default_factory=list)
    allowed: tuple[int, ...] = ()
    base_allowed: int = 0
    """How many experts the paper rules alone allow (tells apart the refusal reasons)."""

    @property
    def size(self) -> int:
        return len(self.papers)


def active_by_paper(existing: Iterable[ExistingAssignment]) -> dict[int, list[ExistingAssignment]]:
    """Active (not superseded) assignments indexed by paper."""
    index: dict[int, list[ExistingAssignment]] = defaultdict(list)
    for a in existing:
        if a.is_active:
            index[a.paper_id].append(a)
    return index


def groups_of(experts: Iterable[ExpertInfo]) -> dict[int, Group]:
    return {e.id: school_group(e.id, e.school_id) for e in experts}


def _group_of_peer(expert_id: int, groups: Mapping[int, Group]) -> Group:
    if expert_id not in groups:
        raise ValueError(
            f"expert {expert_id} holds a recheck but is not in the experts list "
            "(pass withdrawn experts too, with active=False)"
        )
    return groups[expert_id]


def recheck_slots(
    papers: Iterable[PaperInfo],
    per_paper: int,
    active: Mapping[int, list[ExistingAssignment]],
    groups: Mapping[int, Group],
) -> list[Slot]:
    """Open recheck rounds 1..per_paper of each paper; taken rounds are kept as they are."""
    slots = []
    every = tuple(range(1, per_paper + 1))
    for paper in papers:
        held = active.get(paper.id)
        if not held:
            slots.append(Slot(paper, every))
            continue
        rechecks = [a for a in held if a.kind == RECHECK]
        taken = {a.round for a in rechecks}
        rounds = tuple(r for r in every if r not in taken)
        if rounds:
            excluded = frozenset(_group_of_peer(a.expert_id, groups) for a in rechecks)
            slots.append(Slot(paper, rounds, excluded_groups=excluded))
    return slots


def review_slots(
    papers: Iterable[PaperInfo], active: Mapping[int, list[ExistingAssignment]]
) -> list[Slot]:
    """One review (round 1) for each paper that has no active review yet."""
    slots = []
    for paper in papers:
        held = active.get(paper.id, ())
        if any(a.kind == REVIEW for a in held):
            continue
        recheckers = frozenset(a.expert_id for a in held if a.kind == RECHECK)
        slots.append(Slot(paper, (1,), excluded_ids=recheckers))
    return slots


def _class_key(slot: Slot, sets: AllowedSets) -> tuple:
    paper = slot.paper
    municipality = paper.municipality if sets.by_municipality else None
    base = (paper.school_id, municipality, paper.subject, sets.marker_key(paper))
    return base, len(slot.rounds), slot.excluded_groups, slot.excluded_ids


class AllowedSets:
    """Allowed experts per class, computed with the gate's own rule functions.

    Computed in stages (subject → school → original marker) and cached, so a
    campaign costs about (subjects + schools) × experts rule evaluations.
    """

    def __init__(self, experts: Sequence[ExpertInfo], by_municipality: bool) -> None:
        self.experts = sorted(experts, key=lambda e: e.id)
        self.by_id = {e.id: e for e in self.experts}
        self.group = {e.id: school_group(e.id, e.school_id) for e in self.experts}
        self.by_municipality = by_municipality
        self.rules = school_rules(by_municipality)
        self._cache: dict[tuple, list[ExpertInfo]] = {}

    def _cached(self, key: tuple, compute) -> list[ExpertInfo]:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def subject(self, paper: PaperInfo) -> list[ExpertInfo]:
        return self._cached(("subject", paper.subject), lambda: [
            e for e in self.experts if passes(EXPERT_RULES, e, paper)])

    def school(self, paper: PaperInfo) -> list[ExpertInfo]:
        municipality = paper.municipality if self.by_municipality else None
        key = ("school", paper.school_id, municipality, paper.subject)
        return self._cached(key, lambda: [
            e for e in self.subject(paper) if passes(self.rules, e, paper)])

    def marker_key(self, paper: PaperInfo) -> int | None:
        """The original marker when the other rules would allow them, else None.

        Only then does the marker rule exclude anyone, so all other papers of
        the school (usually marked by its own teachers) share one class.
        """
        marker = self.by_id.get(paper.original_marker_id)
        if marker is None or not passes(EXPERT_RULES + self.rules, marker, paper):
            return None
        return marker.id

    def base(self, key: tuple, paper: PaperInfo) -> list[ExpertInfo]:
        if key[3] is None:
            return self.school(paper)
        return self._cached(("marker",) + key, lambda: [
            e for e in self.school(paper) if original_marker_refusal(e, paper) is None])

    def has_subject(self, paper: PaperInfo) -> bool:
        return bool(self.subject(paper))

    def n_groups(self, expert_ids: Iterable[int]) -> int:
        """From how many school groups these experts come (a paper takes one per group)."""
        return len({self.group[i] for i in expert_ids})


def build_classes(
    slots: Iterable[Slot],
    kind: str,
    experts: Sequence[ExpertInfo],
    *,
    exclude_same_municipality: bool = False,
) -> tuple[list[SlotClass], AllowedSets]:
    """Group slots into classes and attach each class's allowed experts (sorted ids).

    The other-recheck rules (:func:`conflicts.peer_recheck_refusals`,
    :func:`conflicts.review_refusals`) are applied as set differences on
    ``school_group`` / ids, which is what those rules say; the validator
    re-checks every produced pair with the full gate.
    """
    sets = AllowedSets(experts, exclude_same_municipality)
    classes: dict[tuple, SlotClass] = {}
    for slot in slots:
        key = _class_key(slot, sets)
        if key not in classes:
            classes[key] = _new_class(key, slot, kind, sets)
        classes[key].papers.append(slot.paper)
        classes[key].rounds.append(slot.rounds)
    return [classes[k] for k in sorted(classes, key=_sort_key)], sets


def _sort_key(key: tuple) -> tuple:
    # Not repr(): frozenset iteration order may depend on insertion history, and
    # the plan must be the same for the same input and seed.
    (school, municipality, subject, marker), need, groups, ids = key
    base = (school, municipality or "", subject, -1 if marker is None else marker)
    return base, need, sorted(groups), sorted(ids)


def _new_class(key: tuple, slot: Slot, kind: str, sets: AllowedSets) -> SlotClass:
    """A class with its allowed experts: the paper rules, then the other-recheck rules.

    The latter are set lookups here (see :func:`build_classes`).
    """
    base = sets.base(key[0], slot.paper)
    groups, ids = slot.excluded_groups, slot.excluded_ids
    if groups or ids:
        group = sets.group
        allowed = tuple(e.id for e in base if e.id not in ids and group[e.id] not in groups)
    else:
        allowed = tuple(e.id for e in base)
    return SlotClass(kind, len(slot.rounds), allowed=allowed, base_allowed=len(base))
