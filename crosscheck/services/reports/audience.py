"""Who a page or report is built for, and so what its per-paper rows may say (docs/security.md).

Organisers and observers (and the command line) read every paper with its participant code,
school and original marker. A reviewer is a reader *and* a third-check marker: their review
queue shows ciphers, so nothing they can read in analytics may tie a cipher they hold, held or
may still be given to a school, a participant or the school's marker. For a reviewer,
per-paper rows (the school page, the JSON and XLSX reports, a school's PDF protocol):

- list only papers that are done — a paper not yet done may still come to them for a third
  check — and that never had any assignment of theirs in the campaign (any kind, any status,
  withdrawn ones included);
- carry no participant code and no original marker.

Aggregates (schools, original markers, classes, municipalities, the campaign) are computed
from every paper, as for anybody: they carry no cipher. The build always uses the requester's
role at build time (a report run records who asked), never a template's discretion.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.discrepancy import PaperResult
from ...models import Assignment, Campaign, Paper, PaperStatus, Role, User

#: Roles that read the full reports: they mark nothing.
FULL_ROLES = (Role.ORGANISER, Role.OBSERVER)
DONE = PaperStatus.DONE.value


@dataclass(frozen=True)
class Audience:
    """``restricted``: a reader who marks (a reviewer); ``hidden``: ciphers never listed to them;
    ``tag``: what their report files are named with (``report-r12.json``), so one reader's file
    is never served to another audience."""

    restricted: bool = False
    hidden: frozenset[str] = frozenset()
    tag: str = ""

    def papers(self, results: Iterable[PaperResult]) -> list[PaperResult]:
        """The papers a per-paper listing may show this audience, as it may show them."""
        if not self.restricted:
            return list(results)
        return [r._replace(paper=replace(r.paper, participant=None, original_marker=None))
                for r in results if r.paper.status == DONE and r.paper.cipher not in self.hidden]


FULL = Audience()


def sees_everything(user: User | None) -> bool:
    return user is not None and user.role in FULL_ROLES


def tag_for(user: User | None) -> str:
    """The audience tag of a reader: empty for the full reports, else personal."""
    if sees_everything(user):
        return ""
    return f"r{user.id}" if user is not None else "r0"


def audience_for(session: Session, user: User | None, campaign: Campaign) -> Audience:
    """The audience of ``user`` reading ``campaign``; anyone but an organiser or observer (or an
    unknown requester) gets the restricted one."""
    if sees_everything(user):
        return FULL
    hidden: frozenset[str] = frozenset()
    if user is not None:
        hidden = frozenset(session.scalars(
            select(Paper.cipher).join(Assignment, Assignment.paper_id == Paper.id)
            .where(Paper.campaign_id == campaign.id, Assignment.expert_id == user.id).distinct()))
    return Audience(True, hidden, tag_for(user))
