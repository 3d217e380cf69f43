"""Scans without cover sheets (SPEC §3): uncovered papers matched to a school's codes.

The pipeline hands over each uncovered paper with the reading of its title page (the
handwritten participant code as an N x 10 probability table). Here the whole stack is
matched one-to-one against the **roster** (``scanner_import.identity.match_pages``):

* the roster is the batch school's papers in the campaign whose participant code has the
  template's number of digits and that have **no placed page yet** - a code already placed
  (by a cover, an earlier import, or a confirmation) is not offered again, so a second scan
  of a paper can never be matched onto it: it goes to the queue instead (its true code is
  missing from the roster, so no candidate reaches the confidence floor);
* an automatic match places the paper's pages exactly as a covered paper's are placed
  (masked renders, doubts and held-back rules alike), ``identified_by = "code"``;
* anything else becomes a :class:`PendingTitle` (status ``pending``) with its candidates,
  the digits as read and the crop of the code box; its pages (the title page and those
  after it) are stored as unidentified pages linked to it (``Page.pending_title_id``),
  already masked for their positions, and they stay out of the unidentified queue.

A person confirms a pending title (``scans confirm`` or the web queue): the paper must be
the school's, with no placed page; its pages are then placed at once, ``identified_by =
"person"``. Nothing is placed under a code that was neither matched with confidence nor
confirmed by a person.
"""
from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.lifecycle import ensure_open
from ...db import utcnow
from ...models import (Campaign, IdentifiedBy, Page, PageStatus, Paper, PendingStatus, PendingTitle,
                       ScanBatch, School)
from ..audit.trail import Actor, record
from .pages import stored_path

PENDING_REASON = "ждёт подтверждения кода участника (титульный лист — стр. {page} файла)"
NO_SCHOOL = "у файла не указана ОО: код участника не с чем сопоставить"

# Why a title page waits for a person (PendingTitle.reason, shown in the queue and by
# `scans status`); from the match's own figures, not from its English wording.
WHY_NO_ROSTER = ("у ОО «{school}» нет участников без размещённой работы: прочитанный код {digits} "
                 "не с чем сопоставить")
WHY_WRONG_SCHOOL = ("ни один код в файле не совпал с участниками ОО «{school}» (этот: {digits}, лучший "
                    "кандидат — {best}): похоже, файл другой ОО; проверьте ОО, выбранную при загрузке")
WHY_NOT_ON_ROSTER = ("прочитанный код {digits} не совпадает уверенно ни с одним участником ОО «{school}» "
                     "без размещённой работы (лучший кандидат — {best})")
WHY_AMBIGUOUS = "код {digits} читается неоднозначно: коды участников {best} слишком похожи"
WHY_RIVALS = ("другой титульный лист в этом файле читается как тот же код ({best}): ни один из них "
              "не размещён автоматически")
WHY_LEFT_OUT = ("титульных листов больше, чем участников ОО «{school}» без размещённой работы: "
                "этому листу код не достался")
WHY_EMPTY_CELLS = "заполнены не все клетки кода ({digits}); "


def reason_ru(match, school: str, digits: str, *, roster_size: int, none_matched: bool) -> str:
    """Why ``match`` (an identity.PageMatch) was not placed automatically, in Russian."""
    from scanner_import.identity.match import AUTO_FLOOR, AUTO_MARGIN

    def pct(c) -> str:
        return f"{c.participant}, {c.confidence:.0%}"

    cands = list(match.candidates)
    best = pct(cands[0]) if cands else "—"
    fields = dict(school=school, digits=digits, best=best)
    prefix = WHY_EMPTY_CELLS.format(digits=digits) if "?" in digits else ""
    if not roster_size:
        return WHY_NO_ROSTER.format(**fields)
    if match.participant is None:
        return prefix + WHY_LEFT_OUT.format(**fields)
    if match.confidence < AUTO_FLOOR:
        return prefix + (WHY_WRONG_SCHOOL if none_matched else WHY_NOT_ON_ROSTER).format(**fields)
    close = [c for c in cands if c.confidence > 0 and math.log(match.confidence / c.confidence) < AUTO_MARGIN
             and c.participant != match.participant]
    if close:
        return prefix + WHY_AMBIGUOUS.format(**dict(fields, best=", ".join(
            pct(c) for c in cands if c.participant == match.participant or c in close)))
    return prefix + WHY_RIVALS.format(**dict(fields, best=match.participant))


class ConfirmError(ValueError):
    pass


def placed_paper_ids(session: Session, campaign_id: int) -> set[int]:
    return set(session.scalars(select(Page.paper_id).where(Page.campaign_id == campaign_id,
                                                           Page.status == PageStatus.PLACED).distinct()))


