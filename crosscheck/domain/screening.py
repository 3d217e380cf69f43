"""Screening (SPEC §8): where the schools' own marks look non-objective, before any re-marking.

From the original marks alone, each school is set against the rest of its campaign on four
indicators (the ones ФИОКО and regional practice use, see ``shared/vpr/indicators.yaml``):

``high_grades``
    the share of «5», or of «4» and «5», stands far above the other schools' share;
    one-sided Fisher exact test (hypergeometric tail) of school vs rest, Bonferroni over the
    two shares.
``raised_vs_journal``
    the share of pupils whose VPR grade is *above* their journal mark stands far above the
    other schools'; one-sided Fisher exact test.
``threshold_peak``
    papers whose total sits exactly on a grade minimum against those one point below it;
    per boundary a 2×2 table (school vs rest × on the minimum vs one below), the boundaries
    pooled by the exact conditional (stratified) test: the null distribution of the school's
    count on the minimums is the convolution of the boundaries' hypergeometric laws.
``task_profile``
    the school's pupils do the campaign's easiest tasks worse and its hardest better than the
    campaign's pupils *with the same total* do (matching on the total removes the school's
    level: under a Rasch-type model the total says all there is about ability); one-sided
    t-test over the school's pupils of their (hard − easy) residuals.

Each indicator says nothing («недостаточно данных») below its minimum sample, and gives a
reason only when its p-value is below ``alpha`` **and** its effect is at least the documented
size ("far above" is a size, not just a p-value). ``risk`` orders the schools: the
Fisher-combined p-value of the indicators a school has enough data for, as L / (L + 2) with
L = −log₁₀ p (0 = nothing unusual, 0.5 at p = 0.01, 0.75 at p = 10⁻⁶), None with no data.

Pure: plain dataclasses in, plain dataclasses out; no database, no Flask. Definitions,
defaults and their false-positive rates: docs/screening.md.
"""
from __future__ import annotations

from .russian import plural as _plural

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from operator import itemgetter

from . import stats
from .grading import GradeScale, TaskSpec

#: Reasons (machine codes, SPEC §8).
HIGH_GRADES = "high_grades"
RAISED_VS_JOURNAL = "raised_vs_journal"
THRESHOLD_PEAK = "threshold_peak"
TASK_PROFILE = "task_profile"
INDICATORS = (HIGH_GRADES, RAISED_VS_JOURNAL, THRESHOLD_PEAK, TASK_PROFILE)

GRADES = (2, 3, 4, 5)

#: What the results may and may not be used for (2025 recommendations §5; letter of
#: Rosobrnadzor 18.04.2025 № 02-86): screening chooses papers to re-check, nothing more.
DISCLAIMER = ("Скрининг лишь указывает, какие работы стоит перепроверить. Это не вывод о необъективности "
              "и не оценка деятельности школы или учителя: результаты ВПР для этого не используются "
              "(письмо Рособрнадзора от 18.04.2025 № 02-86).")

INDICATOR_RU = {
    HIGH_GRADES: "доля высоких отметок",
    RAISED_VS_JOURNAL: "отметки ВПР выше журнальных",
    THRESHOLD_PEAK: "пик на границах отметок",
    TASK_PROFILE: "профиль заданий",
}


