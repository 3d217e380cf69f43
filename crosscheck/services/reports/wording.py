"""Russian wording shared by the report files and the analytics pages."""
from __future__ import annotations

from ...models import Campaign

STATUS_LABELS = {"unassigned": "Не назначена", "marking": "На перепроверке", "review": "Третья проверка",
                 "done": "Завершена"}
FLAG_REASONS = {
    "significant_share": "много значимых расхождений",
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
