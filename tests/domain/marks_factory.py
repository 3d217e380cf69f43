"""Builders for discrepancy-engine tests: a small template and papers from score lists."""
from __future__ import annotations

from crosscheck.domain.discrepancy import PaperMarks, Scheme

#: Five tasks, max total 10; grades 3 ≥ 4, 4 ≥ 6, 5 ≥ 8.
TEMPLATE = {
    "tasks": [{"label": "1", "max": 1}, {"label": "2", "max": 2}, {"label": "3.1", "max": 2},
              {"label": "4(2)", "max": 2}, {"label": "10К1", "max": 3}],
    "grades": {"3": 4, "4": 6, "5": 8},
}
SCHEME = Scheme.from_template(TEMPLATE)
LABELS = SCHEME.labels


def scores(*values: int | str) -> dict[str, int | str]:
    """Score set from values in task order."""
    assert len(values) == len(LABELS)
    return dict(zip(LABELS, values))


def paper(
    original: tuple, *rechecks: tuple, review: tuple | None = None, school: str = "S1",
    n: int = 0, **extra: object,
) -> PaperMarks:
    """A paper from score tuples; ``n`` makes cipher and participant unique."""
    return PaperMarks(
        cipher=f"c{school}-{n:04d}", school=school, participant=f"{n:06d}",
        original=scores(*original), rechecks=[scores(*r) for r in rechecks],
        review=None if review is None else scores(*review), status="done", **extra,
    )
