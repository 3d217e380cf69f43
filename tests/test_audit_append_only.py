"""The audit trail cannot be changed or erased, not even by a direct SQL statement."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from crosscheck.services.audit.trail import Actor, record


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"])
def test_the_database_refuses_to_rewrite_history(db, statement):
    record(db, Actor(label="test"), "marks.save", "assignment", 1, after={"scores": {"1": 1}})
    db.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.execute(text(statement))
        db.flush()
    db.rollback()
    assert db.execute(text("SELECT action FROM audit_events")).scalar() == "marks.save"


def test_the_services_have_no_update_or_delete_path():
    import crosscheck.services.audit.trail as audit

    names = [n for n in dir(audit) if not n.startswith("_")]
    assert not [n for n in names if any(w in n.lower() for w in ("delete", "update", "edit", "remove"))]
