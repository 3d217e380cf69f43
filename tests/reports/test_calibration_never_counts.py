"""Calibration copies never count (issue 18): a campaign's report, analytics, school pages,
screening, expert statistics, progress, console and paper viewer are byte-identical with
unsubmitted copies, with submitted copies far off the key, and with no copies at all."""
from __future__ import annotations

import re

from sqlalchemy import delete, select

from crosscheck.models import Assignment, AssignmentKind, AssignmentStatus, PaperStatus, Role, TaskScore
from crosscheck.services.audit.trail import Actor
from crosscheck.services.distribution.assignment import run_assignment
from crosscheck.services.marking.scoring import save_scores, submit
from crosscheck.services.reports.calibration import set_key
from crosscheck.services.reports.loader import report_json
from tests.conftest import login
from tests.reports.experts_world import submitted
from tests.services.calibration_world import build, copies

PAGES = ["/analytics/cal/", "/analytics/cal/school?code=500101", "/analytics/cal/school?code=500102",
         "/analytics/cal/experts", "/analytics/cal/screening", "/analytics/cal/screening/500101",
         "/organiser/campaigns/cal/", "/organiser/campaigns/cal/experts", "/organiser/campaigns/cal/papers",
         "/observer/campaigns/cal/", "/organiser/"]


TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{20,}")  # a signed CSRF token


def snapshot(db, app, world) -> dict[str, str]:
    db.expire_all()
    client = app.test_client()
    assert login(client, "org").status_code == 302
    shots = {"report": report_json(db, world.campaign)}
    for url in PAGES + [f"/campaigns/cal/papers/{p.cipher}" for p in world.refs]:
        answer = client.get(url)
        assert answer.status_code == 200, url
        # the form tokens are signed with the time: the only bytes a reload changes
        shots[url] = TOKEN.sub("TOKEN", answer.get_data(as_text=True))
    return shots


def test_reports_and_analytics_are_byte_identical_with_and_without_calibration(db, factory, app):
    w = build(db, factory)
    factory.user("mo2", Role.REVIEWER, school=w.b)
    # a third reference whose live recheck went to a third check (significant): submitting a copy
    # of it must not send it to review again
    disputed = factory.paper(w.campaign, w.a)
    submitted(db, disputed, w.old, w.full | {"9": 0, "10": 0, "14": 0})
    submitted(db, disputed, db.scalar(select(type(w.mo)).where(type(w.mo).login == "mo2")), w.full, kind="review")
    disputed.status = PaperStatus.DONE
    set_key(db, w.campaign, disputed, w.full, "", Actor(w.org))
    w.refs.append(disputed)
    factory.commit()
    run_assignment(db, w.campaign, Actor(w.org))
    db.commit()
    for a in db.scalars(select(Assignment).where(Assignment.kind == AssignmentKind.RECHECK,
                                                 Assignment.status == AssignmentStatus.ASSIGNED)).all():
        save_scores(db, a.expert, a.id, dict(w.full) | {"1": 0}, "", a.version)
        submit(db, a.expert, a.id)
    db.commit()
    assert copies(db), "the world gives copies"
    before = snapshot(db, app, w)

    for a in copies(db):  # every copy handed in far off the key
        save_scores(db, a.expert, a.id, {label: 0 for label in w.full}, "", a.version)
        submit(db, a.expert, a.id)
    db.commit()
    assert all(a.status == AssignmentStatus.SUBMITTED for a in copies(db))
    with_copies = snapshot(db, app, w)

    ids = [a.id for a in copies(db)]
    db.execute(delete(TaskScore).where(TaskScore.assignment_id.in_(ids)))
    db.execute(delete(Assignment).where(Assignment.id.in_(ids)))
    db.commit()
    without = snapshot(db, app, w)

    for key in before:
        assert with_copies[key] == before[key], key
        assert without[key] == before[key], key
    db.refresh(disputed)
    assert disputed.status == PaperStatus.DONE
    assert db.scalars(select(Assignment).where(Assignment.paper_id == disputed.id,
                                               Assignment.kind == AssignmentKind.REVIEW)).all().__len__() == 1
