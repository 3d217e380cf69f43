"""The reviewer's calibration pages (docs/experts.md, «Calibration papers»): references and
keys, each expert's deviation from the current key, pausing; organisers set the rate."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crosscheck.models import AuditEvent, CalibrationPaper, CampaignExpert
from crosscheck.services.audit.trail import Actor
from crosscheck.services.distribution.assignment import run_assignment
from crosscheck.services.marking.scoring import save_scores, submit
from crosscheck.services.reports.wording import ru_delta
from tests.conftest import csrf_from, login
from tests.services.calibration_world import build, copies


@pytest.fixture
def world(db, factory):
    w = build(db, factory)
    run_assignment(db, w.campaign, Actor(w.org))
    db.commit()
    return w


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def mark_copy(db, expert, copy, scores):
    save_scores(db, expert, copy.id, scores, "", copy.version)
    submit(db, expert, copy.id)
    db.commit()


def key_of(db, copy):
    return db.scalar(select(CalibrationPaper).where(CalibrationPaper.paper_id == copy.paper_id)).key_scores


def test_the_reviewer_sees_each_experts_deviation_and_the_papers_behind_it(db, world, login_as):
    copy = copies(db, world.eb1)[0]
    key = key_of(db, copy)
    mark_copy(db, world.eb1, copy, key | {"9": 0, "14": 0})  # 9 and 14 to nothing: 3 or 4 points under
    expected = -(key["9"] + key["14"])
    client = login_as("mo")
    page = client.get("/analytics/cal/calibration").get_data(as_text=True)
    row = re.search(r'<tr class="attention" data-login="eb1">(.*?)</tr>', page, re.S).group(1)
    assert ru_delta(expected) in row
    assert "строже эталона" in row and "1 из 1" in row
    # ec only has live work: listed, no copy handed in
    assert 'data-login="ec"' in page and "нет сданных калибровочных работ" in page
    detail = client.get("/analytics/cal/calibration/experts/eb1").get_data(as_text=True)
    cipher = db.get(type(copy), copy.id).paper.cipher
    assert f'href="/campaigns/cal/papers/{cipher}"' in detail
    assert "сверх допуска" in detail and "против эталона" in detail


def test_changing_the_key_on_the_page_recomputes_the_deviation(db, world, login_as):
    copy = copies(db, world.eb1)[0]
    key = key_of(db, copy)
    given = key | {"9": 0}
    mark_copy(db, world.eb1, copy, given)
    client = login_as("mo")
    cipher = db.get(type(copy), copy.id).paper.cipher
    form = client.get(f"/analytics/cal/calibration/key/{cipher}").get_data(as_text=True)
    assert f'name="task-9" id="task-9" value="{key["9"]}"' in form
    data = {f"task-{label}": str(v) for label, v in given.items()} | {
        "note": "задание 9 решено неполно", "csrf_token": csrf_from(form)}
    assert client.post(f"/analytics/cal/calibration/key/{cipher}", data=data).status_code == 302
    detail = client.get("/analytics/cal/calibration/experts/eb1").get_data(as_text=True)
    assert "в пределах допуска" in detail and "в среднем совпадает с эталоном" in detail
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "calibration.key_change"))
    assert event.after["note"] == "задание 9 решено неполно"


def test_a_bad_key_is_refused_naming_the_task(db, world, login_as):
    client = login_as("mo")
    cipher = world.refs[0].cipher
    form = client.get(f"/analytics/cal/calibration/key/{cipher}").get_data(as_text=True)
    data = {f"task-{label}": str(v) for label, v in world.full.items()} | {"task-14": "7",
                                                                           "csrf_token": csrf_from(form)}
    answer = client.post(f"/analytics/cal/calibration/key/{cipher}", data=data)
    assert answer.status_code == 400
    assert "задание 14: нужен балл от 0 до 2 (введено «7»)" in answer.get_data(as_text=True)


def test_an_unfinished_paper_cannot_become_a_reference(db, world, login_as):
    client = login_as("mo")
    answer = client.get(f"/analytics/cal/calibration/key/{world.live_b[0].cipher}", follow_redirects=True)
    assert "эталоном может стать только завершённая работа" in answer.get_data(as_text=True)
    assert db.scalar(select(CalibrationPaper).where(CalibrationPaper.paper_id == world.live_b[0].id)) is None


def test_pausing_shows_the_expert_a_polite_notice_instead_of_papers_and_resuming_is_audited(db, world, app):
    copy = copies(db, world.eb1)[0]
    mark_copy(db, world.eb1, copy, key_of(db, copy) | {"9": 0, "14": 0})
    mo = signed_in(app, "mo")
    page = mo.get("/analytics/cal/calibration").get_data(as_text=True)
    mo.post("/analytics/cal/calibration/experts/eb1/pause",
            data={"note": "расхождение с эталоном на заданиях 9 и 14", "csrf_token": csrf_from(page)})
    settings = db.get(CampaignExpert, (world.campaign.id, world.eb1.id))
    db.refresh(settings)
    assert settings.paused_at is not None
    expert = signed_in(app, "eb1")
    home = expert.get("/expert/").get_data(as_text=True)
    assert "приостановлена до беседы с руководителем" in home and "черновики сохранены" in home
    assert 'class="queue"' not in home
    assert expert.get("/api/v1/assignments").get_json() == []
    live = next(a for a in db.scalars(select(type(copy)).where(type(copy).expert_id == world.eb1.id))
                if a.status.value == "assigned")
    assert expert.get(f"/marking/{live.id}").status_code == 302
    assert expert.get(f"/api/v1/assignments/{live.id}").status_code == 403
    page = mo.get("/analytics/cal/calibration").get_data(as_text=True)
    mo.post("/analytics/cal/calibration/experts/eb1/pause", data={"resume": "1", "csrf_token": csrf_from(page)})
    db.refresh(settings)
    assert settings.paused_at is None
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "user",
                                                              AuditEvent.entity_id == world.eb1.id,
                                                              AuditEvent.action.like("campaign.%"))))
    assert actions == ["campaign.pause_expert", "campaign.resume_expert"]


def test_an_expert_within_the_tolerance_is_not_paused(db, world, app):
    copy = copies(db, world.eb2)[0]
    mark_copy(db, world.eb2, copy, key_of(db, copy))  # exactly the key
    mo = signed_in(app, "mo")
    page = mo.get("/analytics/cal/calibration").get_data(as_text=True)
    row = re.search(r'<tr data-login="eb2">(.*?)</tr>', page, re.S).group(1)
    assert "Приостановить до беседы" not in row and "0 из 1" in row
    answer = mo.post("/analytics/cal/calibration/experts/eb2/pause", data={"csrf_token": csrf_from(page)},
                     follow_redirects=True)
    assert "приостановить можно эксперта, у которого есть калибровочные работы сверх допуска" in \
        answer.get_data(as_text=True)
    assert db.get(CampaignExpert, (world.campaign.id, world.eb2.id)) is None


def test_only_the_organiser_sets_the_rate(db, world, app):
    mo = signed_in(app, "mo")
    page = mo.get("/analytics/cal/calibration").get_data(as_text=True)
    assert 'id="calibration-rate-form"' not in page
    assert mo.post("/analytics/cal/calibration/settings",
                   data={"rate": "5", "first": "1", "csrf_token": csrf_from(page)}).status_code == 403
    org = signed_in(app, "org")
    page = org.get("/analytics/cal/calibration").get_data(as_text=True)
    org.post("/analytics/cal/calibration/settings", data={"rate": "20", "first": "2", "csrf_token": csrf_from(page)})
    db.refresh(world.campaign)
    assert (world.campaign.calibration_rate, world.campaign.calibration_first) == (20, 2)


def test_experts_and_observers_never_see_calibration(db, world, factory, app):
    factory.user("watcher", "observer")
    factory.commit()
    for username in ("eb1", "watcher"):
        client = signed_in(app, username)
        for url in ("/analytics/cal/calibration", "/analytics/cal/calibration/experts/eb1",
                    f"/analytics/cal/calibration/key/{world.refs[0].cipher}"):
            assert client.get(url).status_code == 403, (username, url)


def test_the_experts_page_links_to_calibration(world, login_as):
    page = login_as("mo").get("/analytics/cal/experts").get_data(as_text=True)
    assert 'href="/analytics/cal/calibration"' in page
