"""Calibration deviations computed by hand (docs/experts.md, «Calibration papers»)."""
from __future__ import annotations

from crosscheck.domain.calibration import deviation, summarise
from crosscheck.domain.discrepancy import Engine, Rules, Scheme
from crosscheck.domain.grading import GradeScale, TaskSpec

SCHEME = Scheme(tasks=(TaskSpec("1", 1), TaskSpec("2", 2), TaskSpec("3", 3)),
                grades=GradeScale({"3": 2, "4": 4, "5": 5}),
                rules=Rules(task_threshold=2, total_threshold=3, grade_change=False, double_tolerance=1))
ENGINE = Engine(SCHEME)
KEY = {"1": 1, "2": 2, "3": 3}  # total 6


def test_one_copy_one_point_under_on_task_3_is_within_the_tolerance():
    d = deviation(ENGINE, "A1", {"1": 1, "2": 2, "3": 2}, KEY)
    assert d.diffs == (0, 0, -1) and d.total_diff == -1
    assert (d.expert_total, d.key_total) == (5, 6)
    assert d.exceeds is False


def test_a_task_two_points_off_exceeds_the_tolerance_though_the_total_does_not():
    d = deviation(ENGINE, "A2", {"1": 1, "2": 0, "3": 3}, KEY)  # task 2: −2 ≥ task_threshold 2
    assert d.diffs == (0, -2, 0) and d.total_diff == -2 and d.exceeds is True


def test_the_total_three_points_off_exceeds_the_tolerance():
    d = deviation(ENGINE, "A3", {"1": 0, "2": 1, "3": 2}, KEY)  # every task −1, total −3
    assert d.diffs == (-1, -1, -1) and d.total_diff == -3 and d.exceeds is True


def test_an_expert_summary_means_by_hand():
    # copies: −1 (task 3), +1 (task 1 vs a key of 0), −3 (every task −1)
    other_key = {"1": 0, "2": 2, "3": 3}
    s = summarise(ENGINE, "ivanova", "Иванова", 4, [
        ("A1", {"1": 1, "2": 2, "3": 2}, KEY),
        ("A2", {"1": 1, "2": 2, "3": 3}, other_key),
        ("A3", {"1": 0, "2": 1, "3": 2}, KEY)])
    assert s.given == 4 and s.done == 3
    assert s.mean_diff == (-1 + 1 - 3) / 3
    assert s.task_means == ((0 + 1 - 1) / 3, (0 + 0 - 1) / 3, (-1 + 0 - 1) / 3)
    assert s.exceeding == 1
    assert s.direction == "строже эталона"


def test_an_expert_with_no_submitted_copy_has_no_mean():
    s = summarise(ENGINE, "new", "Новенький", 2, [])
    assert s.done == 0 and s.mean_diff is None and s.task_means == (None, None, None)
    assert s.direction == "нет сданных калибровочных работ"
