"""Statistics for discrepancy analytics, standard library only.

The app must not pull NumPy/SciPy into the web process just to print a report,
so the few distributions we need are implemented here and checked against SciPy
in the tests: Student's t (CDF and quantile, via the regularised incomplete beta
function), the exact binomial sign test, the Wilcoxon signed-rank test, and
agreement measures (exact/adjacent agreement, quadratic weighted kappa).

Every function takes plain sequences of numbers and returns None (never NaN)
when the statistic is undefined, so the result can go straight into JSON.
"""
from __future__ import annotations

import functools
import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import NamedTuple

_NORMAL = statistics.NormalDist()
_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 100_000


# --- descriptive -------------------------------------------------------------
#
# Discrepancies are small integers with heavy ties, so each group is summarised
# once as a frequency table {value: count}; every statistic below has a
# ``*_freq`` form that works from it (no re-scans of the papers), and a plain
# form taking a sequence, which builds the table and delegates.

Frequencies = Mapping[float, int]


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean, None for no values."""
    return math.fsum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    """Median, None for no values."""
    return median_freq(Counter(values))


def median_freq(freq: Frequencies) -> float | None:
    """Median of a frequency table: the middle value(s) found by walking cumulative counts."""
    n = sum(freq.values())
    if n == 0:
        return None
    lower, upper = (n - 1) // 2, n // 2
    seen, low_value = 0, None
    for value in sorted(v for v, c in freq.items() if c):
        seen += freq[value]
        if low_value is None and seen > lower:
            low_value = value
        if seen > upper:
            return (low_value + value) / 2  # type: ignore[operator]
    raise AssertionError("unreachable: counts are positive")


def share(count: int, total: int) -> float | None:
    """count/total, None when total is 0 (a share of nothing is undefined, not 0)."""
    return count / total if total else None


class MeanCI(NamedTuple):
    """A mean with its two-sided t confidence interval (low/high None when n < 2)."""

    mean: float | None
    low: float | None
    high: float | None
    n: int


def mean_ci(values: Sequence[float], level: float = 0.95) -> MeanCI:
    """Mean ± t(1-α/2, n-1)·s/√n: the usual small-sample interval for a mean difference."""
    return mean_ci_freq(Counter(values), level)


def mean_ci_freq(freq: Frequencies, level: float = 0.95) -> MeanCI:
    """:func:`mean_ci` from a frequency table (two-pass, fsum: exact enough for marks)."""
    n = sum(freq.values())
    if n == 0:
        return MeanCI(None, None, None, 0)
    m = math.fsum(v * c for v, c in freq.items()) / n
    if n < 2:
        return MeanCI(m, None, None, n)
    sd = math.sqrt(math.fsum(c * (v - m) ** 2 for v, c in freq.items()) / (n - 1))
    half = t_ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return MeanCI(m, m - half, m + half, n)


# --- incomplete beta and Student's t -----------------------------------------


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes 6.4)."""
    return _betainc(a, b, x, 1.0 - x)


def _betainc(a: float, b: float, x: float, y: float) -> float:
    """I_x(a, b) with y = 1 - x passed in, so callers keep precision near x = 1."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_x = math.log(x) if x < 0.5 else math.log1p(-y)  # y is exact; 1 - x is not
    log_y = math.log(y) if y < 0.5 else math.log1p(-x)
    log_front = _log_inverse_beta(a, b) + a * log_x + b * log_y
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, y) / b


def _log_inverse_beta(a: float, b: float) -> float:
    """log(Γ(a+b) / (Γ(a)·Γ(b))), keeping precision when one argument is huge.

    Subtracting two lgamma values near 10⁷ loses ~8 digits (t with large df), so
    for a large argument lgamma(big + small) - lgamma(big) comes from Stirling's
    series written with log1p, where nothing large cancels.
    """
    big, small = max(a, b), min(a, b)
    if big < 1000.0:
        return math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    ratio = (big - 0.5) * math.log1p(small / big) + small * math.log(big + small) - small
    return ratio + _stirling_tail(big + small) - _stirling_tail(big) - math.lgamma(small)


def _stirling_tail(x: float) -> float:
    """lgamma(x) - [(x - ½)·log x - x + ½·log 2π] for x ≥ 1000 (error < 1e-20)."""
    inv = 1.0 / x
    inv2 = inv * inv
    return inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260))


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Modified Lentz evaluation of the incomplete beta continued fraction."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_ITER):
        for aa in (
            m * (b - m) * x / ((a - 1.0 + 2 * m) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1.0 + 2 * m)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            return h
    raise ArithmeticError("incomplete beta: continued fraction did not converge")


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with df degrees of freedom."""
    tt = t * t
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + tt), tt / (df + tt))
    return tail if t >= 0 else 1.0 - tail


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t."""
    return t_sf(-t, df)


def t_pdf(t: float, df: float) -> float:
    """Density of Student's t."""
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


