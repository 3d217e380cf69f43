"""What an expert or reviewer is shown of an assignment (SPEC §6): never the school,
the participant code, or (for an expert) the original marks."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from ...models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, CampaignExpert, CampaignStatus, Paper,
                       User, queue_kinds, shown_kind)
from .scoring import MarkingState, kind_for
from ..scans.pages import page_positions
from .schemes import paper_marks


def _paused_here(user: User):
    """The marker is paused in the assignment's campaign (their work there waits)."""
    return exists().where(and_(CampaignExpert.campaign_id == Paper.campaign_id, CampaignExpert.user_id == user.id,
                               CampaignExpert.paused_at.is_not(None)))


def my_assignments(session: Session, user: User) -> list[Assignment]:
    """The user's live work (an expert's rechecks and calibration copies alike), in queue
    order, leaving out campaigns where the user is paused; those of a closed campaign leave
    the queue too (its marks are frozen, docs/guide-ru.md «Завершение кампании»)."""
    return list(session.scalars(
        select(Assignment)
        .join(Paper, Paper.id == Assignment.paper_id).join(Campaign, Campaign.id == Paper.campaign_id)
        .where(Assignment.expert_id == user.id, Assignment.kind.in_(queue_kinds(kind_for(user))),
               Assignment.status != AssignmentStatus.SUPERSEDED, ~_paused_here(user),
               Campaign.status != CampaignStatus.CLOSED)
        .order_by(Assignment.created_at, Assignment.id)))


def remaining_count(session: Session, user: User, except_id: int) -> int:
    """How many of the user's live assignments are still to be submitted, besides one:
    the same as counting ``my_assignments`` in Python, without loading them."""
    return session.scalar(
        select(func.count()).select_from(Assignment)
        .join(Paper, Paper.id == Assignment.paper_id).join(Campaign, Campaign.id == Paper.campaign_id)
        .where(Assignment.expert_id == user.id, Assignment.id != except_id,
               Assignment.kind.in_(queue_kinds(kind_for(user))),
               Assignment.status.not_in([AssignmentStatus.SUPERSEDED, AssignmentStatus.SUBMITTED]),
               Campaign.status != CampaignStatus.CLOSED))


def queue_position(session: Session, user: User, state: MarkingState) -> tuple[int, int]:
    """«работа N из M» on the scoring screen: N is this assignment's place among the user's
    live assignments (submitted ones included) of its campaign, in the queue page's order
    (created, then id), M how many there are. One statement of ids."""
    ids = list(session.scalars(
        select(Assignment.id)
        .join(Paper, Paper.id == Assignment.paper_id)
        .where(Assignment.expert_id == user.id, Assignment.kind.in_(queue_kinds(shown_kind(state.kind))),
               Assignment.status != AssignmentStatus.SUPERSEDED, Paper.campaign_id == state.campaign_id)
        .order_by(Assignment.created_at, Assignment.id)))
    return (ids.index(state.id) + 1 if state.id in ids else 0), len(ids)


def assignment_json(session: Session, state: MarkingState, page_url: Callable[[int, int], str]) -> dict:
    data = {
        "id": state.id,
        "cipher": state.cipher,
        "round": state.round,
        "kind": shown_kind(state.kind).value,  # a calibration copy reads as the recheck it looks like
        "status": state.status.value,
        "version": state.version,
        "comment": state.comment,
        "pages": [page_url(state.id, position) for position in page_positions(session, state.paper_id)],
        "tasks": [{"label": t.label, "max": t.max_score, "criteria": t.criteria} for t in state.tasks],
        "scores": dict(state.scores),
    }
    if state.kind == AssignmentKind.REVIEW:
        marks = paper_marks(session, session.get(Paper, state.paper_id))
        data["original"] = dict(marks.original)
        data["rechecks"] = [dict(r) for r in marks.rechecks]
    return data
