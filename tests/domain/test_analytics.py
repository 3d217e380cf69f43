"""Group statistics, the packed tally behind them, and the flag rule."""
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from crosscheck.domain import stats
from crosscheck.domain.analytics import (
    REASON_OVER,
    REASON_UNDER,
    Analysis,
    INSUFFICIENT,
    SUFFICIENT,
    FlagRule,
    aggregate,
    flag_reasons,
    summarize,
)
from crosscheck.domain.discrepancy import compare_all
from crosscheck.domain.tally import Layout

from .marks_factory import SCHEME, paper

MAXIMA = (1, 2, 2, 2, 3)
MID = (1, 1, 1, 1, 1)  # total 5, grade 3


def _stats(papers, rule=FlagRule()):
    return summarize("g", compare_all(papers, SCHEME), SCHEME, rule)


# --- hand-computed group ------------------------------------------------------------


def test_hand_computed_group():
    papers = [
        paper(MID, MID, n=0, journal_mark=3),  # confirmed, journal confirmed
        paper(MID, (1, 1, 1, 1, 0), n=1, journal_mark=4),  # 5 → 4: grade 3 kept, over-marked by 1
        paper((1, 2, 2, 1, 0), (1, 2, 2, 1, 0), n=2),  # 6, grade 4, confirmed
        paper(MID, (1, 1, 1, 0, 0), review=(1, 1, 1, 1, 0), n=3, journal_mark=4),  # 5 → 3 significant; review 4
        paper(MID, (1, 2, 2, 2, 3), n=4),  # 5 → 10 significant, no review yet: unchecked
        paper(MID, n=5, journal_mark=2),  # not rechecked
    ]
    g = _stats(papers)
    assert (g.papers, g.checked) == (6, 4)
    assert (g.grade_lowered, g.grade_confirmed, g.grade_raised) == (0, 4, 0)
    assert (g.over_marked, g.under_marked) == (2, 0)
    assert g.significant == 0 and g.review_required == 2
    assert g.mean_delta == -0.5 and g.median_delta == -0.5
    low, high = sp.t.interval(0.95, 3, loc=-0.5, scale=sp.sem([0, -1, 0, -1]))
    assert (g.delta.low, g.delta.high) == (pytest.approx(low), pytest.approx(high))
    assert g.wilcoxon.pvalue == pytest.approx(sp.wilcoxon([0, -1, 0, -1]).pvalue)
    assert g.sign.pvalue == 0.5
    assert g.kappa == 1.0  # every checked grade kept, two grades in use
    task5 = g.tasks[4]
    assert task5.label == "10К1" and task5.n == 4
    assert (task5.mean_delta, task5.over_marked, task5.under_marked, task5.exact, task5.adjacent) == (-0.5, 0.5, 0, 0.5, 1)
    assert g.top_over_marked() == ["10К1"]
    # journal: original grades 3, 3, 3, 3 vs marks 3, 4, 4, 2 over all four papers with a mark
    assert (g.journal_original.n, g.journal_original.lowered, g.journal_original.confirmed,
            g.journal_original.raised) == (4, 2, 1, 1)
    assert (g.journal_final.n, g.journal_final.lowered, g.journal_final.confirmed) == (3, 2, 1)
    assert not g.flagged


def test_grade_changes_and_kappa():
    papers = [
        paper(MID, MID, n=0),  # 3 → 3
        paper((1, 2, 2, 2, 3), (1, 2, 2, 2, 3), n=1),  # 5 → 5
        paper((1, 2, 2, 1, 0), review=(1, 1, 2, 1, 0), n=2),  # 6 → 5: 4 → 3 lowered
        paper((0, 0, 0, 0, 3), review=(0, 0, 0, 1, 3), n=3),  # 3 → 4: 2 → 3 raised
    ]
    g = _stats(papers)
    assert (g.grade_lowered, g.grade_confirmed, g.grade_raised) == (1, 2, 1)
    original, final = [3, 5, 4, 2], [3, 5, 3, 3]
    assert g.kappa == pytest.approx(stats.quadratic_weighted_kappa(original, final))
    assert g.grade_agreement == 0.5 and g.grade_adjacent == 1.0


