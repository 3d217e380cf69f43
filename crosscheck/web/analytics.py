"""Analytics: campaign overview, schools, history, report downloads.

Organisers and observers see every campaign; reviewers (heads of the methodological
association) only campaigns of their subject — another subject's campaign answers 404,
as if it did not exist. Experts never see analytics: it would tell them schools and marks.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user

from ..extensions import session
from ..models import Role
from ..services import analytics_view as view
from ..services.campaign_view import campaigns_by_slug
from ..services.overview import campaign_summaries
from ..services.report_files import report_file
from ..services.report_text import FLAG_REASONS, STATUS_LABELS
from .access import roles_required

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

READERS = (Role.ORGANISER, Role.OBSERVER, Role.REVIEWER)
MIMETYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@bp.app_context_processor
def labels():
    return {"flag_reasons": FLAG_REASONS, "status_labels": STATUS_LABELS}


def campaign_or_404(slug: str):
    campaign = campaigns_by_slug(session(), slug)
    if campaign is None or not view.may_see(current_user, campaign):
        abort(404)
    return campaign


@bp.route("/")
@roles_required(*READERS)
def index():
    summaries = campaign_summaries(session(), subject_ids=view.visible_subject_ids(current_user))
    return render_template("analytics/index.html", summaries=summaries)


@bp.route("/<slug>/")
@roles_required(*READERS)
def campaign(slug: str):
    c = campaign_or_404(slug)
    sort = request.args.get("sort", "school")
    descending = request.args.get("dir") == "desc"
    data = view.overview(session(), c, sort, descending)
    return render_template("analytics/campaign.html", campaign=c, data=data, sort=sort, descending=descending)


@bp.route("/<slug>/school")
@roles_required(*READERS)
def school(slug: str):
    c = campaign_or_404(slug)
    detail = view.school_detail(session(), c, request.args.get("code", ""))
    if detail is None:
        abort(404)
    return render_template("analytics/school.html", campaign=c, d=detail)


@bp.route("/history")
@roles_required(*READERS)
def history():
    school_code = request.args.get("school", "").strip()
    marker = request.args.get("marker", "").strip()
    rows = view.history(session(), current_user, school_code, marker)
    return render_template("analytics/history.html", rows=rows, school_code=school_code, marker=marker)


def _send(slug: str, kind: str, school_code: str | None = None):
    c = campaign_or_404(slug)
    data_dir = current_app.config["CROSSCHECK"].data_dir
    path = report_file(session(), c.id, kind, data_dir, school_code=school_code)
    if path is None:
        abort(404)
    return send_file(path, mimetype=MIMETYPES[path.suffix.lstrip(".")], as_attachment=True,
                     download_name=path.name)


@bp.route("/<slug>/report.json")
@roles_required(*READERS)
def report_json(slug: str):
    return _send(slug, "json")


@bp.route("/<slug>/report.xlsx")
@roles_required(*READERS)
def report_xlsx(slug: str):
    return _send(slug, "xlsx")


@bp.route("/<slug>/summary.pdf")
@roles_required(*READERS)
def summary_pdf(slug: str):
    return _send(slug, "summary")


@bp.route("/<slug>/protocol.pdf")
@roles_required(*READERS)
def protocol_pdf(slug: str):
    return _send(slug, "protocol", school_code=request.args.get("code", ""))
