"""Issue 19 finding 19: request bodies are limited per route (web.limits). An oversized body
is refused with 413 from its Content-Length, before anything reads or parses it."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import event, func, select
from werkzeug.formparser import FormDataParser

from crosscheck.models import LoginAttempt
from crosscheck.services.people.accounts import issue_token

MB = 1024 * 1024


@pytest.fixture
def parsed(monkeypatch):
    """Every form body Werkzeug starts to parse."""
    calls = []
    original = FormDataParser.parse

    def spy(self, stream, mimetype, content_length, options=None):
        calls.append((mimetype, content_length))
        return original(self, stream, mimetype, content_length, options)

    monkeypatch.setattr(FormDataParser, "parse", spy)
    return calls


@pytest.fixture
def statements(app):
    seen = []
    engine = app.extensions["crosscheck.db"].engine
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    yield seen
    event.remove(engine, "before_cursor_execute", listener)


def multipart(size: int) -> dict:
    return {"username": "exp01", "password": "x", "junk": (io.BytesIO(b"x" * size), "big.bin")}


def test_an_anonymous_5mb_post_to_login_is_refused_unread(client, db, parsed, statements):
    response = client.post("/login", data=multipart(5 * MB), content_type="multipart/form-data")
    assert response.status_code == 413
    assert parsed == []  # the form parser never ran (nor did the CSRF check, which would parse)
    assert not any("login_attempts" in s or "users" in s for s in statements)
    assert db.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_a_body_without_content_length_is_cut_at_the_limit(client, parsed):
    body = b"username=" + b"x" * (2 * MB)
    response = client.post("/login", input_stream=io.BytesIO(body),
                           content_type="application/x-www-form-urlencoded",
                           environ_overrides={"wsgi.input_terminated": True})  # chunked, as gunicorn says
    assert response.status_code == 413


def test_a_large_json_put_to_the_api_is_refused(client, db, factory):
    expert = factory.user("exp01", school=factory.school("500102"))
    assignment = factory.assignment(factory.paper(factory.campaign(), factory.school("500101")), expert)
    token = issue_token(db, expert)
    factory.commit()
    body = b'{"scores": {"1": 1}, "comment": "' + b"x" * (2 * MB) + b'", "version": 1}'
    response = client.put(f"/api/v1/assignments/{assignment.id}/scores", data=body,
                          content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413 and response.is_json


def test_every_other_post_route_has_the_small_limit(app, client, factory, login_as):
    factory.user("org", role="organiser")
    factory.campaign("c1")
    factory.commit()
    login_as("org")
    for url in ("/organiser/campaigns/c1/settings", "/organiser/campaigns/c1/deadline", "/logout",
                "/account/password", "/analytics/c1/reports"):
        response = client.post(url, data=b"x" * (MB + 1), content_type="application/octet-stream")
        assert response.status_code == 413, url


def test_upload_routes_take_their_own_larger_limits(app, client, factory, login_as):
    factory.user("org", role="organiser")
    factory.campaign("c1")
    factory.commit()
    login_as("org")
    cfg = app.config["CROSSCHECK"]
    assert (cfg.max_request_kb, cfg.max_upload_mb) == (1024, 512)
    two_mb = b"x" * (2 * MB)
    for url in ("/organiser/campaigns/c1/scans", "/organiser/campaigns/c1/marks"):
        # past the size check: refused later for what it is (no CSRF token here), not for its size
        response = client.post(url, data=two_mb, content_type="application/octet-stream")
        assert response.status_code == 400, url
    cfg.max_upload_mb = 1
    assert client.post("/organiser/campaigns/c1/scans", data=two_mb,
                       content_type="application/octet-stream").status_code == 413


def test_an_anonymous_upload_gets_only_the_small_limit(client, factory, parsed):
    factory.campaign("c1")
    factory.commit()
    for url in ("/organiser/campaigns/c1/scans", "/organiser/campaigns/c1/marks"):
        response = client.post(url, data={"scan": (io.BytesIO(b"x" * (2 * MB)), "scan.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 413, url
    assert parsed == []
