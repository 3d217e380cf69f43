"""Login and logout (session), bearer tokens (API only), and throttling of failed logins.

A browser session is the signed cookie plus the user's ``session_version`` it was issued
under: logout, a password change and deactivation bump the version, and every cookie of
the user, copies included, stops working at once. Logout therefore ends the user's
sessions on every device (docs/guide-ru.md says so). Checking costs nothing extra: the
user row is read on every request anyway."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import login_manager, session
from ..models import Role, User
from ..services.audit.trail import Actor
from ..services.people.accounts import (MAX_LOGIN_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, LoginThrottled,
                                        PasswordChangeRefused, ThrottlePolicy, authenticate, change_password,
                                        end_sessions, record_login, user_for_token)

bp = Blueprint("auth", __name__)
SESSION_VERSION = "_sv"  # the user's session_version when this cookie was issued
BY_TOKEN = "_authenticated_by_token"  # on g: this request's user came from a bearer token
# What a user who must change their password may still open.
PASSWORD_FIRST_EXEMPT = {None, "static", "auth.password", "auth.logout", "auth.login", "home.healthz", "home.readyz",
                         "home.favicon"}


class LoginForm(FlaskForm):
    username = StringField("Логин", validators=[
        DataRequired("Введите логин"),
        Length(max=MAX_LOGIN_LENGTH, message=f"Логин не длиннее {MAX_LOGIN_LENGTH} символов")])
    password = PasswordField("Пароль", validators=[
        DataRequired("Введите пароль"),
        Length(max=MAX_PASSWORD_LENGTH, message=f"Пароль не длиннее {MAX_PASSWORD_LENGTH} символов")])


def authenticated_by_token() -> bool:
    """Whether the current user was loaded from a bearer token (not from the session cookie):
    only such requests may skip CSRF."""
    return bool(g.get(BY_TOKEN))


def _throttle_policy() -> ThrottlePolicy:
    return ThrottlePolicy.of(current_app.config["CROSSCHECK"])


def _start_session(user: User) -> None:
    login_user(user)
    cookie[SESSION_VERSION] = user.session_version


def init_login(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите, чтобы продолжить."
    login_manager.login_message_category = "info"

    @app.before_request
    def forget_cached_user():
        # Flask-Login caches the user on `g`, which lives as long as the app context. A
        # request must authenticate itself (cookie or bearer), never inherit a user (or
        # another browser's CSRF token, which Flask-WTF caches there too) from an earlier
        # request that shared the context (as tests and CLI-driven calls do).
        for name in ("_login_user", BY_TOKEN, "csrf_token"):
            g.pop(name, None)

    @app.before_request
    def password_first():
        # Someone else chose this user's password (generated, reset): until they choose
        # their own, every page but the password page (and logout) sends them there.
        if request.endpoint in PASSWORD_FIRST_EXEMPT or request.blueprint == "api":
            return None
        if current_user.is_authenticated and current_user.must_change_password:
            return redirect(url_for("auth.password"))
        return None

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = session().get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active or cookie.get(SESSION_VERSION) != user.session_version:
            return None  # logged out elsewhere, password changed, deactivated, or a cookie of old
        return user

    @login_manager.request_loader
    def load_from_bearer(req) -> User | None:
        # Tokens are for the JSON API only: elsewhere the header is ignored, as if absent.
        if req.blueprint != "api":
            return None
        header = req.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        user = user_for_token(session(), header[7:].strip(), days=current_app.config["CROSSCHECK"].token_days)
        if user is not None:
            setattr(g, BY_TOKEN, True)
            if session().dirty:
                session().commit()  # last_used_at, at most once a minute
        return user


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


def _throttled(exc: LoginThrottled, template: str, status: int = 429, **context):
    response = current_app.make_response((render_template(template, **context), status))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or ""
        try:
            user = authenticate(session(), form.username.data, form.password.data, remote_addr=address,
                                policy=_throttle_policy())
        except LoginThrottled as exc:
            flash(exc.message, "error")
            return _throttled(exc, "auth/login.html", form=form)
        if user is None:
            session().commit()  # the failure counts
            flash("Неверный логин или пароль.", "error")
            status = 401
        else:
            record_login(session(), user, address)
            session().commit()
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    elif request.method == "POST":
        status = 400  # a field missing or too long: the form says which
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        end_sessions(session(), user, Actor(user))
        session().commit()
    logout_user()
    cookie.pop(SESSION_VERSION, None)
    flash("Вы вышли из системы. Сеансы на других устройствах тоже завершены.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Any signed-in user replaces their own password (the policy of the people import).
    The form is CSRF-protected like every other; wrong current passwords are throttled like
    failed logins. Every other session of the user ends; this browser stays signed in."""
    errors: dict[str, str] = {}
    status = 200
    context = {"min_length": MIN_PASSWORD_LENGTH, "max_length": MAX_PASSWORD_LENGTH}
    user = current_user._get_current_object()
    forced = user.must_change_password
    if request.method == "POST":
        try:
            change_password(session(), user, request.form.get("current", ""), request.form.get("new", ""),
                            request.form.get("repeat", ""), remote_addr=request.remote_addr or "",
                            policy=_throttle_policy())
        except LoginThrottled as exc:
            session().rollback()
            errors["current"] = exc.message
            return _throttled(exc, "auth/password.html", errors=errors, forced=forced, **context)
        except PasswordChangeRefused as exc:
            session().commit()  # nothing changed but a wrong current password's failure record
            errors[exc.field] = exc.message
            status = 400
        else:
            session().commit()
            cookie[SESSION_VERSION] = user.session_version
            flash("Пароль изменён. На других устройствах нужно войти заново.", "info")
            if forced and user.role in (Role.EXPERT, Role.REVIEWER):  # the first login: declare conflicts
                return redirect(url_for("account.conflicts", first=1))
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", errors=errors, forced=forced, **context), status
