"""Marking is the hot path: an autosave must stay a handful of SQL statements."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from crosscheck.models import AuditEvent, TaskScore, TemplateTask
from crosscheck.services.accounts import issue_token


def test_an_autosave_costs_few_statements(app, client, db, factory):
    campaign = factory.campaign()
    expert = factory.user("exp01")
    paper = factory.paper(campaign, factory.school("500101"))
    assignment = factory.assignment(paper, expert)
    token = issue_token(db, expert)
    factory.commit()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assignments/{assignment.id}/scores"
    client.put(url, json={"scores": {"1": 1}, "version": 1}, headers=headers)  # warm: token last-use noted
    statements = []
    engine = app.extensions["crosscheck.db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.put(url, json={"scores": {"1": 0, "2": 1}, "version": 2}, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # who is asking; the assignment with its tasks and scores in one read
    assert len(reads) <= 2, "\n".join(reads)
    # + the version-guarded UPDATE, the new and the changed scores, the audit event
    assert len(statements) <= 6, "\n".join(statements)


def test_a_page_image_costs_two_reads_and_no_transaction(app, client, db, factory, data_dir):
    campaign = factory.campaign()
    expert = factory.user("exp01")
    paper = factory.paper(campaign, factory.school("500101"))
    assignment = factory.assignment(paper, expert)
    factory.page(paper, 1, data_dir)
    token = issue_token(db, expert)
    factory.commit()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assignments/{assignment.id}/pages/1"
    assert client.get(url, headers=headers).status_code == 200  # warm: token last-use noted
    seen = []
    engine = app.extensions["crosscheck.db"].engine

    def listener(conn, _cursor, statement, *_args):
        seen.append((statement, getattr(conn.connection.dbapi_connection, "autocommit", None)))

    event.listen(engine, "before_cursor_execute", listener)
    db.close()
    app.extensions["crosscheck.db"].session.remove()  # the request opens its own session, as in production
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    statements = [s for s, _ in seen]
    assert len(statements) == 2 and all(s.lstrip().upper().startswith("SELECT") for s in statements), statements
    if engine.dialect.name == "postgresql":
        # each read on its own: no BEGIN and no ROLLBACK round trips around them
        assert all(autocommit is True for _, autocommit in seen)


def test_on_postgresql_an_autosave_is_one_atomic_write_and_no_transaction(app, client, db, factory):
    engine = app.extensions["crosscheck.db"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes in one short transaction (see the test above)")
    campaign = factory.campaign()
    expert = factory.user("exp01")
    paper = factory.paper(campaign, factory.school("500101"))
    assignment = factory.assignment(paper, expert)
    token = issue_token(db, expert)
    factory.commit()
    assignment_id = assignment.id
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assignments/{assignment_id}/scores"
    assert client.put(url, json={"scores": {"1": 1}, "version": 1}, headers=headers).status_code == 200
    seen = []

    def listener(conn, _cursor, statement, *_args):
        seen.append((statement, conn.connection.dbapi_connection.autocommit))

    event.listen(engine, "before_cursor_execute", listener)
    db.close()
    app.extensions["crosscheck.db"].session.remove()  # the request opens its own session, as in production
    try:
        saved = client.put(url, json={"scores": {"1": 0, "2": 1}, "version": 2}, headers=headers)
        stale = client.put(url, json={"scores": {"3": 1}, "version": 2}, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert saved.status_code == 200 and saved.get_json() == {"version": 3}
    assert stale.status_code == 409
    assert all(autocommit is True for _, autocommit in seen)
    writes = [s for s, _ in seen if not s.lstrip().upper().startswith("SELECT")]
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
