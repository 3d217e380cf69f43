"""Read models for the analytics pages: who may see a campaign, overview, school, history."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.analytics import Analysis, FlagRule, GroupStats, summarize
from ...domain.discrepancy import PaperResult
from ...models import Campaign, Paper, PaperTemplate, Role, School, User
from . import charts
from .audience import audience_for
from .loader import CampaignResults, campaign_results

#: Sortable columns of the school table → how to read them from a row.
SORT_KEYS = {
    "school": lambda r: r.code,
    "name": lambda r: r.name,
    "municipality": lambda r: r.municipality,
    "papers": lambda r: r.stats.papers,
    "checked": lambda r: r.stats.checked,
    "lowered": lambda r: r.stats.grade_lowered,
    "confirmed": lambda r: r.stats.grade_confirmed,
    "raised": lambda r: r.stats.grade_raised,
    "mean": lambda r: r.stats.mean_delta,
    "significant": lambda r: r.stats.significant_share,
    "p": lambda r: r.stats.sign.pvalue if r.stats.sign else None,
    # flagged first (descending), then «недостаточно данных», then the rest
    "flagged": lambda r: (r.stats.flagged, r.stats.evidence == "insufficient"),
}


def visible_subject_ids(user: User) -> list[int] | None:
    """None: every campaign (organisers, observers); else the reviewer's subjects."""
    if user.role in (Role.ORGANISER, Role.OBSERVER):
        return None
    if user.role == Role.REVIEWER:
        return [s.id for s in user.subjects]
    return []


def may_see(user: User, campaign: Campaign) -> bool:
    subjects = visible_subject_ids(user)
    return subjects is None or campaign.template.subject_id in subjects


@dataclass(frozen=True)
class SchoolRow:
    code: str
    name: str
    municipality: str
    stats: GroupStats


@dataclass(frozen=True)
class Overview:
    summary: GroupStats
    schools: list[SchoolRow]
    scatter: charts.ChartView
    strips: charts.ChartView
    tasks: charts.ChartView


def overview(session: Session, campaign: Campaign, sort: str = "school", descending: bool = False) -> Overview:
    data = campaign_results(session, campaign)
    analysis = Analysis(data.results, data.scheme, FlagRule())
    directory = _directory(session)
    rows = [SchoolRow(g.key, *directory.get(g.key, ("", "")), g) for g in analysis.groups("school")]
    rows = sort_rows(rows, sort, descending)
    summary = analysis.summary()
    return Overview(summary, rows, scatter_chart(data.results, data).view("chart-scatter"),
                    strips_chart(data.results, rows).view("chart-strips"),
                    charts.task_bars((t.label, t.mean_delta) for t in summary.tasks).view("chart-tasks"))


def sort_rows(rows: list[SchoolRow], sort: str, descending: bool) -> list[SchoolRow]:
    """Rows sorted by a column of SORT_KEYS; empty values always last."""
    key = SORT_KEYS.get(sort, SORT_KEYS["school"])
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    return sorted(present, key=key, reverse=descending) + missing


def _directory(session: Session) -> dict[str, tuple[str, str]]:
    return {code: (name, municipality) for code, name, municipality in
            session.execute(select(School.code, School.name, School.municipality))}


def scatter_chart(results: Sequence[PaperResult], data: CampaignResults) -> charts.Chart:
    pairs = Counter((r.original.total, r.final.total) for r in results if r.final is not None)
    return charts.scatter(pairs, sum(t.max for t in data.scheme.tasks))


def strips_chart(results: Sequence[PaperResult], rows: Sequence[SchoolRow], limit: int = 25) -> charts.Chart:
    """Delta distributions of the schools most worth a look: flagged first, then by mean shift."""
    worth = sorted((r for r in rows if r.stats.checked),
                   key=lambda r: (not r.stats.flagged, r.stats.mean_delta or 0.0, r.code))[:limit]
    wanted = {r.code for r in worth}
    counts: defaultdict[str, Counter] = defaultdict(Counter)
    for r in results:
        if r.delta_total is not None and r.paper.school in wanted:
            counts[r.paper.school][r.delta_total] += 1
    return charts.delta_strips([(r.code, counts[r.code]) for r in worth],
                               "Распределение разницы баллов по школам (итог − школа)")