def roster(session: Session, campaign_id: int, school_id: int, digits: int) -> dict[str, Paper]:
    """The codes an uncovered paper of this school may be matched to (see the module doc)."""
    taken = placed_paper_ids(session, campaign_id)
    rows = session.scalars(select(Paper).where(Paper.campaign_id == campaign_id, Paper.school_id == school_id))
    return {p.participant_code: p for p in rows
            if p.id not in taken and len(p.participant_code) == digits and p.participant_code.isdigit()}


def place_uncovered(session: Session, batch: ScanBatch, found: list, already: set[int], tally) -> dict | None:
    """Match and place (or leave pending) the uncovered papers of one import; the report's
    extra fields, or None when there were none."""
    from scanner_import.identity import match_pages
    from scanner_import.identity.match import AUTO_FLOOR

    from .batches import _common, place_pages

    if not found:
        return None
    fresh = [f for f in found if f.title.source_page not in already]  # a re-run after a crash: done
    auto = pending = 0
    if fresh:
        digits = len(fresh[0].title.probs)
        codes = roster(session, batch.campaign_id, batch.school_id, digits) if batch.school_id else {}
        matches = match_pages([np.asarray(f.title.probs, float) for f in fresh], sorted(codes))
        # no page of the file comes near any of the school's codes: most likely another school's stack
        none_matched = len(fresh) >= 3 and not any(m.automatic for m in matches) and all(
            m.confidence < AUTO_FLOOR for m in matches)
        school = session.get(School, batch.school_id) if batch.school_id else None
        # Two title pages whose best reading is the same code are rivals: neither is placed
        # automatically, even when the assignment gave the code to the firmer reading (the
        # other one may be the true paper, its digits read worse). A page is a rival for a code
        # when its digits as read spell that code, or when it reads the code at least as firmly
        # as an automatic placement needs; a page read as another code (a smudged digit, a code
        # off the roster) whose least unlikely roster code happens to be this one is not: the
        # matcher's own stack margin already weighs it against the firmer page.
        tops = Counter(m.candidates[0].participant for f, m in zip(fresh, matches)
                       if m.candidates and (m.candidates[0].participant == f.title.digits
                                            or m.candidates[0].confidence >= AUTO_FLOOR))
        for f, m in zip(fresh, matches):
            if m.automatic and m.participant is not None and tops[m.participant] > 1:
                m = dataclasses.replace(m, automatic=False, reason="another page reads as this code too")
            if batch.school_id is None:  # not reached: without a school the pipeline reads no codes
                for page in f.pages:
                    session.add(Page(status=PageStatus.UNIDENTIFIED, reason=NO_SCHOOL, **_common(batch, page)))
                continue
            if m.automatic and m.participant is not None and batch.school_id is not None:
                place_pages(session, batch, codes[m.participant], f.pages, already, tally, IdentifiedBy.CODE)
                auto += 1
                continue
            title_page = f.pages[0]
            item = PendingTitle(campaign_id=batch.campaign_id, batch_id=batch.id, school_id=batch.school_id,
                                file_page=f.title.source_page, original_sha256=title_page.original.sha256,
                                digits=f.title.digits,
                                candidates=[{"participant": c.participant, "confidence": round(c.confidence, 4)}
                                            for c in m.candidates],
                                crop=list(f.title.crop),
                                reason=reason_ru(m, school.code if school else "", f.title.digits,
                                                 roster_size=len(codes), none_matched=none_matched),
                                status=PendingStatus.PENDING)
            session.add(item)
            session.flush()
            for page in f.pages:
                session.add(Page(status=PageStatus.UNIDENTIFIED, pending_title_id=item.id, position=page.position,
                                 masked_sha256=page.masked.sha256, doubt=page.doubt,
                                 reason=PENDING_REASON.format(page=f.title.source_page), **_common(batch, page)))
            pending += 1
        session.flush()
    out = {"uncovered": len(found), "by_code": auto, "pending": pending}
    if fresh and none_matched and school is not None:
        out["school_mismatch"] = (f"ни один код участника в файле не совпал с участниками ОО «{school.code}»: "
                                  "похоже, это файл другой ОО — проверьте ОО, выбранную при загрузке")
    return out


def school_codes(session: Session, campaign: Campaign) -> list[str]:
    """The codes of the schools with papers in the campaign (the upload form's school choice)."""
    return list(session.scalars(select(School.code).join(Paper, Paper.school_id == School.id)
                                .where(Paper.campaign_id == campaign.id).distinct().order_by(School.code)))


# --- the confirmation queue -------------------------------------------------------------

def pending_titles(session: Session, campaign: Campaign) -> list[PendingTitle]:
    return list(session.scalars(select(PendingTitle).where(PendingTitle.campaign_id == campaign.id,
                                                           PendingTitle.status == PendingStatus.PENDING)
                                .order_by(PendingTitle.batch_id, PendingTitle.file_page)))


@dataclass(frozen=True)
class TitleFacts:
    """What the queue shows beside a pending title page's crop."""
    pages: int                  # its pages that go with it when confirmed (the title page included)
    taken: frozenset[str]       # candidate codes whose papers already have pages (a click would be refused)


