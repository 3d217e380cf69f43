"""The app factory: the only place that wires configuration, database, extensions and views."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import Config
from .db import Database
from .extensions import babel, csrf, login_manager

ROOT = Path(__file__).resolve().parent.parent


def build_app(config: Config | dict | None = None) -> Flask:
    if not isinstance(config, Config):
        config = Config.from_env(**(config or {}))
    config.data_dir.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(Path(__file__).parent / "static"))
    app.config.update(
        SECRET_KEY=config.secret_key,
        CROSSCHECK=config,
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=config.max_upload_mb * 1024 * 1024,
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

    db = Database(config.database_url)
    app.extensions["crosscheck.db"] = db
    app.teardown_appcontext(lambda _exc: db.session.remove())

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
