"""Each role's home page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import session
from ..models import Role
from ..services.campaigns.overview import campaign_summaries, expert_queue, next_steps_by_campaign, review_counts
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


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; the pages link the SVG."""
    from flask import current_app

    return current_app.send_static_file("favicon.ico")


@bp.route("/healthz")
def healthz():
    """Liveness: the process answers. Cheap on purpose (the load test's baseline)."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Readiness: the database (and Redis, when configured) answer."""
    from flask import current_app
    from sqlalchemy import text

    checks = {}
    try:
        session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"error: {type(exc).__name__}"
    redis_url = current_app.config["CROSSCHECK"].redis_url
    if redis_url:
        try:
            from redis import Redis

            Redis.from_url(redis_url, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503


@bp.route("/organiser/")
@roles_required(Role.ORGANISER)
def organiser():
    summaries = campaign_summaries(session(), archived=False)  # archived ones: the «Архив» list
    return render_template("home/organiser.html", summaries=summaries,
                           steps=next_steps_by_campaign(session(), summaries))


@bp.route("/expert/")
@roles_required(Role.EXPERT)
def expert():
    return render_template("home/expert.html", queue=expert_queue(session(), current_user))


@bp.route("/reviewer/")
@roles_required(Role.REVIEWER)
def reviewer():
    subject_ids = [s.id for s in current_user.subjects]
    return render_template("home/reviewer.html",
                           summaries=campaign_summaries(session(), subject_ids=subject_ids, archived=False),
                           reviews=review_counts(session(), current_user),
                           queue=expert_queue(session(), current_user))


@bp.route("/observer/")
@roles_required(Role.OBSERVER)
def observer():
    return render_template("home/observer.html", summaries=campaign_summaries(session(), archived=False))