def title_facts(session: Session, campaign: Campaign, item: PendingTitle) -> TitleFacts:
    pages = session.scalar(select(func.count()).select_from(Page).where(
        Page.pending_title_id == item.id, Page.status == PageStatus.UNIDENTIFIED)) or 0
    codes = [c["participant"] for c in (item.candidates or [])]
    taken = set()
    if codes and item.school_id is not None:
        placed = placed_paper_ids(session, campaign.id)
        taken = {p.participant_code for p in session.scalars(select(Paper).where(
            Paper.campaign_id == campaign.id, Paper.school_id == item.school_id,
            Paper.participant_code.in_(codes))) if p.id in placed}
    return TitleFacts(pages, frozenset(taken))


def pending_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count()).select_from(PendingTitle).where(
        PendingTitle.campaign_id == campaign.id, PendingTitle.status == PendingStatus.PENDING)) or 0


def find_pending(session: Session, campaign: Campaign, filename: str, file_page: int) -> PendingTitle:
    """The title page at ``file_page`` of the campaign's file ``filename`` (as uploaded)."""
    batches = list(session.scalars(select(ScanBatch).where(ScanBatch.campaign_id == campaign.id,
                                                           ScanBatch.filename == filename)))
    if not batches:
        raise ConfirmError(f"файла «{filename}» в кампании нет")
    item = session.scalar(select(PendingTitle).where(PendingTitle.batch_id.in_([b.id for b in batches]),
                                                     PendingTitle.file_page == file_page))
    if item is None or item.status != PendingStatus.PENDING:
        raise ConfirmError(f"страница {file_page} файла «{filename}» не ждёт подтверждения кода"
                           + (" (уже подтверждена)" if item is not None else ""))
    return item


def confirm(session: Session, campaign: Campaign, item: PendingTitle, participant: str,
            actor: Actor | None) -> Paper:
    """A person says whose paper this is: its pages are placed under that participant's paper."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    if item.campaign_id != campaign.id:
        raise ConfirmError("этот титульный лист не из этой кампании")
    if item.status != PendingStatus.PENDING:
        raise ConfirmError(f"страница {item.file_page} файла «{item.batch.filename}» уже подтверждена")
    code = (participant or "").strip()
    school = session.get(School, item.school_id) if item.school_id else None
    paper = None if school is None or not code else session.scalar(select(Paper).where(
        Paper.campaign_id == campaign.id, Paper.school_id == school.id, Paper.participant_code == code))
    if paper is None:
        where = f"в ОО «{school.code}»" if school is not None else "в ОО файла"
        raise ConfirmError(f"участника с кодом «{code}» {where} в этой кампании нет")
    if paper.id in placed_paper_ids(session, campaign.id):
        raise ConfirmError(f"работа участника «{code}» уже размещена (у неё есть страницы): "
                           "выберите другой код")
    pages = list(session.scalars(select(Page).where(Page.pending_title_id == item.id,
                                                    Page.status == PageStatus.UNIDENTIFIED)
                                 .order_by(Page.source_index)))
    for page in pages:
        page.paper_id, page.status, page.reason, page.pending_title_id = paper.id, PageStatus.PLACED, "", None
    paper.identified_by = IdentifiedBy.PERSON
    item.status, item.paper_id, item.resolved_at = PendingStatus.CONFIRMED, paper.id, utcnow()
    item.resolved_by_id = actor.user.id if actor is not None and actor.user is not None else None
    session.flush()
    record(session, actor, "scan.confirm_code", "pending_title", item.id, campaign_id=campaign.id,
           before={"status": "pending", "digits": item.digits, "candidates": item.candidates},
           after={"status": "confirmed", "participant": code, "cipher": paper.cipher,
                  "file": item.batch.filename, "file_page": item.file_page, "pages": len(pages)})
    return paper


def crop_image(data_dir: Path, item: PendingTitle, width: int = 720) -> bytes:
    """The code box of the title page, cut from its stored original (organisers only)."""
    import io

    from PIL import Image

    with Image.open(stored_path(data_dir, item.original_sha256)) as img:
        w, h = img.size
        x0, y0, x1, y1 = (item.crop or [0.0, 0.0, 1.0, 0.2])
        box = (int(x0 * w), int(y0 * h), max(int(x0 * w) + 1, int(x1 * w)), max(int(y0 * h) + 1, int(y1 * h)))
        part = img.crop(box).convert("L")
    if part.width < width:
        part = part.resize((width, max(1, round(part.height * width / part.width))))
    out = io.BytesIO()
    part.save(out, "PNG")
    return out.getvalue()


# --- scans status (SPEC §3) -------------------------------------------------------------

def status(session: Session, campaign: Campaign) -> dict:
    """What the imports made of the pages, exactly SPEC §3's JSON (``status.scan_status``)."""
    from .status import scan_status

    return scan_status(session, campaign).as_json()
