"""Flask extensions, created unbound and wired in the app factory."""
from __future__ import annotations

from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .db import Database

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def get_db() -> Database:
    return current_app.extensions["crosscheck.db"]


def session():
    """The request's (or command's) SQLAlchemy session."""
    return get_db().session
