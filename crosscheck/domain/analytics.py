"""Per-group aggregation of paper verdicts, and the rule that flags a school or marker.

A group is any set of papers: a class, a school, an original marker, a
municipality or the whole campaign. Only *checked* papers (those with final
marks) enter the discrepancy statistics; ``papers`` counts all of them so the
organiser sees how far the check has got. Papers outside the campaign's sample
(status ``excluded``, SPEC §8) count nowhere: not in ``papers``, not in any statistic.

Deltas are always final − original: negative means the school over-marked
(завышение). See docs/discrepancy.md for the flag rule and why its defaults.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from operator import attrgetter

from . import stats
from .discrepancy import PaperMarks, PaperResult, Scheme
from .grading import TaskSpec
from .sampling import EXCLUDED
from .tally import Layout, Tally

#: Flag reasons (machine codes; the UI translates them).
REASON_OVER = "systematic_over_marking"
REASON_UNDER = "systematic_under_marking"

#: ``GroupStats.evidence``: could the rule's test say anything about this group at all?
SUFFICIENT = "sufficient"
INSUFFICIENT = "insufficient"


@dataclass(frozen=True, slots=True)
class FlagRule:
    """When a school or an original marker is flagged (SPEC §7, docs/discrepancy.md).

    Flagged iff ``checked ≥ min_checked`` and, in one direction (over- or under-marking),
    - at least ``min_significant`` checked papers have a significant *final* discrepancy, and
    - the paired test (``bias_test``: the exact two-sided "sign" test by default, or
      "wilcoxon") of the papers' ``delta_total`` gives p < ``alpha`` in that direction,
      with |mean delta| ≥ ``min_mean_shift`` (0: no size condition).

    The defaults are the SPEC's: 6 of 6 over-marked papers flag a school (p = 0.031),
    5 of 5 do not (p = 0.0625). ``min_evidence`` is the smallest number of checked
    papers with which the rule could flag at all; a group with fewer has
    ``evidence = "insufficient"`` — "too few papers to say", never "not flagged".
    """

    min_significant: int = 3
    alpha: float = 0.05
    bias_test: str = "sign"
    min_checked: int = 1
    min_mean_shift: float = 0.0

    def __post_init__(self) -> None:
        if self.bias_test not in ("wilcoxon", "sign"):
            raise ValueError("bias_test must be 'wilcoxon' or 'sign'")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be in (0, 1)")
        if self.min_significant < 0 or self.min_checked < 0 or self.min_mean_shift < 0:
            raise ValueError("min_significant, min_checked and min_mean_shift must not be negative")

    @property
    def min_evidence(self) -> int:
        """Fewest checked papers with which the rule can flag: the test's smallest p with n
        papers (all differences one way, no ties) is 2·2⁻ⁿ for both the sign test and the
        exact Wilcoxon test, so n must make that < alpha (6 for alpha = 0.05)."""
        n = 1
        while 2.0 ** (1 - n) >= self.alpha:
            n += 1
        return max(n, self.min_significant, self.min_checked)

    def evidence(self, checked: int) -> str:
        return SUFFICIENT if checked >= self.min_evidence else INSUFFICIENT

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"min_evidence": self.min_evidence}


@dataclass(frozen=True, slots=True)
class TaskStats:
    """One task within a group: how final marks moved against the school's."""

    label: str
    n: int
    mean_delta: float | None
    over_marked: float | None  # share of papers where the school gave more on this task
    under_marked: float | None
    exact: float | None  # share with identical scores
    adjacent: float | None  # share within one point


@dataclass(frozen=True, slots=True)
class JournalStats:
    """VPR grade vs the journal mark, over papers that have both."""

    n: int
    lowered: int  # VPR grade below the journal mark
    confirmed: int
    raised: int