def test_empty_group_has_no_statistics():
    g = summarize("none", [], SCHEME)
    assert (g.papers, g.checked, g.significant) == (0, 0, 0)
    assert g.mean_delta is None and g.median_delta is None and g.delta.low is None
    assert g.wilcoxon is None and g.sign is None and g.kappa is None and g.significant_share is None
    assert all(t.mean_delta is None for t in g.tasks) and not g.flagged and g.top_over_marked() == []


def test_single_unlucky_paper_is_not_flagged():
    g = _stats([paper(MAXIMA, review=(0, 0, 0, 0, 0))])
    assert g.significant == 1 and g.significant_share == 1.0 and g.mean_delta == -10
    assert not g.flagged


# --- the flag rule ----------------------------------------------------------------


def _school(n_papers, n_significant, shift=(1, 1, 1, 1, 1), original=MID):
    """n papers; the first n_significant reviewed down to zero, the rest rechecked as ``shift``."""
    papers = []
    for i in range(n_papers):
        if i < n_significant:
            papers.append(paper(original, review=(0, 0, 0, 0, 0), n=i))
        else:
            papers.append(paper(original, shift, n=i))
    return papers


def test_six_of_six_over_marked_is_flagged():
    g = _stats(_school(6, 6))
    assert g.significant_over == 6 and g.sign.pvalue == 0.03125
    assert g.flag_reasons == (REASON_OVER,) and g.evidence == SUFFICIENT


def test_five_of_five_is_not_flagged_and_evidence_is_insufficient():
    g = _stats(_school(5, 5))
    assert g.significant_over == 5 and g.sign.pvalue == 0.0625
    assert not g.flagged and g.flag_reasons == ()
    assert g.evidence == INSUFFICIENT  # even 5 of 5 cannot reach p < 0.05: too few papers to say


def test_evidence_is_about_the_number_of_checked_papers_only():
    assert _stats(_school(6, 0)).evidence == SUFFICIENT  # six confirmed papers: "not flagged" is an answer
    g = _stats([paper(MID, review=(0, 0, 0, 0, 0), n=i) for i in range(5)] + [paper(MID, n=9)])
    assert (g.papers, g.checked, g.evidence) == (6, 5, INSUFFICIENT)  # the unchecked paper does not count


def test_fewer_than_three_significant_is_not_flagged_even_with_a_significant_test():
    minus_one = (1, 1, 1, 1, 0)  # total 4: over-marked by one point, never significant
    g = _stats(_school(20, 2, shift=minus_one))
    assert g.over_marked == 20 and g.sign.pvalue < 1e-5 and g.significant_over == 2
    assert not g.flagged and g.evidence == SUFFICIENT
    g = _stats(_school(20, 3, shift=minus_one))
    assert g.flag_reasons == (REASON_OVER,)


def test_mixed_directions_are_not_flagged():
    up = (1, 2, 2, 2, 3)  # 5 → 10: under-marked, significant
    papers = _school(4, 4) + [paper(MID, review=up, n=10 + i) for i in range(4)]
    g = _stats(papers)
    assert (g.significant_over, g.significant_under) == (4, 4) and g.sign.pvalue == 1.0
    assert not g.flagged and g.evidence == SUFFICIENT


def test_significant_papers_must_point_the_way_the_test_does():
    """Three significant papers up, but the test points down: no flag either way."""
    up = (1, 2, 2, 2, 3)
    minus_one = (1, 1, 1, 1, 0)
    papers = [paper(MID, review=up, n=i) for i in range(3)] + [paper(MID, minus_one, n=10 + i) for i in range(20)]
    g = _stats(papers)
    assert g.significant_under == 3 and g.significant_over == 0 and g.sign.pvalue < 0.01
    assert not g.flagged


