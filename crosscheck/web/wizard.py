"""«Новая кампания» (issue 15): the organiser's wizard, and a campaign's settings page.

Steps, server-rendered (``static/wizard.js`` only adds a live criteria preview and hides the
fields that do not apply): 1) subject, grade, year and where the template comes from — the
shipped library, an uploaded results form, an earlier campaign; 2) tasks and criteria (markdown
with a preview), the grade scale, the campaign's settings; 3) a summary with one «Создать
кампанию». Nothing is stored before that button: between the steps the draft lives in the
page's own fields (the summary keeps it in one hidden JSON field); the services
(``services/campaigns/wizard.py``) judge it again when it comes back.

The settings page (``/organiser/campaigns/<slug>/edit``) edits name, deadline, rechecks per
paper, tolerance and the exclusion with optimistic locking (``services/campaigns/settings.py``).
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..domain.library import STATUS_RU, shipped_task_lists
from ..domain.markdown import render as render_markdown
from ..domain.template import DISCREPANCY_DEFAULTS, GRADE_KEYS
from ..extensions import session
from ..filenames import shown_name
from ..imports.limits import MAX_FILE_BYTES
from ..imports.tabular import too_big
from ..models import Role
from ..services.audit.trail import Actor
from ..services.campaigns.scales import ScalesFileError, lookup_scales
from ..services.campaigns.store import CampaignError
from ..services.campaigns.settings import SettingsError, StaleSettings, settings_view, update_settings
from ..services.campaigns.wizard import (MAX_CRITERIA, MAX_TASKS, SOURCES, Draft, WizardError, by_token, check,
                                         copy_sources, create, start_from_campaign, start_from_form,
                                         start_from_library)
from .access import roles_required
from .filters import criteria_html
from .limits import MB, body_limit
from .organiser import campaign_or_404

bp = Blueprint("wizard", __name__, url_prefix="/organiser")

GRADES = [str(n) for n in range(1, 12)]
MAX_STATE = 2_000_000  # the summary's hidden JSON: up to 200 tasks of criteria


def _subjects() -> list[str]:
    names = {item.subject_name for item in shipped_task_lists()}
    return sorted(names | {"Математика", "Русский язык", "Окружающий мир", "История", "Биология", "География",
                           "Обществознание", "Физика", "Химия"})


def _scales():
    return lookup_scales(current_app.config["CROSSCHECK"].data_dir)


# --- step 1 -------------------------------------------------------------------------------

def _start_page(status: int = 200, *, values: dict | None = None, errors: list[str] | None = None):
    values = values or {}
    values.setdefault("year", str(datetime.now(UTC).year))
    values.setdefault("grade", "4")
    values.setdefault("source", "library")
    return render_template("wizard/start.html", values=values, errors=errors or [], grades=GRADES,
                           subjects=_subjects(), library=shipped_task_lists(), status_ru=STATUS_RU,
                           campaigns=copy_sources(session())), status


@bp.route("/wizard/")
@roles_required(Role.ORGANISER)
def start():
    return _start_page()


@bp.route("/wizard/", methods=["POST"])
@body_limit(lambda cfg: cfg.max_table_upload_mb * MB)
@roles_required(Role.ORGANISER)
def start_post():
    form = request.form
    values = {k: (form.get(k) or "").strip() for k in ("subject", "grade", "year", "source", "campaign")}
    try:
        if values["source"] == "form":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise WizardError(["Форма сбора результатов: выберите файл (XLSX или CSV)"])
            name = shown_name(upload.filename, "form.xlsx")
            data = upload.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise WizardError([f"Форма сбора результатов: {too_big(name)}"])
            draft = start_from_form(session(), name, data, values["subject"], values["grade"], values["year"],
                                    scales=_scales())
        elif values["source"] == "campaign":
            draft = start_from_campaign(session(), values["campaign"], values["subject"], values["grade"],
                                        values["year"])
        elif values["source"] == "library":
            draft = start_from_library(session(), values["subject"], values["grade"], values["year"], scales=_scales())
        else:
            raise WizardError(["Откуда взять задания: выберите библиотеку, форму или прежнюю кампанию"])
    except ScalesFileError as exc:
        return _start_page(400, values=values, errors=[str(exc)])
    except WizardError as exc:
        return _start_page(400, values=values, errors=exc.errors)
    return _edit_page(draft)


# --- step 2: tasks, criteria, scale, settings -------------------------------------------------

def _flag(name: str) -> bool:
    return request.form.get(name) == "1"


def _draft_from_fields() -> Draft:
    """The edit page's fields back into a draft (values as typed)."""
    form = request.form
    try:
        keep = json.loads(form.get("keep") or "{}")
    except ValueError:
        keep = {}
    if not isinstance(keep, dict):
        keep = {}
    count = form.get("task_count", "0")
    count = min(int(count), MAX_TASKS + 1) if count.isdigit() else 0
    tasks = []
    for i in range(1, count + 1):
        if f"task-{i}-label" not in form and f"task-{i}-max" not in form:
            continue
        tasks.append({"label": form.get(f"task-{i}-label", ""), "max": form.get(f"task-{i}-max", ""),
                      "criteria": (form.get(f"task-{i}-criteria", "") or "")[:MAX_CRITERIA + 1]})
    discrepancy = dict(DISCREPANCY_DEFAULTS)
    discrepancy.update({k: v for k, v in (keep.get("discrepancy") or {}).items() if k in DISCREPANCY_DEFAULTS})
    discrepancy["double_tolerance"] = form.get("double_tolerance", "")
    return Draft(subject=form.get("subject", ""), grade=form.get("grade", ""), year=form.get("year", ""),
                 source_kind=form.get("source_kind", ""), source_note=form.get("source_note", ""),
                 title=form.get("title", ""), pages=form.get("pages", ""), tasks=tasks,
                 grades={k: form.get(f"grade{k}", "") for k in GRADE_KEYS},
                 masks=keep.get("masks") if isinstance(keep.get("masks"), list) else [],
                 identity=keep.get("identity"), discrepancy=discrepancy, name=form.get("name", ""),
                 slug=form.get("slug", ""), per_paper=form.get("per_paper", ""), deadline=form.get("deadline", ""),
                 exclude_same_municipality=_flag("exclude_same_municipality"), teacher_views=_flag("teacher_views"),
                 token=form.get("token", ""))


