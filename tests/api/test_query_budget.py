"""Marking is the hot path: an autosave must stay a handful of SQL statements."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from crosscheck.models import AuditEvent, TaskScore, TemplateTask
from crosscheck.services.people.accounts import issue_token
from tests.conftest import PG_URL


@pytest.fixture
def marking(db, factory, data_dir):
    """One expert's assignment with one page, their API token, and a warmed-up token (its
    once-a-minute last-use write is done before anything is counted)."""
    campaign = factory.campaign()
    expert = factory.user("exp01")
    paper = factory.paper(campaign, factory.school("500101"))
    assignment = factory.assignment(paper, expert)
    factory.page(paper, 1, data_dir)
    token = issue_token(db, expert)
    factory.commit()
    return f"/api/v1/assignments/{assignment.id}", {"Authorization": f"Bearer {token}"}, assignment.id


@contextmanager
def statements_of_requests(app, db):
    """(statement, driver autocommit flag or None) of every statement the requests inside
    run; each request opens its own session, as in production."""
    seen: list[tuple[str, bool | None]] = []
    engine = app.extensions["crosscheck.db"].engine

    def listener(conn, _cursor, statement, *_args):
        seen.append((statement, getattr(conn.connection.dbapi_connection, "autocommit", None)))

    db.close()
    app.extensions["crosscheck.db"].session.remove()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def is_read(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT")


def test_an_autosave_costs_few_statements(app, client, db, marking):
    base, headers, _ = marking
    client.put(f"{base}/scores", json={"scores": {"1": 1}, "version": 1}, headers=headers)
    with statements_of_requests(app, db) as seen:
        response = client.put(f"{base}/scores", json={"scores": {"1": 0, "2": 1}, "version": 2}, headers=headers)
    assert response.status_code == 200
    statements = [s for s, _ in seen]
    reads = [s for s in statements if is_read(s)]
    # who is asking; the assignment with its tasks and scores in one read
    assert len(reads) <= 2, "\n".join(reads)
    # + the version-guarded UPDATE, the new and the changed scores, the audit event
    assert len(statements) <= 6, "\n".join(statements)


def test_a_page_image_costs_two_reads_and_no_transaction(app, client, db, marking):
    base, headers, _ = marking
    assert client.get(f"{base}/pages/1", headers=headers).status_code == 200
    with statements_of_requests(app, db) as seen:
        response = client.get(f"{base}/pages/1", headers=headers)
    assert response.status_code == 200
    statements = [s for s, _ in seen]
    assert len(statements) == 2 and all(is_read(s) for s in statements), statements
    if PG_URL:
        # each read on its own: no BEGIN and no ROLLBACK round trips around them
        assert all(autocommit is True for _, autocommit in seen)


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: SQLite writes in one short transaction (tests above)")
def test_on_postgresql_an_autosave_is_one_atomic_write_and_no_transaction(app, client, db, marking):
    base, headers, assignment_id = marking
    assert client.put(f"{base}/scores", json={"scores": {"1": 1}, "version": 1}, headers=headers).status_code == 200
    with statements_of_requests(app, db) as seen:
        saved = client.put(f"{base}/scores", json={"scores": {"1": 0, "2": 1}, "version": 2}, headers=headers)
        stale = client.put(f"{base}/scores", json={"scores": {"3": 1}, "version": 2}, headers=headers)
    assert saved.status_code == 200 and saved.get_json() == {"version": 3}
    assert stale.status_code == 409
    assert all(autocommit is True for _, autocommit in seen)
    writes = [s for s, _ in seen if not is_read(s)]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("WITH BUMPED")  # the stale one never writes
    db.expire_all()
    scores = dict(db.execute(select(TemplateTask.label, TaskScore.score)
                             .join(TaskScore, TaskScore.task_id == TemplateTask.id)
                             .where(TaskScore.assignment_id == assignment_id)).all())
    assert scores == {"1": 0, "2": 1}  # the stale write changed nothing
    saves = db.scalars(select(AuditEvent.after).where(AuditEvent.action == "marks.save",
                                                      AuditEvent.entity_id == assignment_id)
                       .order_by(AuditEvent.id)).all()
    assert [s["version"] for s in saves] == [2, 3]
