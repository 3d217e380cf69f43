"""Each role's home page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import session
from ..models import Role
from ..services.overview import campaign_summaries, expert_queue, review_counts
from .access import roles_required

bp = Blueprint("home", __name__)

HOME_FOR_ROLE = {
    Role.ORGANISER: "home.organiser",
    Role.EXPERT: "home.expert",
    Role.REVIEWER: "home.reviewer",
    Role.OBSERVER: "home.observer",
}


@bp.route("/")
@login_required
def index():
    return redirect(url_for(HOME_FOR_ROLE[current_user.role]))


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/organiser/")
@roles_required(Role.ORGANISER)
def organiser():
    return render_template("home/organiser.html", summaries=campaign_summaries(session()))


@bp.route("/expert/")
@roles_required(Role.EXPERT)
def expert():
    return render_template("home/expert.html", queue=expert_queue(session(), current_user))


@bp.route("/reviewer/")
@roles_required(Role.REVIEWER)
def reviewer():
    subject_ids = [s.id for s in current_user.subjects]
    return render_template("home/reviewer.html",
                           summaries=campaign_summaries(session(), subject_ids=subject_ids),
                           reviews=review_counts(session(), current_user),
                           queue=expert_queue(session(), current_user))


@bp.route("/observer/")
@roles_required(Role.OBSERVER)
def observer():
    return render_template("home/observer.html", summaries=campaign_summaries(session()))
