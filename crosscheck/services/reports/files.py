"""Report files under CROSSCHECK_DATA_DIR/reports/: one entry point, ids in, a path out.

Shaped like a job (ids and plain values, reloads what it needs, writes a file): the CLI
calls it directly, the analytics pages through the report job (`services/reports/runs.py`,
RQ when REDIS_URL is set). Files are written beside their final name and renamed into place, so a reader
never sees half a file and two requests for the same report do not collide.

Every caller says whom the file is for (``audience.py``): the full reports are
``report.json`` etc.; a reviewer's carry their tag (``report-r12.json``) and their own rows.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Campaign, School
from .audience import Audience

KINDS = ("json", "xlsx", "summary", "protocol")
SAFE = re.compile(r"[^0-9A-Za-z_-]")


def report_file(session: Session, campaign_id: int, kind: str, data_dir: Path, *,
                school_code: str | None = None, audience: Audience, folder: str = "") -> Path | None:
    """Write one report for ``audience`` and return its path; None when the campaign or school
    is unknown. ``folder``: a published set's own folder under reports/<slug>/ (publish.py)."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    school = None
    if kind == "protocol":
        school = session.scalar(select(School).where(School.code == (school_code or "")))
        if school is None:
            return None
    name = file_name(kind, school.code if school else "", audience.tag)
    target = Path(data_dir) / "reports" / campaign.slug / folder / name
    return write_atomically(target, lambda tmp: write_report(session, campaign, kind, tmp, school,
                                                             audience=audience))


def file_name(kind: str, school_code: str, tag: str) -> str:
    """The report's file name under reports/<slug>/; ``tag`` marks a restricted audience's copy."""
    if kind == "protocol":
        stem, suffix = f"protocol-{SAFE.sub('_', school_code)}", ".pdf"
    else:
        stem, suffix = {"json": ("report", ".json"), "xlsx": ("report", ".xlsx"),
                        "summary": ("summary", ".pdf")}[kind]
    return f"{stem}-{tag}{suffix}" if tag else f"{stem}{suffix}"


DOWNLOAD_NAMES = {
    "json": "Отчёт перепроверки — {slug}.json",
    "xlsx": "Отчёт перепроверки — {slug}.xlsx",
    "summary": "Аналитическая справка — {slug}.pdf",
    "protocol": "Протокол перепроверки — ОО {code}.pdf",
}


def download_name(kind: str, campaign_slug: str, school_code: str = "") -> str:
    """The name a reader's browser saves the report under (the stored name is ``file_name``);
    the web layer still passes it through ``web.downloads.attachment_name``."""
    return DOWNLOAD_NAMES[kind].format(slug=campaign_slug, code=school_code)


def write_report(session: Session, campaign: Campaign, kind: str, path: Path, school: School | None = None, *,
                 audience: Audience) -> Path:
    """Write one report of ``kind`` for ``audience`` to ``path`` (any name)."""
    if kind == "json":
        from .loader import report_json

        path.write_text(report_json(session, campaign, audience), encoding="utf-8")
        return path
    if kind == "xlsx":
        from .xlsx import write_xlsx

        return write_xlsx(session, campaign, path, audience=audience)
    from .pdf import municipal_summary, school_protocol

    if kind == "protocol":
        return school_protocol(session, campaign, school, path, audience)
    return municipal_summary(session, campaign, path, audience)


def write_atomically(target: Path, write) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