def _edit_page(draft: Draft, status: int = 200, *, errors: list[str] | None = None, focus: str = ""):
    keep = {"masks": draft.masks, "identity": draft.identity,
            "discrepancy": {k: v for k, v in (draft.discrepancy or {}).items() if k != "double_tolerance"}}
    return render_template("wizard/edit.html", draft=draft, errors=errors or [], sources=SOURCES,
                           keep=json.dumps(keep, ensure_ascii=False), criteria_html=criteria_html,
                           focus=focus), status


@bp.route("/wizard/edit", methods=["POST"])
@body_limit(lambda cfg: 4 * MB)
@roles_required(Role.ORGANISER)
def edit():
    """The edit page's buttons: add or remove a task row, refresh the previews, or go on to the summary."""
    draft = _draft_from_fields()
    action = request.form.get("action", "review")
    if action == "add":
        draft.tasks.append({"label": "", "max": "1", "criteria": ""})
        return _edit_page(draft, focus=f"task-{len(draft.tasks)}-label")
    if action.startswith("remove-") and action[7:].isdigit():
        index = int(action[7:]) - 1
        if 0 <= index < len(draft.tasks):
            del draft.tasks[index]
        return _edit_page(draft, focus="add-task")
    if action == "preview":
        return _edit_page(draft, focus="tasks")
    try:
        checked = check(session(), draft)
    except WizardError as exc:
        return _edit_page(draft, 400, errors=exc.errors)
    return _summary_page(draft, checked)


