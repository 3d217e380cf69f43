"""Issue 19 findings 12 and 13: bearer tokens open the JSON API only, expire, can be revoked,
die with deactivation; CSRF is skipped only for a user actually loaded from a token."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from crosscheck.cli import main
from crosscheck.db import utcnow
from crosscheck.models import ApiToken, AuditEvent, TaskScore
from crosscheck.services.people.accounts import issue_token
from tests.conftest import login


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def run(cli_env):
    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), env=cli_env, catch_exceptions=False)

    return invoke


def test_an_organisers_token_opens_no_web_page(client, db, factory, data_dir):
    organiser = factory.user("org", role="organiser")
    paper = factory.paper(factory.campaign("c1"), factory.school("500101"))
    page = factory.page(paper, 1, data_dir)
    token = issue_token(db, organiser)
    factory.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200  # the API: yes
    for url in ("/organiser/", "/audit/export.csv", f"/organiser/campaigns/pages/{page.id}/original",
                "/organiser/campaigns/c1/", "/analytics/", "/account/password"):
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 302 and "/login" in response.headers["Location"], url  # as if absent


def test_a_token_does_not_skip_csrf_for_a_cookie_session(client, db, factory, login_as, data_dir):
    """The header says nothing about how the user was loaded: a cookie session with any
    Authorization header still needs the CSRF token for a write."""
    expert = factory.user("exp01", school=factory.school("500102"))
    assignment = factory.assignment(factory.paper(factory.campaign(), factory.school("500101")), expert)
    token = issue_token(db, expert)
    factory.commit()
    login_as("exp01")
    url = f"/api/v1/assignments/{assignment.id}/scores"
    for header in ("Bearer junk", f"Bearer {token}"):
        response = client.put(url, json={"scores": {"1": 1}, "version": 1}, headers={"Authorization": header})
        assert response.status_code == 400 and response.is_json, header
    assert db.scalar(select(TaskScore.score)) is None
    # a client that really authenticates with the token needs no CSRF token
    api = client.application.test_client()
    assert api.put(url, json={"scores": {"1": 1}, "version": 1}, headers=bearer(token)).status_code == 200


def test_tokens_expire(client, db, factory):
    user = factory.user("exp01")
    token = issue_token(db, user, days=30)
    factory.commit()
    row = db.scalar(select(ApiToken))
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_tokens_issued_before_expiry_existed_live_the_default_term(client, db, factory):
    user = factory.user("exp01")
    token = issue_token(db, user)
    row = db.scalar(select(ApiToken))
    row.expires_at = None
    db.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    row.created_at = utcnow() - timedelta(days=31)
    db.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_cli_issues_with_a_term_and_revokes_every_token(client, db, factory, run):
    factory.user("exp01")
    factory.commit()
    week = run("users", "token", "exp01", "--days", "7")
    assert week.exit_code == 0
    first = week.output.strip().splitlines()[-1]  # SPEC §4: the token is the last line
    second = run("users", "token", "EXP01").output.strip().splitlines()[-1]  # logins are case-insensitive
    expiries = sorted(r.expires_at - utcnow() for r in db.scalars(select(ApiToken)))
    assert timedelta(days=6) < expiries[0] <= timedelta(days=7) and expiries[1] > timedelta(days=29)
    for token in (first, second):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200

    revoked = run("users", "token", "exp01", "--revoke")
    assert revoked.exit_code == 0 and "отозвано токенов пользователя exp01: 2" in revoked.output
    db.expire_all()
    assert all(r.revoked_at is not None for r in db.scalars(select(ApiToken)))
    for token in (first, second):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "token.revoke")) == "token.revoke"
    assert run("users", "token", "ghost", "--revoke").exit_code == 1


def test_deactivation_stops_tokens_sessions_and_logins(app, client, db, factory, run):
    own = issue_token(db, factory.user("exp01"))
    token = issue_token(db, factory.user("exp02"))
    factory.commit()
    browser = app.test_client()
    assert login(browser, "exp01").status_code == 302

    result = run("users", "deactivate", "exp01")
    assert result.exit_code == 0 and "exp01 отключён" in result.output
    assert client.get("/api/v1/me", headers=bearer(own)).status_code == 401
    assert browser.get("/expert/").status_code == 302
    assert login(app.test_client(), "exp01").status_code == 401
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200  # someone else's still works

    assert "exp01 включён" in run("users", "activate", "exp01").output
    assert login(app.test_client(), "exp01").status_code == 302
    assert client.get("/api/v1/me", headers=bearer(own)).status_code == 401  # revoked for good
