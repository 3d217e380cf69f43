"""Where page images live and who may see which render."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Assignment, AssignmentStatus, Page, PageStatus

PAGES_DIR = "pages"


def pages_root(data_dir: Path) -> Path:
    return data_dir / PAGES_DIR


def stored_path(data_dir: Path, sha256: str) -> Path:
    """The content-addressed file of a render (``scanner_import.store`` layout)."""
    return pages_root(data_dir) / sha256[:2] / f"{sha256}.jpg"


def page_positions(session: Session, paper_id: int) -> list[int]:
    """The positions of a paper's placed pages, in order."""
    return list(session.scalars(select(Page.position).where(Page.paper_id == paper_id,
                                                           Page.status == PageStatus.PLACED)
                                .order_by(Page.position)))


def masked_page_of_assignment(session: Session, user_id: int, assignment_id: int, position: int) -> str | None:
    """The masked render (its content hash) of one page of one of the user's own live
    assignments, in one statement; None for anything else, whoever it belongs to."""
    return session.scalar(
        select(Page.masked_sha256).join(Assignment, Assignment.paper_id == Page.paper_id)
        .where(Assignment.id == assignment_id, Assignment.expert_id == user_id,
               Assignment.status != AssignmentStatus.SUPERSEDED,
               Page.position == position, Page.status == PageStatus.PLACED))
