"""The campaign's screen (SPEC §8): the schools' original marks out of the database, into
``domain.screening``.

One statement reads every paper with original marks: its school, its journal mark and its
scores packed inside the database, one byte a task (the report loader's packing,
``services/reports/loader.py``), so a campaign of 30,000 papers × 20 tasks arrives as 30,000
short rows instead of 600,000. Papers without original scores (nothing imported) are not
screened; an incomplete score set (never written by the importer) is left out and counted.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from operator import lshift

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ...domain.discrepancy import Scheme
from ...domain.screening import SchoolScreen, ScreeningRules, Screening, ScreenPaper, screen
from ...domain.screening_detail import SchoolDetail, school_detail
from ...models import Campaign, OriginalScore, Paper, School, TemplateTask
from ..marking.schemes import scheme_for
from ..reports.loader import BYTE, SHIFTS, _packed_columns as packed_columns


@dataclass(frozen=True)
class SchoolInfo:
    name: str
    municipality: str


@dataclass(frozen=True)
class CampaignScreening:
    """A campaign's screen with what a page or file needs to show it."""

    campaign: Campaign
    screening: Screening
    schools: dict[str, SchoolInfo] = field(default_factory=dict)  # code → name, municipality
    incomplete: int = 0  # papers left out: some task without an original score

    @property
    def notes(self) -> tuple[str, ...]:
        extra = (f"работ с неполными первичными баллами (не все задания): {self.incomplete}; они не учтены",) \
            if self.incomplete else ()
        return self.screening.notes + extra

    def as_dict(self) -> dict[str, object]:
        """SPEC §8's JSON; each school row also names the school and its municipality."""
        data = self.screening.as_dict(self.campaign.slug)
        rows = []
        for row in data["schools"]:  # type: ignore[union-attr]
            info = self.schools.get(row["school"])
            rows.append({"school": row["school"], "name": info.name if info else "",
                         "municipality": info.municipality if info else ""} | row)
        data["schools"] = rows
        data["notes"] = list(self.notes)
        return data


def screen_campaign(session: Session, campaign: Campaign, rules: ScreeningRules = ScreeningRules()) -> CampaignScreening:
    """Screen every school of ``campaign`` against the rest of it, from the original marks alone."""
    return _screen(session, campaign, rules)[0]


@dataclass(frozen=True)
class SchoolScreening:
    """One school's screen (its row of the campaign's) with what its page draws."""

    campaign: CampaignScreening
    school: SchoolScreen
    info: SchoolInfo | None
    detail: SchoolDetail


def screen_school(session: Session, campaign: Campaign, code: str,
                  rules: ScreeningRules = ScreeningRules()) -> SchoolScreening | None:
    """The campaign's screen and school ``code``'s histogram, task profile and journal counts,
    from the same single read of the papers; None when the school has no screened paper."""
    result, papers, scheme = _screen(session, campaign, rules)
    row = result.screening.school(code)
    if row is None:
        return None
    detail = school_detail(papers, scheme.tasks, scheme.grades, code, rules)
    if detail is None:  # pragma: no cover - a screened school has papers
        return None
    return SchoolScreening(result, row, result.schools.get(code), detail)


def _screen(session: Session, campaign: Campaign, rules: ScreeningRules
            ) -> tuple[CampaignScreening, list[ScreenPaper], Scheme]:
    scheme = scheme_for(campaign.template)
    tasks = list(campaign.template.tasks)
    papers, incomplete = load_screen_papers(session, campaign, tasks, scheme)
    names = {code: SchoolInfo(name, municipality or "") for code, name, municipality in session.execute(
        select(School.code, School.name, School.municipality)
        .where(School.id.in_(select(Paper.school_id).where(Paper.campaign_id == campaign.id))))}
    result = CampaignScreening(campaign, screen(papers, scheme.tasks, scheme.grades, rules), names, incomplete)
    return result, papers, scheme


def load_screen_papers(session: Session, campaign: Campaign, tasks: list[TemplateTask],
                       scheme: Scheme) -> tuple[list[ScreenPaper], int]:
    """Every paper with original scores as ``ScreenPaper`` (one statement), and how many
    were left out because their score set is incomplete."""
    if not tasks:
        return [], 0
    if any(t.max_score >= BYTE for t in tasks):  # cannot be packed in a byte: score rows, still one statement
        return _load_plain(session, campaign, tasks)
    n = len(tasks)
    papers, incomplete = [], 0
    for school, journal, count, *words in session.connection().execute(_packed_stmt(campaign, tasks)):
        if count != n:
            incomplete += 1
            continue
        papers.append(ScreenPaper(school, tuple(sum(map(lshift, words, SHIFTS)).to_bytes(n, "little")), journal))
    return papers, incomplete


def _packed_stmt(campaign: Campaign, tasks: list[TemplateTask]) -> Select:
    ids = select(Paper.id).where(Paper.campaign_id == campaign.id)
    packed = (select(OriginalScore.paper_id, *packed_columns(OriginalScore, tasks))
              .where(OriginalScore.paper_id.in_(ids)).group_by(OriginalScore.paper_id).subquery())
    return (select(School.code, Paper.journal_mark, *list(packed.c)[1:])
            .select_from(packed).join(Paper, Paper.id == packed.c.paper_id)
            .join(School, School.id == Paper.school_id).order_by(Paper.id))


def _load_plain(session: Session, campaign: Campaign, tasks: list[TemplateTask]) -> tuple[list[ScreenPaper], int]:
    position = {t.id: k for k, t in enumerate(tasks)}
    rows = session.connection().execute(
        select(Paper.id, School.code, Paper.journal_mark, OriginalScore.task_id, OriginalScore.score)
        .join(School, School.id == Paper.school_id).join(OriginalScore, OriginalScore.paper_id == Paper.id)
        .where(Paper.campaign_id == campaign.id).order_by(Paper.id))
    found: dict[int, tuple[str, int | None, list[int | None]]] = {}
    seen: defaultdict[int, int] = defaultdict(int)
    for pid, school, journal, task_id, score in rows:
        entry = found.setdefault(pid, (school, journal, [None] * len(tasks)))
        if task_id in position:
            entry[2][position[task_id]] = score
            seen[pid] += 1
    papers = [ScreenPaper(school, tuple(scores), journal)  # type: ignore[arg-type]
              for pid, (school, journal, scores) in found.items() if seen[pid] == len(tasks)]
    return papers, len(found) - len(papers)