@functools.lru_cache(maxsize=4096)
def t_ppf(p: float, df: float) -> float:
    """Quantile of Student's t: Newton's method on the upper tail, guarded by a bracket.

    Starting at the normal quantile works because t's tails are heavier: the start
    is below the root and the tail is convex there, so Newton climbs monotonically.
    """
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError("t_ppf needs 0 < p < 1 and df > 0")
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    return _solve_upper_tail(1.0 - p, df, _NORMAL.inv_cdf(p))


def _solve_upper_tail(q: float, df: float, t: float) -> float:
    low, high = 0.0, math.inf
    for _ in range(200):
        excess = t_sf(t, df) - q  # positive: t is still too small
        if excess > 0:
            low = t
        else:
            high = t
        step = t + excess / t_pdf(t, df)
        if not low < step < high:
            step = 2 * t if high == math.inf else (low + high) / 2
        if abs(step - t) <= 1e-13 * max(1.0, abs(t)):
            return step
        t = step
    return t


# --- paired tests of systematic bias -----------------------------------------


class TestResult(NamedTuple):
    """A test statistic, its two-sided p-value, the n it used and how p was computed."""

    statistic: float
    pvalue: float
    n: int
    method: str


def binom_cdf(k: int, n: int, p: float = 0.5) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p): I_{1-p}(n-k, k+1)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p == 0.5 and n <= 1000:  # exact integers, one rounding at the end
        term = total = 1
        for i in range(k):
            term = term * (n - i) // (i + 1)  # C(n, i+1), exact
            total += term
        return total / 2**n
    return _betainc(n - k, k + 1, 1.0 - p, p)


def sign_test(diffs: Sequence[float]) -> TestResult | None:
    """Exact two-sided sign test: are positive and negative differences equally likely?

    Zeros are dropped. p = min(1, 2·P(X ≤ min(pos, neg))), equal to
    ``scipy.stats.binomtest(k, n).pvalue`` because Binomial(n, 1/2) is symmetric.
    None for no differences; p = 1 when all are zero.
    """
    return sign_test_freq(Counter(diffs))


def sign_test_freq(freq: Frequencies) -> TestResult | None:
    """:func:`sign_test` from a frequency table."""
    positive = sum(c for v, c in freq.items() if v > 0)
    negative = sum(c for v, c in freq.items() if v < 0)
    n = positive + negative
    if n == 0:
        return TestResult(0.0, 1.0, 0, "exact") if sum(freq.values()) else None
    k = min(positive, negative)
    return TestResult(float(positive), min(1.0, 2.0 * binom_cdf(k, n)), n, "exact")


def wilcoxon(diffs: Sequence[float], method: str = "auto") -> TestResult | None:
    """Wilcoxon signed-rank test of paired differences, two-sided.

    Mirrors ``scipy.stats.wilcoxon(d)`` defaults (SciPy ≥ 1.15): zeros dropped
    (``zero_method="wilcox"``), no continuity correction, ``method="auto"``:
    exact null distribution when n ≤ 50 with no zeros and no ties; the exact
    *conditional* distribution of the tied ranks when there are ties or zeros and
    len(diffs) ≤ 13 (SciPy's exhaustive permutation test gives the same p);
    otherwise the normal approximation with tie correction. The statistic is
    min(R+, R-). With no non-zero difference at all, p = 1 (no evidence of bias)
    where SciPy says NaN. ``method`` may force "exact" (conditional) or "approx".
    """
    return wilcoxon_freq(Counter(diffs), method)


