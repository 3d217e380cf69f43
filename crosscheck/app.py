"""The app factory: the only place that wires configuration, database, extensions and views."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask

from .config import Config, make_data_dir
from .db import Database
from .extensions import babel, csrf, login_manager

ROOT = Path(__file__).resolve().parent.parent


def build_app(config: Config | dict | None = None) -> Flask:
    if not isinstance(config, Config):
        config = Config.from_env(**(config or {}))
    make_data_dir(config.data_dir)

    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(Path(__file__).parent / "static"))
    app.config.update(
        SECRET_KEY=config.secret_key,
        CROSSCHECK=config,
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=config.max_request_kb * 1024,  # per route: web.limits
        # The signed session cookie is refused this long after it was last written, even a
        # copy (logout and password change end it at once: web.auth).
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_hours),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=config.production,
        WTF_CSRF_TIME_LIMIT=None,  # a marking session can last a whole evening
        BABEL_DEFAULT_LOCALE="ru",
        BABEL_DEFAULT_TIMEZONE="Europe/Moscow",
    )
    app.config.update(config.extra)

    if config.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # the client's address from nginx's X-Forwarded-For (login throttling per address)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=0, x_host=0)

    db = Database(config.database_url)
    app.extensions["crosscheck.db"] = db
    app.teardown_appcontext(lambda _exc: db.session.remove())

    from .web import limits

    limits.register(app)  # first of the hooks: an oversized body is refused before anything reads it

    @app.before_request
    def bind_session():
        from flask import request

        view = app.view_functions.get(request.endpoint)
        db.begin_request(autocommit=request.method in ("GET", "HEAD")
                         or getattr(view, "single_statement_writes", False))

    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "ru")

    from . import logs
    from .background import EXTENSION
    from .jobs import enqueue
    from .web import register_web

    app.extensions[EXTENSION] = enqueue  # services ask for background work through this seam

    if not config.testing:
        logs.configure_logging()
    logs.register(app)
    register_web(app)
    return app
