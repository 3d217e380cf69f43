"""What the per-school screening page draws (issue 17): the school's histogram of totals
against the campaign's, the counts on and one below each grade minimum, the task profile
(per task the share of its maximum earned, school vs campaign, easiest → hardest in the
campaign) and the VPR-vs-journal counts.

The same papers ``screening.screen`` reads; nothing here tests anything — the indicators,
p-values and reasons stay in ``screening.py``. Pure: no database, no Flask.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .grading import GradeScale, TaskSpec
from .screening import ScreenPaper, ScreeningRules, _blocks


@dataclass(frozen=True, slots=True)
class JournalCounts:
    """Papers with a journal mark and how their VPR grade compares with it (counts)."""

    n: int = 0
    lowered: int = 0
    confirmed: int = 0
    raised: int = 0
    gap2: int = 0  # |VPR grade − journal mark| ≥ 2

    def share(self, name: str) -> float | None:
        return getattr(self, name) / self.n if self.n else None


@dataclass(frozen=True, slots=True)
class Boundary:
    """One grade minimum: the school's papers on it and one point below, and the campaign's."""

    grade: int
    minimum: int
    on: int
    below: int
    campaign_on: int
    campaign_below: int


@dataclass(frozen=True, slots=True)
class TaskShare:
    """A task's share of its maximum earned: the school's pupils vs the whole campaign's."""

    label: str
    max: int
    school: float
    campaign: float
    block: str = ""  # "easy" | "hard" | "" — the campaign's easiest / hardest third

    @property
    def difference(self) -> float:
        return self.school - self.campaign


@dataclass(frozen=True)
class SchoolDetail:
    school: str
    participants: int
    campaign_participants: int
    max_total: int
    boundaries: tuple[Boundary, ...]
    histogram: tuple[int, ...]  # the school's papers per total 0..max_total
    campaign_histogram: tuple[int, ...]  # the whole campaign's
    tasks: tuple[TaskShare, ...]  # easiest → hardest in the campaign
    journal: JournalCounts
    campaign_journal: JournalCounts

    @property
    def minimums(self) -> dict[int, int]:
        """Grade → its minimum total (grades whose minimum is 0 have no boundary to draw)."""
        return {b.grade: b.minimum for b in self.boundaries}


def school_detail(papers: Iterable[ScreenPaper], tasks: Sequence[TaskSpec], grades: GradeScale, code: str,
                  rules: ScreeningRules = ScreeningRules()) -> SchoolDetail | None:
    """The page's figures for school ``code``; None when it has no paper in ``papers``."""
    tasks = tuple(tasks)
    max_total = sum(t.max for t in tasks)
    table = grades.table(max_total)
    histogram = [0] * (max_total + 1)
    campaign_histogram = [0] * (max_total + 1)
    school_sums = [0] * len(tasks)
    campaign_sums = [0] * len(tasks)
    journal: list[tuple[int, int]] = []
    campaign_journal: list[tuple[int, int]] = []
    n = total_n = 0
    for p in papers:
        total = sum(p.scores)
        own = p.school == code
        campaign_histogram[total] += 1
        campaign_sums = [a + b for a, b in zip(campaign_sums, p.scores)]
        total_n += 1
        if p.journal is not None:
            campaign_journal.append((table[total], p.journal))
        if own:
            n += 1
            histogram[total] += 1
            school_sums = [a + b for a, b in zip(school_sums, p.scores)]
            if p.journal is not None:
                journal.append((table[total], p.journal))
    if n == 0:
        return None
    easy, hard = _blocks(tasks, campaign_sums, total_n, rules.profile_block)
    order = sorted(range(len(tasks)), key=lambda i: (-campaign_sums[i] / (total_n * tasks[i].max), i))
    shares = tuple(TaskShare(tasks[i].label, tasks[i].max, school_sums[i] / (n * tasks[i].max),
                             campaign_sums[i] / (total_n * tasks[i].max),
                             "easy" if i in easy else "hard" if i in hard else "")
                   for i in order)
    boundaries = tuple(Boundary(g, m, histogram[m], histogram[m - 1], campaign_histogram[m], campaign_histogram[m - 1])
                       for g, m in grades.thresholds if 1 <= m <= max_total)
    return SchoolDetail(code, n, total_n, max_total, boundaries, tuple(histogram), tuple(campaign_histogram),
                        shares, journal_counts(journal), journal_counts(campaign_journal))


def journal_counts(pairs: Sequence[tuple[int, int]]) -> JournalCounts:
    """(VPR grade, journal mark) pairs → counts lowered / confirmed / raised / |gap| ≥ 2."""
    lowered = sum(1 for v, j in pairs if v < j)
    raised = sum(1 for v, j in pairs if v > j)
    gap2 = sum(1 for v, j in pairs if abs(v - j) >= 2)
    return JournalCounts(len(pairs), lowered, len(pairs) - lowered - raised, raised, gap2)


__all__ = ["Boundary", "JournalCounts", "SchoolDetail", "TaskShare", "journal_counts", "school_detail"]
