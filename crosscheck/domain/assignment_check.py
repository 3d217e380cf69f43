"""The validator: every assignment, old or new, judged again by the gate.

The engine calls it on its own output (a refused pair is a bug, raised, never
stored); the service layer can call it before committing any change, and the
organiser's screen can list existing assignments that a later declared
conflict has made invalid.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .conflicts import (
    RECHECK,
    UNSTARTED,
    ExistingAssignment,
    ExpertInfo,
    PaperInfo,
    Refusal,
    refusals,
)


@dataclass(frozen=True)
class Violation:
    paper_id: int
    expert_id: int
    kind: str
    round: int
    reason: Refusal


class _Fresh(NamedTuple):
    """A new pair seen as an active assignment (cheaper than the frozen dataclass)."""

    paper_id: int
    expert_id: int
    kind: str
    round: int
    status: str = UNSTARTED
    is_active: bool = True


UNKNOWN_EXPERT = Refusal("unknown_expert", "эксперт не найден")
UNKNOWN_PAPER = Refusal("unknown_paper", "работа не найдена")
UNKNOWN_PEER = Refusal("unknown_peer", "другую перепроверку работы ведёт неизвестный эксперт")
DUPLICATE = Refusal("duplicate_slot", "на этот раунд работы назначено больше одного эксперта")
BAD_ROUND = Refusal("bad_round", "номер перепроверки вне 1..{n}")


def check_plan(
    papers: Iterable[PaperInfo],
    experts: Sequence[ExpertInfo],
    existing: Iterable[ExistingAssignment] = (),
    new: Iterable = (),
    *,
    per_paper: int | None = None,
    exclude_same_municipality: bool = False,
    check_existing: bool = True,
) -> list[Violation]:
    """All violations among ``new`` (objects with paper_id, expert_id, round, kind)
    and, with ``check_existing``, the active ``existing`` assignments.

    Every pair is judged together with all the others (a new second recheck is
    checked against the first). A withdrawal does not make an expert's stored
    work invalid, so the "inactive" rule applies to new pairs only.
    """
    stored = [a for a in existing if a.is_active]
    fresh = [_Fresh(n.paper_id, n.expert_id, n.kind, n.round) for n in new]
    by_paper: dict[int, list[ExistingAssignment]] = defaultdict(list)
    for a in stored + fresh:
        by_paper[a.paper_id].append(a)
    ctx = _Context({p.id: p for p in papers}, {e.id: e for e in experts}, by_paper,
                   per_paper, exclude_same_municipality,
                   Counter((a.paper_id, a.kind, a.round) for a in stored + fresh))
    judged = [(a, False) for a in fresh] + [(a, True) for a in stored if check_existing]
    return [v for a, old in judged for v in ctx.judge(a, old)]


@dataclass
class _Context:
    papers: dict[int, PaperInfo]
    experts: dict[int, ExpertInfo]
    by_paper: dict[int, list[ExistingAssignment]]
    per_paper: int | None
    by_municipality: bool
    slots: Counter

    def __post_init__(self) -> None:
        self.schools = {i: e.school_id for i, e in self.experts.items()}

    def judge(self, a: ExistingAssignment, old: bool) -> list[Violation]:
        found = self._structure(a)
        if a.paper_id in self.papers and a.expert_id in self.experts:
            found += [r for r in self._gate(a) if not (old and r.code == "inactive")]
        return [Violation(a.paper_id, a.expert_id, a.kind, a.round, r) for r in found]

    def _gate(self, a: ExistingAssignment) -> list[Refusal]:
        try:
            return refusals(
                self.experts[a.expert_id], self.papers[a.paper_id], a.round,
                self.by_paper[a.paper_id], kind=a.kind, expert_schools=self.schools,
                exclude_same_municipality=self.by_municipality,
            )
        except KeyError:
            return [UNKNOWN_PEER]

    def _structure(self, a: ExistingAssignment) -> list[Refusal]:
        found = []
        if a.expert_id not in self.experts:
            found.append(UNKNOWN_EXPERT)
        if a.paper_id not in self.papers:
            found.append(UNKNOWN_PAPER)
        if self.slots[(a.paper_id, a.kind, a.round)] > 1:
            found.append(DUPLICATE)
        if a.kind == RECHECK and self.per_paper and not 1 <= a.round <= self.per_paper:
            found.append(Refusal(BAD_ROUND.code, BAD_ROUND.message.format(n=self.per_paper)))
        return found
