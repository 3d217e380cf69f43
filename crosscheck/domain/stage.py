"""Where a campaign stands, read from its papers (never from a flag someone forgot to move).

The stage is what the campaign pages show next to its name. It follows the papers' own
statuses, so a campaign whose papers are three-quarters marked cannot be shown as
still being prepared:

- no papers yet                                         → ``preparing`` (Подготовка)
- papers, none given out yet                            → ``loading`` (Загрузка)
- some rechecks outstanding (a paper in marking, or one
  still waiting for distribution once others are out)   → ``marking`` (Проверка)
- rechecks all in, third checks still open              → ``review`` (Третья проверка)
- every paper final, or the campaign closed             → ``finished`` (Завершена)
"""
from __future__ import annotations

from dataclasses import dataclass

PREPARING, LOADING, MARKING, REVIEW, FINISHED = "preparing", "loading", "marking", "review", "finished"
STAGES = (PREPARING, LOADING, MARKING, REVIEW, FINISHED)


@dataclass(frozen=True)
class PaperCounts:
    """A campaign's papers by status (``crosscheck.models.PaperStatus``)."""

    unassigned: int = 0
    marking: int = 0
    review: int = 0
    done: int = 0

    @property
    def papers(self) -> int:
        return self.unassigned + self.marking + self.review + self.done


def campaign_stage(counts: PaperCounts, *, closed: bool = False) -> str:
    """The stage of a campaign with these papers (one of ``STAGES``)."""
    if closed:
        return FINISHED
    if counts.papers == 0:
        return PREPARING
    if counts.done == counts.papers:
        return FINISHED
    if counts.unassigned == counts.papers:
        return LOADING
    if counts.marking or counts.unassigned:
        return MARKING
    return REVIEW
