"""Know your experts: how each re-marker's rechecks compare with the final marks and with
their double-marking partner (issue 18; definitions and thresholds in docs/experts.md).

Pure logic: the service (``services/reports/experts.py``) hands over one :class:`Recheck`
per submitted recheck; everything here is counted per expert with numpy (a regional
campaign has 100,000 rechecks × 15 tasks), and every figure carries its n and, where it is
a mean or a share, its 95 % confidence interval:

- ``delta``: recheck total − final total over the expert's papers that are final (negative =
  stricter than the final marks), with a Student t interval;
- ``overturned``: papers that went to a third check and whose final marks differ from the
  expert's recheck, with a Wilson interval for the share;
- ``tasks``: per task the mean recheck − final score, an exact sign test, Holm-corrected
  across the template's tasks;
- ``agreement`` (double marking only): per task exact and adjacent (±1) agreement with the
  partner (Wilson intervals), and the quadratic weighted kappa over every task score of the
  shared papers;
- ``median_seconds``: from the first opening of the paper to its submission.

Below :attr:`Thresholds.min_papers` papers nothing is judged («мало данных»).
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .stats import binom_cdf, t_ppf

BIAS = "bias"  # the signed difference from the final marks is significant and large
LOW_AGREEMENT = "low_agreement"  # kappa with double-marking partners is low

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a figure is judged at all, and when it raises an alert (docs/experts.md)."""

    min_papers: int = 10  # final papers before the difference and the per-task bias are judged
    min_pairs: int = 10  # shared papers before the agreement with partners is judged
    bias_points: float = 1.0  # |mean difference of totals| that matters, in points
    kappa_low: float = 0.6  # quadratic weighted kappa below this is «низкая согласованность»
    alpha: float = 0.05  # for the CI (95 %) and the Holm-corrected per-task tests
    papers_listed: int = 20  # papers named behind an alert

    def as_dict(self) -> dict[str, float]:
        return {"min_papers": self.min_papers, "min_pairs": self.min_pairs, "bias_points": self.bias_points,
                "kappa_low": self.kappa_low, "alpha": self.alpha}


class Recheck(NamedTuple):
    """One submitted recheck as the statistics need it (score sets in task order: tuples, or
    ``bytes`` of one score each as the service reads them).

    ``final``: the paper's final scores (None while the paper is not done); ``reviewed``: the
    final marks are a reviewer's (the paper went to a third check); ``seconds``: opening to
    submission, None when the opening is not known; ``partner``: the other expert's submitted
    recheck of the same paper in double marking."""

    expert: str
    cipher: str
    scores: tuple[int, ...]
    final: tuple[int, ...] | None = None
    reviewed: bool = False
    seconds: float | None = None
    partner: tuple[int, ...] | None = None


class Interval(NamedTuple):
    """A mean or share with its 95 % interval (None bounds when it cannot be computed) and n."""

    value: float | None
    low: float | None
    high: float | None
    n: int


class TaskBias(NamedTuple):
    label: str
    n: int
    mean: float | None  # mean recheck − final score on this task
    p: float | None  # exact two-sided sign test
    p_holm: float | None  # Holm-adjusted across the tasks of the template
    significant: bool


class TaskAgreement(NamedTuple):
    label: str
    exact: Interval
    adjacent: Interval


@dataclass(frozen=True)
class Agreement:
    papers: int  # shared papers with a partner
    kappa: float | None  # quadratic weighted kappa over every task score of those papers
    tasks: tuple[TaskAgreement, ...]
    enough: bool


@dataclass(frozen=True)
class Alert:
    kind: str  # BIAS or LOW_AGREEMENT
    text: str  # Russian, respectful
    ciphers: tuple[str, ...]  # the papers behind it, the most telling first


