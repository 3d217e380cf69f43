"""Calibration papers for reviewers and organisers (docs/experts.md, «Calibration papers»):
references and their keys, each expert's deviation from the keys, pausing an expert, and the
organiser's rate. Organisers (any campaign) and reviewers of the campaign's subject (another
subject's campaign: 404); experts and observers: 403 — an expert must never learn which of
their papers are calibration copies.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import session
from ..models import Role, User
from ..services.audit.trail import Actor
from ..services.distribution.calibration import CalibrationRefused, pause_expert, resume_expert, set_rate
from ..services.reports.calibration import (KeyRefused, calibration_view, expert_copies, final_scores, labels_of,
                                            parse_key, reference_of, reference_paper, set_active, set_key)
from .access import roles_required
from .analytics import campaign_or_404

bp = Blueprint("calibration", __name__, url_prefix="/analytics")
KEEPERS = (Role.ORGANISER, Role.REVIEWER)


def _expert(login: str) -> User:
    user = session().scalar(select(User).where(User.login == login.lower(), User.role == Role.EXPERT))
    if user is None:
        abort(404)
    return user


@bp.route("/<slug>/calibration")
@roles_required(*KEEPERS)
def overview(slug: str):
    campaign = campaign_or_404(slug)
    return render_template("analytics/calibration.html", campaign=campaign,
                           view=calibration_view(session(), campaign), rules=campaign.template)


@bp.route("/<slug>/calibration/key", methods=["GET"])
@roles_required(*KEEPERS)
def choose(slug: str):
    """The «make a reference» form posts a cipher here; go to its key form."""
    campaign_or_404(slug)
    cipher = request.args.get("cipher", "").strip().upper()
    return redirect(url_for(".key", slug=slug, cipher=cipher) if cipher else url_for(".overview", slug=slug))


@bp.route("/<slug>/calibration/key/<cipher>", methods=["GET", "POST"])
@roles_required(*KEEPERS)
def key(slug: str, cipher: str):
    campaign = campaign_or_404(slug)
    paper = reference_paper(session(), current_user, campaign, cipher)
    if paper is None:
        flash(f"Работа «{cipher}»: эталоном может стать только завершённая работа этой кампании, "
              "которую вы можете открыть.", "error")
        return redirect(url_for(".overview", slug=slug))
    ref = reference_of(session(), paper)
    values = dict(ref.key_scores) if ref else final_scores(session(), campaign, paper)
    note = ref.note if ref else ""
    error = None
    if request.method == "POST":
        form = {label: request.form.get(f"task-{label}", "") for label, _ in labels_of(campaign)}
        note = request.form.get("note", "")
        try:
            set_key(session(), campaign, paper, parse_key(campaign, form), note, Actor(current_user))
            session().commit()
            flash(f"Эталонные баллы работы {paper.cipher} сохранены. Расхождения пересчитаны по ним.", "info")
            return redirect(url_for(".overview", slug=slug))
        except KeyRefused as exc:
            session().rollback()
            error, values = exc.message, form
    return render_template("analytics/calibration_key.html", campaign=campaign, paper=paper, ref=ref,
                           tasks=labels_of(campaign), values=values, note=note, error=error), (400 if error else 200)


@bp.route("/<slug>/calibration/key/<cipher>/active", methods=["POST"])
@roles_required(*KEEPERS)
def active(slug: str, cipher: str):
    campaign = campaign_or_404(slug)
    paper = reference_paper(session(), current_user, campaign, cipher)
    ref = reference_of(session(), paper) if paper is not None else None
    if ref is None:
        abort(404)
    set_active(session(), ref, request.form.get("active") == "1", Actor(current_user))
    session().commit()
    flash(f"Работа {paper.cipher} " + ("снова выдаётся экспертам." if ref.active else
                                       "больше не выдаётся новым экспертам (сданные проверки остаются)."), "info")
    return redirect(url_for(".overview", slug=slug))


@bp.route("/<slug>/calibration/experts/<login>")
@roles_required(*KEEPERS)
def expert(slug: str, login: str):
    campaign = campaign_or_404(slug)
    _expert(login)
    detail = expert_copies(session(), campaign, login)
    if detail is None:
        abort(404)
    return render_template("analytics/calibration_expert.html", campaign=campaign, detail=detail)


@bp.route("/<slug>/calibration/experts/<login>/pause", methods=["POST"])
@roles_required(*KEEPERS)
def pause(slug: str, login: str):
    campaign = campaign_or_404(slug)
    user = _expert(login)
    try:
        if request.form.get("resume") == "1":
            resume_expert(session(), campaign, user, Actor(current_user), request.form.get("note", ""))
            message = f"{user.full_name} снова получает работы."
        else:
            detail = expert_copies(session(), campaign, user.login)
            if not detail.summary.exceeding:
                raise CalibrationRefused("приостановить можно эксперта, у которого есть калибровочные работы "
                                         "сверх допуска")
            pause_expert(session(), campaign, user, Actor(current_user), request.form.get("note", ""))
            message = (f"Проверка для {user.full_name} приостановлена до беседы с руководителем МО: "
                       "новых работ не будет, черновики сохранены.")
        session().commit()
        flash(message, "info")
    except CalibrationRefused as exc:
        session().rollback()
        flash(exc.message, "error")
    if request.form.get("back") == "expert":
        return redirect(url_for(".expert", slug=slug, login=user.login))
    return redirect(url_for(".overview", slug=slug))


@bp.route("/<slug>/calibration/settings", methods=["POST"])
@roles_required(Role.ORGANISER)
def settings(slug: str):
    campaign = campaign_or_404(slug)
    try:
        changed = set_rate(session(), campaign, request.form.get("rate", ""), request.form.get("first", ""),
                           Actor(current_user))
        session().commit()
        flash("Настройки калибровочных работ сохранены: действуют для следующих распределений." if changed
              else "Настройки калибровочных работ не изменились.", "info")
    except CalibrationRefused as exc:
        session().rollback()
        flash(exc.message, "error")
    return redirect(url_for(".overview", slug=slug))