def test_under_marking_is_flagged_too_and_wilcoxon_can_be_chosen():
    up = (1, 2, 2, 2, 3)
    g = _stats([paper(MID, review=up, n=i) for i in range(6)])
    assert g.flag_reasons == (REASON_UNDER,)
    g = _stats([paper(MID, review=up, n=i) for i in range(6)], FlagRule(bias_test="wilcoxon"))
    assert g.flag_reasons == (REASON_UNDER,) and g.wilcoxon.pvalue < 0.05


def test_thresholds_are_configurable():
    strict = FlagRule(min_significant=4, alpha=0.01, min_checked=8)
    assert strict.min_evidence == 8
    assert not _stats(_school(7, 7), strict).flagged and _stats(_school(7, 7), strict).evidence == INSUFFICIENT
    assert _stats(_school(8, 8), strict).flagged
    assert FlagRule(alpha=0.01).min_evidence == 8  # 2·2⁻⁷ = 0.0156 ≥ 0.01; 2·2⁻⁸ < 0.01
    assert not _stats(_school(6, 6), FlagRule(min_mean_shift=6)).flagged


def test_flag_reasons_directly():
    rule = FlagRule()
    significant = stats.TestResult(0.0, 0.001, 30, "exact")
    assert flag_reasons(rule, 30, 3, 0, significant, -1, -3.0) == (REASON_OVER,)
    assert flag_reasons(rule, 30, 0, 3, significant, 1, 3.0) == (REASON_UNDER,)
    assert flag_reasons(rule, 30, 2, 5, significant, -1, -3.0) == ()  # significant ones the other way
    assert flag_reasons(rule, 30, 9, 0, stats.TestResult(0.0, 0.05, 30, "exact"), -1, -3.0) == ()
    assert flag_reasons(rule, 30, 9, 0, significant, 0, 0.0) == ()
    assert flag_reasons(rule, 0, 0, 0, None, 0, None) == ()


def test_flag_rule_validation():
    with pytest.raises(ValueError):
        FlagRule(bias_test="t")
    with pytest.raises(ValueError):
        FlagRule(alpha=1.5)
    with pytest.raises(ValueError):
        FlagRule(min_significant=-1)
    assert FlagRule().as_dict() | {} == {"min_significant": 3, "alpha": 0.05, "bias_test": "sign",
                                         "min_checked": 1, "min_mean_shift": 0.0, "min_evidence": 6}


# --- groupings --------------------------------------------------------------------


def test_groupings_and_keys():
    papers = [
        paper(MID, MID, school="A", n=0, class_name="5А", original_marker="ivanova", municipality="M1"),
        paper(MID, MID, school="A", n=1, class_name="5Б", original_marker="ivanova", municipality="M1"),
        paper(MID, MID, school="B", n=2, class_name="5А", original_marker="ivanova", municipality="M1"),
        paper(MID, MID, school="B", n=3),
    ]
    results = compare_all(papers, SCHEME)
    analysis = Analysis(results, SCHEME)
    assert [(g.key, g.papers) for g in analysis.groups("school")] == [("A", 2), ("B", 2)]
    assert [g.key for g in analysis.groups("class")] == [("A", "5А"), ("A", "5Б"), ("B", "5А")]
    assert [(g.key, g.papers) for g in analysis.groups("original_marker")] == [(("A", "ivanova"), 2), (("B", "ivanova"), 1)]
    assert [(g.key, g.papers) for g in analysis.groups("municipality")] == [("M1", 3)]
    assert analysis.summary().papers == 4
    assert [g.key for g in aggregate(results, "campaign", SCHEME)] == [""]


def test_bad_journal_mark_is_refused():
    with pytest.raises(ValueError, match="journal mark"):
        _stats([paper(MID, MID, journal_mark=6)])


# --- the packed tally agrees with plain counting --------------------------------

score_sets = st.tuples(*(st.integers(0, m) for m in MAXIMA))
papers_strategy = st.lists(
    st.tuples(score_sets, st.one_of(st.none(), score_sets), st.one_of(st.none(), score_sets),
              st.one_of(st.none(), st.integers(2, 5))),
    max_size=25,
)