@dataclass(frozen=True)
class ExpertStats:
    login: str
    full_name: str
    rechecks: int  # submitted rechecks
    delta: Interval  # recheck total − final total; n = papers that are final
    overturned: int
    overturned_share: Interval  # overturned / final papers
    reviewed: int  # final papers that went to a third check
    median_seconds: float | None
    timed: int  # papers whose time is known
    tasks: tuple[TaskBias, ...]
    agreement: Agreement | None  # None without double marking
    alerts: tuple[Alert, ...] = field(default=())
    enough: bool = False  # enough final papers to judge the difference

    @property
    def finished(self) -> int:
        return self.delta.n

    @property
    def direction(self) -> str | None:
        """«строже»/«мягче» (of the final marks) when the interval excludes 0, else None."""
        d = self.delta
        if not self.enough or d.low is None or (d.low <= 0 <= d.high):
            return None
        return "строже итоговых баллов" if d.value < 0 else "мягче итоговых баллов"


# --- small statistics ------------------------------------------------------------------


@lru_cache(maxsize=4096)
def sign_p(positive: int, negative: int) -> float:
    """Exact two-sided sign test (zeros already dropped)."""
    n = positive + negative
    if n == 0:
        return 1.0
    return min(1.0, 2.0 * binom_cdf(min(positive, negative), n))


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values (None stays None and is not counted)."""
    present = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    m = len(present)
    out: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def wilson(k: int, n: int) -> Interval:
    """A share k/n with its Wilson 95 % interval (good at small n and at 0 or 1)."""
    if n == 0:
        return Interval(None, None, None, 0)
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), n)


@lru_cache(maxsize=2048)
def _t975(df: int) -> float:
    return t_ppf(0.975, df)


def t_interval(total: float, squares: float, n: int) -> Interval:
    """Mean ± t(0.975, n−1)·s/√n from a sum and a sum of squares."""
    if n == 0:
        return Interval(None, None, None, 0)
    m = total / n
    if n < 2:
        return Interval(m, None, None, n)
    var = max(0.0, (squares - n * m * m) / (n - 1))
    half = _t975(n - 1) * math.sqrt(var / n)
    return Interval(m, m - half, m + half, n)


def qwk_from_sums(sa: float, sa2: float, sb: float, sb2: float, sd2: float, n: int) -> float | None:
    """Quadratic weighted kappa from sums over n rating pairs (a, b):
    κ = 1 − Σ(a−b)² / (Σa² + Σb² − 2·Σa·Σb/n) — the confusion-table formula with the
    expected table from the marginals, written with sums (docs/experts.md)."""
    if n == 0:
        return None
    expected = sa2 + sb2 - 2.0 * sa * sb / n
    if expected <= 0:
        return None
    return 1.0 - sd2 / expected


# --- the whole table ---------------------------------------------------------------------


def expert_statistics(experts: Sequence[tuple[str, str]], labels: Sequence[str], rechecks: Sequence[Recheck],
                      thresholds: Thresholds = Thresholds(), double: bool = False) -> list[ExpertStats]:
    """One :class:`ExpertStats` per expert of ``experts`` ((login, full name), in that order)
    plus any expert found only in ``rechecks``. ``double``: the campaign has two rechecks a paper."""
    th = thresholds
    names = dict(experts)
    for r in rechecks:
        names.setdefault(r.expert, r.expert)
    logins = list(names)
    index = {login: i for i, login in enumerate(logins)}
    E, T = len(logins), len(labels)
    N = len(rechecks)
    e = np.fromiter((index[r.expert] for r in rechecks), dtype=np.int64, count=N)
    submitted = np.bincount(e, minlength=E)

    # -- against the final marks
    fin = [i for i, r in enumerate(rechecks) if r.final is not None]
    ef = e[fin]
    R = _matrix([rechecks[i].scores for i in fin], T)
    F = _matrix([rechecks[i].final for i in fin], T)
    D = R - F
    d = D.sum(axis=1).astype(float)
    n_fin = np.bincount(ef, minlength=E)
    s_d = np.bincount(ef, weights=d, minlength=E)
    s_d2 = np.bincount(ef, weights=d * d, minlength=E)
    reviewed_row = np.fromiter((rechecks[i].reviewed for i in fin), dtype=bool, count=len(fin))
    changed_row = reviewed_row & (D != 0).any(axis=1)
    n_reviewed = np.bincount(ef, weights=reviewed_row, minlength=E).astype(int)
    n_over = np.bincount(ef, weights=changed_row, minlength=E).astype(int)
    task_sum = np.stack([np.bincount(ef, weights=D[:, t], minlength=E) for t in range(T)], axis=1) \
        if T else np.zeros((E, 0))
    task_pos = np.stack([np.bincount(ef, weights=D[:, t] > 0, minlength=E) for t in range(T)], axis=1) \
        if T else np.zeros((E, 0))
    task_neg = np.stack([np.bincount(ef, weights=D[:, t] < 0, minlength=E) for t in range(T)], axis=1) \
        if T else np.zeros((E, 0))
    by_expert_fin: list[list[int]] = [[] for _ in range(E)]  # rows of ``fin`` per expert
    for row, k in enumerate(ef.tolist()):
        by_expert_fin[k].append(row)

    # -- time per paper
    timed = [(index[r.expert], r.seconds) for r in rechecks if r.seconds is not None]
    seconds_by: list[list[float]] = [[] for _ in range(E)]
    for k, s in timed:
        seconds_by[k].append(s)

    # -- agreement with the partner (double marking)
    pair_rows = [i for i, r in enumerate(rechecks) if r.partner is not None] if double else []
    ep = e[pair_rows]
    A = _matrix([rechecks[i].scores for i in pair_rows], T)
    B = _matrix([rechecks[i].partner for i in pair_rows], T)
    diff = np.abs(A - B)
    n_pairs = np.bincount(ep, minlength=E)
    exact = np.stack([np.bincount(ep, weights=diff[:, t] == 0, minlength=E) for t in range(T)], axis=1) \
        if T else np.zeros((E, 0))
    adjacent = np.stack([np.bincount(ep, weights=diff[:, t] <= 1, minlength=E) for t in range(T)], axis=1) \
        if T else np.zeros((E, 0))
    sums = {name: np.bincount(ep, weights=values, minlength=E) for name, values in (
        ("sa", A.sum(axis=1)), ("sa2", (A * A).sum(axis=1)), ("sb", B.sum(axis=1)),
        ("sb2", (B * B).sum(axis=1)), ("sd2", (diff * diff).sum(axis=1)))}
    pairs_by: list[list[int]] = [[] for _ in range(E)]
    for row, k in enumerate(ep.tolist()):
        pairs_by[k].append(row)

    # per-task agreement intervals for every expert at once (Wilson, vectorised), as plain lists
    m_all = n_pairs.astype(float)
    exact_iv = _wilson_rows(exact, m_all)
    adjacent_iv = _wilson_rows(adjacent, m_all)
    task_sum_l, task_pos_l, task_neg_l = task_sum.tolist(), task_pos.tolist(), task_neg.tolist()
    none_row = [None] * T

    out = []
    for k, login in enumerate(logins):
        n = int(n_fin[k])
        delta = t_interval(float(s_d[k]), float(s_d2[k]), n)
        enough = n >= th.min_papers
        raw = [sign_p(int(p), int(q)) for p, q in zip(task_pos_l[k], task_neg_l[k])] if enough else none_row
        adjusted = holm(raw) if enough else none_row
        means = [v / n for v in task_sum_l[k]] if n else none_row
        tasks = tuple(_tuple(TaskBias, (labels[t], n, means[t], raw[t], adjusted[t],
                                        adjusted[t] is not None and adjusted[t] < th.alpha)) for t in range(T))
        agreement = None
        if double:
            m = int(n_pairs[k])
            kappa = qwk_from_sums(sums["sa"][k], sums["sa2"][k], sums["sb"][k], sums["sb2"][k], sums["sd2"][k],
                                  m * T)
            agreement = Agreement(m, kappa, tuple(
                _tuple(TaskAgreement, (labels[t], _tuple(Interval, (*exact_iv[k][t], m)),
                                       _tuple(Interval, (*adjacent_iv[k][t], m))))
                for t in range(T)), m >= th.min_pairs)
        secs = seconds_by[k]
        stats = ExpertStats(
            login=login, full_name=names[login], rechecks=int(submitted[k]), delta=delta,
            overturned=int(n_over[k]), overturned_share=wilson(int(n_over[k]), n), reviewed=int(n_reviewed[k]),
            median_seconds=float(statistics.median(secs)) if secs else None, timed=len(secs), tasks=tasks,
            agreement=agreement, enough=enough)
        alerts = []
        if _biased(delta, enough, th):
            rows = by_expert_fin[k]
            sign = -1 if delta.value < 0 else 1
            behind = sorted((r for r in rows if d[r] * sign > 0), key=lambda r: -abs(d[r]))
            alerts.append(Alert(BIAS, f"Расхождение с итоговыми баллами: {_points(delta.value)} в среднем "
                                      f"({stats.direction}); работ с итоговыми баллами: {n}", _ciphers(rechecks, fin, behind, th)))
        if agreement is not None and agreement.enough and agreement.kappa is not None \
                and agreement.kappa < th.kappa_low:
            rows = pairs_by[k]
            spread = diff.sum(axis=1)
            behind = sorted((r for r in rows if diff[r].max(initial=0) > 1), key=lambda r: -int(spread[r]))
            alerts.append(Alert(LOW_AGREEMENT, f"Низкая согласованность со вторым экспертом: каппа "
                                               f"{_decimal(agreement.kappa)}; общих работ: {agreement.papers}",
                                _ciphers(rechecks, pair_rows, behind, th)))
        out.append(_with_alerts(stats, tuple(alerts)))
    return out


def _tuple(cls, values):
    """A NamedTuple built at C speed (tuple.__new__), for the ~10⁵ small rows of a region."""
    return tuple.__new__(cls, values)


def _wilson_rows(k: np.ndarray, n: np.ndarray) -> list[list[tuple]]:
    """Wilson 95 % intervals for a matrix of counts k (experts × tasks) out of n (per expert):
    [[(share, low, high), ...] per expert]; (None, None, None) where n = 0. Same formula as :func:`wilson`."""
    if k.size == 0:
        return [[] for _ in range(k.shape[0])]
    nn = np.where(n > 0, n, 1.0)[:, None]
    p = k / nn
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
    half = Z95 * np.sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn)
    low, high = np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)
    rows = []
    for i, (pr, lr, hr) in enumerate(zip(p.tolist(), low.tolist(), high.tolist())):
        rows.append(list(zip(pr, lr, hr)) if n[i] > 0 else [(None, None, None)] * k.shape[1])
    return rows


def _matrix(rows: Sequence[Sequence[int]], width: int) -> np.ndarray:
    """Score sets → an int64 matrix (n × tasks). Sets given as ``bytes`` (one score a byte, as the
    service unpacks them) are joined and read at C speed; anything else goes through numpy."""
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    if isinstance(rows[0], bytes):
        try:
            return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), width).astype(np.int64)
        except (TypeError, ValueError):
            pass
    return np.array([tuple(r) for r in rows], dtype=np.int64).reshape(len(rows), width)


def _biased(delta: Interval, enough: bool, th: Thresholds) -> bool:
    return (enough and delta.low is not None and not (delta.low <= 0 <= delta.high)
            and abs(delta.value) >= th.bias_points)


def _ciphers(rechecks: Sequence[Recheck], rows_of: Sequence[int], rows: Sequence[int], th: Thresholds) -> tuple:
    return tuple(rechecks[rows_of[r]].cipher for r in rows[:th.papers_listed])


def _with_alerts(stats: ExpertStats, alerts: tuple[Alert, ...]) -> ExpertStats:
    object.__setattr__(stats, "alerts", alerts)
    return stats


def _decimal(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _points(value: float) -> str:
    return ("+" if value > 0 else "") + _decimal(value) + " балла"

