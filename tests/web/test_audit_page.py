"""The audit trail page: organisers and observers read and export it; nobody edits it."""
from __future__ import annotations

import pytest

from crosscheck.services.audit.trail import Actor, record


@pytest.fixture
def events(db, factory):
    factory.user("org", role="organiser")
    factory.user("observer", role="observer")
    factory.user("exp01")
    campaign = factory.campaign("c1")
    record(db, Actor(label="cli"), "marks.save", "assignment", 7, campaign_id=campaign.id,
           before={"scores": {"1": 0}}, after={"scores": {"1": 1}})
    record(db, Actor(label="cli"), "user.create", "user", 3, after={"login": "exp01"})
    factory.commit()
    return campaign


@pytest.mark.parametrize("role", ["org", "observer"])
def test_organiser_and_observer_filter_the_trail(client, login_as, events, role):
    login_as(role)
    html = client.get("/audit/?action=marks.").get_data(as_text=True)
    table = html.split('id="audit"')[1]
    assert "Баллы сохранены (черновик)" in table and "Пользователь создан" not in table
    assert "Задание 1: 0 → 1" in table


def test_export_is_csv_with_before_and_after(client, login_as, events):
    login_as("observer")
    response = client.get(f"/audit/export.csv?campaign={events.id}")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id;at_utc;actor;action")
    assert [line.split(";")[3] for line in lines[1:]] == ["campaign.create", "marks.save"]  # this campaign only
    assert '{""scores"": {""1"": 1}}' in lines[2]


def test_experts_cannot_read_the_trail(client, login_as, events):
    login_as("exp01")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_readyz_reports_database_and_redis(client, app):
    assert client.get("/readyz").get_json() == {"status": "ok", "checks": {"database": "ok"}}
    app.config["CROSSCHECK"].redis_url = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["redis"].startswith("error")
