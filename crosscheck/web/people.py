"""«Люди»: the organiser's people page (search, add, edit, deactivate, conflicts, passwords),
uploading schools / users / conflicts files with a preview, and the credentials sheet.

Passwords in clear exist only in the one response that creates them (a table and a PDF built
in memory, embedded in the page as a download link); pages are ``no-store``, and nothing of a
password is stored but its hash or written to the audit trail. Experts and reviewers declare
their own conflicts of interest at ``/account/conflicts``.
"""
from __future__ import annotations

import base64

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import session
from ..filenames import shown_name
from ..imports.limits import MAX_FILE_BYTES, TableReadError
from ..imports.tabular import ImportRejected, too_big
from ..models import Conflict, Role, User
from ..services.audit.trail import Actor
from ..services.audit.wording import FIELD_LABELS
from ..services.people import directory, uploads
from ..services.people import imports as people_imports
from ..services.people.accounts import require_password_change, reset_password, set_active
from ..services.people.directory import PersonForm, PersonRefused
from ..services.people.imports import KINDS
from ..services.reports.credentials import Slip, credentials_pdf
from .access import roles_required
from .limits import MB, body_limit

bp = Blueprint("people", __name__, url_prefix="/organiser/people")
account_bp = Blueprint("account", __name__, url_prefix="/account")

KIND_LABELS = {"schools": "ОО (школы)", "users": "Пользователи", "conflicts": "Конфликты интересов"}
ACTION_LABELS = {"create": "будет создан", "update": "будет изменён", "unchanged": "без изменений"}
ROLE_CHOICES = [("expert", "Эксперт"), ("reviewer", "Руководитель МО"), ("observer", "Общественный наблюдатель"),
                ("organiser", "Организатор")]


def _actor() -> Actor:
    return Actor(current_user._get_current_object())


def _data_dir():
    return current_app.config["CROSSCHECK"].data_dir


def _site_url() -> str:
    return url_for("auth.login", _external=True)


def _credentials(users_passwords: list[tuple[User, str]], title: str, back: str):
    """The one page that shows these passwords: a table and the PDF slips as a download."""
    slips = [Slip(u.full_name, u.login, p) for u, p in users_passwords]
    directory.record_credentials(session(), [u for u, _ in users_passwords], _actor())
    session().commit()
    pdf = base64.b64encode(credentials_pdf(slips, _site_url())).decode("ascii") if slips else ""
    return render_template("people/credentials.html", slips=slips, pdf=pdf, title=title, back=back,
                           site_url=_site_url())


# --- the list, uploads ----------------------------------------------------------------------

@bp.route("/")
@roles_required(Role.ORGANISER)
def index():
    q, role, active = request.args.get("q", ""), request.args.get("role", ""), request.args.get("active", "")
    page = request.args.get("page", "1")
    result = directory.search(session(), q, role, active, int(page) if page.isdigit() and len(page) < 7 else 1)
    return render_template("people/index.html", result=result, q=q, role=role, active=active,
                           roles=ROLE_CHOICES, kinds=KIND_LABELS)


@bp.route("/upload", methods=["POST"])
@body_limit(lambda cfg: cfg.max_table_upload_mb * MB)
@roles_required(Role.ORGANISER)
def upload():
    """Check the file and show what it would do; nothing is written before the confirmation."""
    kind = request.form.get("kind", "")
    file = request.files.get("file")
    if kind not in KINDS:
        flash("Выберите, что в файле: ОО, пользователи или конфликты интересов.", "error")
        return redirect(url_for(".index"))
    if file is None or not file.filename:
        flash("Выберите файл.", "error")
        return redirect(url_for(".index"))
    name = shown_name(file.filename, f"{kind}.csv")
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        flash(too_big(name), "error")
        return redirect(url_for(".index"))
    try:
        preview = people_imports.preview(session(), kind, name, data)
    except (ImportRejected, TableReadError) as exc:
        session().rollback()
        errors = getattr(exc, "errors", None)
        return render_template("people/preview.html", kind=kind, kinds=KIND_LABELS, name=name, preview=None,
                               file_errors=errors or [], file_problem=None if errors else str(exc),
                               actions=ACTION_LABELS, fields=FIELD_LABELS), 400
    session().rollback()  # nothing was written; nothing may be
    staged = uploads.stage(_data_dir(), current_user.id, kind, name, data) if not preview.errors else None
    return render_template("people/preview.html", kind=kind, kinds=KIND_LABELS, name=name, preview=preview,
                           staged=staged, file_errors=[], file_problem=None, actions=ACTION_LABELS,
                           fields=FIELD_LABELS)


