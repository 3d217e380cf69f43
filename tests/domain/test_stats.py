"""Standard-library statistics checked against SciPy/NumPy (test-only dependencies)."""
from collections import Counter
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from scipy import stats as sp

from crosscheck.domain import stats

RNG = np.random.default_rng(20240515)


# --- Student's t and the incomplete beta --------------------------------------


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 29, 49, 100, 333, 1000, 99_999, 10**6, 10**7, 0.5, 2.5])
def test_t_quantiles_match_scipy(df):
    for p in (1e-6, 0.001, 0.025, 0.05, 0.3, 0.5, 0.6, 0.9, 0.95, 0.975, 0.99, 0.9999):
        assert stats.t_ppf(p, df) == pytest.approx(sp.t.ppf(p, df), rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.5, 5000), st.floats(1e-4, 1 - 1e-4))
def test_t_quantiles_on_random_points(df, p):
    assert stats.t_ppf(p, df) == pytest.approx(sp.t.ppf(p, df), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("df", [1, 3, 10, 100, 1e5])
def test_t_cdf_matches_scipy(df):
    for t in (-50, -5, -1, 0, 0.3, 2, 10, 100):
        assert stats.t_cdf(t, df) == pytest.approx(sp.t.cdf(t, df), rel=1e-10, abs=1e-14)
        assert stats.t_pdf(t, df) == pytest.approx(sp.t.pdf(t, df), rel=1e-10, abs=1e-300)


def test_betainc_matches_scipy():
    for a, b, x in RNG.uniform([0.1, 0.1, 0], [200, 200, 1], size=(300, 3)):
        assert stats.betainc(a, b, x) == pytest.approx(special.betainc(a, b, x), rel=1e-9, abs=1e-13)
    assert stats.betainc(2, 3, 0) == 0 and stats.betainc(2, 3, 1) == 1


def test_t_ppf_refuses_bad_arguments():
    for p, df in ((0, 3), (1, 3), (0.5, 0)):
        with pytest.raises(ValueError):
            stats.t_ppf(p, df)


# --- descriptive and the confidence interval ----------------------------------


@pytest.mark.parametrize("n", [2, 3, 10, 57, 400])
def test_mean_ci_matches_scipy(n):
    values = list(RNG.integers(-5, 4, size=n))
    if len(set(values)) == 1:
        values[0] += 1
    m, low, high, count = stats.mean_ci(values)
    ref_low, ref_high = sp.t.interval(0.95, n - 1, loc=np.mean(values), scale=sp.sem(values))
    assert count == n and m == pytest.approx(np.mean(values))
    assert (low, high) == (pytest.approx(ref_low, rel=1e-9), pytest.approx(ref_high, rel=1e-9))


def test_mean_ci_small_and_constant_samples():
    assert stats.mean_ci([]) == stats.MeanCI(None, None, None, 0)
    assert stats.mean_ci([-2]) == stats.MeanCI(-2, None, None, 1)
    assert stats.mean_ci([1, 1, 1]) == stats.MeanCI(1, 1, 1, 3)


def test_median_and_mean():
    assert stats.median([]) is None and stats.mean([]) is None
    assert stats.median([3, -1, 2]) == 2 and stats.median([4, -1, 2, 0]) == 1.0
    values = list(RNG.integers(-9, 9, size=101))
    assert stats.median(values) == np.median(values) and stats.mean(values) == pytest.approx(np.mean(values))
    assert stats.median_freq({-1: 2, 5: 2}) == 2.0
    assert stats.share(1, 0) is None and stats.share(1, 4) == 0.25


# --- paired tests --------------------------------------------------------------


def _integer_diffs(n: int) -> list[int]:
    return [int(x) for x in RNG.integers(-4, 4, size=n)]


@pytest.mark.parametrize("n", [5, 8, 14, 20, 50, 51, 120, 1000])
def test_wilcoxon_with_ties_and_zeros_matches_scipy(n):
    for _ in range(4):
        diffs = _integer_diffs(n)
        if not any(diffs):
            continue
        ours, ref = stats.wilcoxon(diffs), sp.wilcoxon(diffs)
        assert ours.statistic == pytest.approx(ref.statistic)
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)
        assert ours.method == ("exact" if n <= 13 else "approx")


@pytest.mark.parametrize("n", [1, 2, 6, 10, 25, 50, 51, 300])
def test_wilcoxon_without_ties_matches_scipy(n):
    diffs = list(RNG.normal(0.4, 1, size=n))
    ours, ref = stats.wilcoxon(diffs), sp.wilcoxon(diffs)
    assert ours.statistic == pytest.approx(ref.statistic)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert ours.method == ("exact" if n <= 50 else "approx")


