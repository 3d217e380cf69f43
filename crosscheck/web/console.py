"""The organiser's distribution console: preview and run assignment, move papers, withdraw
experts, set the deadline. Observers get the same numbers read-only (``observer.py``)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..domain.assignment import HELD_BACK
from ..domain.lifecycle import ensure_open
from ..extensions import session
from ..models import Paper, Role, User
from ..services.distribution.assignment import (AssignmentRefused, assign_manually, expert_names, preview, run_assignment,
                                   withdraw_expert)
from ..services.audit.trail import Actor, record
from ..services.campaigns.settings import bump_version
from ..services.distribution.console import (IDENTIFIED_FILTERS, PAGE_FILTERS, expert_rows, paper_rows,
                                             reassignment_offers)
from ..domain.expert_list import ExpertQuery, pages_to_show
from ..services.reports.audience import FULL
from ..services.reports.expert_pages import experts_page
from .access import roles_required
from .analytics import experts_list_context
from .ids import db_int
from .organiser import campaign_or_404

bp = Blueprint("console", __name__, url_prefix="/organiser/campaigns")
MOSCOW = ZoneInfo("Europe/Moscow")


@bp.route("/<slug>/assign", methods=["GET"])
@roles_required(Role.ORGANISER)
def assign_preview(slug: str):
    campaign = campaign_or_404(slug)
    plan, inputs = preview(session(), campaign)
    names = expert_names(session())
    new_by_expert = Counter(n.expert_id for n in plan.new)
    loads = sorted(((names.get(e, str(e)), plan.loads[e] - new_by_expert[e], new_by_expert[e], plan.loads[e])
                    for e in plan.loads), key=lambda row: (-row[3], row[0]))
    reasons = Counter(u.reason.message for u in plan.unassigned)
    ciphers = dict(session().execute(select(Paper.id, Paper.cipher).where(Paper.campaign_id == campaign.id)).all())
    unassigned = [(ciphers.get(u.paper_id, "?"), u.round, u.reason.message) for u in plan.unassigned[:200]]
    return render_template("console/assign_preview.html", campaign=campaign, plan=plan, loads=loads,
                           reasons=reasons.most_common(), unassigned=unassigned, held_back=len(inputs.held_back))


@bp.route("/<slug>/assign", methods=["POST"])
@roles_required(Role.ORGANISER)
def assign_run(slug: str):
    campaign = campaign_or_404(slug)
    plan = run_assignment(session(), campaign, Actor(current_user))
    session().commit()
    held = len({u.paper_id for u in plan.unassigned if u.reason == HELD_BACK})
    flash(f"Распределено перепроверок: {len(plan.new)}. Не назначено: {len(plan.unassigned)}"
          + (f", из них задержано работ со страницами под сомнением: {held}." if held else "."), "info")
    return redirect(url_for("organiser.campaign", slug=slug))


PAPERS_PER_PAGE = 50
PAPER_FILTERS = ("school", "status", "expert", "pages", "identified")  # kept in the query string across pages and after a move


def paper_filters() -> dict[str, str]:
    """The «Работы» filters of this request, stripped and bounded (only those set)."""
    values = {name: request.args.get(name, "").strip()[:100] for name in PAPER_FILTERS}
    return {name: value for name, value in values.items() if value}


@bp.route("/<slug>/papers")
@roles_required(Role.ORGANISER)
def papers(slug: str):
    campaign = campaign_or_404(slug)
    filters = paper_filters()
    page = max(1, request.args.get("page", 1, type=db_int))
    rows, total = paper_rows(session(), campaign, school_code=filters.get("school"), status=filters.get("status"),
                             expert_login=filters.get("expert"), pages=filters.get("pages"),
                             identified=filters.get("identified"), limit=PAPERS_PER_PAGE,
                             offset=(page - 1) * PAPERS_PER_PAGE)
    pages = max(1, -(-total // PAPERS_PER_PAGE))
    if page > pages:  # a page past the end (filters narrowed): the last one
        return redirect(url_for(".papers", slug=slug, **filters, page=pages))
    offers = reassignment_offers(session(), campaign, [r.paper.id for r in rows])
    subject = campaign.template.subject.name
    markers = session().scalars(select(User).where(User.role.in_((Role.EXPERT, Role.REVIEWER)))
                                .order_by(User.login)).all()
    markers = [m for m in markers if subject in m.subject_names]
    return render_template("console/papers.html", campaign=campaign, rows=rows, total=total, page=page,
                           pages=pages, per_page=PAPERS_PER_PAGE, pager=pages_to_show(page, pages),
                           filters=filters, offers=offers, markers=markers, page_filters=PAGE_FILTERS,
                           identified_filters=IDENTIFIED_FILTERS)


@bp.route("/<slug>/papers/<cipher>/assign", methods=["POST"])
@roles_required(Role.ORGANISER)
def assign_paper(slug: str, cipher: str):
    campaign = campaign_or_404(slug)
    paper = session().scalar(select(Paper).where(Paper.campaign_id == campaign.id, Paper.cipher == cipher))
    choice = request.form.get("expert", "")
    round_ = request.form.get("round", 1, type=db_int)
    if ":" in choice:  # «round:login» from a two-recheck campaign's drop-down, grouped by round
        head, _, choice = choice.partition(":")
        try:
            round_ = db_int(head)
        except ValueError:
            round_ = 0
    expert = session().scalar(select(User).where(User.login == choice))
    if paper is None:
        abort(404)
    if expert is None:
        flash("Выберите эксперта.", "error")
    else:
        try:
            assign_manually(session(), campaign, paper, round_, expert, Actor(current_user))
            session().commit()
            flash(f"Работа {cipher} (перепроверка {round_}) назначена: {expert.full_name}.", "info")
        except AssignmentRefused as exc:
            session().rollback()
            flash(f"Нельзя назначить работу {cipher} эксперту {expert.full_name}: {exc.message}.", "error")
    return redirect(url_for(".papers", slug=slug, **paper_filters(), page=request.args.get("page", 1, type=db_int)))


@bp.route("/<slug>/experts")
@roles_required(Role.ORGANISER)
def experts(slug: str):
    """The experts' statistics (alerts first, then one page; ``analytics/_experts.html``) and the
    load and limits of the same experts."""
    campaign = campaign_or_404(slug)
    query = ExpertQuery.from_args(request.args, schools=True)
    data, page, computed_at = experts_page(session(), campaign, FULL, query, refresh=request.args.get("refresh") == "1")
    order = {s.login: i for i, s in enumerate(page.rows)}
    listed = {s.login for s in data.stats}
    unlisted = page.page == 1 and not query.filtered  # load rows of people the statistics do not list
    rows = sorted((r for r in expert_rows(session(), campaign)
                   if r.user.login in order or (unlisted and r.user.login not in listed)),
                  key=lambda r: order.get(r.user.login, len(order)))
    return render_template("console/experts.html", campaign=campaign, rows=rows,
                           **experts_list_context(data, page, query, "console.experts", computed_at))


@bp.route("/<slug>/experts/<login>/withdraw", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def withdraw(slug: str, login: str):
    campaign = campaign_or_404(slug)
    expert = session().scalar(select(User).where(User.login == login, User.role == Role.EXPERT))
    if expert is None:
        abort(404)
    row = next((r for r in expert_rows(session(), campaign) if r.user.id == expert.id), None)
    if request.method == "GET":
        return render_template("console/withdraw_confirm.html", campaign=campaign, expert=expert, row=row)
    try:
        plan = withdraw_expert(session(), campaign, expert, Actor(current_user),
                               reason=request.form.get("reason", "")[:500])
        session().commit()
        flash(f"{expert.full_name} выведен(а) из кампании. Передано другим экспертам: {len(plan.new)}; "
              f"не удалось передать: {len(plan.unassigned)}.", "info")
    except AssignmentRefused as exc:
        session().rollback()
        flash(exc.message, "error")
    return redirect(url_for(".experts", slug=slug))


@bp.route("/<slug>/deadline", methods=["POST"])
@roles_required(Role.ORGANISER)
def deadline(slug: str):
    campaign = campaign_or_404(slug)
    ensure_open(campaign.status, campaign.name)
    text = request.form.get("deadline", "").strip()
    before = campaign.deadline.isoformat() if campaign.deadline else None
    if not text:
        campaign.deadline = None
    else:
        try:
            day = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            flash("Срок: укажите дату в формате ГГГГ-ММ-ДД.", "error")
            return redirect(url_for("organiser.campaign", slug=slug))
        campaign.deadline = datetime.combine(day, time(23, 59), MOSCOW).astimezone(timezone.utc)
    bump_version(session(), campaign)  # an open settings page (web/wizard.py) is now stale
    record(session(), Actor(current_user), "campaign.deadline", "campaign", campaign.id, campaign_id=campaign.id,
           before={"deadline": before}, after={"deadline": campaign.deadline.isoformat() if campaign.deadline else None})
    session().commit()
    flash("Срок проверки сохранён." if campaign.deadline else "Срок проверки снят.", "info")
    return redirect(url_for("organiser.campaign", slug=slug))


@bp.route("/<slug>/settings", methods=["POST"])
@roles_required(Role.ORGANISER)
def settings(slug: str):
    campaign = campaign_or_404(slug)
    ensure_open(campaign.status, campaign.name)
    wanted = {"exclude_same_municipality": request.form.get("exclude_same_municipality") == "1",
              "teacher_views": request.form.get("teacher_views") == "1"}
    before = {name: getattr(campaign, name) for name in wanted}
    changed = [name for name in wanted if wanted[name] != before[name]]
    if changed:
        record(session(), Actor(current_user), "campaign.settings", "campaign", campaign.id, campaign_id=campaign.id,
               before={name: before[name] for name in changed}, after={name: wanted[name] for name in changed})
        for name in changed:
            setattr(campaign, name, wanted[name])
        bump_version(session(), campaign)  # an open settings page (web/wizard.py) is now stale
        session().commit()
    flash("Настройки кампании сохранены. Настройки распределения действуют для новых назначений.", "info")
    return redirect(url_for("organiser.campaign", slug=slug))


@bp.route("/<slug>/experts/<login>/capacity", methods=["POST"])
@roles_required(Role.ORGANISER)
def capacity(slug: str, login: str):
    from ..models import CampaignExpert

    campaign = campaign_or_404(slug)
    ensure_open(campaign.status, campaign.name)
    expert = session().scalar(select(User).where(User.login == login, User.role == Role.EXPERT))
    if expert is None:
        abort(404)
    text = request.form.get("capacity", "").strip()
    if text and (not text.isdigit() or int(text) > 10000):
        flash("Лимит работ: целое число от 0 или пусто (без лимита).", "error")
        return redirect(url_for(".experts", slug=slug))
    settings_row = session().get(CampaignExpert, (campaign.id, expert.id))
    if settings_row is None:
        settings_row = CampaignExpert(campaign_id=campaign.id, user_id=expert.id)
        session().add(settings_row)
    before = settings_row.capacity
    settings_row.capacity = int(text) if text else None
    record(session(), Actor(current_user), "campaign.expert_capacity", "user", expert.id, campaign_id=campaign.id,
           before={"capacity": before}, after={"capacity": settings_row.capacity})
    session().commit()
    flash(f"Лимит работ для {expert.full_name}: {text or 'без лимита'}.", "info")
    return redirect(url_for(".experts", slug=slug))
