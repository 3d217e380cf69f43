"""Read models for the organiser's campaign page: per-school progress."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from ...models import Campaign, Page, PageStatus, Paper, PaperStatus, School


@dataclass(frozen=True)
class SchoolRow:
    school: School
    papers: int
    with_pages: int
    done: int


def school_rows(session: Session, campaign: Campaign) -> list[SchoolRow]:
    placed = (select(Page.paper_id).where(Page.campaign_id == campaign.id, Page.status == PageStatus.PLACED)
              .distinct().subquery())
    stmt = (
        select(School, func.count(Paper.id), func.count(distinct(placed.c.paper_id)),
               func.coalesce(func.sum(case((Paper.status == PaperStatus.DONE, 1), else_=0)), 0))
        .join(Paper, Paper.school_id == School.id)
        .outerjoin(placed, placed.c.paper_id == Paper.id)
        .where(Paper.campaign_id == campaign.id)
        .group_by(School.id)
        .order_by(School.code)
    )
    return [SchoolRow(school, papers, with_pages, int(done))
            for school, papers, with_pages, done in session.execute(stmt)]


def campaigns_by_slug(session: Session, slug: str) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.slug == slug))
