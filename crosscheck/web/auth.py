"""Login and logout (session), bearer tokens (API), and throttling of failed logins."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..extensions import login_manager, session
from ..models import User
from ..services.people.accounts import (MIN_PASSWORD_LENGTH, LoginThrottled, PasswordChangeRefused, authenticate,
                                 change_password, user_for_token)

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Логин", validators=[DataRequired("Введите логин")])
    password = PasswordField("Пароль", validators=[DataRequired("Введите пароль")])


def init_login(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите, чтобы продолжить."
    login_manager.login_message_category = "info"

    @app.before_request
    def forget_cached_user():
        # Flask-Login caches the user on `g`, which lives as long as the app context. A
        # request must authenticate itself (cookie or bearer), never inherit a user from
        # an earlier request that shared the context (as tests and CLI-driven calls do).
        from flask import g

        g.pop("_login_user", None)

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = session().get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    @login_manager.request_loader
    def load_from_bearer(req) -> User | None:
        header = req.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        user = user_for_token(session(), header[7:].strip())
        if user is not None and session().dirty:
            session().commit()  # last_used_at, at most once a minute
        return user


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        cfg = current_app.config["CROSSCHECK"]
        try:
            user = authenticate(session(), form.username.data, form.password.data,
                                remote_addr=request.remote_addr or "",
                                max_failures=cfg.login_max_failures, window_seconds=cfg.login_window_seconds)
        except LoginThrottled as exc:
            minutes = max(1, exc.retry_after // 60)
            flash(f"Слишком много неудачных попыток входа. Повторите через {minutes} мин.", "error")
            return render_template("auth/login.html", form=form), 429
        session().commit()
        if user is None:
            flash("Неверный логин или пароль.", "error")
            status = 401
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("Вы вышли из системы.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Any signed-in user replaces their own password (the policy of the people import).
    The form is CSRF-protected like every other."""
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            change_password(session(), current_user, request.form.get("current", ""),
                            request.form.get("new", ""), request.form.get("repeat", ""))
        except PasswordChangeRefused as exc:
            session().rollback()
            errors[exc.field] = exc.message
            status = 400
        else:
            session().commit()
            flash("Пароль изменён.", "info")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", errors=errors, min_length=MIN_PASSWORD_LENGTH), status