def wilcoxon_freq(freq: Frequencies, method: str = "auto") -> TestResult | None:
    """:func:`wilcoxon` from a frequency table of the differences."""
    size = sum(freq.values())
    if size == 0:
        return None
    magnitudes: Counter[float] = Counter()
    for value, count in freq.items():
        if value:
            magnitudes[abs(value)] += count
    n = sum(magnitudes.values())
    if n == 0:
        return TestResult(0.0, 1.0, 0, "exact")
    rank2, ties = _doubled_ranks(magnitudes)
    r_plus2 = sum(c * rank2[v] for v, c in freq.items() if v > 0)
    statistic = min(r_plus2, n * (n + 1) - r_plus2) / 2
    chosen = method if method != "auto" else _auto_method(size, n, ties)
    if chosen == "exact":
        doubled = [rank2[v] for v, c in magnitudes.items() for _ in range(c)]
        return TestResult(statistic, _exact_signed_rank_p(doubled, r_plus2), n, "exact")
    if chosen != "approx":
        raise ValueError(f"unknown method {method!r}")
    return TestResult(statistic, _normal_signed_rank_p(n, r_plus2 / 2, ties), n, "approx")


def _auto_method(size: int, nonzero: int, ties: int) -> str:
    if size == nonzero and ties == 0 and size <= 50:
        return "exact"
    return "exact" if size <= 13 else "approx"


def _doubled_ranks(magnitudes: Frequencies) -> tuple[dict[float, int], int]:
    """Twice the average rank of each |difference| (an integer even with ties), and Σ(t³ - t)."""
    rank2: dict[float, int] = {}
    below = ties = 0
    for value in sorted(magnitudes):
        c = magnitudes[value]
        rank2[value] = 2 * below + c + 1
        below += c
        ties += c * c * c - c
    return rank2, ties


def _exact_signed_rank_p(doubled: list[int], r_plus2: int) -> float:
    """Two-sided p from the exact distribution of R+ over all 2ⁿ sign assignments."""
    counts = [1]
    for r in doubled:
        grown = counts + [0] * r
        for s, c in enumerate(counts):
            if c:
                grown[s + r] += c
        counts = grown
    total = 2 ** len(doubled)
    at_most = sum(counts[: r_plus2 + 1])
    at_least = sum(counts[r_plus2:])
    return min(1.0, 2 * min(at_most, at_least) / total)


def _normal_signed_rank_p(n: int, r_plus: float, ties: int) -> float:
    mu = n * (n + 1) / 4
    variance = (n * (n + 1) * (2 * n + 1) - ties / 2) / 24
    if variance <= 0:
        return 1.0
    z = (r_plus - mu) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


# --- agreement -------------------------------------------------------------------


def exact_agreement(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Share of pairs that are equal."""
    return share(sum(1 for x, y in zip(a, b) if x == y), len(a))


def adjacent_agreement(a: Sequence[int], b: Sequence[int], within: int = 1) -> float | None:
    """Share of pairs that differ by at most ``within`` (1 point for task scores)."""
    return share(sum(1 for x, y in zip(a, b) if abs(x - y) <= within), len(a))


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Cohen's kappa with quadratic weights (i - j)² on numeric categories such as grades 2–5.

    κ = 1 - Σ w·observed / Σ w·expected, expected from the two marginals. The
    scale factor 1/(k-1)² cancels, so the raw grade differences serve as weights.
    None when undefined: no pairs, or both raters used a single identical grade.
    """
    if len(a) != len(b):
        raise ValueError("paired sequences must have the same length")
    return kappa_from_confusion(Counter(zip(a, b)))


def kappa_from_confusion(confusion: Mapping[tuple[int, int], int]) -> float | None:
    """:func:`quadratic_weighted_kappa` from a confusion table {(a, b): count}."""
    n = sum(confusion.values())
    if n == 0:
        return None
    rows: Counter[int] = Counter()
    cols: Counter[int] = Counter()
    observed = 0
    for (x, y), c in confusion.items():
        rows[x] += c
        cols[y] += c
        observed += c * (x - y) ** 2
    expected = sum(rc * cc * (x - y) ** 2 for x, rc in rows.items() for y, cc in cols.items()) / n
    if expected == 0:
        return None
    return 1.0 - observed / expected
