"""Jinja helpers: Russian labels for enums and dates in the user's zone."""
from __future__ import annotations

from flask import Flask
from flask_babel import format_datetime
from markupsafe import Markup

from ..domain.markdown import render as render_markdown
from ..domain.russian import plural

ROLE_LABELS = {"organiser": "Организатор", "expert": "Эксперт", "reviewer": "Руководитель МО",
               "observer": "Общественный наблюдатель"}
# A campaign's stage (crosscheck/domain/stage.py), computed from its papers.
CAMPAIGN_STAGE = {"preparing": "Подготовка", "loading": "Загрузка", "marking": "Проверка",
                  "review": "Третья проверка", "finished": "Проверка завершена",
                  "closed": "Завершена", "archived": "В архиве"}
PAPER_STATUS = {"unassigned": "Не назначена", "marking": "На перепроверке", "review": "Третья проверка",
                "done": "Завершена", "excluded": "Вне выборки"}
# How a paper's scanned pages were tied to it (models.IdentifiedBy, SPEC §3 `identified_by`).
IDENTIFIED_BY = {"qr": "по обложке", "code": "по коду (автоматически)", "person": "код подтверждён вручную"}
ASSIGNMENT_STATUS = {"assigned": "Назначена", "in_progress": "В работе", "submitted": "Сдана",
                     "superseded": "Переназначена"}


def label(value, table: dict[str, str]) -> str:
    key = getattr(value, "value", value)
    return table.get(key, str(key))




def criteria_html(text: str | None) -> Markup:
    """A task's criteria as the expert sees them: escaped, with a tiny markdown subset (domain/markdown.py)."""
    return Markup(render_markdown(text))


def mask_pct(fraction: float) -> str:
    """A mask's edge as the organiser reads it: a fraction of the page as «55,5» (per cent)."""
    text = f"{float(fraction) * 100:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def register(app: Flask) -> None:
    app.jinja_env.globals["plural"] = plural
    app.jinja_env.filters["role_label"] = lambda v: label(v, ROLE_LABELS)
    app.jinja_env.filters["campaign_stage"] = lambda v: label(v, CAMPAIGN_STAGE)
    app.jinja_env.filters["paper_status"] = lambda v: label(v, PAPER_STATUS)
    app.jinja_env.filters["assignment_status"] = lambda v: label(v, ASSIGNMENT_STATUS)
    app.jinja_env.filters["criteria_html"] = criteria_html  # the wizard's preview renders the same way
    app.jinja_env.filters["identified_by"] = lambda v: label(v, IDENTIFIED_BY)
    app.jinja_env.filters["yes_no"] = lambda v: "" if v is None else ("да" if v else "нет")
    app.jinja_env.filters["dict_without_page"] = lambda d: {k: v for k, v in d.items() if k != "page"}
    app.jinja_env.filters["mask_pct"] = mask_pct
    app.jinja_env.filters["dt"] = lambda v: format_datetime(v, "d MMMM y, HH:mm") if v else "—"
