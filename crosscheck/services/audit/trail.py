"""Recording audit events. There is deliberately no update or delete here."""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ...db import utcnow
from ...models import AuditEvent, User


class Actor:
    """Who did it: a user, or a named system actor (the CLI, a job)."""

    def __init__(self, user: User | None = None, label: str = ""):
        self.user = user
        self.label = label or (user.login if user else "system")

    @classmethod
    def cli(cls) -> "Actor":
        return cls(label="cli")


def record(session: Session, actor: Actor | None, action: str, entity_type: str,
           entity_id: int | None = None, *, campaign_id: int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           now: bool = False) -> None:
    """Add an event to the session's transaction (written with the next flush), or with
    ``now`` as one INSERT at once (the marking hot path, which writes without the ORM)."""
    values = audit_values(actor, action, entity_type, entity_id, campaign_id=campaign_id, before=before,
                          after=after)
    if now:
        insert_now(session, values)
    else:
        session.add(AuditEvent(**values))


def insert_now(session: Session, values: dict[str, Any]) -> None:
    """One event (``audit_values``) as one INSERT, bypassing the unit of work."""
    session.execute(insert(AuditEvent), [values])


def audit_values(actor: Actor | None, action: str, entity_type: str, entity_id: int | None = None, *,
                 campaign_id: int | None = None, before: dict[str, Any] | None = None,
                 after: dict[str, Any] | None = None) -> dict[str, Any]:
    """One audit event's column values (for writers that insert it themselves)."""
    actor = actor or Actor(label="system")
    return dict(at=utcnow(), actor_id=actor.user.id if actor.user else None, actor_label=actor.label,
                action=action, entity_type=entity_type, entity_id=entity_id, campaign_id=campaign_id,
                before=before, after=after)
