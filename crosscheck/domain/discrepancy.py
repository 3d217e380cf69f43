"""Per-paper comparison of the school's marks with the cross-check (SPEC §7).

For each paper: ``original`` is the school's marking; ``recheck`` is the single
recheck, or with two rechecks the per-task mean rounded up when every task is
within ``double_tolerance`` (else there is no recheck: a third check decides);
``final`` is the reviewer's scores when a review was done, else the recheck —
unless the recheck itself calls for a review, in which case there is no final yet.

The per-paper path runs 100,000 times for a regional campaign, so score sets are
tuples in template order, results are NamedTuples, and the loop uses C-level
builtins (``map``, ``zip``, ``sum``) rather than per-task Python code.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter, sub
from typing import NamedTuple

from .grading import NOT_ATTEMPTED, GradeScale, ScoreError, TaskSpec, score_vector

#: Direction of a discrepancy, seen from the school's marking.
OVER_MARKED = "over_marked"  # завышение: the school gave more than the cross-check
UNDER_MARKED = "under_marked"  # занижение: the school gave less
NO_CHANGE = "none"

_RULE_KEYS = ("task_threshold", "total_threshold", "grade_change", "double_tolerance")


@dataclass(frozen=True, slots=True)
class Rules:
    """The template's ``discrepancy`` block; the defaults are SPEC §1's."""

    task_threshold: int = 2
    total_threshold: int = 3
    grade_change: bool = True
    double_tolerance: int = 1

    def __post_init__(self) -> None:
        if self.task_threshold < 1 or self.total_threshold < 1:
            raise ValueError("discrepancy: thresholds must be at least 1")
        if self.double_tolerance < 0:
            raise ValueError("discrepancy: double_tolerance must not be negative")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object] | None) -> Rules:
        """The template's optional block → Rules; an unknown key is refused by name."""
        data = data or {}
        for key in data:
            if key not in _RULE_KEYS:
                raise ValueError(f"discrepancy: unknown key {key!r}")
        return cls(**data)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scheme:
    """What the engine needs from a template: tasks in order, grade scale, rules."""

    tasks: tuple[TaskSpec, ...]
    grades: GradeScale
    rules: Rules = Rules()
    labels: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tasks = tuple(self.tasks)
        labels = tuple(t.label for t in tasks)
        if not tasks or len(set(labels)) != len(labels):
            raise ValueError("tasks: need at least one task and unique labels")
        object.__setattr__(self, "tasks", tasks)
        object.__setattr__(self, "labels", labels)

    @classmethod
    def from_template(cls, template: Mapping[str, object]) -> Scheme:
        """A parsed SPEC §1 template (dict) → Scheme; other template keys are ignored."""
        tasks = tuple(TaskSpec(str(t["label"]), int(t["max"])) for t in template["tasks"])  # type: ignore[index,union-attr]
        grades = GradeScale(template["grades"])  # type: ignore[arg-type]
        rules = Rules.from_mapping(template.get("discrepancy"))  # type: ignore[arg-type]
        return cls(tasks, grades, rules)

    @classmethod
    def from_spec(cls, spec: object) -> Scheme:
        """Duck-typed: anything with ``.tasks`` (items with .label/.max), ``.grades``
        and ``.discrepancy`` — e.g. the validated template spec — without importing it."""
        tasks = tuple(TaskSpec(t.label, t.max) for t in spec.tasks)  # type: ignore[attr-defined]
        rules = Rules.from_mapping(getattr(spec, "discrepancy", None))
        return cls(tasks, GradeScale(spec.grades), rules)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PaperMarks:
    """Everything known about one paper, as plain data from the service layer.

    ``rechecks`` and ``review`` hold only *submitted* score sets: drafts are not
    marks yet. ``journal_mark`` is the optional "Отметка по журналу" (2–5).
    """

    cipher: str
    school: str
    participant: str
    original: Mapping[str, object]
    rechecks: Sequence[Mapping[str, object]] = ()
    review: Mapping[str, object] | None = None
    status: str = "unassigned"
    class_name: str | None = None
    municipality: str | None = None
    original_marker: str | None = None
    journal_mark: int | None = None


class ScoreSet(NamedTuple):
    """A complete score set in task order, with its total and grade."""

    scores: tuple[int, ...]
    total: int
    grade: int


class PaperResult(NamedTuple):
    """The engine's verdict on one paper.

    ``significant`` compares the recheck with the original (None until the
    rechecks are in); ``final_significant`` compares the final marks, i.e. the
    discrepancy that survived a review — group statistics use that one so a
    school is judged on confirmed discrepancies, not on one expert's slip.
    """

    paper: PaperMarks
    original: ScoreSet
    recheck: ScoreSet | None
    final: ScoreSet | None
    significant: bool | None
    rechecks_disagree: bool
    review_required: bool
    final_significant: bool | None
    deltas: tuple[int, ...] | None  # final − original, per task
    delta_total: int | None  # final total − original total

    @property
    def checked(self) -> bool:
        return self.final is not None

    @property
    def sent_to_review(self) -> bool | None:
        """Whether the rechecks sent the paper to a third check (they differed significantly
        from the original, or from each other); None until the rechecks are in. Not the same
        as ``final_significant`` (the discrepancy confirmed by the final marks)."""
        if self.recheck is None and not self.rechecks_disagree:
            return None
        return self.review_required

    @property
    def direction(self) -> str | None:
        """OVER_MARKED when the school's total exceeds the final total, etc."""
        if self.delta_total is None:
            return None
        return OVER_MARKED if self.delta_total < 0 else UNDER_MARKED if self.delta_total > 0 else NO_CHANGE

    @property
    def grade_shift(self) -> int | None:
        """-1 grade lowered, 0 confirmed, +1 raised (by the cross-check)."""
        if self.final is None:
            return None
        return (self.final.grade > self.original.grade) - (self.final.grade < self.original.grade)