@bp.route("/upload/<token>/commit", methods=["POST"])
@roles_required(Role.ORGANISER)
def commit_upload(token: str):
    staged = uploads.load(_data_dir(), current_user.id, token)
    if staged is None:
        flash("Этот файл уже загружен или отменён: загрузите его снова, чтобы увидеть, что изменится.", "error")
        return redirect(url_for(".index"))
    try:
        result = uploads.commit(session(), staged, _actor())
    except (ImportRejected, TableReadError) as exc:
        session().rollback()
        uploads.discard(_data_dir(), current_user.id, token)
        flash(f"Файл «{staged.name}» не загружен: с момента проверки данные изменились "
              f"({exc}). Загрузите его снова.", "error")
        return redirect(url_for(".index"))
    created = result.generated_passwords  # login → password, for this response only
    users = list(session().scalars(select(User).where(User.login.in_(created)))) if created else []
    session().commit()
    uploads.discard(_data_dir(), current_user.id, token)
    withdrawn = f" Снято назначений, которые стали недопустимы: {len(result.withdrawn)}." if result.withdrawn else ""
    flash(f"Файл «{staged.name}» загружен: {result.summary()}.{withdrawn}", "info")
    if users:
        return _credentials([(u, created[u.login]) for u in sorted(users, key=lambda u: u.login)],
                            f"Новые учётные записи из файла «{staged.name}»", url_for(".index"))
    return redirect(url_for(".index"))


@bp.route("/upload/<token>/cancel", methods=["POST"])
@roles_required(Role.ORGANISER)
def cancel_upload(token: str):
    uploads.discard(_data_dir(), current_user.id, token)
    flash("Загрузка отменена: ничего не записано.", "info")
    return redirect(url_for(".index"))


# --- one person -------------------------------------------------------------------------------

def _person_form() -> PersonForm:
    f = request.form
    return PersonForm(full_name=f.get("full_name", "")[:1000], role=f.get("role", ""),
                      school_code=f.get("school_code", "")[:100], subjects=f.get("subjects", "")[:2000],
                      login=f.get("login", "")[:200])


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def new():
    form, problems = PersonForm(role="expert"), {}
    if request.method == "POST":
        form = _person_form()
        try:
            user, password = directory.create_person(session(), form, _actor())
        except PersonRefused as exc:
            session().rollback()
            problems = exc.problems
        else:
            session().flush()
            return _credentials([(user, password)], f"Учётная запись «{user.login}» создана",
                                url_for(".person", user_id=user.id))
    return render_template("people/new.html", form=form, problems=problems, roles=ROLE_CHOICES,
                           schools=directory.school_choices(session())), 400 if problems else 200


def _user_or_404(user_id: int) -> User:
    user = session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _person_page(user: User, form: PersonForm | None = None, problems: dict | None = None, status: int = 200):
    return render_template("people/person.html", person=user, form=form or PersonForm.of(user),
                           problems=problems or {}, roles=ROLE_CHOICES, schools=directory.school_choices(session()),
                           conflicts=directory.conflicts_of(session(), user)), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def person(user_id: int):
    user = _user_or_404(user_id)
    if request.method == "POST":
        form = _person_form()
        try:
            withdrawn = directory.update_person(session(), user, form, _actor())
        except PersonRefused as exc:
            session().rollback()
            return _person_page(_user_or_404(user_id), form, exc.problems, 400)
        session().commit()
        if withdrawn is None:
            flash("Ничего не изменилось.", "info")
        else:
            flash("Сохранено." + (f" Снято назначений, которые стали недопустимы: {len(withdrawn)}."
                                  if withdrawn else ""), "info")
        return redirect(url_for(".person", user_id=user_id))
    return _person_page(user)


