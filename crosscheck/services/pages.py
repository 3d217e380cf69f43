"""Where page images live and who may see which render."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Page, PageStatus

PAGES_DIR = "pages"


def pages_root(data_dir: Path) -> Path:
    return data_dir / PAGES_DIR


def stored_path(data_dir: Path, sha256: str) -> Path:
    """The content-addressed file of a render (``scanner_import.store`` layout)."""
    return pages_root(data_dir) / sha256[:2] / f"{sha256}.jpg"


def paper_pages(session: Session, paper_id: int) -> list[Page]:
    return list(session.scalars(select(Page).where(Page.paper_id == paper_id, Page.status == PageStatus.PLACED)
                                .order_by(Page.position)))
