"""The audit trail: filterable and exportable, for organisers and observers (read-only)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, render_template, request
from sqlalchemy import select

from ..extensions import session
from ..models import Campaign, Role
from ..services.audit.search import AuditFilter, actions, actor_labels, events, export_csv
from ..services.audit.view import action_choices, readable
from .access import roles_required
from .ids import db_int

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _date(name: str, shift_days: int = 0) -> datetime | None:
    text = request.args.get(name, "").strip()
    try:
        day = datetime.strptime(text, "%Y-%m-%d") if text else None
    except ValueError:
        return None
    return day.replace(tzinfo=timezone.utc) + timedelta(days=shift_days) if day else None


def _filter() -> AuditFilter:
    return AuditFilter(campaign_id=request.args.get("campaign", type=db_int), action=request.args.get("action", ""),
                       actor=request.args.get("actor", ""), since=_date("since"), until=_date("until", 1))


@bp.route("/")
@roles_required(Role.ORGANISER, Role.OBSERVER)
def index():
    page = max(1, request.args.get("page", 1, type=db_int))
    rows, total = events(session(), _filter(), offset=(page - 1) * 100)
    campaigns = session().scalars(select(Campaign).order_by(Campaign.slug)).all()
    return render_template("audit/index.html", rows=readable(session(), rows), total=total, page=page,
                           campaigns=campaigns, actions=action_choices(actions(session())),
                           actors=actor_labels(session()))


@bp.route("/export.csv")
@roles_required(Role.ORGANISER, Role.OBSERVER)
def export():
    body = export_csv(session(), _filter())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=audit.csv", "Cache-Control": "no-store"})