def _brute_force_p(diffs: list[int]) -> float:
    """Two-sided p over all 2ⁿ sign flips: the definition SciPy's permutation test uses."""
    nonzero = [d for d in diffs if d]
    ranks = sp.rankdata([abs(d) for d in nonzero]) if nonzero else []
    observed = sum(r for r, d in zip(ranks, nonzero) if d > 0)
    null = [sum(r for r, s in zip(ranks, signs) if s > 0) for signs in product((1, -1), repeat=len(nonzero))]
    at_least = sum(v >= observed - 1e-9 for v in null) / len(null)
    at_most = sum(v <= observed + 1e-9 for v in null) / len(null)
    return min(1.0, 2 * min(at_least, at_most))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=13))
def test_wilcoxon_exact_conditional_equals_brute_force(diffs):
    assert stats.wilcoxon(diffs).pvalue == pytest.approx(_brute_force_p(diffs), rel=1e-12)


def test_wilcoxon_forced_methods():
    diffs = _integer_diffs(40)
    approx = stats.wilcoxon(diffs, method="approx")
    assert approx.pvalue == pytest.approx(sp.wilcoxon(diffs, method="asymptotic").pvalue, rel=1e-9)
    small = [1, 1, -2, 3, 0, 2, 2, -1]
    exact = stats.wilcoxon(small, method="exact")
    permutation = sp.wilcoxon(small, method=sp.PermutationMethod()).pvalue
    assert exact.pvalue == pytest.approx(permutation, rel=1e-12)
    with pytest.raises(ValueError):
        stats.wilcoxon(small, method="magic")


def test_wilcoxon_degenerate_inputs():
    assert stats.wilcoxon([]) is None
    assert stats.wilcoxon([0, 0, 0]) == stats.TestResult(0.0, 1.0, 0, "exact")
    assert stats.wilcoxon([-3]).pvalue == 1.0  # one difference can never be significant


def test_wilcoxon_freq_equals_sequence_form():
    diffs = _integer_diffs(77)
    assert stats.wilcoxon_freq(Counter(diffs)) == stats.wilcoxon(diffs)


@pytest.mark.parametrize("n", [1, 2, 7, 30, 301, 5000])
def test_sign_test_matches_binomtest(n):
    for _ in range(3):
        diffs = _integer_diffs(n)
        positive, negative = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
        if positive + negative == 0:
            continue
        ours = stats.sign_test(diffs)
        assert ours.n == positive + negative
        assert ours.pvalue == pytest.approx(sp.binomtest(positive, positive + negative).pvalue, rel=1e-9)


def test_sign_test_degenerate_inputs():
    assert stats.sign_test([]) is None
    assert stats.sign_test([0, 0]).pvalue == 1.0
    assert stats.sign_test([-1] * 10).pvalue == pytest.approx(2 / 2**10)


def test_binom_cdf_matches_scipy():
    for n in (1, 5, 40, 1000, 100_000):
        for k in (-1, 0, n // 3, n // 2, n - 1, n):
            assert stats.binom_cdf(k, n) == pytest.approx(sp.binom.cdf(k, n, 0.5), rel=1e-9, abs=1e-300)


# --- agreement -------------------------------------------------------------------


def _kappa_reference(a, b, categories=(2, 3, 4, 5)) -> float:
    """Textbook QWK with the full weight matrix (what sklearn's cohen_kappa_score computes)."""
    k = len(categories)
    index = {c: i for i, c in enumerate(categories)}
    observed = np.zeros((k, k))
    for x, y in zip(a, b):
        observed[index[x], index[y]] += 1
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    i, j = np.indices((k, k))
    weights = (i - j) ** 2 / (k - 1) ** 2
    return 1 - (weights * observed).sum() / (weights * expected).sum()


def test_kappa_matches_reference_on_random_grades():
    for n in (5, 30, 500):
        a = list(RNG.integers(2, 6, size=n))
        b = [min(5, max(2, g + int(s))) for g, s in zip(a, RNG.integers(-1, 2, size=n))]
        assert stats.quadratic_weighted_kappa(a, b) == pytest.approx(_kappa_reference(a, b), rel=1e-12)


def test_kappa_hand_cases():
    assert stats.quadratic_weighted_kappa([2, 3, 4, 5], [2, 3, 4, 5]) == 1.0
    assert stats.quadratic_weighted_kappa([2, 5], [5, 2]) == pytest.approx(-1.0)
    assert stats.quadratic_weighted_kappa([], []) is None
    assert stats.quadratic_weighted_kappa([4, 4], [4, 4]) is None  # one grade only: undefined
    with pytest.raises(ValueError):
        stats.quadratic_weighted_kappa([4], [4, 5])


def test_exact_and_adjacent_agreement():
    a, b = [0, 1, 2, 2, 0], [0, 2, 0, 2, 1]
    assert stats.exact_agreement(a, b) == 0.4
    assert stats.adjacent_agreement(a, b) == 0.8
    assert stats.exact_agreement([], []) is None
