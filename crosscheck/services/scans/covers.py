"""Cover sheets for one school's papers, ordered by participant code (SPEC §3)."""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Paper, PaperStatus, School
from ..campaigns.store import get_campaign


class CoversError(ValueError):
    pass


def write_school_covers(session: Session, campaign_slug: str, school_code: str, dest: Path | BinaryIO) -> int:
    from scanner_import import CoverEntry, CoverSheetSet, write_covers_pdf

    campaign = get_campaign(session, campaign_slug)
    school = session.scalar(select(School).where(School.code == school_code))
    if school is None:
        raise CoversError(f"--school: неизвестный код ОО «{school_code}»")
    rows = session.execute(select(Paper.participant_code, Paper.cipher, Paper.status).where(
        Paper.campaign_id == campaign.id, Paper.school_id == school.id).order_by(Paper.participant_code)).all()
    if not rows:
        raise CoversError(f"в кампании «{campaign.slug}» нет работ ОО {school_code}: сначала загрузите первичные баллы")
    # Once a sample is fixed (SPEC §8), only its papers get covers: the others are not scanned.
    entries = [CoverEntry(code, cipher) for code, cipher, status in rows if status != PaperStatus.EXCLUDED]
    if not entries:
        raise CoversError(f"ни одна работа ОО {school_code} не вошла в выборку кампании «{campaign.slug}»: "
                          f"обложки не нужны")
    sheets = CoverSheetSet(campaign.slug, campaign.name, school.code, school.name, entries)
    return write_covers_pdf(sheets, dest)
