"""JSON API (SPEC §6) under /api/v1. Authenticated by session or bearer token."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from ..extensions import csrf, login_manager

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer-token clients cannot carry a CSRF token; session-authenticated calls must.
csrf.exempt(bp)


@bp.before_request
def require_login():
    if not current_user.is_authenticated:
        return jsonify({"error": "Нужна авторизация: войдите или передайте Authorization: Bearer TOKEN"}), 401
    uses_bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not uses_bearer:
        csrf.protect()
    return None


@bp.get("/me")
def me():
    return jsonify({"login": current_user.login, "full_name": current_user.full_name,
                    "role": current_user.role.value})


@login_manager.unauthorized_handler
def unauthorized():
    from flask import flash, redirect, url_for

    if request.path.startswith("/api/"):
        return jsonify({"error": "Нужна авторизация"}), 401
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
