"""Screening (SPEC §8, crosscheck/domain/screening.py) as the organiser meets it.

Story: before any re-marking the organiser screens the schools' own marks to choose whom to
re-check. A region of schools marked the same way must come back (nearly) clean — no more
false reasons than the documented rate — while a school that pushes papers over a grade
boundary, inflates marks or helps its pupils on the hard tasks must stand out, with a reason
in plain Russian. Too little data says «недостаточно данных», never a false flag.
"""
from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.domain.grading import GradeScale, TaskSpec
from crosscheck.domain.screening import (HIGH_GRADES, INDICATORS, RAISED_VS_JOURNAL, TASK_PROFILE, THRESHOLD_PEAK,
                                         ScreeningRules, ScreenPaper, fisher_combined, hypergeom_pmf, hypergeom_sf, risk_of,
                                         screen)
from tests.domain import screening_sim as sim

ALPHA = ScreeningRules().alpha


def false_rate_ceiling(schools: int, rate: float) -> int:
    """Binomial(schools, rate) mean + 3 standard deviations: beyond it the rate is not held."""
    return math.ceil(schools * rate + 3 * math.sqrt(schools * rate * (1 - rate)))


# --- the exact distributions against SciPy ---------------------------------------------

@pytest.mark.parametrize("k,population,successes,draws", [
    (0, 10, 3, 4), (3, 10, 3, 4), (2, 10, 3, 4), (14, 300, 40, 17), (30, 30000, 3000, 100), (1, 50, 0, 10),
    (60, 30000, 29000, 60), (7, 20, 20, 7)])
def test_hypergeometric_tail_is_scipys(k, population, successes, draws):
    scipy_stats = pytest.importorskip("scipy.stats")
    expected = scipy_stats.hypergeom.sf(k - 1, population, successes, draws)
    assert hypergeom_sf(k, population, successes, draws) == pytest.approx(expected, rel=1e-9, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(0, min(n, 150)))))
