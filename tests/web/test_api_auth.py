"""The JSON API's authentication: 401 JSON, bearer tokens, session with CSRF."""
from __future__ import annotations

from crosscheck.services.people.accounts import issue_token


def test_anonymous_api_call_gets_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.is_json and "error" in response.get_json()


def test_bearer_token_authenticates(client, db, factory):
    user = factory.user("exp01")
    token = issue_token(db, user)
    factory.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json() == {"login": "exp01", "full_name": user.full_name, "role": "expert"}


def test_wrong_or_revoked_token_is_401(client, db, factory):
    from crosscheck.db import utcnow
    from crosscheck.models import ApiToken

    user = factory.user("exp01")
    token = issue_token(db, user)
    factory.commit()
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    db.query(ApiToken).update({"revoked_at": utcnow()})
    factory.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_session_login_works_for_the_api(client, factory, login_as):
    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    assert client.get("/api/v1/me").get_json()["login"] == "exp01"


def test_api_unknown_route_is_json_404(client, factory, login_as):
    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json
