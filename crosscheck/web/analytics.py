"""Analytics: campaign overview, schools, history, report files (built as background jobs).

Organisers and observers see every campaign; reviewers (heads of the methodological
association) only campaigns of their subject — another subject's campaign answers 404,
as if it did not exist. Experts never see analytics: it would tell them schools and marks.
Reviewers also mark (third checks), so the services give them per-paper rows without the
papers of their own queue and without participant codes or markers
(``services/reports/audience.py``): pages and report files alike.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..domain.expert_list import ALERT_FILTERS, DIRECTIONS, SORTS, ExpertQuery, pages_to_show
from ..domain.followup import after_text, before_text
from ..extensions import session
from ..models import ReportRun, ReportStatus, Role
from ..services.reports import analytics as view
from ..services.campaigns.progress import campaigns_by_slug
from ..services.campaigns.overview import campaign_summaries
from ..services.reports import runs
from ..services.reports.audience import audience_for
from ..services.reports.expert_pages import FRESH_SECONDS, expert_detail, experts_page
from ..services.reports.experts import verdict
from ..services.reports.files import KINDS, download_name
from ..services.screening.screen import screen_campaign
from ..services.reports.wording import FLAG_REASONS, INSUFFICIENT_HINT, STATUS_LABELS, ru_delta
from .access import roles_required
from .downloads import attachment_name

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

READERS = (Role.ORGANISER, Role.OBSERVER, Role.REVIEWER)
BUILDERS = (Role.ORGANISER, Role.REVIEWER)  # observers only read: they build no report
MIMETYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@bp.app_context_processor
def labels():
    return {"flag_reasons": FLAG_REASONS, "status_labels": STATUS_LABELS, "insufficient_hint": INSUFFICIENT_HINT}


@bp.app_template_filter("ru_delta")
def ru_delta_filter(value) -> str:
    """A mean change of the score with a decimal comma: ``+0,25``."""
    return ru_delta(value)


@bp.app_template_global()
def may_build_reports() -> bool:
    return current_user.is_authenticated and current_user.role in BUILDERS


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
    detail = view.school_detail(session(), c, request.args.get("code", ""), current_user)
    if detail is None:
        abort(404)
    # Side by side: what the screen of the original marks said before, what the re-check says after.
    screened = screen_campaign(session(), c).screening.school(detail.school.code)
    return render_template("analytics/school.html", campaign=c, d=detail, screened=screened,
                           before=before_text(screened), after=after_text(detail.stats))


@bp.route("/<slug>/experts")
@roles_required(*READERS)
def experts(slug: str):
    """How the re-markers mark (docs/experts.md): for organisers, observers and the campaign's
    reviewers; experts never (403). Papers behind an alert are those the reader may see. The
    alerted experts first, then one page of the experts the filters keep."""
    c = campaign_or_404(slug)
    query = ExpertQuery.from_args(request.args, schools=current_user.role == Role.ORGANISER)
    data, page, computed_at = experts_page(session(), c, audience_for(session(), current_user, c), query,
                                           refresh=request.args.get("refresh") == "1")
    return render_template("analytics/experts.html", campaign=c,
                           **experts_list_context(data, page, query, "analytics.experts", computed_at))


@bp.route("/<slug>/experts/<login>")
@roles_required(*READERS)
def expert(slug: str, login: str):
    """One expert's statistics with the per-task tables (same readers as :func:`experts`); an
    expert with no work in the campaign is as missing (404)."""
    c = campaign_or_404(slug)
    found = expert_detail(session(), c, audience_for(session(), current_user, c), login,
                          refresh=request.args.get("refresh") == "1")
    if found is None:
        abort(404)
    data, stats, computed_at = found
    return render_template("analytics/expert.html", campaign=c, view=data, s=stats, verdict=verdict,
                           computed_at=computed_at, fresh_seconds=FRESH_SECONDS,
                           link_papers=current_user.role in (Role.ORGANISER, Role.REVIEWER))


def experts_list_context(data, page, query, endpoint: str, computed_at) -> dict:
    """What ``analytics/_experts.html`` needs besides the campaign (also the organiser's tab)."""
    return {"view": data, "page": page, "query": query, "list_endpoint": endpoint, "verdict": verdict,
            "computed_at": computed_at, "fresh_seconds": FRESH_SECONDS,
            "pager": pages_to_show(page.page, page.pages), "school_filter": current_user.role == Role.ORGANISER,
            "link_papers": current_user.role in (Role.ORGANISER, Role.REVIEWER),
            "expert_lists": {"alerts": ALERT_FILTERS, "directions": DIRECTIONS, "sorts": SORTS}}


@bp.route("/history")
@roles_required(*READERS)
def history():
    school_code = request.args.get("school", "").strip()
    marker = request.args.get("marker", "").strip()
    rows = view.history(session(), current_user, school_code, marker)
    return render_template("analytics/history.html", rows=rows, school_code=school_code, marker=marker)


@bp.route("/<slug>/reports", methods=["POST"])
@roles_required(*BUILDERS)
def request_report(slug: str):
    """Ask for a report file: built inline and downloaded at once without a queue; with
    one, the run's page follows the job and starts the download when the file is ready."""
    c = campaign_or_404(slug)
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        abort(400, description=f"Неизвестный вид отчёта «{kind}»")
    run = runs.request_report(session(), c, kind, request.form.get("code", ""), current_user)
    if run is None:
        abort(404)
    run_id = run.id
    session().commit()  # commit, then enqueue: the worker must find the run
    runs.start(session(), run_id)
    run = session().get(ReportRun, run_id)
    if run.status == ReportStatus.DONE:
        return redirect(url_for(".report_download", slug=slug, run_id=run_id))
    return redirect(url_for(".report_run", slug=slug, run_id=run_id))


def _run_or_404(campaign, run_id: int) -> ReportRun:
    """The run if it is of this campaign and built for the reader's audience (a reviewer's own
    runs only); anything else is as missing."""
    run = session().get(ReportRun, run_id)
    if run is None or run.campaign_id != campaign.id or not runs.may_open(session(), run, current_user):
        abort(404)
    return run


@bp.route("/<slug>/reports/<int:run_id>")
@roles_required(*READERS)
def report_run(slug: str, run_id: int):
    c = campaign_or_404(slug)
    run = _run_or_404(c, run_id)
    return render_template("analytics/report_run.html", campaign=c, run=run, title=runs.TITLES[run.kind],
                           waited=request.args.get("wait") == "1")


@bp.route("/<slug>/reports/<int:run_id>/file")
@roles_required(*READERS)
def report_download(slug: str, run_id: int):
    c = campaign_or_404(slug)
    run = _run_or_404(c, run_id)
    path = runs.run_file(current_app.config["CROSSCHECK"].data_dir, run, current_user)
    if path is None:
        abort(404)
    name = download_name(run.kind, c.slug, run.school_code)  # «Протокол перепроверки — ОО 500105.pdf»
    return send_file(path, mimetype=MIMETYPES[path.suffix.lstrip(".")], as_attachment=True,
                     download_name=attachment_name(name))
