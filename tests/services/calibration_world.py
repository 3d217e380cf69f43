"""A campaign with calibration references (issue 18, calibration papers): used by the service,
page, API and browser tests."""
from __future__ import annotations

from sqlalchemy import select

from crosscheck.models import Assignment, AssignmentKind, AssignmentStatus, PaperStatus, Role
from crosscheck.services.audit.trail import Actor
from crosscheck.services.reports.calibration import set_key
from tests.reports.experts_world import submitted


class World:
    pass


def build(db, factory, *, rate: int = 2, first: int = 1):
    """School 500101 wrote the two reference papers (marked live by ``old`` from 500103, full
    marks, done) and four live papers; 500102 four live papers. ``eb1``, ``eb2`` work at 500102,
    ``ec`` at 500103, ``ea`` at 500101 (the references' own school), ``old`` marked both
    references live. The reviewer ``mo`` set both keys (the final marks, one point off task 9 on
    the second)."""
    w = World()
    w.a, w.b, w.c = factory.school("500101"), factory.school("500102"), factory.school("500103")
    w.org = factory.user("org", Role.ORGANISER)
    w.mo = factory.user("mo", Role.REVIEWER, school=w.c)
    w.old = factory.user("old", school=w.c, full_name="Старова Ольга")
    w.eb1 = factory.user("eb1", school=w.b, full_name="Бобров Борис")
    w.eb2 = factory.user("eb2", school=w.b, full_name="Белова Вера")
    w.ec = factory.user("ec", school=w.c, full_name="Ценина Анна")
    w.ea = factory.user("ea", school=w.a, full_name="Арбузов Антон")
    w.campaign = factory.campaign("cal")
    w.campaign.calibration_rate, w.campaign.calibration_first = rate, first
    w.full = {t.label: t.max_score for t in w.campaign.template.tasks}
    w.refs = []
    for _ in range(2):
        paper = factory.paper(w.campaign, w.a)
        submitted(db, paper, w.old, w.full)
        paper.status = PaperStatus.DONE
        w.refs.append(paper)
    w.live_a = [factory.paper(w.campaign, w.a) for _ in range(4)]
    w.live_b = [factory.paper(w.campaign, w.b) for _ in range(4)]
    db.flush()
    w.keys = [dict(w.full), w.full | {"9": 1}]
    for paper, key in zip(w.refs, w.keys):
        set_key(db, w.campaign, paper, key, "эталон МО", Actor(w.mo))
    factory.commit()
    return w


def copies(db, expert=None):
    stmt = select(Assignment).where(Assignment.kind == AssignmentKind.CALIBRATION,
                                    Assignment.status != AssignmentStatus.SUPERSEDED)
    if expert is not None:
        stmt = stmt.where(Assignment.expert_id == expert.id)
    return list(db.scalars(stmt.order_by(Assignment.id)))
