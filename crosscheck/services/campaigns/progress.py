"""Read models for the organiser's campaign page: per-school progress."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ...models import Campaign, Page, PageStatus, Paper, PaperStatus, School


@dataclass(frozen=True)
class SchoolRow:
    """One school's papers on the campaign page. Once a sample is fixed (SPEC §8), ``papers``,
    ``with_pages`` and ``done`` count its sampled papers only; ``excluded`` the others, and
    ``excluded_scanned`` those of them whose scans came anyway (kept, never given out)."""

    school: School
    papers: int
    with_pages: int
    done: int
    excluded: int = 0
    excluded_scanned: int = 0

    @property
    def waiting(self) -> int:
        """Sampled papers whose scans have not come yet: «ждём 12 работ от ОО 500105»."""
        return self.papers - self.with_pages


def school_rows(session: Session, campaign: Campaign) -> list[SchoolRow]:
    placed = (select(Page.paper_id).where(Page.campaign_id == campaign.id, Page.status == PageStatus.PLACED)
              .distinct().subquery())
    excluded = Paper.status == PaperStatus.EXCLUDED
    scanned = placed.c.paper_id.is_not(None)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = (
        select(School, count(~excluded), count(and_(~excluded, scanned)), count(Paper.status == PaperStatus.DONE),
               count(excluded), count(and_(excluded, scanned)))
        .join(Paper, Paper.school_id == School.id)
        .outerjoin(placed, placed.c.paper_id == Paper.id)
        .where(Paper.campaign_id == campaign.id)
        .group_by(School.id)
        .order_by(School.code)
    )
    return [SchoolRow(school, *(int(v) for v in values)) for school, *values in session.execute(stmt)]


def campaigns_by_slug(session: Session, slug: str) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.slug == slug))
