"""Conflict-of-interest rules: the single gate for every assignment (SPEC §5).

Every path that creates or changes an assignment — the automatic engine, a
manual assignment, a reassignment, a review — asks :func:`allowed`. The rules
are written as small functions so the engine can apply exactly the same rules
to whole classes of papers at once (see ``assignment_classes``) instead of
calling the gate 100,000 times; the validator in ``assignment_check`` then
re-runs :func:`allowed` on every produced pair as a last safety net, and a
change of a person (role, school, subjects, conflicts) re-runs it over their
live work (``services/distribution/regate.py``).

Superseded assignments never count: a superseded slot is as if it had never
existed (the expert who withdrew no longer blocks anything).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

RECHECK = "recheck"
REVIEW = "review"
SUPERSEDED = "superseded"
UNSTARTED = "assigned"


@dataclass(frozen=True)
class ExpertInfo:
    """An expert (or a reviewer) as the rules see them.

    ``school_id`` is the place of work; ``None`` means no school (such an
    expert shares a school with nobody). ``capacity`` caps the expert's total
    number of active assignments in the campaign, existing ones included.
    ``role`` ("expert", "reviewer", …) is checked against the kind of work when
    given (see :func:`role_refusal`); the planners, which only ever offer
    experts rechecks and reviewers third checks, may leave it out.
    """

    id: int
    school_id: int | None
    municipality: str | None
    subjects: frozenset[str]
    conflict_school_ids: frozenset[int] = frozenset()
    capacity: int | None = None
    active: bool = True
    role: str | None = None


@dataclass(frozen=True)
class PaperInfo:
    """A paper as the rules see it (never shown to experts)."""

    id: int
    school_id: int
    municipality: str | None
    subject: str
    original_marker_id: int | None = None


@dataclass(frozen=True)
class ExistingAssignment:
    """An assignment already stored; ``status`` is assigned|in_progress|submitted|superseded."""

    paper_id: int
    expert_id: int
    kind: str
    round: int
    status: str

    @property
    def is_active(self) -> bool:
        return self.status != SUPERSEDED


@dataclass(frozen=True)
class Refusal:
    """Why an expert may not take a paper: a stable ``code`` and a Russian ``message``."""

    code: str
    message: str


#: Who does each kind of work: rechecks are experts' work, third checks reviewers'.
ROLE_FOR_KIND = {RECHECK: "expert", REVIEW: "reviewer"}


def kind_for_role(role: str) -> str | None:
    """The kind of work a role does (None: a role that marks nothing)."""
    return next((kind for kind, r in ROLE_FOR_KIND.items() if r == role), None)


def role_refusal(expert: ExpertInfo, kind: str) -> Refusal | None:
    """A recheck only for an expert, a third check only for a reviewer (when the role is known).

    A reviewer re-imported as an expert must not keep a third check (it shows the
    school's marks), nor an expert made a reviewer keep a recheck.
    """
    if expert.role is None or ROLE_FOR_KIND.get(kind) == expert.role:
        return None
    if kind == REVIEW:
        return Refusal("role", "третью проверку ведёт только руководитель МО")
    return Refusal("role", "перепроверку ведёт только эксперт")


def inactive_refusal(expert: ExpertInfo, paper: PaperInfo | None = None) -> Refusal | None:
    if expert.active:
        return None
    return Refusal("inactive", "эксперт выбыл из кампании")


def subject_refusal(expert: ExpertInfo, paper: PaperInfo) -> Refusal | None:
    if paper.subject in expert.subjects:
        return None
    return Refusal("subject", f"эксперт не проверяет предмет «{paper.subject}»")


def own_school_refusal(expert: ExpertInfo, paper: PaperInfo) -> Refusal | None:
    if expert.school_id is None or expert.school_id != paper.school_id:
        return None
    return Refusal("own_school", "эксперт работает в ОО, где написана работа")


def declared_conflict_refusal(expert: ExpertInfo, paper: PaperInfo) -> Refusal | None:
    if paper.school_id not in expert.conflict_school_ids:
        return None
    return Refusal("declared_conflict", "эксперт заявил конфликт интересов с ОО этой работы")


def original_marker_refusal(expert: ExpertInfo, paper: PaperInfo) -> Refusal | None:
    if paper.original_marker_id != expert.id:
        return None
    return Refusal("original_marker", "эксперт проверял эту работу при первичной проверке в ОО")


def municipality_refusal(expert: ExpertInfo, paper: PaperInfo) -> Refusal | None:
    if expert.municipality is None or expert.municipality != paper.municipality:
        return None
    return Refusal("same_municipality", "эксперт из того же муниципалитета, что и ОО работы")


def school_rules(exclude_same_municipality: bool = False) -> tuple:
    """Rules that look at the paper's school (and municipality).

    Papers with the same school, municipality and subject get the same answers
    here, which is what lets the engine plan whole classes of papers at once.
    """
    rules = (own_school_refusal, declared_conflict_refusal)
    return rules + (municipality_refusal,) if exclude_same_municipality else rules


def paper_rules(exclude_same_municipality: bool = False) -> tuple:
    """All rules that look at the paper alone: school rules plus the original marker."""
    return school_rules(exclude_same_municipality) + (original_marker_refusal,)


EXPERT_RULES = (inactive_refusal, subject_refusal)
"""Rules that look at the paper only through its subject (checked once per expert)."""


def base_refusals(
    expert: ExpertInfo, paper: PaperInfo, *, exclude_same_municipality: bool = False
) -> list[Refusal]:
    """Rules that depend only on the expert and the paper (not on other assignments)."""
    found = []
    for rule in EXPERT_RULES + paper_rules(exclude_same_municipality):
        refusal = rule(expert, paper)
        if refusal is not None:
            found.append(refusal)
    return found


def passes(rules: tuple, expert: ExpertInfo, paper: PaperInfo) -> bool:
    """True when none of ``rules`` refuses (short-circuits: the engine's hot path)."""
    for rule in rules:
        if rule(expert, paper) is not None:
            return False
    return True


def same_school(a: int | None, b: int | None) -> bool:
    """Two experts share a school only when both have one and it is the same."""
    return a is not None and a == b


def school_group(expert_id: int, school_id: int | None) -> tuple[int, int]:
    """A key equal for two experts exactly when they may not both recheck one paper.

    Experts of one school share a group; an expert without a school is a group
    of their own (so two such experts count as different schools).
    """
    return (0, school_id) if school_id is not None else (1, expert_id)


def peer_recheck_refusals(
    expert: ExpertInfo, peers: Iterable[tuple[int, int | None, int]]
) -> list[Refusal]:
    """Rules for a recheck given the paper's other active rechecks.

    ``peers`` are ``(expert_id, school_id, round)`` of the active rechecks of the
    same paper in *other* rounds: the rechecks must be independent opinions, so
    they come from different experts working at different schools.
    """
    found: list[Refusal] = []
    for peer_id, peer_school, peer_round in peers:
        if peer_id == expert.id:
            found.append(Refusal(
                "already_rechecking",
                f"эксперт уже перепроверяет эту работу (перепроверка {peer_round})",
            ))
        elif same_school(peer_school, expert.school_id):
            found.append(Refusal(
                "peer_same_school",
                f"перепроверку {peer_round} этой работы ведёт эксперт из той же ОО",
            ))
    return found


def review_refusals(expert: ExpertInfo, recheckers: Iterable[int]) -> list[Refusal]:
    """A third check must come from someone who did not recheck the paper."""
    if expert.id in set(recheckers):
        return [Refusal("reviewer_was_rechecker", "руководитель МО сам перепроверял эту работу")]
    return []


def paper_peers(
    paper_id: int,
    round: int,
    kind: str,
    existing: Iterable[ExistingAssignment],
    expert_schools: Mapping[int, int | None] | None,
) -> list[tuple[int, int | None, int]]:
    """The active rechecks of the paper that compete with the slot being judged.

    The slot itself (a recheck of the same round, or any review when judging a
    review) is left out, so the gate also re-validates stored assignments.
    """
    peers = []
    for a in existing:
        if a.paper_id != paper_id or not a.is_active or a.kind != RECHECK:
            continue
        if kind == RECHECK and a.round == round:
            continue
        school = _school_of(a.expert_id, expert_schools) if kind == RECHECK else None
        peers.append((a.expert_id, school, a.round))
    return peers


def _school_of(expert_id: int, expert_schools: Mapping[int, int | None] | None) -> int | None:
    # Fail loudly: silently treating an unknown peer as "no school" could let two
    # rechecks from one school through.
    if expert_schools is None or expert_id not in expert_schools:
        raise KeyError(f"school of expert {expert_id} is needed (pass expert_schools)")
    return expert_schools[expert_id]


def refusals(
    expert: ExpertInfo,
    paper: PaperInfo,
    round: int,
    existing: Iterable[ExistingAssignment] = (),
    *,
    kind: str = RECHECK,
    expert_schools: Mapping[int, int | None] | None = None,
    exclude_same_municipality: bool = False,
) -> list[Refusal]:
    """Every reason why ``expert`` may not take ``paper`` in ``round`` (empty: allowed).

    ``existing`` may hold any assignments (others are filtered out by paper).
    ``expert_schools`` maps the expert ids found in the paper's other active
    rechecks to their school; it is required as soon as such a recheck exists.
    """
    if kind not in ROLE_FOR_KIND:
        raise ValueError(f"unknown assignment kind {kind!r}")
    role = role_refusal(expert, kind)
    found = [role] if role is not None else []
    found += base_refusals(expert, paper, exclude_same_municipality=exclude_same_municipality)
    peers = paper_peers(paper.id, round, kind, existing, expert_schools)
    if kind == RECHECK:
        found += peer_recheck_refusals(expert, peers)
    else:
        found += review_refusals(expert, (p[0] for p in peers))
    return found


def allowed(
    expert: ExpertInfo,
    paper: PaperInfo,
    round: int,
    existing: Iterable[ExistingAssignment] = (),
    *,
    kind: str = RECHECK,
    expert_schools: Mapping[int, int | None] | None = None,
    exclude_same_municipality: bool = False,
) -> Refusal | None:
    """The gate: ``None`` when the assignment is allowed, else the first refusal.

    Same arguments as :func:`refusals`; the order of the rules puts the most
    telling reason first (role, inactive, subject, own school, declared conflict,
    municipality, original marker, other rechecks).
    """
    found = refusals(
        expert, paper, round, existing, kind=kind, expert_schools=expert_schools,
        exclude_same_municipality=exclude_same_municipality,
    )
    return found[0] if found else None