@dataclass(frozen=True, slots=True)
class ScreeningRules:
    """Thresholds of the screen; every one is documented in docs/screening.md.

    ``alpha`` is the one-sided significance level of every indicator's test (so a school
    marked like the rest of its campaign gets a given reason with probability ≤ alpha, and
    any reason with probability ≤ 4·alpha). ``min_*`` are the minimum samples below which
    an indicator says nothing; ``*_excess`` / ``min_profile`` the effect an indicator must
    also reach (in shares, 0.15 = 15 percentage points).
    """

    alpha: float = 0.01
    min_rest: int = 20  # participants in the other schools, below which there is nothing to compare with
    min_participants_grades: int = 10
    min_excess_grades: float = 0.15
    min_journal: int = 10
    min_excess_journal: float = 0.15
    min_participants_peak: int = 20
    min_pairs_peak: int = 6
    min_excess_peak: float = 0.15
    min_participants_profile: int = 20
    min_profile: float = 0.10
    profile_block: float = 1 / 3  # share of the tasks in each of the easy and hard blocks

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be in (0, 1)")
        if not 0 < self.profile_block <= 0.5:
            raise ValueError("profile_block must be in (0, 0.5]")
        if min(self.min_rest, self.min_participants_grades, self.min_journal, self.min_participants_peak,
               self.min_pairs_peak, self.min_participants_profile) < 1:
            raise ValueError("minimum samples must be at least 1")

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ScreenPaper:
    """One pupil's paper as the school marked it: scores in template task order."""

    school: str
    scores: tuple[int, ...]
    journal: int | None = None


@dataclass(frozen=True, slots=True)
class JournalShares:
    """VPR grade vs journal mark over the papers that have a journal mark (shares of ``n``)."""

    n: int
    lowered: float | None
    confirmed: float | None
    raised: float | None
    gap2: float | None  # |VPR grade − journal mark| ≥ 2

    def as_dict(self) -> dict[str, float | int | None]:
        return {"n": self.n, "lowered": _r(self.lowered), "confirmed": _r(self.confirmed),
                "raised": _r(self.raised), "gap2": _r(self.gap2)}


@dataclass(frozen=True)
class SchoolScreen:
    """One school's indicators. None = not computable; ``p_values`` only for the indicators
    the school has enough data for (those enter ``risk``)."""

    school: str
    participants: int
    mean_total: float | None
    grade_shares: dict[str, float]
    journal: JournalShares
    threshold_peak: float | None
    task_profile: float | None
    risk: float | None
    reasons: tuple[str, ...]
    explanations: tuple[str, ...]  # one plain-Russian line per reason
    notes: tuple[str, ...]  # why an indicator says nothing («недостаточно данных …»)
    p_values: dict[str, float]

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    def as_dict(self) -> dict[str, object]:
        return {"school": self.school, "participants": self.participants, "mean_total": _r(self.mean_total, 2),
                "grade_shares": {g: _r(v) for g, v in self.grade_shares.items()},
                "journal": self.journal.as_dict(), "threshold_peak": _r(self.threshold_peak),
                "task_profile": _r(self.task_profile), "risk": _r(self.risk), "reasons": list(self.reasons),
                "flagged": self.flagged, "explanations": list(self.explanations), "notes": list(self.notes),
                "p_values": {k: _r(v, 6) for k, v in self.p_values.items()}}


@dataclass(frozen=True)
class Screening:
    """The campaign's screen: schools by descending risk, the campaign's own figures."""

    schools: tuple[SchoolScreen, ...]
    participants: int
    mean_total: float | None
    grade_shares: dict[str, float]
    journal: JournalShares
    threshold_peak: float | None
    easy_tasks: tuple[str, ...]
    hard_tasks: tuple[str, ...]
    rules: ScreeningRules
    notes: tuple[str, ...] = ()

    @property
    def flagged(self) -> tuple[SchoolScreen, ...]:
        return tuple(s for s in self.schools if s.flagged)

    def school(self, code: str) -> SchoolScreen | None:
        return next((s for s in self.schools if s.school == code), None)

    def as_dict(self, campaign: str) -> dict[str, object]:
        """SPEC §8's JSON (plus ``campaign_figures``, ``rules``, ``notes`` and the disclaimer)."""
        return {"campaign": campaign, "schools": [s.as_dict() for s in self.schools],
                "campaign_figures": {"participants": self.participants, "mean_total": _r(self.mean_total, 2),
                                     "grade_shares": {g: _r(v) for g, v in self.grade_shares.items()},
                                     "journal": self.journal.as_dict(), "threshold_peak": _r(self.threshold_peak),
                                     "easy_tasks": list(self.easy_tasks), "hard_tasks": list(self.hard_tasks)},
                "rules": self.rules.as_dict(), "notes": list(self.notes), "disclaimer": DISCLAIMER}


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