def reconcile(first: Sequence[int], second: Sequence[int], tolerance: int) -> tuple[int, ...] | None:
    """Two rechecks → per-task mean rounded up, or None when any task differs by more than tolerance."""
    if max(map(abs, map(sub, first, second))) > tolerance:
        return None
    return tuple((a + b + 1) // 2 for a, b in zip(first, second))


def is_significant(original: ScoreSet, other: ScoreSet, rules: Rules) -> bool:
    """The template's rule: any task, the total, or (if enabled) the grade differs too much."""
    if abs(other.total - original.total) >= rules.total_threshold:
        return True
    if rules.grade_change and other.grade != original.grade:
        return True
    return max(map(abs, map(sub, other.scores, original.scores))) >= rules.task_threshold


def compare(paper: PaperMarks, scheme: Scheme, per_paper: int = 1) -> PaperResult:
    """Compare one paper; see :func:`compare_all` for the batch form."""
    return Engine(scheme, per_paper).compare(paper)


def compare_all(papers: Iterable[PaperMarks], scheme: Scheme, per_paper: int = 1) -> list[PaperResult]:
    """Compare every paper of a campaign. ``per_paper`` = rechecks expected per paper (1 or 2)."""
    engine = Engine(scheme, per_paper)
    return [engine.compare(p) for p in papers]


class Engine:
    """A scheme prepared for the hot loop: labels, maxima and a total→grade table."""

    def __init__(self, scheme: Scheme, per_paper: int = 1) -> None:
        if per_paper not in (1, 2):
            raise ValueError("per_paper must be 1 or 2")
        self.scheme = scheme
        self.per_paper = per_paper
        self._pick = _picker(scheme.labels)
        # Per task, every acceptable cell value → its score: one dict lookup both
        # validates and converts (Х → 0), at C speed via map().
        self._tables = tuple(_score_table(t.max) for t in scheme.tasks)
        self._grades = scheme.grades.table(sum(t.max for t in scheme.tasks))

    def score_set(self, scores: Mapping[str, object]) -> ScoreSet:
        """Validate a score set against the template and compute its total and grade."""
        try:
            if len(scores) == len(self._tables):
                vector = tuple(map(dict.__getitem__, self._tables, self._pick(scores)))
                total = sum(vector)
                return ScoreSet(vector, total, self._grades[total])
        except (KeyError, TypeError):  # a missing label, or a value needing conversion
            pass
        vector = score_vector(scores, self.scheme.tasks)  # converts "2"/2.0, or explains
        total = sum(vector)
        return ScoreSet(vector, total, self._grades[total])

    def compare(self, paper: PaperMarks) -> PaperResult:
        """One paper's verdict (the hot path)."""
        try:
            original = self.score_set(paper.original)
            rechecks = [self.score_set(r) for r in paper.rechecks]
            review = None if paper.review is None else self.score_set(paper.review)
        except ScoreError as error:
            raise ScoreError(f"paper {paper.cipher}: {error}") from None
        recheck, disagree, significant = self._reconciled(original, rechecks)
        required = disagree or bool(significant)
        if review is not None:
            final, final_significant = review, is_significant(original, review, self.scheme.rules)
        elif recheck is not None and not required:
            final, final_significant = recheck, False  # not significant, or a review was required
        else:
            return PaperResult(paper, original, recheck, None, significant, disagree, required, None, None, None)
        deltas = tuple(map(sub, final.scores, original.scores))
        return PaperResult(
            paper, original, recheck, final, significant, disagree, required,
            final_significant, deltas, final.total - original.total,
        )

    def _reconciled(
        self, original: ScoreSet, rechecks: list[ScoreSet]
    ) -> tuple[ScoreSet | None, bool, bool | None]:
        """(recheck, rechecks disagree, significant) from the submitted rechecks."""
        rules = self.scheme.rules
        if len(rechecks) < self.per_paper or not rechecks:
            return None, False, None
        if len(rechecks) == 1:
            return rechecks[0], False, is_significant(original, rechecks[0], rules)
        if len(rechecks) > 2:
            raise ValueError(f"paper has {len(rechecks)} rechecks; at most 2 are supported")
        merged = reconcile(rechecks[0].scores, rechecks[1].scores, rules.double_tolerance)
        if merged is None:
            # No single recheck exists; the paper goes to review anyway. Report it
            # as significant when either recheck alone would have been.
            return None, True, any(is_significant(original, r, rules) for r in rechecks)
        total = sum(merged)
        recheck = ScoreSet(merged, total, self._grades[total])
        return recheck, False, is_significant(original, recheck, rules)


def _picker(labels: tuple[str, ...]) -> Callable[[Mapping[str, object]], tuple[object, ...]]:
    """A function returning a score set's values in task order (itemgetter is C-fast)."""
    if len(labels) == 1:
        label = labels[0]
        return lambda scores: (scores[label],)
    return itemgetter(*labels)  # type: ignore[return-value]


def _score_table(maximum: int) -> dict[object, int]:
    """Cell value → score.

    Hash equality makes 2.0 (and, harmlessly, True) find their integer; other
    values miss and take the slow path, which converts "2" or names the error.
    """
    table: dict[object, int] = {score: score for score in range(maximum + 1)}
    table.update(dict.fromkeys(NOT_ATTEMPTED, 0))
    return table
