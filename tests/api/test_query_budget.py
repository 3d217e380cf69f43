"""Marking is the hot path: an autosave must stay a handful of SQL statements."""
from __future__ import annotations

from sqlalchemy import event

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
