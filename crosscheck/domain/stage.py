"""Where a campaign stands, read from its papers (never from a flag someone forgot to move).

The stage is what the campaign pages show next to its name. It follows the papers' own
statuses, so a campaign whose papers are three-quarters marked cannot be shown as
still being prepared:

- no papers yet                                         → ``preparing`` (Подготовка)
- papers, none given out yet                            → ``loading`` (Загрузка)
- some rechecks outstanding (a paper in marking, or one
  still waiting for distribution once others are out)   → ``marking`` (Проверка)
- rechecks all in, third checks still open              → ``review`` (Третья проверка)
- every paper final (the organiser may now close it)   → ``finished`` (Проверка завершена)
- closed by the organiser: marks frozen, protocols out  → ``closed`` (Завершена)
- closed and put in the archive                         → ``archived`` (В архиве)

Closing and archiving are the organiser's decisions, so they are data given to the
function (``closed=``, ``archived=``), not guessed from the papers.
"""
from __future__ import annotations

from dataclasses import dataclass

PREPARING, LOADING, MARKING, REVIEW, FINISHED = "preparing", "loading", "marking", "review", "finished"
CLOSED, ARCHIVED = "closed", "archived"
STAGES = (PREPARING, LOADING, MARKING, REVIEW, FINISHED, CLOSED, ARCHIVED)


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


def campaign_stage(counts: PaperCounts, *, closed: bool = False, archived: bool = False) -> str:
    """The stage of a campaign with these papers (one of ``STAGES``)."""
    if archived:
        return ARCHIVED
    if closed:
        return CLOSED
    if counts.papers == 0:
        return PREPARING
    if counts.done == counts.papers:
        return FINISHED
    if counts.unassigned == counts.papers:
        return LOADING
    if counts.marking or counts.unassigned:
        return MARKING
    return REVIEW
