"""The organiser's «Сообщения экспертов»: experts' problem reports per campaign, resolved with
a note the expert reads, or the paper handed to another expert through the gate."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import session
from ..models import ProblemReport, Role
from ..services.audit.trail import Actor
from ..services.distribution.assignment import AssignmentRefused
from ..services.marking import problems
from .access import roles_required
from .ids import db_int
from .organiser import campaign_or_404

bp = Blueprint("problems", __name__, url_prefix="/organiser/campaigns")
FILTER_LABELS = {"open": "Ждут решения", "resolved": "Решённые", "all": "Все"}


def _report_or_404(campaign, assignment_id: int) -> ProblemReport:
    report = problems.report_in(session(), campaign, assignment_id)
    if report is None:
        abort(404)
    return report


def _back(slug: str):
    return redirect(url_for(".index", slug=slug, status=request.args.get("status", "open"),
                            page=request.args.get("page", 1, type=db_int)))


@bp.route("/<slug>/problems")
@roles_required(Role.ORGANISER)
def index(slug: str):
    campaign = campaign_or_404(slug)
    which = request.args.get("status", "open")
    which = which if which in problems.FILTERS else "open"
    page = max(1, request.args.get("page", 1, type=db_int))
    rows, total = problems.reports(session(), campaign, which, page)
    return render_template("problems/index.html", campaign=campaign, rows=rows, total=total, page=page,
                           which=which, filters=FILTER_LABELS, page_size=problems.PAGE_SIZE,
                           open_count=problems.open_count(session(), campaign), note_max=problems.NOTE_MAX)


@bp.route("/<slug>/problems/<int:assignment_id>/resolve", methods=["POST"])
@roles_required(Role.ORGANISER)
def resolve(slug: str, assignment_id: int):
    campaign = campaign_or_404(slug)
    report = _report_or_404(campaign, assignment_id)
    cipher = report.assignment.paper.cipher
    try:
        problems.resolve(session(), campaign, report, request.form.get("note", ""), Actor(current_user))
        session().commit()
        flash(f"Проблема с работой {cipher} решена; эксперт увидит ваше пояснение.", "info")
    except problems.ProblemError as exc:
        session().rollback()
        flash(f"Проблема с работой {cipher} не закрыта: {exc}.", "error")
    return _back(slug)


@bp.route("/<slug>/problems/<int:assignment_id>/reassign", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def reassign(slug: str, assignment_id: int):
    campaign = campaign_or_404(slug)
    report = _report_or_404(campaign, assignment_id)
    assignment = report.assignment
    if request.method == "GET":
        try:
            offers = problems.offers(session(), campaign, report)
        except problems.ProblemError as exc:
            flash(f"Работу {assignment.paper.cipher} нельзя переназначить: {exc}.", "error")
            return _back(slug)
        return render_template("problems/reassign.html", campaign=campaign, report=report, assignment=assignment,
                               offers=offers, labels=problems.PROBLEM_LABELS, note_max=problems.NOTE_MAX)
    cipher = assignment.paper.cipher
    try:
        new = problems.reassign(session(), campaign, report, request.form.get("expert", ""),
                                request.form.get("note", ""), Actor(current_user))
        name = new.expert.full_name
        session().commit()
        flash(f"Работа {cipher} передана эксперту {name}; сообщение о проблеме закрыто.", "info")
    except (problems.ProblemError, AssignmentRefused) as exc:
        session().rollback()
        flash(f"Работа {cipher} не переназначена: {exc}.", "error")
        return redirect(url_for(".reassign", slug=slug, assignment_id=assignment_id))
    return _back(slug)