@dataclass(frozen=True)
class GroupStats:
    """Everything the report says about one group of papers."""

    key: Hashable
    papers: int
    checked: int
    grade_lowered: int
    grade_confirmed: int
    grade_raised: int
    over_marked: int  # checked papers whose original total exceeds the final
    under_marked: int
    significant: int  # checked papers whose final differs significantly
    significant_over: int  # … of them over-marked (final total below the school's)
    significant_under: int  # … of them under-marked
    review_required: int  # papers whose rechecks called for a third check
    delta: stats.MeanCI  # mean of delta_total with its 95% CI
    median_delta: float | None
    wilcoxon: stats.TestResult | None
    sign: stats.TestResult | None
    kappa: float | None  # quadratic weighted, original vs final grades
    grade_adjacent: float | None
    tasks: tuple[TaskStats, ...]
    journal_original: JournalStats
    journal_final: JournalStats
    flag_reasons: tuple[str, ...]
    evidence: str = SUFFICIENT  # "insufficient": too few checked papers for the rule to say anything

    @property
    def flagged(self) -> bool:
        return bool(self.flag_reasons)

    @property
    def mean_delta(self) -> float | None:
        return self.delta.mean

    @property
    def significant_share(self) -> float | None:
        return stats.share(self.significant, self.checked)

    @property
    def grade_agreement(self) -> float | None:
        return stats.share(self.grade_confirmed, self.checked)

    def top_over_marked(self, limit: int = 3) -> list[str]:
        """Tasks the school over-marks most: largest mean loss under the cross-check first."""
        worst = sorted((t for t in self.tasks if t.mean_delta and t.mean_delta < 0), key=_by_loss)
        return [t.label for t in worst[:limit]]


def _by_loss(task: TaskStats) -> tuple[float, str]:
    return (task.mean_delta or 0.0, task.label)


# --- grouping ------------------------------------------------------------------

KeyFunction = Callable[[PaperMarks], Hashable]

#: How papers are grouped; a None key leaves the paper out of that grouping.
GROUPINGS: dict[str, KeyFunction] = {
    "campaign": lambda p: "",
    "municipality": attrgetter("municipality"),
    "school": attrgetter("school"),
    "class": lambda p: None if p.class_name is None else (p.school, p.class_name),
    # Marker names are only unique within a school (the form has a login or a name).
    "original_marker": lambda p: None if p.original_marker is None else (p.school, p.original_marker),
}


class Analysis:
    """A campaign's verdicts, encoded once (see tally.py), aggregated any number of ways."""

    def __init__(self, results: Iterable[PaperResult], scheme: Scheme, rule: FlagRule = FlagRule()) -> None:
        self.results = sampled(results)
        self.scheme = scheme
        self.rule = rule
        self._layout = Layout(scheme)
        self._codes = list(map(self._layout.encode, self.results))
        self._papers = [r.paper for r in self.results]

    def groups(self, grouping: str) -> list[GroupStats]:
        """Statistics for every group of one grouping (see GROUPINGS), sorted by key."""
        buckets: defaultdict[Hashable, list[int]] = defaultdict(list)
        for k, code in zip(map(GROUPINGS[grouping], self._papers), self._codes):
            buckets[k].append(code)
        buckets.pop(None, None)
        return [self._stats(k, sum(buckets[k])) for k in sorted(buckets, key=_sort_key)]

    def summary(self) -> GroupStats:
        """The whole campaign as one group: the baseline the groups are read against."""
        return self._stats("", sum(self._codes))

    def _stats(self, key: Hashable, code: int) -> GroupStats:
        return from_tally(key, self._layout.decode(code), self.scheme.tasks, self.rule)


def aggregate(
    results: Iterable[PaperResult], grouping: str, scheme: Scheme, rule: FlagRule = FlagRule()
) -> list[GroupStats]:
    """Statistics for every group of one grouping (one-off form of Analysis.groups)."""
    return Analysis(results, scheme, rule).groups(grouping)


def summarize(
    key: Hashable, results: Iterable[PaperResult], scheme: Scheme, rule: FlagRule = FlagRule()
) -> GroupStats:
    """Statistics of one arbitrary group of results."""
    return from_tally(key, Layout(scheme).tally(sampled(results)), scheme.tasks, rule)


def sampled(results: Iterable[PaperResult]) -> list[PaperResult]:
    """The results that count: every paper but those outside the sample (SPEC §8)."""
    return [r for r in results if r.paper.status != EXCLUDED]


def _sort_key(key: Hashable) -> tuple[str, ...]:
    return tuple(map(str, key)) if isinstance(key, tuple) else (str(key),)


