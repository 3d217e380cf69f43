"""Reading the audit trail with filters (organisers and observers)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...imports.formulas import safe_row
from ...models import AuditEvent, Campaign, User


@dataclass(frozen=True)
class AuditFilter:
    campaign_id: int | None = None
    action: str = ""
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, stmt):
        if self.campaign_id:
            stmt = stmt.where(AuditEvent.campaign_id == self.campaign_id)
        if self.action:
            stmt = stmt.where(AuditEvent.action.startswith(self.action))
        if self.actor:
            stmt = stmt.where(AuditEvent.actor_label == self.actor)
        if self.since:
            stmt = stmt.where(AuditEvent.at >= self.since)
        if self.until:
            stmt = stmt.where(AuditEvent.at < self.until)
        return stmt


def events(session: Session, flt: AuditFilter, *, limit: int = 100, offset: int = 0) -> tuple[list[AuditEvent], int]:
    stmt = flt.apply(select(AuditEvent))
    total = session.scalar(flt.apply(select(func.count()).select_from(AuditEvent)))
    rows = session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def export_csv(session: Session, flt: AuditFilter) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["id", "at_utc", "actor", "action", "entity", "entity_id", "campaign", "before", "after"])
    slugs = dict(session.execute(select(Campaign.id, Campaign.slug)).all())
    stmt = flt.apply(select(AuditEvent)).order_by(AuditEvent.id).execution_options(yield_per=2000)
    for e in session.scalars(stmt):
        # safe_row: a login or value starting with = + - @ is written as text, not a formula
        writer.writerow(safe_row([e.id, e.at.isoformat(), e.actor_label, e.action, e.entity_type,
                                  e.entity_id or "", slugs.get(e.campaign_id, ""), _json(e.before),
                                  _json(e.after)]))
    return "\ufeff" + out.getvalue()


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def actor_labels(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.actor_label).distinct().order_by(AuditEvent.actor_label)))


def user_logins(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.login)).all())
