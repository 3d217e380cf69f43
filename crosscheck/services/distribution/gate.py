"""Translating stored people, papers and assignments into the conflict gate's plain data.

Every path that creates an assignment (engine, manual, review) builds its inputs here,
so the rules in ``domain.conflicts`` see the same facts whichever path asks.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...domain.conflicts import ExistingAssignment, ExpertInfo, PaperInfo
from ...models import Assignment, AssignmentKind, Conflict, Paper, Role, User


def conflict_map(session: Session, user_ids: list[int] | None = None) -> dict[int, frozenset[int]]:
    """Declared conflicts per person (only for ``user_ids`` when given)."""
    found: dict[int, set[int]] = defaultdict(set)
    stmt = select(Conflict.user_id, Conflict.school_id)
    if user_ids is not None:
        stmt = stmt.where(Conflict.user_id.in_(user_ids))
    for user_id, school_id in session.execute(stmt):
        found[user_id].add(school_id)
    return {k: frozenset(v) for k, v in found.items()}


def expert_info(user: User, conflicts: dict[int, frozenset[int]]) -> ExpertInfo:
    return ExpertInfo(
        id=user.id,
        school_id=user.school_id,
        municipality=user.school.municipality if user.school else None,
        subjects=frozenset(user.subject_names),
        conflict_school_ids=conflicts.get(user.id, frozenset()),
        active=user.active,
        role=user.role.value,
    )


def people_of_role(session: Session, role: Role, subject: str) -> list[User]:
    users = session.scalars(select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)
                            .options(selectinload(User.subjects)))
    return [u for u in users if subject in u.subject_names]


def paper_info(paper: Paper) -> PaperInfo:
    return PaperInfo(id=paper.id, school_id=paper.school_id, municipality=paper.school.municipality,
                     subject=paper.campaign.template.subject.name,
                     original_marker_id=paper.original_marker_id)


def existing_for(session: Session, paper_ids: list[int]) -> list[ExistingAssignment]:
    """The papers' rechecks and reviews (calibration copies are gated on their own:
    ``calibration.py``)."""
    rows = session.execute(select(Assignment.paper_id, Assignment.expert_id, Assignment.kind,
                                  Assignment.round, Assignment.status)
                           .where(Assignment.paper_id.in_(paper_ids), Assignment.kind != AssignmentKind.CALIBRATION))
    return [ExistingAssignment(p, e, k.value, r, s.value) for p, e, k, r, s in rows]


def expert_schools(session: Session, existing: list[ExistingAssignment]) -> dict[int, int | None]:
    ids = {a.expert_id for a in existing}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.school_id).where(User.id.in_(ids))).all())
