"""«Выборка» (crosscheck/web/sampling.py): the form, a preview that writes nothing, fixing the
sample shown after a confirmation, and the campaign page's scan expectations afterwards."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crosscheck.models import AuditEvent, CampaignSample, Paper, PaperStatus, Role
from tests.conftest import csrf_from, login

SLUG = "vpr-math-5-2026"
PAGE = f"/organiser/campaigns/{SLUG}/sample"


@pytest.fixture
def organiser(factory, login_as):
    factory.user("org", role="organiser")
    campaign = factory.campaign(SLUG, name="Весна 2026")
    for code, classes in {"500105": {"5А": 12, "5Б": 8}, "500106": {"5А": 5}}.items():
        school = factory.school(code)
        for class_name, size in classes.items():
            for _ in range(size):
                factory.paper(campaign, school).class_name = class_name
    factory.commit()
    return login_as("org")


def excluded(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Paper).where(Paper.status == PaperStatus.EXCLUDED))


def test_the_form_comes_with_a_random_seed(organiser):
    html = organiser.get(PAGE).get_data(as_text=True)
    assert "Выборка не зафиксирована" in html
    assert re.search(r'id="seed" name="seed" type="number" min="0" step="1" value="\d+"', html)
    assert 'id="sample-preview"' not in html


def test_preview_shows_per_school_and_class_and_writes_nothing(organiser, db):
    html = organiser.get(PAGE, query_string={"preview": "1", "per_school": "10", "seed": "4"}).get_data(as_text=True)
    assert 'id="sample-preview"' in html
    assert "В выборке <strong>15</strong> из 25 работ" in html
    assert "5А: 6 из 12; 5Б: 4 из 8" in html
    assert "ОО 500106: работ 5 — меньше 10, в выборку взяты все" in html
    assert excluded(db) == 0 and db.scalar(select(func.count()).select_from(CampaignSample)) == 0


def test_bad_rules_are_explained(organiser):
    html = organiser.get(PAGE, query_string={"preview": "1", "per_school": "", "seed": "4"}).get_data(as_text=True)
    assert "Укажите, сколько работ взять от каждой ОО" in html
    html = organiser.get(PAGE, query_string={"preview": "1", "flagged": "1", "seed": "4"}).get_data(as_text=True)
    assert "скрининг не отметил ни одной ОО" in html and 'id="fix-form"' not in html


def fix_form(client, **args):
    html = client.get(PAGE, query_string={"preview": "1", **args}).get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)
    return {"csrf_token": csrf_from(html), "fingerprint": fingerprint, "per_school": args.get("per_school", ""),
            "flagged": args.get("flagged", ""), "seed": args["seed"]}


def test_fixing_needs_a_confirmation_then_the_campaign_page_waits_for_the_sample(organiser, db):
    form = fix_form(organiser, per_school="10", seed="4")
    refused = organiser.post(PAGE, data=form, follow_redirects=True).get_data(as_text=True)
    assert "Подтвердите, что работы вне выборки перепроверяться не будут" in refused
    assert excluded(db) == 0
    response = organiser.post(PAGE, data=form | {"confirm": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/organiser/campaigns/{SLUG}/")
    assert excluded(db) == 10
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Выборка зафиксирована: в выборке 15 из 25 работ" in html
    row = re.search(r'<tr data-school="500105">.*?</tr>', html, re.S).group(0)
    assert "ждём 10 работ" in row
    assert "ждём 5 работ" in re.search(r'<tr data-school="500106">.*?</tr>', html, re.S).group(0)
    assert 'id="stat-excluded"' in html
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.sample"))
    assert event.actor_label == "org" and event.after["seed"] == 4
    page = organiser.get(PAGE).get_data(as_text=True)
    assert "Зафиксирована выборка: <strong>15</strong> из 25 работ" in page


def test_a_stale_preview_is_not_fixed(organiser, db, factory):
    form = fix_form(organiser, per_school="3", seed="4")
    form["fingerprint"] = "0" * 16
    html = organiser.post(PAGE, data=form | {"confirm": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "работы кампании изменились" in html and excluded(db) == 0


def test_after_the_distribution_began_the_page_says_why_and_refuses(organiser, db, factory):
    form = fix_form(organiser, per_school="10", seed="4")
    factory.assignment(db.scalar(select(Paper)), factory.user("expert1", Role.EXPERT))
    factory.commit()
    page = organiser.get(PAGE).get_data(as_text=True)
    assert 'id="sample-locked"' in page and "распределение работ уже началось" in page
    assert 'id="sample-form"' not in page
    html = organiser.post(PAGE, data=form | {"confirm": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "Выборка не зафиксирована: распределение работ уже началось" in html
    assert excluded(db) == 0


def test_only_the_organiser_and_only_with_a_token(organiser, app, factory, db):
    form = fix_form(organiser, per_school="10", seed="4")
    assert organiser.post(PAGE, data=form | {"confirm": "1", "csrf_token": "x"}).status_code == 400
    factory.user("ob", role="observer")
    factory.commit()
    observer = app.test_client()
    assert login(observer, "ob").status_code == 302
    assert observer.get(PAGE).status_code == 403
    token = csrf_from(observer.get("/account/password").get_data(as_text=True))
    assert observer.post(PAGE, data=form | {"confirm": "1", "csrf_token": token}).status_code == 403
    assert excluded(db) == 0
