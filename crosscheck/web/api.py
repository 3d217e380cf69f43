"""JSON API (SPEC §6) under /api/v1. Authenticated by session or bearer token."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user

from ..db import single_statement_writes
from ..extensions import csrf, login_manager, session
from ..models import Role
from ..services.marking.assignments import assignment_json, my_assignments
from ..services.marking.scoring import MarkingError, flag_problem, mark_opened, marking_state, save_scores, submit
from ..services.scans.renders import RENDER_WIDTHS
from ..services.scans.pages import masked_page_of_assignment

from .auth import authenticated_by_token
from .images import send_stored_jpeg
from .ids import db_int

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer-token clients cannot carry a CSRF token; session-authenticated calls must
# (require_login decides by how the user was loaded, not by which headers were sent).
csrf.exempt(bp)
MARKERS = (Role.EXPERT, Role.REVIEWER)


@bp.before_request
def require_login():
    if not current_user.is_authenticated:
        return jsonify({"error": "Нужна авторизация: войдите или передайте Authorization: Bearer TOKEN"}), 401
    if request.method not in ("GET", "HEAD", "OPTIONS") and not authenticated_by_token():
        csrf.protect()
    return None


def _markers_only() -> None:
    if current_user.role not in MARKERS:
        abort(403)


def page_url(assignment_id: int, position: int, **params) -> str:
    return url_for("api.page_image", assignment_id=assignment_id, position=position, **params)


@bp.errorhandler(MarkingError)
def marking_error(exc: MarkingError):
    session().rollback()
    return jsonify({"error": exc.message}), exc.status


@bp.get("/me")
def me():
    return jsonify({"login": current_user.login, "full_name": current_user.full_name,
                    "role": current_user.role.value})


@bp.get("/assignments")
def assignments():
    _markers_only()
    s = session()
    return jsonify([assignment_json(s, marking_state(s, current_user, a.id), page_url)
                    for a in my_assignments(s, current_user)])


@bp.get("/assignments/<int:assignment_id>")
def assignment(assignment_id: int):
    _markers_only()
    s = session()
    state = marking_state(s, current_user, assignment_id)
    if mark_opened(s, state):  # the first read of one assignment starts its time per paper
        s.commit()
    return jsonify(assignment_json(s, state, page_url))


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise MarkingError("Тело запроса должно быть JSON-объектом")
    return body


@bp.put("/assignments/<int:assignment_id>/scores")
@single_statement_writes  # on PostgreSQL an autosave is one atomic statement (services.marking.scoring)
def put_scores(assignment_id: int):
    _markers_only()
    body = _body()
    saved = save_scores(session(), current_user, assignment_id, body.get("scores"), body.get("comment"),
                        body.get("version"))
    session().commit()
    return jsonify({"version": saved.version})


@bp.post("/assignments/<int:assignment_id>/submit")
def post_submit(assignment_id: int):
    _markers_only()
    done = submit(session(), current_user, assignment_id)
    session().commit()
    return jsonify({"status": done.status.value, "version": done.version})


@bp.post("/assignments/<int:assignment_id>/problem")
def post_problem(assignment_id: int):
    _markers_only()
    body = _body()
    assignment = flag_problem(session(), current_user, assignment_id, body.get("kind"), body.get("note"))
    session().commit()
    return jsonify({"problem": assignment.problem.value})


@bp.get("/assignments/<int:assignment_id>/pages/<int:position>")
def page_image(assignment_id: int, position: int):
    """The masked render of one page of the caller's own assignment, and nothing else."""
    _markers_only()
    masked = masked_page_of_assignment(session(), current_user.id, assignment_id, position)
    if masked is None:
        abort(404)
    width = request.args.get("w", type=db_int)
    if width is not None and width not in RENDER_WIDTHS:
        abort(400)
    # nginx sends the full file when configured; Python only decided that this user may have it.
    return send_stored_jpeg(masked, width, accel=True)


@login_manager.unauthorized_handler
def unauthorized():
    from flask import flash, redirect

    if request.path.startswith("/api/"):
        return jsonify({"error": "Нужна авторизация"}), 401
    flash(login_manager.login_message, "info")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