def _summary_page(draft: Draft, checked, status: int = 200, errors: list[str] | None = None):
    return render_template("wizard/summary.html", draft=draft, checked=checked, spec=checked.spec,
                           state=json.dumps(draft.as_dict(), ensure_ascii=False), criteria_html=criteria_html,
                           sources=SOURCES, errors=errors or []), status


# --- step 3: the summary and «Создать кампанию» ---------------------------------------------

@bp.route("/wizard/create", methods=["POST"])
@body_limit(lambda cfg: 4 * MB)
@roles_required(Role.ORGANISER)
def create_post():
    raw = request.form.get("state", "")
    try:
        data = json.loads(raw) if len(raw) <= MAX_STATE else None
        draft = Draft.from_dict(data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        draft = None
    if draft is None:
        flash("Мастер: данные формы не получены; начните заново.", "error")
        return redirect(url_for(".start"))
    if request.form.get("action") == "back":
        return _edit_page(draft)
    try:
        made = create(session(), draft, actor=Actor(current_user))
        session().commit()
    except WizardError as exc:
        session().rollback()
        return _edit_page(draft, 400, errors=exc.errors)
    except (IntegrityError, CampaignError) as exc:  # a second «Создать» of this run committed meanwhile
        session().rollback()
        existing = by_token(session(), draft.token)
        if existing is None:
            if isinstance(exc, IntegrityError):
                raise
            return _edit_page(draft, 400, errors=[f"Код кампании: {exc}"])
        made = None
        campaign = existing
    else:
        campaign = made.campaign
    if made is not None and made.created:
        flash(f"Кампания «{campaign.name}» создана: шаблон «{campaign.template.name}», заданий "
              f"{len(campaign.template.tasks)}. Дальше — маски на скане титульного листа, первичные баллы школ и сканы.",
              "info")
    else:
        flash(f"Кампания «{campaign.name}» уже создана этим мастером — повторное нажатие ничего не изменило.", "info")
    return redirect(url_for("organiser.campaign", slug=campaign.slug))


@bp.route("/wizard/preview", methods=["POST"])
@body_limit(lambda cfg: 1 * MB)
@roles_required(Role.ORGANISER)
def preview():
    """A criteria text rendered as the expert will see it (the page's live preview)."""
    text = request.form.get("text", "")
    if len(text) > MAX_CRITERIA:
        return jsonify({"error": f"Критерии длиннее {MAX_CRITERIA} символов"}), 400
    return jsonify({"html": render_markdown(text)})


# --- a campaign's settings ------------------------------------------------------------------

def _settings_page(campaign, status: int = 200, *, errors: list[str] | None = None, values: dict | None = None,
                   stale: str = ""):
    view = settings_view(session(), campaign)
    return render_template("wizard/settings.html", campaign=campaign, view=view, errors=errors or [],
                           values=values, stale=stale), status


@bp.route("/campaigns/<slug>/edit")
@roles_required(Role.ORGANISER)
def campaign_settings(slug: str):
    return _settings_page(campaign_or_404(slug))


@bp.route("/campaigns/<slug>/edit", methods=["POST"])
@roles_required(Role.ORGANISER)
def campaign_settings_post(slug: str):
    campaign = campaign_or_404(slug)
    form = request.form
    values = {k: form.get(k, "") for k in ("version", "name", "deadline", "per_paper", "double_tolerance")}
    values["exclude_same_municipality"] = _flag("exclude_same_municipality")
    try:
        changed = update_settings(session(), campaign, actor=Actor(current_user), **values)
    except SettingsError as exc:
        session().rollback()
        return _settings_page(campaign, 400, errors=exc.errors, values=values)
    except StaleSettings as exc:
        session().rollback()
        session().expire_all()
        return _settings_page(campaign_or_404(slug), 409, stale=str(exc), values=values)
    session().commit()
    flash("Настройки кампании сохранены." if changed else "Настройки не изменились.", "info")
    return redirect(url_for(".campaign_settings", slug=campaign.slug))
