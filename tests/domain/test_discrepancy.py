"""Per-paper comparison (SPEC §7): reconciliation, significance, final marks, direction."""
from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosscheck.domain.discrepancy import (
    OVER_MARKED,
    UNDER_MARKED,
    Engine,
    Rules,
    Scheme,
    ScoreSet,
    compare,
    compare_all,
    is_significant,
    reconcile,
)
from crosscheck.domain.grading import ScoreError

from .marks_factory import LABELS, SCHEME, TEMPLATE, paper

# Template: maxima (1, 2, 2, 2, 3), total 10; grades 3 ≥ 4, 4 ≥ 6, 5 ≥ 8.
FULL = (1, 2, 2, 2, 3)
ZERO = (0, 0, 0, 0, 0)


# --- template rules -------------------------------------------------------------


def test_rules_default_to_spec_values():
    assert Rules() == Rules(task_threshold=2, total_threshold=3, grade_change=True, double_tolerance=1)
    assert SCHEME.rules == Rules()
    assert Rules.from_mapping({"total_threshold": 4}).total_threshold == 4


def test_unknown_rule_key_is_named():
    with pytest.raises(ValueError, match="'task_treshold'"):
        Rules.from_mapping({"task_treshold": 1})


def test_scheme_from_spec_object_and_duplicate_labels():
    spec = SimpleNamespace(
        tasks=[SimpleNamespace(label="1", max=2, criteria="")], grades={"3": 1, "4": 2, "5": 3},
        discrepancy={"grade_change": False},
    )
    scheme = Scheme.from_spec(spec)
    assert scheme.labels == ("1",) and not scheme.rules.grade_change
    with pytest.raises(ValueError, match="unique"):
        Scheme.from_template({**TEMPLATE, "tasks": [{"label": "1", "max": 1}] * 2})


# --- reconciliation of two rechecks ---------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "tolerance", "expected"),
    [
        ((1, 2, 0), (1, 1, 0), 1, (1, 2, 0)),  # mean 1.5 rounds up to 2
        ((0, 1, 3), (1, 0, 2), 1, (1, 1, 3)),  # every task exactly at tolerance
        ((0, 2, 3), (0, 0, 3), 1, None),  # one task beyond tolerance
        ((0, 2, 3), (0, 0, 3), 2, (0, 1, 3)),
        ((1, 1), (1, 1), 0, (1, 1)),
        ((1, 1), (1, 0), 0, None),
    ],
)
def test_reconcile(a, b, tolerance, expected):
    assert reconcile(a, b, tolerance) == expected


def test_two_rechecks_within_tolerance_merge_rounding_up():
    r = compare(paper((1, 2, 2, 2, 3), (1, 1, 2, 2, 2), (0, 2, 2, 1, 3)), SCHEME, per_paper=2)
    assert r.recheck == ScoreSet((1, 2, 2, 2, 3), 10, 5)
    assert not r.rechecks_disagree and not r.review_required
    assert r.final == r.recheck and r.delta_total == 0


def test_two_rechecks_beyond_tolerance_need_a_third_check():
    r = compare(paper((1, 2, 2, 2, 3), (1, 2, 2, 2, 3), (1, 0, 2, 2, 3)), SCHEME, per_paper=2)
    assert r.recheck is None and r.rechecks_disagree and r.review_required
    assert r.final is None and r.delta_total is None
    assert r.significant is True  # the second recheck alone differs by 2 on task "2"


def test_disagreeing_rechecks_that_are_each_close_are_not_significant():
    # 0 vs 2 on task "10К1" (tolerance 1) but each within 1 of the original 1; grade 2 throughout.
    r = compare(paper((0, 0, 0, 0, 1), (0, 0, 0, 0, 0), (0, 0, 0, 0, 2)), SCHEME, per_paper=2)
    assert r.rechecks_disagree and r.review_required and r.significant is False


def test_second_recheck_pending_means_no_recheck_yet():
    r = compare(paper(FULL, FULL), SCHEME, per_paper=2)
    assert r.recheck is None and r.significant is None and not r.review_required and r.final is None


def test_more_than_two_rechecks_are_refused():
    with pytest.raises(ValueError, match="3 rechecks"):
        compare(paper(FULL, FULL, FULL, FULL), SCHEME)


def test_per_paper_must_be_one_or_two():
    with pytest.raises(ValueError):
        Engine(SCHEME, per_paper=3)


# --- significance -----------------------------------------------------------------


def _set(*scores: int) -> ScoreSet:
    total = sum(scores)
    return ScoreSet(scores, total, SCHEME.grades.grade(total))