# --- exact distributions (standard library only, like domain/stats.py) ---------------


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def hypergeom_pmf(population: int, successes: int, draws: int) -> list[float]:
    """P(X = x) for x = 0..draws, X ~ Hypergeometric(population, successes, draws).

    One log-binomial at the mode, then the ratio P(x+1)/P(x) = (K−x)(n−x) / ((x+1)(N−K−n+x+1))
    walking both ways: no underflow at the mode, a few multiplications a term."""
    failures = population - successes
    low, high = max(0, draws - failures), min(draws, successes)
    pmf = [0.0] * (draws + 1)
    mode = min(high, max(low, (draws + 1) * (successes + 1) // (population + 2)))
    pmf[mode] = math.exp(_log_comb(successes, mode) + _log_comb(failures, draws - mode)
                         - _log_comb(population, draws))
    for x in range(mode, high):
        pmf[x + 1] = pmf[x] * (successes - x) * (draws - x) / ((x + 1) * (failures - draws + x + 1))
    for x in range(mode, low, -1):
        pmf[x - 1] = pmf[x] * x * (failures - draws + x) / ((successes - x + 1) * (draws - x + 1))
    return pmf


def hypergeom_sf(k: int, population: int, successes: int, draws: int) -> float:
    """P(X ≥ k): the one-sided Fisher exact p-value of drawing k or more successes."""
    if k <= max(0, draws - (population - successes)):
        return 1.0
    return min(1.0, math.fsum(hypergeom_pmf(population, successes, draws)[k:]))


def convolve(a: Sequence[float], b: Sequence[float]) -> list[float]:
    out = [0.0] * (len(a) + len(b) - 1)
    for i, pa in enumerate(a):
        if pa:
            for j, pb in enumerate(b):
                out[i + j] += pa * pb
    return out


def fisher_combined(pvalues: Iterable[float]) -> float | None:
    """Fisher's method: P(χ²(2k) ≥ −2 Σ ln p), closed form for even degrees of freedom."""
    ps = [max(p, 1e-300) for p in pvalues]
    if not ps:
        return None
    half = -math.fsum(math.log(p) for p in ps)  # x/2 for x = −2 Σ ln p
    term = total = 1.0
    for i in range(1, len(ps)):
        term *= half / i
        total += term
    return min(1.0, math.exp(-half) * total)


#: ``risk`` is 0.5 when the combined p-value is this (= the default alpha).
RISK_MIDPOINT = 0.01


def risk_of(combined: float | None) -> float | None:
    """The combined p-value on a scale that orders without saturating: L / (L + l₀) with
    L = −log₁₀ p and l₀ = −log₁₀ ``RISK_MIDPOINT``; p = 1 → 0, p = 0.01 → 0.5, p = 10⁻⁶ → 0.75."""
    if combined is None:
        return None
    strength = -math.log10(max(combined, 1e-300))
    return strength / (strength - math.log10(RISK_MIDPOINT))


# --- the screen ----------------------------------------------------------------------


@dataclass
class _School:
    code: str
    totals: list[int] = field(default_factory=list)
    hard: list[float] = field(default_factory=list)
    easy: list[float] = field(default_factory=list)
    journal: list[tuple[int, int]] = field(default_factory=list)  # (VPR grade, journal mark)


@dataclass(frozen=True)
class _Campaign:
    """Whole-campaign counts each school is set against (minus its own: "the rest")."""

    n: int
    grades: Counter
    journal_n: int
    raised: int
    at_total: Counter  # papers per total
    hard_at: defaultdict  # Σ hard-block share per total
    easy_at: defaultdict


def screen(papers: Iterable[ScreenPaper], tasks: Sequence[TaskSpec], grades: GradeScale,
           rules: ScreeningRules = ScreeningRules()) -> Screening:
    """Screen every school of a campaign against the rest of it (SPEC §8)."""
    tasks = tuple(tasks)
    max_total = sum(t.max for t in tasks)
    table = grades.table(max_total)
    schools: dict[str, _School] = {}
    task_sums = [0] * len(tasks)
    papers = list(papers)
    for p in papers:
        if len(p.scores) != len(tasks):
            raise ValueError(f"{p.school}: {len(p.scores)} scores for {len(tasks)} tasks")
        task_sums = list(map(int.__add__, task_sums, p.scores))
    easy_idx, hard_idx = _blocks(tasks, task_sums, len(papers), rules.profile_block)
    easy_of, hard_of = _getter(easy_idx), _getter(hard_idx)
    easy_max = sum(tasks[i].max for i in easy_idx) or 1
    hard_max = sum(tasks[i].max for i in hard_idx) or 1
    for p in papers:
        s = schools.get(p.school) or schools.setdefault(p.school, _School(p.school))
        total = sum(p.scores)
        s.totals.append(total)
        s.hard.append(sum(hard_of(p.scores)) / hard_max)
        s.easy.append(sum(easy_of(p.scores)) / easy_max)
        if p.journal is not None:
            s.journal.append((table[total], p.journal))
    campaign = _campaign(schools.values(), table)
    boundaries = tuple(m for _, m in grades.thresholds if m >= 1)
    results = [_screen_school(s, campaign, table, boundaries, bool(easy_idx), rules) for s in schools.values()]
    results.sort(key=lambda r: (r.risk is None, -(r.risk or 0.0), r.school))
    all_totals = [t for s in schools.values() for t in s.totals]
    all_journal = [j for s in schools.values() for j in s.journal]
    labels = tuple(t.label for t in tasks)
    return Screening(
        schools=tuple(results), participants=len(all_totals),
        mean_total=stats.mean(all_totals), grade_shares=_grade_shares(campaign.grades, campaign.n),
        journal=_journal_shares(all_journal), threshold_peak=_peak_share(Counter(all_totals), boundaries),
        easy_tasks=tuple(labels[i] for i in easy_idx), hard_tasks=tuple(labels[i] for i in hard_idx),
        rules=rules, notes=_campaign_notes(len(schools), len(all_totals), len(all_journal), bool(easy_idx), rules))


def _getter(indices: Sequence[int]):
    if not indices:
        return lambda scores: ()
    if len(indices) == 1:
        index = indices[0]
        return lambda scores: (scores[index],)
    return itemgetter(*indices)


def _blocks(tasks: Sequence[TaskSpec], sums: Sequence[int], n: int, block: float) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The campaign's easiest and hardest tasks (by share of the max score earned), ``block``
    of the tasks each; none when there are fewer than 3 tasks or no papers."""
    if len(tasks) < 3 or n == 0:
        return (), ()
    size = max(1, int(len(tasks) * block + 1e-9))
    success = sorted(range(len(tasks)), key=lambda i: (-sums[i] / (n * tasks[i].max), i))
    return tuple(sorted(success[:size])), tuple(sorted(success[-size:]))


def _campaign(schools: Iterable[_School], table: Sequence[int]) -> _Campaign:
    grades: Counter = Counter()
    at_total: Counter = Counter()
    hard_at: defaultdict = defaultdict(float)
    easy_at: defaultdict = defaultdict(float)
    journal_n = raised = n = 0
    for s in schools:
        n += len(s.totals)
        grades.update(table[t] for t in s.totals)
        at_total.update(s.totals)
        for t, h, e in zip(s.totals, s.hard, s.easy):
            hard_at[t] += h
            easy_at[t] += e
        journal_n += len(s.journal)
        raised += sum(1 for vpr, journal in s.journal if vpr > journal)
    return _Campaign(n, grades, journal_n, raised, at_total, hard_at, easy_at)


def _grade_shares(counts: Mapping[int, int], n: int) -> dict[str, float]:
    return {str(g): counts.get(g, 0) / n for g in GRADES} if n else {}


def _journal_shares(pairs: Sequence[tuple[int, int]]) -> JournalShares:
    n = len(pairs)
    if not n:
        return JournalShares(0, None, None, None, None)
    lowered = sum(1 for v, j in pairs if v < j)
    raised = sum(1 for v, j in pairs if v > j)
    gap2 = sum(1 for v, j in pairs if abs(v - j) >= 2)
    return JournalShares(n, lowered / n, (n - lowered - raised) / n, raised / n, gap2 / n)


def _peak_share(at_total: Mapping[int, int], boundaries: Sequence[int]) -> float | None:
    on = sum(at_total.get(m, 0) for m in boundaries)
    below = sum(at_total.get(m - 1, 0) for m in boundaries)
    return on / (on + below) if on + below else None


def _campaign_notes(schools: int, participants: int, journal: int, profile: bool, rules: ScreeningRules) -> tuple[str, ...]:
    if participants == 0:
        return ("в кампании нет работ с первичными баллами (все участники отсутствовали или баллы не загружены): "
                "скринингу не на чем работать",)
    notes = []
    if schools == 1:
        notes.append("в кампании одна школа: сравнивать не с чем, ни один показатель не рассчитан")
    elif participants < 2 * rules.min_rest:
        notes.append(f"в кампании всего {participants} участников: показатели сравнивают школу с остальными, "
                     f"и при менее чем {rules.min_rest} участниках в остальных школах не рассчитываются")
    if journal == 0:
        notes.append("отметки по журналу не загружены: сравнение с журналом не рассчитано")
    if not profile:
        notes.append("в шаблоне меньше 3 заданий: профиль заданий не рассчитан")
    return tuple(notes)


def _screen_school(s: _School, c: _Campaign, table: Sequence[int], boundaries: Sequence[int], profile: bool,
                   rules: ScreeningRules) -> SchoolScreen:
    n = len(s.totals)
    rest = c.n - n
    reasons: list[str] = []
    explanations: list[str] = []
    notes: list[str] = []
    pvalues: dict[str, float] = {}
    prof: _Profile | None = None
    counts = Counter(table[t] for t in s.totals)
    journal = _journal_shares(s.journal)
    at_total = Counter(s.totals)

    def insufficient(indicator: str, why: str) -> None:
        notes.append(f"недостаточно данных ({INDICATOR_RU[indicator]}): {why}")

    comparable = rest >= rules.min_rest
    if not comparable:
        why = ("в кампании нет других школ" if rest == 0 else
               f"в остальных школах {rest} участников, нужно не меньше {rules.min_rest}")
        for indicator in INDICATORS:
            insufficient(indicator, why)
    else:
        # -- high grades
        if n < rules.min_participants_grades:
            insufficient(HIGH_GRADES, f"{n} участников, нужно не меньше {rules.min_participants_grades}")
        else:
            p, line = _high_grades(counts, n, c, rules)
            pvalues[HIGH_GRADES] = p
            if line:
                reasons.append(HIGH_GRADES)
                explanations.append(line)
        # -- journal
        if journal.n < rules.min_journal:
            insufficient(RAISED_VS_JOURNAL, f"отметки по журналу у {journal.n} участников, "
                                            f"нужно не меньше {rules.min_journal}")
        elif c.journal_n - journal.n < rules.min_rest:
            insufficient(RAISED_VS_JOURNAL, f"в остальных школах отметки по журналу у {c.journal_n - journal.n} "
                                            f"участников, нужно не меньше {rules.min_rest}")
        else:
            p, line = _raised(s, journal, c, rules)
            pvalues[RAISED_VS_JOURNAL] = p
            if line:
                reasons.append(RAISED_VS_JOURNAL)
                explanations.append(line)
        # -- threshold peak
        peak = _peak(at_total, c, boundaries)
        if n < rules.min_participants_peak:
            insufficient(THRESHOLD_PEAK, f"{n} участников, нужно не меньше {rules.min_participants_peak}")
        elif peak is None or peak.pairs < rules.min_pairs_peak:
            insufficient(THRESHOLD_PEAK, f"на минимумах отметок и на балл ниже {peak.pairs if peak else 0} работ, "
                                         f"нужно не меньше {rules.min_pairs_peak}")
        else:
            pvalues[THRESHOLD_PEAK] = peak.pvalue
            if peak.pvalue < rules.alpha and peak.share - peak.expected >= rules.min_excess_peak:
                reasons.append(THRESHOLD_PEAK)
                explanations.append(peak.explain())
        # -- task profile
        prof = _profile(s, c) if profile else None
        if not profile:
            insufficient(TASK_PROFILE, "в шаблоне меньше 3 заданий")
        elif n < rules.min_participants_profile:
            insufficient(TASK_PROFILE, f"{n} участников, нужно не меньше {rules.min_participants_profile}")
        else:
            if prof is None:
                insufficient(TASK_PROFILE, "не с кем сравнить участников по их первичному баллу")
            else:
                pvalues[TASK_PROFILE] = prof.pvalue
                if prof.pvalue < rules.alpha and prof.value >= rules.min_profile:
                    reasons.append(TASK_PROFILE)
                    explanations.append(prof.explain())
    prof_value = prof.value if comparable and prof is not None else None
    peak_share = _peak_share(at_total, boundaries)
    combined = fisher_combined(pvalues.values())
    return SchoolScreen(
        school=s.code, participants=n, mean_total=stats.mean(s.totals), grade_shares=_grade_shares(counts, n),
        journal=journal, threshold_peak=peak_share, task_profile=prof_value,
        risk=risk_of(combined), reasons=tuple(reasons),
        explanations=tuple(explanations), notes=tuple(notes), p_values=pvalues)


def _pct(share: float) -> str:
    return f"{round(100 * share)} %"


def _high_grades(counts: Counter, n: int, c: _Campaign, rules: ScreeningRules) -> tuple[float, str]:
    """Bonferroni over «5» and «4»+«5»: p = 2·min(p5, p45). A line when a share's p and excess pass."""
    rest = c.n - n
    best_p, line = 1.0, ""
    for label, members in (("«5»", (5,)), ("«4» и «5»", (4, 5))):
        k = sum(counts.get(g, 0) for g in members)
        total = sum(c.grades.get(g, 0) for g in members)
        p = min(1.0, 2 * hypergeom_sf(k, c.n, total, n))
        excess = k / n - (total - k) / rest
        best_p = min(best_p, p)
        if not line and p < rules.alpha and excess >= rules.min_excess_grades:
            line = (f"доля {label} — {_pct(k / n)} ({k} из {n}) против {_pct((total - k) / rest)} "
                    f"в остальных школах кампании")
    return best_p, line


def _raised(s: _School, journal: JournalShares, c: _Campaign, rules: ScreeningRules) -> tuple[float, str]:
    k = sum(1 for vpr, j in s.journal if vpr > j)
    n = journal.n
    rest_n, rest_k = c.journal_n - n, c.raised - k
    p = hypergeom_sf(k, c.journal_n, c.raised, n)
    if p < rules.alpha and k / n - rest_k / rest_n >= rules.min_excess_journal:
        gap2 = round((journal.gap2 or 0) * n)
        return p, (f"отметка ВПР выше отметки по журналу у {_pct(k / n)} участников ({k} из {n}) против "
                   f"{_pct(rest_k / rest_n)} в остальных школах; расходятся на 2 и более балла — {gap2}")
    return p, ""


@dataclass(frozen=True)
class _Peak:
    pvalue: float
    share: float  # school: on the minimum / (on it + one below), pooled over the boundaries
    expected: float  # the same pooled share expected from the rest of the campaign
    pairs: int
    worst: tuple[int, int, int, int]  # (grade, minimum, on it, one below) of the largest excess

    def explain(self) -> str:
        grade, minimum, on, below = self.worst
        return (f"пик на границе отметки {grade}: {on} {_works(on)} ровно на минимуме ({minimum} {_points(minimum)}) "
                f"против {below} на балл ниже")


def _peak(at_total: Counter, c: _Campaign, boundaries: Sequence[int]) -> _Peak | None:
    """Exact conditional test pooled over the boundaries (strata): the school's count on the
    minimums against the convolution of the strata's hypergeometric laws."""
    dist = [1.0]
    on_total = pairs = 0
    expected = 0.0
    worst, worst_excess = None, -math.inf
    for grade, minimum in zip((3, 4, 5)[-len(boundaries):], boundaries):
        on, below = at_total.get(minimum, 0), at_total.get(minimum - 1, 0)
        pop_on, pop_below = c.at_total.get(minimum, 0), c.at_total.get(minimum - 1, 0)
        rest_pairs = pop_on + pop_below - on - below
        if on + below == 0 or rest_pairs == 0:
            continue
        rest_ratio = (pop_on - on) / rest_pairs
        dist = convolve(dist, hypergeom_pmf(pop_on + pop_below, pop_on, on + below))
        on_total += on
        pairs += on + below
        expected += (on + below) * rest_ratio
        excess = on - (on + below) * rest_ratio
        if excess > worst_excess:
            worst, worst_excess = (grade, minimum, on, below), excess
    if not pairs or worst is None:
        return None
    return _Peak(min(1.0, math.fsum(dist[on_total:])), on_total / pairs, expected / pairs, pairs, worst)


@dataclass(frozen=True)
class _Profile:
    value: float  # mean (hard − easy) residual, in shares of the blocks' max scores
    hard: float
    easy: float
    pvalue: float
    n: int

    def explain(self) -> str:
        return (f"трудные задания кампании выполнены на {round(100 * self.hard)} п.п. "
                f"{'лучше' if self.hard >= 0 else 'хуже'}, а лёгкие — на {round(100 * abs(self.easy))} п.п. "
                f"{'хуже' if self.easy <= 0 else 'лучше'}, чем у участников кампании с теми же первичными баллами "
                f"(разница {round(100 * self.value)} п.п., {self.n} участников)")


def _profile(s: _School, c: _Campaign) -> _Profile | None:
    """Residuals against the rest of the campaign's pupils with the same total; one-sided t-test."""
    own_n: Counter = Counter(s.totals)
    own_h: defaultdict = defaultdict(float)
    own_e: defaultdict = defaultdict(float)
    for t, h, e in zip(s.totals, s.hard, s.easy):
        own_h[t] += h
        own_e[t] += e
    hard_res: list[float] = []
    easy_res: list[float] = []
    for t, h, e in zip(s.totals, s.hard, s.easy):
        others = c.at_total[t] - own_n[t]
        if others <= 0:
            continue
        hard_res.append(h - (c.hard_at[t] - own_h[t]) / others)
        easy_res.append(e - (c.easy_at[t] - own_e[t]) / others)
    n = len(hard_res)
    if n < 2:
        return None
    diffs = [h - e for h, e in zip(hard_res, easy_res)]
    mean = math.fsum(diffs) / n
    var = math.fsum((d - mean) ** 2 for d in diffs) / (n - 1)
    if var <= 1e-18:
        p = 0.0 if mean > 1e-12 else 1.0
    else:
        p = stats.t_sf(mean / math.sqrt(var / n), n - 1)
    return _Profile(mean, math.fsum(hard_res) / n, math.fsum(easy_res) / n, p, n)


def _works(n: int) -> str:
    return _plural(n, "работа", "работы", "работ")


def _points(n: int) -> str:
    return _plural(n, "балл", "балла", "баллов")




__all__ = ["DISCLAIMER", "HIGH_GRADES", "INDICATORS", "RAISED_VS_JOURNAL", "THRESHOLD_PEAK",
           "TASK_PROFILE", "JournalShares", "SchoolScreen", "ScreenPaper", "Screening", "ScreeningRules",
           "fisher_combined", "hypergeom_pmf", "hypergeom_sf", "screen"]