def test_hypergeometric_law_is_scipys(args):
    scipy_stats = pytest.importorskip("scipy.stats")
    population, successes, draws = args
    pmf = hypergeom_pmf(population, successes, draws)
    assert math.fsum(pmf) == pytest.approx(1.0, abs=1e-9)
    expected = scipy_stats.hypergeom.pmf(range(draws + 1), population, successes, draws)
    assert pmf == pytest.approx(list(expected), rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("pvalues", [[0.5], [0.01, 0.9], [1e-5, 0.3, 0.7, 0.2], [1.0, 1.0], [1e-200, 0.5]])
def test_fisher_combination_is_scipys(pvalues):
    scipy_stats = pytest.importorskip("scipy.stats")
    expected = scipy_stats.combine_pvalues(pvalues, method="fisher").pvalue
    assert fisher_combined(pvalues) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_risk_scale():
    assert risk_of(None) is None
    assert risk_of(1.0) == 0.0
    assert risk_of(0.01) == pytest.approx(0.5)
    assert risk_of(1e-6) == pytest.approx(0.75)
    assert 0 < risk_of(1e-300) < 1 and risk_of(0.0) == risk_of(1e-300)


# --- a smooth population is not flagged beyond the documented rate ----------------------

@pytest.fixture(scope="module")
def homogeneous():
    """400 schools × 50 pupils marked alike (seeded)."""
    return screen(sim.campaign(seed=2026, schools=400, pupils=50), sim.TASKS, sim.GRADES)


@pytest.fixture(scope="module")
def heterogeneous():
    """300 schools × 60 pupils whose levels really differ (school means ~ N(0, 0.5) logits)."""
    return screen(sim.campaign(seed=17, schools=300, pupils=60, spread=0.5), sim.TASKS, sim.GRADES)


def test_schools_marked_alike_get_no_more_false_reasons_than_alpha(homogeneous):
    """Each reason at most alpha (1 %) of the schools; any reason at most 4·alpha."""
    schools = homogeneous.schools
    assert len(schools) == 400
    per_reason = Counter(r for s in schools for r in s.reasons)
    for indicator in INDICATORS:
        assert per_reason[indicator] <= false_rate_ceiling(len(schools), ALPHA), per_reason
    assert sum(s.flagged for s in schools) <= false_rate_ceiling(len(schools), 4 * ALPHA)


def test_each_test_holds_its_level_without_the_effect_size_guard(homogeneous):
    """The p-values alone are valid: P(p < 0.05) ≤ 5 % (+ noise) for every indicator."""
    schools = homogeneous.schools
    for indicator in INDICATORS:
        ps = [s.p_values[indicator] for s in schools if indicator in s.p_values]
        assert len(ps) >= 390, indicator
        assert sum(p < 0.05 for p in ps) <= false_rate_ceiling(len(ps), 0.05), indicator


def test_risk_of_a_smooth_population_stays_low(homogeneous):
    risks = sorted(s.risk for s in homogeneous.schools)
    assert risks[len(risks) // 2] < 0.2  # median school: nothing unusual
    assert all(0 <= r <= 1 for r in risks)


def test_real_differences_in_level_do_not_make_peaks_profiles_or_journal_gaps(heterogeneous):
    """Schools that are simply stronger or weaker: only ``high_grades`` may react (it measures
    exactly "above the campaign"); the other three hold their rate."""
    schools = heterogeneous.schools
    per_reason = Counter(r for s in schools for r in s.reasons)
    for indicator in (THRESHOLD_PEAK, TASK_PROFILE, RAISED_VS_JOURNAL):
        assert per_reason[indicator] <= false_rate_ceiling(len(schools), ALPHA), per_reason
    # high_grades flags real strength, never weakness: every school it names is above the campaign
    overall = heterogeneous.mean_total
    assert all(s.mean_total > overall for s in schools if HIGH_GRADES in s.reasons)


# --- a planted anomaly of each kind is found ---------------------------------------------

PLANTS = {
    THRESHOLD_PEAK: sim.Plant(peak=True),
    RAISED_VS_JOURNAL: sim.Plant(inflate=0.35),
    TASK_PROFILE: sim.Plant(helped=0.5),
}


@pytest.fixture(scope="module")
def planted():
    """200 ordinary schools and, for each kind of anomaly, 10 schools of 60 pupils with it."""
    plants = {}
    for k, plant in enumerate(PLANTS.values()):
        plants.update({f"S{i:04d}": plant for i in range(10 * k, 10 * k + 10)})
    papers = sim.campaign(seed=5, schools=230, pupils=60, spread=0.3, plants=plants)
    return screen(papers, sim.TASKS, sim.GRADES), plants


@pytest.mark.parametrize("reason", list(PLANTS))
def test_a_planted_anomaly_is_found_with_its_reason(planted, reason):
    screening, plants = planted
    planted_here = [code for code, plant in plants.items() if plant == PLANTS[reason]]
    found = [code for code in planted_here if reason in screening.school(code).reasons]
    assert len(found) >= 9, (reason, found)


def test_inflated_marks_also_show_as_high_grades(planted):
    screening, plants = planted
    inflated = [c for c, p in plants.items() if p == PLANTS[RAISED_VS_JOURNAL]]
    # weaker than the journal test: a weak school that inflates may still sit near the campaign
    assert sum(HIGH_GRADES in screening.school(c).reasons for c in inflated) >= 7


def test_risk_puts_the_planted_schools_first(planted):
    screening, plants = planted
    top = [s.school for s in screening.schools[:len(plants)]]
    assert len(set(top) & set(plants)) >= 0.8 * len(plants)
    risks = [s.risk for s in screening.schools]
    assert risks == sorted(risks, reverse=True)


# --- the reasons in plain Russian ---------------------------------------------------------

TASKS4 = tuple(TaskSpec(str(i), 1) for i in range(1, 21))
SCALE = GradeScale({"3": 5, "4": 10, "5": 15})


def _papers_with_totals(school: str, totals: dict[int, int], journal: int | None = None) -> list[ScreenPaper]:
    out = []
    for total, count in totals.items():
        scores = tuple(1 if i < total else 0 for i in range(20))
        out.extend(ScreenPaper(school, scores, journal) for _ in range(count))
    return out


def test_a_peak_on_the_minimum_of_4_is_explained_in_plain_words():
    rng = random.Random(3)
    papers = []
    for i in range(40):
        totals = Counter(min(20, max(0, round(rng.gauss(10, 4)))) for _ in range(50))
        papers += _papers_with_totals(f"R{i:02d}", totals)
    papers += _papers_with_totals("PEAK", {10: 14, 9: 3, 8: 5, 11: 6, 12: 6, 7: 4, 13: 3, 6: 3})
    school = screen(papers, TASKS4, SCALE).school("PEAK")
    assert THRESHOLD_PEAK in school.reasons and school.flagged
    assert "пик на границе отметки 4: 14 работ ровно на минимуме (10 баллов) против 3 на балл ниже" in school.explanations
    # pooled over the minimums 5, 10, 15: on them 0 + 14 + 0, one point below 0 + 3 + 0
    assert school.threshold_peak == pytest.approx(14 / 17)


# --- bad input: nothing to compare with, too few pupils, no journal -----------------------

def test_one_school_has_nothing_to_compare_with():
    papers = sim.campaign(seed=1, schools=1, pupils=80, plants={"S0000": sim.Plant(peak=True, inflate=0.4)})
    result = screen(papers, sim.TASKS, sim.GRADES)
    (school,) = result.schools
    assert not school.flagged and school.risk is None and school.p_values == {}
    assert any("одна школа" in n for n in result.notes)
    assert all("в кампании нет других школ" in n for n in school.notes) and len(school.notes) == 4
    assert school.participants == 80 and sum(school.grade_shares.values()) == pytest.approx(1)


def test_a_school_of_three_pupils_says_insufficient_data_never_flagged():
    papers = sim.campaign(seed=4, schools=30, pupils=40)
    papers += [ScreenPaper("TINY", tuple(m for m in sim.MAXES), 2) for _ in range(3)]  # full marks, journal «2»
    school = screen(papers, sim.TASKS, sim.GRADES).school("TINY")
    assert school.participants == 3 and school.grade_shares["5"] == 1.0
    assert not school.flagged and school.risk is None
    assert len(school.notes) == 4 and all(n.startswith("недостаточно данных") for n in school.notes)
    assert any("3 участников, нужно не меньше 10" in n for n in school.notes)


def test_a_campaign_without_papers_says_so():
    result = screen([], sim.TASKS, sim.GRADES)
    assert result.schools == () and result.participants == 0
    assert result.notes and "нет работ с первичными баллами" in result.notes[0]
    assert result.as_dict("x")["schools"] == []


def test_no_journal_marks_no_journal_reason_and_a_note():
    papers = sim.campaign(seed=8, schools=50, pupils=40, journal=False,
                          plants={"S0000": sim.Plant(inflate=0.5)})
    result = screen(papers, sim.TASKS, sim.GRADES)
    assert any("отметки по журналу не загружены" in n for n in result.notes)
    school = result.school("S0000")
    assert RAISED_VS_JOURNAL not in school.reasons and HIGH_GRADES in school.reasons
    assert school.journal.n == 0 and school.journal.raised is None
    assert school.as_dict()["journal"] == {"n": 0, "lowered": None, "confirmed": None, "raised": None, "gap2": None}


def test_too_few_tasks_for_a_profile():
    tasks = (TaskSpec("1", 5), TaskSpec("2", 5))
    rng = random.Random(2)
    papers = [ScreenPaper(f"S{i}", (rng.randint(0, 5), rng.randint(0, 5))) for i in range(10) for _ in range(30)]
    result = screen(papers, tasks, GradeScale({"3": 3, "4": 5, "5": 8}))
    assert result.easy_tasks == () and any("меньше 3 заданий" in n for n in result.notes)
    assert all(s.task_profile is None and TASK_PROFILE not in s.p_values for s in result.schools)


def test_scores_must_match_the_tasks():
    with pytest.raises(ValueError):
        screen([ScreenPaper("A", (1, 0))], sim.TASKS, sim.GRADES)


# --- invariants over arbitrary small campaigns --------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.lists(st.integers(0, 1), min_size=6, max_size=6),
                          st.one_of(st.none(), st.integers(2, 5))), max_size=120))
def test_invariants(rows):
    tasks = tuple(TaskSpec(str(i), 1) for i in range(6))
    papers = [ScreenPaper(f"S{s}", tuple(scores), j) for s, scores, j in rows]
    result = screen(papers, tasks, GradeScale({"3": 2, "4": 4, "5": 6}))
    assert sum(s.participants for s in result.schools) == len(papers) == result.participants
    rules = result.rules
    for s in result.schools:
        assert s.flagged == bool(s.reasons) and len(s.explanations) == len(s.reasons)
        assert set(s.reasons) <= set(s.p_values) and all(s.p_values[r] < rules.alpha for r in s.reasons)
        assert s.risk is None if not s.p_values else 0 <= s.risk <= 1
        if s.participants < min(rules.min_participants_grades, rules.min_journal):
            assert not s.flagged
        assert sum(s.grade_shares.values()) == pytest.approx(1)
        j = s.journal
        if j.n:
            assert j.lowered + j.confirmed + j.raised == pytest.approx(1) and j.gap2 <= j.lowered + j.raised + 1e-9
