"""Calibration papers: an expert's blind copy of a reference paper against its key
(docs/experts.md, «Calibration papers»). Pure: plain data in, plain data out.

Every figure is computed from the key as it is *now*: a changed key changes every
deviation at the next read, nothing is stored.

- per copy: per task ``expert − key``, the total difference, and whether it exceeds the
  campaign's discrepancy tolerance — the template's own rule (SPEC §7, ``is_significant``:
  a task differing by ≥ task_threshold, the total by ≥ total_threshold, or the grade when
  grade_change is on), applied to the key as the reference;
- per expert: copies given and submitted, the mean signed total difference (negative:
  stricter than the key, «строже эталона»; positive: more lenient), per task mean signed
  difference, and how many copies exceeded the tolerance.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .discrepancy import Engine, is_significant


@dataclass(frozen=True)
class CopyDeviation:
    """One submitted copy against the current key."""

    cipher: str
    expert: tuple[int, ...]
    key: tuple[int, ...]
    diffs: tuple[int, ...]  # expert − key, template order
    total_diff: int
    exceeds: bool

    @property
    def expert_total(self) -> int:
        return sum(self.expert)

    @property
    def key_total(self) -> int:
        return sum(self.key)


@dataclass(frozen=True)
class ExpertCalibration:
    login: str
    name: str
    given: int  # live copies (submitted or not)
    copies: tuple[CopyDeviation, ...] = ()  # the submitted ones, in submission order
    task_means: tuple[float | None, ...] = ()  # per task mean signed difference
    live_rechecks: int = 0  # submitted live rechecks (not copies)
    paused: bool = False
    pause_note: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def done(self) -> int:
        return len(self.copies)

    @property
    def mean_diff(self) -> float | None:
        return sum(c.total_diff for c in self.copies) / len(self.copies) if self.copies else None

    @property
    def exceeding(self) -> int:
        return sum(c.exceeds for c in self.copies)

    @property
    def direction(self) -> str:
        """Respectful Russian wording of the mean difference."""
        mean = self.mean_diff
        if mean is None:
            return "нет сданных калибровочных работ"
        if mean < 0:
            return "строже эталона"
        if mean > 0:
            return "мягче эталона"
        return "в среднем совпадает с эталоном"


def deviation(engine: Engine, cipher: str, expert: Mapping[str, int], key: Mapping[str, int]) -> CopyDeviation:
    """One copy against the key, with the campaign's tolerance (``engine.scheme.rules``)."""
    mine, reference = engine.score_set(expert), engine.score_set(key)
    diffs = tuple(a - b for a, b in zip(mine.scores, reference.scores))
    return CopyDeviation(cipher, mine.scores, reference.scores, diffs, mine.total - reference.total,
                         is_significant(reference, mine, engine.scheme.rules))


def task_means(copies: Sequence[CopyDeviation], tasks: int) -> tuple[float | None, ...]:
    if not copies:
        return (None,) * tasks
    return tuple(sum(c.diffs[i] for c in copies) / len(copies) for i in range(tasks))


def summarise(engine: Engine, login: str, name: str, given: int,
              submitted: Sequence[tuple[str, Mapping[str, int], Mapping[str, int]]],
              *, live_rechecks: int = 0, paused: bool = False, pause_note: str = "") -> ExpertCalibration:
    """An expert's calibration: ``submitted`` is (cipher, the expert's scores, the current key)."""
    copies = tuple(deviation(engine, c, mine, key) for c, mine, key in submitted)
    return ExpertCalibration(login, name, given, copies, task_means(copies, len(engine.scheme.tasks)),
                             live_rechecks, paused, pause_note)
