"""A campaign's lifecycle for the organiser: close (marks frozen, final protocols published),
reopen with a reason, archive and bring back; the «Архив» list for every reader
(``services/campaigns/lifecycle.py``, ``services/reports/publish.py``, docs/guide-ru.md)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..domain.lifecycle import LifecycleError
from ..extensions import session
from ..models import Role
from ..services.audit.trail import Actor
from ..services.campaigns import lifecycle
from ..services.campaigns.overview import campaign_summaries
from ..services.reports import publish, runs
from ..services.reports.analytics import may_see, visible_subject_ids
from .access import roles_required
from .organiser import campaign_or_404

bp = Blueprint("lifecycle", __name__)
READERS = (Role.ORGANISER, Role.OBSERVER, Role.REVIEWER)


@bp.app_template_global()
def publications_of(campaign):
    """The campaign's published final sets, newest first (the «Итоговые протоколы» panel)."""
    return publish.publications(session(), campaign)


def _publish(campaign) -> None:
    """Queue the final set for the present close, commit, then start each run (after the
    commit: a worker must find the runs; inline without REDIS_URL)."""
    ids = publish.publish(session(), campaign, current_user)
    session().commit()
    for run_id in ids:
        runs.start(session(), run_id)


@bp.route("/organiser/campaigns/<slug>/close", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def close(slug: str):
    c = campaign_or_404(slug)
    work = lifecycle.open_work(session(), c)
    if request.method == "POST":
        try:
            lifecycle.close(session(), c, Actor(current_user), confirmed=request.form.get("confirm_open") == "1")
        except LifecycleError as exc:
            session().rollback()
            flash(exc.message, "error")
            return redirect(url_for(".close", slug=slug))
        _publish(c)
        flash("Кампания завершена: баллы заморожены. Итоговые протоколы опубликованы.", "info")
        return redirect(url_for("organiser.campaign", slug=slug) + "#lifecycle")
    if c.is_closed:
        flash("Кампания уже завершена.", "info")
        return redirect(url_for("organiser.campaign", slug=slug))
    return render_template("lifecycle/close.html", campaign=c, work=work, lines=work.lines())


@bp.route("/organiser/campaigns/<slug>/reopen", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def reopen(slug: str):
    c = campaign_or_404(slug)
    if request.method == "POST":
        try:
            lifecycle.reopen(session(), c, Actor(current_user), request.form.get("reason"))
        except LifecycleError as exc:
            session().rollback()
            flash(exc.message, "error")
            return redirect(url_for(".reopen", slug=slug))
        session().commit()
        flash("Кампания открыта заново: баллы снова можно менять. Опубликованные протоколы сохранены "
              "как прежняя версия.", "info")
        return redirect(url_for("organiser.campaign", slug=slug))
    if not c.is_closed:
        flash("Кампания не завершена: открывать заново нечего.", "info")
        return redirect(url_for("organiser.campaign", slug=slug))
    return render_template("lifecycle/reopen.html", campaign=c)


def _archive_step(slug: str, step, done: str, *, to_archive_list: bool):
    """Archive or bring back (``step`` of services.campaigns.lifecycle): committed with a
    message, or refused with the rule's reason back on the campaign page."""
    c = campaign_or_404(slug)
    try:
        step(session(), c, Actor(current_user))
    except LifecycleError as exc:
        session().rollback()
        flash(exc.message, "error")
        return redirect(url_for("organiser.campaign", slug=slug))
    session().commit()
    flash(done.format(name=c.name), "info")
    return redirect(url_for(".archive_list") if to_archive_list else url_for("organiser.campaign", slug=slug))


@bp.route("/organiser/campaigns/<slug>/archive", methods=["POST"])
@roles_required(Role.ORGANISER)
def archive(slug: str):
    return _archive_step(slug, lifecycle.archive,
                         "Кампания «{name}» убрана в архив: она доступна для чтения и остаётся в аналитике.",
                         to_archive_list=True)


@bp.route("/organiser/campaigns/<slug>/unarchive", methods=["POST"])
@roles_required(Role.ORGANISER)
def unarchive(slug: str):
    return _archive_step(slug, lifecycle.unarchive, "Кампания «{name}» возвращена из архива.",
                         to_archive_list=False)


@bp.route("/organiser/campaigns/<slug>/publish", methods=["POST"])
@roles_required(Role.ORGANISER)
def republish(slug: str):
    """Build again the files of the present publication that failed (a full disk, a queue down)."""
    c = campaign_or_404(slug)
    current = next((p for p in publish.publications(session(), c) if p.current), None)
    if current is None:
        try:
            _publish(c)
        except LifecycleError as exc:
            session().rollback()
            flash(exc.message, "error")
        return redirect(url_for("organiser.campaign", slug=slug) + "#lifecycle")
    retry = publish.retry_failed(session(), current)
    session().commit()
    for run_id in retry:
        runs.start(session(), run_id)
    flash("Итоговые файлы формируются заново." if retry else "Все итоговые файлы уже сформированы.", "info")
    return redirect(url_for("organiser.campaign", slug=slug) + "#lifecycle")


@bp.route("/archive/")
@roles_required(*READERS)
def archive_list():
    """Archived campaigns (closed, out of the active lists): read-only, still in the analytics."""
    summaries = [s for s in campaign_summaries(session(), subject_ids=visible_subject_ids(current_user),
                                                archived=True) if may_see(current_user, s.campaign)]
    return render_template("lifecycle/archive.html", summaries=summaries)
