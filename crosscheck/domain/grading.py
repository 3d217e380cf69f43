"""Scores, totals and grades (SPEC §1, §2): pure functions over plain data.

A score set arrives as ``{label: value}``; the value is an integer 0..max, or the
"not attempted" mark ``Х`` (Cyrillic) / ``X`` (Latin), which scores 0. Inside the
engine a score set is a tuple in template task order, because tuples are what the
hot per-paper loop can compare and sum cheaply.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Cells that mean "task not attempted" in the VPR results form; they score 0.
NOT_ATTEMPTED = frozenset({"Х", "X", "х", "x"})

#: Grade for a total below the "3" threshold.
LOWEST_GRADE = 2
#: Grades a template must give a minimum total for.
THRESHOLD_GRADES = (3, 4, 5)


class ScoreError(ValueError):
    """A score set that does not fit its template; the message names the task."""


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One task of a template: its label as in the results form, and its max score."""

    label: str
    max: int

    def __post_init__(self) -> None:
        if self.max < 1:
            raise ValueError(f"task {self.label!r}: max must be at least 1")


@dataclass(frozen=True)
class GradeScale:
    """Minimum total for grades 3, 4 and 5; anything below the "3" minimum is a 2.

    Accepts the template's mapping (``{"3": 6, "4": 10, "5": 14}``, keys as str or
    int) and keeps it as a sorted tuple of ``(grade, minimum)`` pairs so the scale
    is hashable and can be compared.
    """

    thresholds: tuple[tuple[int, int], ...]

    def __init__(self, thresholds: Mapping | Iterable[tuple[int, int]]) -> None:
        pairs = dict(thresholds)
        normalised = tuple(sorted((int(g), int(m)) for g, m in pairs.items()))
        _check_thresholds(normalised)
        object.__setattr__(self, "thresholds", normalised)

    def grade(self, total: int) -> int:
        """The grade (2–5) for a primary score."""
        result = LOWEST_GRADE
        for grade, minimum in self.thresholds:
            if total >= minimum:
                result = grade
        return result

    def table(self, max_total: int) -> tuple[int, ...]:
        """Grades for totals 0..max_total, indexed by total: the hot path's lookup."""
        return tuple(self.grade(t) for t in range(max_total + 1))


def _check_thresholds(pairs: tuple[tuple[int, int], ...]) -> None:
    grades = tuple(g for g, _ in pairs)
    if grades != THRESHOLD_GRADES:
        raise ValueError(f"grades: need minimums for exactly {THRESHOLD_GRADES}, got {grades}")
    minimums = [m for _, m in pairs]
    if minimums[0] < 0 or any(b <= a for a, b in zip(minimums, minimums[1:])):
        raise ValueError(f"grades: thresholds must be non-negative and increasing, got {minimums}")


def parse_score(value: object, task: TaskSpec) -> int:
    """One cell → an integer 0..max. ``Х``/``X`` → 0; "2" and 2.0 are accepted."""
    if type(value) is int:
        score = value
    elif isinstance(value, str) and value.strip() in NOT_ATTEMPTED:
        return 0
    else:
        score = _as_int(value, task)
    if not 0 <= score <= task.max:
        raise ScoreError(f"task {task.label!r}: {score} is outside 0..{task.max}")
    return score


def _as_int(value: object, task: TaskSpec) -> int:
    if isinstance(value, bool):  # True is an int to Python, never a score to us
        raise ScoreError(f"task {task.label!r}: {value!r} is not a score")
    try:
        number = value if isinstance(value, float) else float(str(value).strip().replace(",", "."))
    except ValueError:
        raise ScoreError(f"task {task.label!r}: {value!r} is not a score") from None
    if not number.is_integer():
        raise ScoreError(f"task {task.label!r}: {value!r} is not a whole number")
    return int(number)


def score_vector(scores: Mapping[str, object], tasks: Sequence[TaskSpec]) -> tuple[int, ...]:
    """A complete score set → a tuple in task order; every label must be present, no extras."""
    if len(scores) != len(tasks):
        _raise_label_mismatch(scores, tasks)
    try:
        return tuple(parse_score(scores[t.label], t) for t in tasks)
    except KeyError:
        _raise_label_mismatch(scores, tasks)
        raise  # unreachable: _raise_label_mismatch always raises


def _raise_label_mismatch(scores: Mapping[str, object], tasks: Sequence[TaskSpec]) -> None:
    labels = [t.label for t in tasks]
    missing = [label for label in labels if label not in scores]
    unknown = [label for label in scores if label not in set(labels)]
    parts = []
    if missing:
        parts.append(f"missing tasks {missing}")
    if unknown:
        parts.append(f"unknown tasks {unknown}")
    raise ScoreError("; ".join(parts) or "score set does not match the template")


def total(scores: Mapping[str, object], tasks: Sequence[TaskSpec]) -> int:
    """Primary score of a complete score set (``Х`` counts as 0)."""
    return sum(score_vector(scores, tasks))


def max_total(tasks: Sequence[TaskSpec]) -> int:
    """The highest primary score a template allows."""
    return sum(t.max for t in tasks)
