"""«Скрининг» (issue 17, SPEC §8): which schools' own marks look non-objective, before any
re-marking — the campaign's schools by risk, and a school's histogram of totals, task profile
and VPR-vs-journal table with the reasons in plain Russian.

Who may read a campaign's analytics may read its screening (``analytics.campaign_or_404``):
organisers and observers every campaign, reviewers their subject's (another's answers 404),
experts never (403). The screen is built from aggregates of the original marks only — no
cipher, participant or original marker — so a reviewer sees what an organiser sees.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup

from ..domain.screening import (DISCLAIMER, HIGH_GRADES, INDICATOR_RU, INDICATORS, RAISED_VS_JOURNAL, TASK_PROFILE,
                                THRESHOLD_PEAK, SchoolScreen)
from ..extensions import session
from ..services.screening.screen import screen_campaign, screen_school
from .access import roles_required
from .analytics import READERS, campaign_or_404
from .screening_charts import (histogram_geometry, histogram_svg, profile_geometry, profile_svg, ru_number,
                               ru_percent)

bp = Blueprint("screening", __name__, url_prefix="/analytics")

PER_PAGE = 50
INSUFFICIENT = "недостаточно данных"


@bp.app_template_filter("ru_num")
def ru_num_filter(value, digits: int = 1) -> str:
    return ru_number(value, digits)


@bp.app_template_filter("ru_pct")
def ru_pct_filter(value, digits: int = 0) -> str:
    return ru_percent(value, digits)


@bp.app_template_filter("capfirst")
def capfirst(text: str) -> str:
    """The first letter in capitals, the rest as it is («Отметки ВПР …», not «Отметки впр …»)."""
    return text[:1].upper() + text[1:] if text else ""


@bp.app_template_filter("sentence")
def sentence(text: str) -> str:
    """A reason line of the screen as a sentence: capital letter, full stop."""
    text = (text or "").strip()
    if not text:
        return ""
    text = capfirst(text)
    return text if text.endswith((".", "!", "?")) else text + "."


@bp.app_template_filter("p_value")
def p_value(p: float | None) -> str:
    if p is None:
        return "—"
    if p < 0.0001:
        return "< 0,0001"
    return ru_number(p, 4 if p < 0.01 else 3 if p < 0.1 else 2)


@bp.route("/<slug>/screening")
@roles_required(*READERS)
def campaign(slug: str):
    c = campaign_or_404(slug)
    result = screen_campaign(session(), c)
    screening = result.screening
    rank = {s.school: i for i, s in enumerate(screening.schools, 1)}
    only_flagged = request.args.get("flagged") == "1"
    rows = screening.flagged if only_flagged else screening.schools
    pages = max(1, math.ceil(len(rows) / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    shown = rows[(page - 1) * PER_PAGE: page * PER_PAGE]
    return render_template("analytics/screening.html", campaign=c, result=result, s=screening, rows=shown,
                           rank=rank, only_flagged=only_flagged, page=page, pages=pages, total_rows=len(rows),
                           per_page=PER_PAGE, disclaimer=DISCLAIMER, indicator_ru=INDICATOR_RU,
                           insufficient=INSUFFICIENT,
                           other_notes=[n for n in result.notes if "одна школа" not in n])


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of a school, as its page's table says it."""

    code: str
    name: str
    school: str  # the school's figure, formatted
    campaign: str  # the campaign's figure, formatted
    p: float | None
    verdict: str  # "reason" | "none" | "insufficient"
    line: str  # the explanation (a reason) or the note (not enough data)


def indicator_rows(row: SchoolScreen, campaign) -> list[IndicatorRow]:
    explanation = dict(zip(row.reasons, row.explanations))
    figures = {
        HIGH_GRADES: (f"«5»: {ru_percent(row.grade_shares.get('5'))}, «4» и «5»: "
                      f"{ru_percent(_sum(row.grade_shares, '4', '5'))}",
                      f"«5»: {ru_percent(campaign.grade_shares.get('5'))}, «4» и «5»: "
                      f"{ru_percent(_sum(campaign.grade_shares, '4', '5'))}"),
        RAISED_VS_JOURNAL: (ru_percent(row.journal.raised), ru_percent(campaign.journal.raised)),
        THRESHOLD_PEAK: (ru_percent(row.threshold_peak), ru_percent(campaign.threshold_peak)),
        TASK_PROFILE: (_pp(row.task_profile), "0 п.п. (по определению)"),
    }
    out = []
    for code in INDICATORS:
        note = next((n for n in row.notes if f"({INDICATOR_RU[code]})" in n), "")
        if code in explanation:
            verdict, line = "reason", explanation[code]
        elif note:
            verdict, line = "insufficient", note.split(": ", 1)[-1]
        else:
            verdict, line = "none", ""
        out.append(IndicatorRow(code, INDICATOR_RU[code], *figures[code], row.p_values.get(code), verdict, line))
    return out


def _sum(shares: dict[str, float], *grades: str) -> float | None:
    return sum(shares[g] for g in grades) if shares else None


def _pp(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{'+' if value > 0 else ''}{ru_number(100 * value, 0)} п.п."


@bp.route("/<slug>/screening/<school_code>")
@roles_required(*READERS)
def school(slug: str, school_code: str):
    c = campaign_or_404(slug)
    found = screen_school(session(), c, school_code)
    if found is None:
        abort(404)
    row, detail = found.school, found.detail
    peak = THRESHOLD_PEAK in row.reasons
    histogram = Markup(histogram_svg(histogram_geometry(detail, peak), "Распределение первичных баллов школы"))
    profile = Markup(profile_svg(profile_geometry(detail), "Выполнение заданий: школа и кампания"))
    campaign_share = [n / detail.campaign_participants for n in detail.campaign_histogram]
    return render_template("analytics/screening_school.html", campaign=c, found=found, row=row, d=detail,
                           s=found.campaign.screening, info=found.info, peak=peak, histogram_svg=histogram,
                           profile_svg=profile, campaign_share=campaign_share,
                           indicators=indicator_rows(row, found.campaign.screening), disclaimer=DISCLAIMER,
                           single_school=len(found.campaign.screening.schools) == 1)