# --- one group -----------------------------------------------------------------


def from_tally(key: Hashable, t: Tally, tasks: Sequence[TaskSpec], rule: FlagRule = FlagRule()) -> GroupStats:
    """All statistics of one group, read from its frequency tables; flag included."""
    grades, deltas = t.grades, t.deltas
    delta = stats.mean_ci_freq(deltas)
    wilcoxon, sign = stats.wilcoxon_freq(deltas), stats.sign_test_freq(deltas)
    bias = wilcoxon if rule.bias_test == "wilcoxon" else sign
    return GroupStats(
        key=key,
        papers=t.papers,
        checked=t.checked,
        grade_lowered=sum(c for (o, f), c in grades.items() if f < o),
        grade_confirmed=sum(c for (o, f), c in grades.items() if f == o),
        grade_raised=sum(c for (o, f), c in grades.items() if f > o),
        over_marked=sum(c for d, c in deltas.items() if d < 0),
        under_marked=sum(c for d, c in deltas.items() if d > 0),
        significant=t.significant,
        significant_over=t.significant_over,
        significant_under=t.significant_under,
        review_required=t.review_required,
        delta=delta,
        median_delta=stats.median_freq(deltas),
        wilcoxon=wilcoxon,
        sign=sign,
        kappa=stats.kappa_from_confusion(grades),
        grade_adjacent=stats.share(sum(c for (o, f), c in grades.items() if abs(o - f) <= 1), t.checked),
        tasks=tuple(task_stats(task, counts, t.checked) for task, counts in zip(tasks, t.tasks)),
        journal_original=journal_stats(t.journal_original),
        journal_final=journal_stats(t.journal_final),
        flag_reasons=flag_reasons(rule, t.checked, t.significant_over, t.significant_under, bias,
                                  _direction(rule, deltas, delta.mean), delta.mean),
        evidence=rule.evidence(t.checked),
    )


def _direction(rule: FlagRule, deltas: Mapping[int, int], mean: float | None) -> int:
    """Which way the test points: −1 over-marking, +1 under-marking, 0 neither. The sign
    test counts signs; Wilcoxon weighs sizes too, so its direction is the mean's."""
    if rule.bias_test == "sign":
        balance = sum(c for d, c in deltas.items() if d > 0) - sum(c for d, c in deltas.items() if d < 0)
    else:
        balance = mean or 0.0
    return (balance > 0) - (balance < 0)


def task_stats(task: TaskSpec, counts: Mapping[int, int], n: int) -> TaskStats:
    """One task's movement from its table {final − original score: papers}."""
    total = over = under = 0
    for d, c in counts.items():
        total += d * c
        if d < 0:
            over += c
        elif d > 0:
            under += c
    exact = counts.get(0, 0)
    adjacent = exact + counts.get(-1, 0) + counts.get(1, 0)
    if not n:
        return TaskStats(task.label, 0, None, None, None, None, None)
    return TaskStats(task.label, n, total / n, over / n, under / n, exact / n, adjacent / n)


def journal_stats(table: Mapping[tuple[int, int], int]) -> JournalStats:
    """VPR grade below / equal to / above the journal mark, from {(vpr, journal): papers}."""
    lowered = sum(c for (vpr, journal), c in table.items() if vpr < journal)
    raised = sum(c for (vpr, journal), c in table.items() if vpr > journal)
    n = sum(table.values())
    return JournalStats(n, lowered, n - lowered - raised, raised)


# --- the flag rule ------------------------------------------------------------


def flag_reasons(
    rule: FlagRule, checked: int, significant_over: int, significant_under: int,
    bias: stats.TestResult | None, direction: int, mean_delta: float | None,
) -> tuple[str, ...]:
    """Why a group is flagged (empty: not flagged): enough significant final discrepancies
    in the direction the paired test points to, and the test significant (SPEC §7)."""
    if checked < rule.min_checked or bias is None or direction == 0 or bias.pvalue >= rule.alpha:
        return ()
    if abs(mean_delta or 0.0) < rule.min_mean_shift:
        return ()
    same_way = significant_over if direction < 0 else significant_under
    if same_way < rule.min_significant:
        return ()
    return (REASON_OVER if direction < 0 else REASON_UNDER,)