def _papers(rows, **extra):
    return [
        paper(o, *(() if r is None else (r,)), review=v, n=i, journal_mark=j, **extra)
        for i, (o, r, v, j) in enumerate(rows)
    ]


@settings(max_examples=60, deadline=None)
@given(papers_strategy)
def test_tally_equals_naive_counting(rows):
    results = compare_all(_papers(rows), SCHEME)
    t = Layout(SCHEME).tally(results)
    checked = [r for r in results if r.final is not None]
    assert t.papers == len(results) and t.checked == len(checked)
    assert t.deltas == dict(Counter(r.delta_total for r in checked))
    assert t.grades == dict(Counter((r.original.grade, r.final.grade) for r in checked))
    assert t.significant == sum(bool(r.final_significant) for r in checked)
    assert t.significant_over == sum(bool(r.final_significant) and r.delta_total < 0 for r in checked)
    assert t.significant_under == sum(bool(r.final_significant) and r.delta_total > 0 for r in checked)
    assert t.journal_final == dict(Counter((r.final.grade, r.paper.journal_mark) for r in checked
                                           if r.paper.journal_mark is not None))
    for i, table in enumerate(t.tasks):
        assert table == dict(Counter(r.deltas[i] for r in checked))


@settings(max_examples=40, deadline=None)
@given(st.lists(score_sets, min_size=1, max_size=40))
def test_recheck_equal_to_original_flags_nothing(originals):
    papers = [paper(o, o, n=i, school=f"S{i % 2}", original_marker="m") for i, o in enumerate(originals)]
    rule = FlagRule(min_significant=1, alpha=0.5)
    results = compare_all(papers, SCHEME)
    for grouping in ("school", "original_marker", "campaign"):
        for g in aggregate(results, grouping, SCHEME, rule):
            assert g.significant == 0 and g.review_required == 0 and not g.flagged
            assert g.grade_confirmed == g.checked == g.papers and g.mean_delta == 0
            assert all(t.exact == 1 for t in g.tasks)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(score_sets, score_sets), min_size=1, max_size=30))
def test_swapping_original_and_recheck_swaps_lowered_and_raised(pairs):
    forward = _stats([paper(a, b, n=i) for i, (a, b) in enumerate(pairs)])
    backward = _stats([paper(b, a, n=i) for i, (a, b) in enumerate(pairs)])
    assert (forward.checked, forward.significant) == (backward.checked, backward.significant)
    assert (forward.grade_lowered, forward.grade_raised) == (backward.grade_raised, backward.grade_lowered)
    assert (forward.over_marked, forward.under_marked) == (backward.under_marked, backward.over_marked)
    if forward.checked:
        assert backward.mean_delta == pytest.approx(-forward.mean_delta)
        assert backward.median_delta == -forward.median_delta
        assert backward.wilcoxon.pvalue == pytest.approx(forward.wilcoxon.pvalue)
        for f, b in zip(forward.tasks, backward.tasks):
            assert (f.over_marked, f.under_marked) == (b.under_marked, b.over_marked)


def test_group_statistics_match_numpy_on_a_random_campaign():
    rng = np.random.default_rng(5)
    rows = []
    for i in range(300):
        original = tuple(int(rng.integers(0, m + 1)) for m in MAXIMA)
        recheck = tuple(max(0, min(m, s - int(rng.random() < 0.3))) for s, m in zip(original, MAXIMA))
        rows.append((original, recheck, None, None))
    results = compare_all(_papers(rows), SCHEME)
    g = summarize("all", results, SCHEME)
    deltas = [r.delta_total for r in results if r.final is not None]
    assert g.checked == len(deltas)
    assert g.mean_delta == pytest.approx(np.mean(deltas)) and g.median_delta == np.median(deltas)
    assert g.wilcoxon.pvalue == pytest.approx(sp.wilcoxon(deltas).pvalue, rel=1e-9)
