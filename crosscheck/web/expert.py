"""The scoring screen for experts and reviewers (the data itself comes from the JSON API)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from ..domain.lifecycle import ensure_open
from ..extensions import session
from ..models import AssignmentStatus, Role
from ..services.marking.assignments import (assignment_json, my_assignments, queue_position,
                                              remaining_count)
from ..services.marking.problems import open_problem_ids, report_for
from ..services.marking.scoring import NotYours, Paused, mark_opened, marking_state
from .access import roles_required
from .api import page_url

bp = Blueprint("expert", __name__, url_prefix="/marking")
MARKERS = (Role.EXPERT, Role.REVIEWER)


@bp.route("/next")
@roles_required(*MARKERS)
def next_paper():
    """Straight to the first unfinished paper (in progress first, then untouched); papers
    waiting for the organiser's answer to a problem report are left alone."""
    waiting = open_problem_ids(session(), current_user)
    todo = [a for a in my_assignments(session(), current_user)
            if a.status != AssignmentStatus.SUBMITTED and a.id not in waiting]
    todo.sort(key=lambda a: (a.status != AssignmentStatus.IN_PROGRESS, a.created_at, a.id))
    if not todo:
        return redirect(url_for("home.index"))
    return redirect(url_for(".score", assignment_id=todo[0].id))


@bp.route("/<int:assignment_id>")
@roles_required(*MARKERS)
def score(assignment_id: int):
    try:
        state = marking_state(session(), current_user, assignment_id)
    except NotYours:
        abort(404)
    except Paused:  # the queue page says why, politely
        return redirect(url_for("home.index"))
    ensure_open(state.campaign_status, state.campaign_name)  # a closed campaign: «Кампания … завершена»
    if mark_opened(session(), state):  # the start of the time per paper (docs/experts.md)
        session().commit()
    data = assignment_json(session(), state, page_url)
    remaining = remaining_count(session(), current_user, state.id)
    position, total = queue_position(session(), current_user, state)
    # The template embeds ``a`` with |tojson, which escapes <, >, & and ' (a criterion reading
    # "</script>…" must not end the script element).
    return render_template("expert/score.html", a=data, remaining=remaining,
                           problem=report_for(session(), state.id), position=position, total=total)
