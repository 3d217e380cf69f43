"""What an organiser should do next in a campaign, from counts only (pure).

The organiser's home lists, per campaign, the few things that hold the work up, most
blocking first — marks missing for some schools, pages waiting in the queue, papers held
back, papers not given out, experts' problems, third checks nobody can take — each with how
many and where to act. Nothing here knows Flask or the database: the service counts, the
page turns each step's ``where`` into a link.
"""
from __future__ import annotations

from .russian import counted as _n

from dataclasses import dataclass


@dataclass(frozen=True)
class CampaignFacts:
    papers: int                  # papers to re-check (outside a fixed sample left out)
    unassigned: int              # of those, not given to anybody yet
    review: int                  # waiting for or in a third check
    done: int
    schools_without_marks: int   # schools registered in crosscheck with no paper in the campaign
    unidentified_pages: int      # scanned pages no paper could be found for
    held_back: int               # papers whose pages wait for the organiser's check
    without_scans: int           # papers to re-check with no placed page yet
    open_problems: int           # experts' problem reports not yet handled
    reviews_unassigned: int      # papers in review with no live third check
    deadline_passed: bool = False
    closed: bool = False
    pending_titles: int = 0      # title pages (no cover) whose handwritten code a person confirms


@dataclass(frozen=True)
class Step:
    where: str   # marks | titles | unidentified | doubts | scans | assign | problems | reviews | deadline | close
    text: str    # one Russian line, with the count
    count: int
    urgent: bool = False




def next_steps(f: CampaignFacts) -> list[Step]:
    """The steps, most blocking first; empty when nothing waits for the organiser."""
    if f.closed:
        return []
    if f.papers == 0:
        return [Step("marks", "Загрузите первичные баллы школ: работ в кампании пока нет.", 0, urgent=True)]
    steps: list[Step] = []
    if f.schools_without_marks:
        steps.append(Step("marks", f"Нет первичных баллов у {_n(f.schools_without_marks, 'школы', 'школ', 'школ')}.",
                          f.schools_without_marks))
    if f.pending_titles:
        steps.append(Step("titles", f"{_n(f.pending_titles, 'титульный лист ждёт', 'титульных листа ждут', 'титульных листов ждут')} "
                                    "подтверждения кода участника.", f.pending_titles, urgent=True))
    if f.unidentified_pages:
        steps.append(Step("unidentified", f"{_n(f.unidentified_pages, 'страница ждёт', 'страницы ждут', 'страниц ждут')} "
                                          "в очереди нераспознанных.", f.unidentified_pages, urgent=True))
    if f.held_back:
        steps.append(Step("doubts", f"{_n(f.held_back, 'работа задержана', 'работы задержаны', 'работ задержано')}: "
                                    "проверьте положение страниц.", f.held_back, urgent=True))
    if f.open_problems:
        steps.append(Step("problems", f"{_n(f.open_problems, 'сообщение эксперта ждёт', 'сообщения экспертов ждут', 'сообщений экспертов ждут')} "
                                      "решения.", f.open_problems, urgent=True))
    if f.without_scans:
        steps.append(Step("scans", f"Ждём сканы {_n(f.without_scans, 'работы', 'работ', 'работ')}.", f.without_scans))
    if f.unassigned:
        steps.append(Step("assign", f"{_n(f.unassigned, 'работа не распределена', 'работы не распределены', 'работ не распределено')} "
                                    "между экспертами.", f.unassigned))
    if f.reviews_unassigned:
        steps.append(Step("reviews", f"{_n(f.reviews_unassigned, 'третья проверка', 'третьи проверки', 'третьих проверок')} "
                                     "некому назначить: добавьте руководителя МО по предмету.", f.reviews_unassigned,
                          urgent=True))
    unfinished = f.papers - f.done
    if f.deadline_passed and unfinished:
        steps.append(Step("deadline", f"Срок проверки прошёл, не завершено {_n(unfinished, 'работа', 'работы', 'работ')}.",
                          unfinished, urgent=True))
    if not steps and f.done == f.papers:
        steps.append(Step("close", "Все работы проверены — можно завершить кампанию: баллы будут заморожены, "
                                   "итоговые протоколы опубликованы.", f.done))
    return steps
