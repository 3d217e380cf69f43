"""Scores, totals and grades: SPEC §1 thresholds and §2 cell values."""
import pytest

from crosscheck.domain.grading import GradeScale, ScoreError, TaskSpec, max_total, parse_score, score_vector, total

SCALE = GradeScale({"3": 6, "4": 10, "5": 14})
TASKS = (TaskSpec("1", 1), TaskSpec("2", 2), TaskSpec("3", 3))


@pytest.mark.parametrize(
    ("points", "grade"),
    [(0, 2), (5, 2), (6, 3), (9, 3), (10, 4), (13, 4), (14, 5), (40, 5)],
)
def test_grade_boundaries_are_inclusive_minimums(points, grade):
    assert SCALE.grade(points) == grade


def test_scale_accepts_int_keys_and_pairs_and_compares_equal():
    assert GradeScale({3: 6, 4: 10, 5: 14}) == SCALE
    assert GradeScale(SCALE.thresholds) == SCALE
    assert hash(GradeScale({"5": 14, "3": 6, "4": 10})) == hash(SCALE)


def test_table_is_indexed_by_total():
    table = GradeScale({"3": 1, "4": 2, "5": 3}).table(4)
    assert table == (2, 3, 4, 5, 5)


@pytest.mark.parametrize(
    "bad",
    [{"3": 6, "4": 6, "5": 14}, {"3": 6, "4": 10}, {"3": 6, "4": 10, "5": 14, "6": 20}, {"3": -1, "4": 1, "5": 2}],
)
def test_bad_scales_are_refused(bad):
    with pytest.raises(ValueError, match="grades"):
        GradeScale(bad)


def test_task_needs_positive_max():
    with pytest.raises(ValueError, match="'7'"):
        TaskSpec("7", 0)


@pytest.mark.parametrize(("cell", "score"), [(2, 2), ("2", 2), (2.0, 2), (" 1 ", 1), ("Х", 0), ("X", 0), ("х", 0), (0, 0)])
def test_cells_parse(cell, score):
    assert parse_score(cell, TaskSpec("2", 2)) == score


@pytest.mark.parametrize("cell", [3, -1, 2.5, "2.5", "abc", True, None, ""])
def test_bad_cells_name_the_task(cell):
    with pytest.raises(ScoreError, match="task '2'"):
        parse_score(cell, TaskSpec("2", 2))


def test_vector_is_in_task_order_with_not_attempted_as_zero():
    assert score_vector({"3": 3, "1": "Х", "2": "1"}, TASKS) == (0, 1, 3)
    assert total({"3": 3, "1": "X", "2": 2}, TASKS) == 5


def test_missing_and_unknown_labels_are_named():
    with pytest.raises(ScoreError, match=r"missing tasks \['3'\]"):
        score_vector({"1": 1, "2": 1}, TASKS)
    with pytest.raises(ScoreError, match=r"unknown tasks \['4'\]"):
        score_vector({"1": 1, "2": 1, "3": 1, "4": 0}, TASKS)
    with pytest.raises(ScoreError, match=r"missing tasks \['3'\]; unknown tasks \['9'\]"):
        score_vector({"1": 1, "2": 1, "9": 1}, TASKS)


def test_max_total():
    assert max_total(TASKS) == 6