@bp.route("/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ORGANISER)
def set_user_active(user_id: int):
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    if not active and user.id == current_user.id:
        flash("Нельзя отключить самого себя.", "error")
        return redirect(url_for(".person", user_id=user_id))
    if set_active(session(), user, active, _actor()):
        session().commit()
        flash("Пользователь снова допущен." if active else
              "Пользователь отключён: его сеансы завершены, его незавершённые работы сняты.", "info")
    return redirect(url_for(".person", user_id=user_id))


@bp.route("/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ORGANISER)
def reset(user_id: int):
    user = _user_or_404(user_id)
    password = reset_password(session(), user, _actor())
    session().flush()
    return _credentials([(user, password)], f"Новый пароль для «{user.login}»", url_for(".person", user_id=user_id))


@bp.route("/<int:user_id>/must-change", methods=["POST"])
@roles_required(Role.ORGANISER)
def must_change(user_id: int):
    user = _user_or_404(user_id)
    if require_password_change(session(), user, _actor()):
        session().commit()
    flash("При следующем входе пользователь должен будет сменить пароль.", "info")
    return redirect(url_for(".person", user_id=user_id))


@bp.route("/<int:user_id>/conflicts", methods=["POST"])
@roles_required(Role.ORGANISER)
def add_conflict(user_id: int):
    user = _user_or_404(user_id)
    try:
        _, withdrawn = directory.add_conflict(session(), user, request.form.get("school_code", "")[:100],
                                              request.form.get("reason", "")[:20000], _actor())
    except PersonRefused as exc:
        session().rollback()
        return _person_page(_user_or_404(user_id), problems={f"conflict_{k}": v for k, v in exc.problems.items()},
                            status=400)
    session().commit()
    flash("Конфликт интересов добавлен." + (f" Снято назначений: {len(withdrawn)}." if withdrawn else ""), "info")
    return redirect(url_for(".person", user_id=user_id))


@bp.route("/<int:user_id>/conflicts/<int:conflict_id>/delete", methods=["POST"])
@roles_required(Role.ORGANISER)
def remove_conflict(user_id: int, conflict_id: int):
    conflict = session().get(Conflict, conflict_id)
    if conflict is None or conflict.user_id != user_id:
        abort(404)
    directory.remove_conflict(session(), conflict, _actor())
    session().commit()
    flash("Конфликт интересов снят.", "info")
    return redirect(url_for(".person", user_id=user_id))


# --- an expert's own conflicts -----------------------------------------------------------------

@account_bp.route("/conflicts", methods=["GET", "POST"])
@roles_required(Role.EXPERT, Role.REVIEWER)
def conflicts():
    """Experts and reviewers declare where they must not mark (relatives at a school, a second
    job); the gate applies at once. Only the organiser may withdraw a declared conflict."""
    user = current_user._get_current_object()
    problems: dict[str, str] = {}
    if request.method == "POST":
        try:
            directory.add_conflict(session(), user, request.form.get("school_code", "")[:100],
                                   request.form.get("reason", "")[:20000], _actor(), self_declared=True)
        except PersonRefused as exc:
            session().rollback()
            problems = exc.problems
        else:
            session().commit()
            flash("Конфликт интересов записан: работы этой ОО вам назначаться не будут.", "info")
            return redirect(url_for(".conflicts"))
    return render_template("people/own_conflicts.html", conflicts=directory.conflicts_of(session(), user),
                           schools=directory.school_choices(session()), problems=problems,
                           first=request.args.get("first") == "1"), 400 if problems else 200