@pytest.mark.parametrize(
    ("other", "significant"),
    [
        ((1, 2, 2, 2, 1), True),  # task "10К1" differs by exactly task_threshold 2
        ((1, 2, 2, 1, 2), False),  # two tasks by 1: total 2 < 3, grade 5 kept, no task ≥ 2
        ((0, 1, 1, 2, 3), True),  # total differs by exactly total_threshold 3
    ],
)
def test_significance_thresholds_are_inclusive(other, significant):
    assert is_significant(_set(*FULL), _set(*other), Rules()) is significant


def test_grade_change_alone_is_significant_only_when_enabled():
    original, other = _set(1, 1, 1, 1, 0), _set(0, 1, 1, 1, 0)  # total 4 → 3: grade 3 → 2
    assert is_significant(original, other, Rules())
    assert not is_significant(original, other, Rules(grade_change=False))


# --- final marks and direction --------------------------------------------------


def test_unchecked_paper_has_no_final():
    r = compare(paper(FULL), SCHEME)
    assert r.final is None and r.significant is None and not r.review_required
    assert r.delta_total is None and r.direction is None and r.grade_shift is None and not r.checked


def test_confirmed_paper():
    r = compare(paper(FULL, FULL), SCHEME)
    assert r.final == r.original == ScoreSet(FULL, 10, 5)
    assert r.significant is False and r.final_significant is False
    assert r.delta_total == 0 and r.deltas == ZERO and r.direction == "none" and r.grade_shift == 0


def test_small_over_marking_is_final_without_review():
    r = compare(paper((1, 2, 2, 1, 0), (1, 1, 2, 1, 0)), SCHEME)  # 6 → 5: grade 4 → 3
    assert r.significant is True and r.review_required and r.final is None
    r = compare(paper((1, 2, 2, 2, 2), (1, 1, 2, 2, 2)), SCHEME)  # 9 → 8, grade 5 kept
    assert r.significant is False and r.final == r.recheck
    assert r.delta_total == -1 and r.deltas == (0, -1, 0, 0, 0) and r.direction == OVER_MARKED


def test_review_decides_the_final_marks():
    r = compare(paper(FULL, (0, 0, 2, 2, 3), review=(1, 1, 2, 2, 3)), SCHEME)
    assert r.significant is True and r.review_required
    assert r.final == ScoreSet((1, 1, 2, 2, 3), 9, 5) and r.delta_total == -1
    assert r.final_significant is False  # the reviewer mostly sided with the school


def test_under_marking_direction():
    r = compare(paper((0, 0, 0, 0, 1), (0, 0, 0, 1, 1)), SCHEME)
    assert r.delta_total == 1 and r.direction == UNDER_MARKED and r.grade_shift == 0


def test_all_zero_paper_is_grade_two_and_confirmed():
    r = compare(paper(ZERO, ZERO), SCHEME)
    assert r.original == ScoreSet(ZERO, 0, 2) and r.final == r.original and r.grade_shift == 0


def test_not_attempted_and_text_cells_score_as_numbers():
    r = compare(paper(("Х", "2", 2.0, "X", 3), (0, 2, 2, 0, 3)), SCHEME)
    assert r.original == ScoreSet((0, 2, 2, 0, 3), 7, 4) and r.delta_total == 0


def test_bad_score_names_paper_and_task():
    with pytest.raises(ScoreError, match=r"paper cS1-0000: task '2': 3 is outside 0..2"):
        compare(paper((1, 3, 0, 0, 0)), SCHEME)
    extra_label = replace(paper(FULL), original={**dict(zip(LABELS, FULL)), "99": 1})
    with pytest.raises(ScoreError, match=r"unknown tasks \['99'\]"):
        compare(extra_label, SCHEME)


def test_compare_all_keeps_order():
    papers = [paper(FULL, FULL, n=i) for i in range(3)]
    assert [r.paper for r in compare_all(papers, SCHEME)] == papers


# --- symmetry -------------------------------------------------------------------

maxima = [1, 2, 2, 2, 3]
score_sets = st.tuples(*(st.integers(0, m) for m in maxima))


@given(score_sets, score_sets)
def test_swapping_original_and_recheck_flips_every_sign(a, b):
    forward = compare(paper(a, b), SCHEME)
    backward = compare(paper(b, a), SCHEME)
    assert forward.significant == backward.significant
    if forward.final is None:  # significant: waiting for review either way
        assert backward.final is None
        return
    assert backward.delta_total == -forward.delta_total
    assert backward.deltas == tuple(-d for d in forward.deltas)
    assert backward.grade_shift == -forward.grade_shift
    assert {forward.direction, backward.direction} in ({"none"}, {OVER_MARKED, UNDER_MARKED})
