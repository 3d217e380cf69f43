"""Russian wording shared by the report files and the analytics pages."""
from __future__ import annotations

from ...models import Campaign

# Two ideas that must never share a word (issue 16, item 7):
SENT_TO_REVIEW = "Ушла на третью проверку"  # the recheck differed significantly (PaperResult.sent_to_review)
CONFIRMED = "Расхождение подтверждено"  # the final marks differ significantly (final_significant)
SENT_TO_REVIEW_COUNT = "Ушли на третью проверку"  # GroupStats.review_required
CONFIRMED_SHARE = "Доля подтверждённых расхождений"  # GroupStats.significant_share

STATUS_LABELS = {"unassigned": "Не назначена", "marking": "На перепроверке", "review": "Третья проверка",
                 "done": "Завершена", "excluded": "Вне выборки"}
FLAG_REASONS = {
    "systematic_over_marking": "систематическое завышение",
    "systematic_under_marking": "систематическое занижение",
}


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("да" if value else "нет")


def commission_name(campaign: Campaign) -> str:
    template = campaign.template
    return f"{template.subject.name}, {template.grade_level} класс"


#: A group with too few checked papers for the flag rule's test (GroupStats.evidence): never "not flagged".
INSUFFICIENT = "недостаточно данных"
INSUFFICIENT_HINT = ("проверенных работ слишком мало, чтобы критерий мог показать систематическое "
                     "расхождение: это не «не отмечена»")
EVIDENCE = {"sufficient": "достаточно", "insufficient": INSUFFICIENT}


def flag_text(reasons) -> str:
    return "; ".join(FLAG_REASONS.get(r, r) for r in reasons)


def flag_verdict(stats) -> str:
    """A group's flag in words: its reasons, «недостаточно данных», or "" (enough papers, not flagged)."""
    if stats.flagged:
        return flag_text(stats.flag_reasons)
    return INSUFFICIENT if stats.evidence == "insufficient" else ""


def flagged_cell(stats) -> str:
    """«да» / «нет» / «недостаточно данных» for a «Отмечено» column."""
    if stats.flagged:
        return "да"
    return INSUFFICIENT if stats.evidence == "insufficient" else "нет"


def ru_number(value: float | None, digits: int = 2, signed: bool = False, empty: str = "—") -> str:
    """A number as Russian documents write it: a decimal comma (``1,5``); ``signed`` puts "+"
    before a positive value. The minus stays the ASCII hyphen-minus, so that a copied value
    pastes into a spreadsheet as a number."""
    if value is None:
        return empty
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace(".", ",")


def ru_delta(value: float | None) -> str:
    """A mean change of the primary score: ``+0,25``, ``-1,50``, ``—`` when there is none."""
    return ru_number(value, 2, signed=True)