# --- one school --------------------------------------------------------------------------

@dataclass(frozen=True)
class SchoolDetail:
    school: School
    stats: GroupStats
    papers: list[PaperResult]  # as the reader may see them (``audience.py``)
    markers: list[GroupStats]
    labels: tuple[str, ...]
    tasks: charts.ChartView
    strips: charts.ChartView
    restricted: bool = False  # a reviewer's view: some papers and columns left out
    teacher_views: bool = True  # the campaign shows per-marker tables (``Campaign.teacher_views``)


def school_detail(session: Session, campaign: Campaign, code: str, reader: User) -> SchoolDetail | None:
    """One school for ``reader``: figures from every paper; the paper list as the reader may see it."""
    school = session.scalar(select(School).where(School.code == code))
    if school is None:
        return None
    data = campaign_results(session, campaign, school_code=code)
    if not data.results:
        return None
    audience = audience_for(session, reader, campaign)
    stats = summarize(code, data.results, data.scheme, FlagRule())
    papers = sorted(audience.papers(data.results),
                    key=lambda r: (r.paper.class_name or "", r.paper.participant or "", r.paper.cipher))
    markers = Analysis(data.results, data.scheme, FlagRule()).groups("original_marker") \
        if campaign.teacher_views else []  # switched off: not built at all
    deltas = Counter(r.delta_total for r in data.results if r.delta_total is not None)
    return SchoolDetail(school, stats, papers, markers, data.labels,
                        charts.task_bars((t.label, t.mean_delta) for t in stats.tasks).view("chart-tasks"),
                        charts.delta_strips([(code, deltas)], "Распределение разницы баллов по работам школы "
                                            "(итог − школа)").view("chart-strips"), audience.restricted,
                        campaign.teacher_views)


# --- history across campaigns ---------------------------------------------------------------

@dataclass(frozen=True)
class HistoryRow:
    campaign: Campaign
    key: str  # the school code, or "school · marker"
    stats: GroupStats


def history(session: Session, user: User, school_code: str = "", marker: str = "") -> list[HistoryRow]:
    """The school's (or the original marker's) statistics in every campaign the user may see;
    a marker's only in campaigns whose teacher views are on (``Campaign.teacher_views``)."""
    if not school_code and not marker:
        return []
    rows = []
    for campaign in _campaigns_with(session, user, school_code, marker):
        data = campaign_results(session, campaign, school_code=school_code or None)
        analysis = Analysis(data.results, data.scheme, FlagRule())
        if marker:
            groups = [g for g in analysis.groups("original_marker") if g.key[1] == marker]
            rows += [HistoryRow(campaign, " · ".join(g.key), g) for g in groups]
        elif data.results:
            rows.append(HistoryRow(campaign, school_code, analysis.summary()))
    return rows


def _campaigns_with(session: Session, user: User, school_code: str, marker: str) -> list[Campaign]:
    stmt = (select(Campaign).join(PaperTemplate, Campaign.template_id == PaperTemplate.id)
            .where(Campaign.id.in_(_campaign_ids(school_code, marker)))
            .order_by(Campaign.created_at, Campaign.id))
    if marker:
        stmt = stmt.where(Campaign.teacher_views.is_(True))
    subjects = visible_subject_ids(user)
    if subjects is not None:
        stmt = stmt.where(PaperTemplate.subject_id.in_(subjects))
    return list(session.scalars(stmt))


def _campaign_ids(school_code: str, marker: str):
    stmt = select(Paper.campaign_id).distinct().join(School, Paper.school_id == School.id)
    if school_code:
        stmt = stmt.where(School.code == school_code)
    if marker:
        stmt = stmt.where(Paper.original_marker_name == marker)
    return stmt
