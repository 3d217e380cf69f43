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
    "significant_share": "много подтверждённых расхождений",
    "systematic_over_marking": "систематическое завышение",
    "systematic_under_marking": "систематическое занижение",
}


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("да" if value else "нет")


def commission_name(campaign: Campaign) -> str:
    template = campaign.template
    return f"{template.subject.name}, {template.grade_level} класс"


def flag_text(reasons) -> str:
    return "; ".join(FLAG_REASONS.get(r, r) for r in reasons)
