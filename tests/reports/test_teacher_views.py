"""Teacher-level views (original markers) can be switched off per campaign (issue 17, item 4):
the organiser's setting, audited; off, no per-marker table, page, sheet or report section."""
from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from crosscheck.models import AuditEvent, Campaign
from crosscheck.services.reports.loader import campaign_report
from tests.conftest import csrf_from
from tests.reports.conftest import press_report

SETTINGS = "/organiser/campaigns/e2e/settings"


def _settings(client, **fields):
    token = csrf_from(client.get("/organiser/campaigns/e2e/").get_data(as_text=True))
    return client.post(SETTINGS, data={"csrf_token": token, **fields})


def test_on_by_default_everywhere(db, marked, login_as):
    campaign, _ = marked
    assert campaign.teacher_views is True
    client = login_as("organiser")
    page = client.get("/organiser/campaigns/e2e/").get_data(as_text=True)
    assert 'name="teacher_views" value="1" checked' in page
    school = client.get("/analytics/e2e/school?code=500101").get_data(as_text=True)
    assert "Эксперты первичной проверки" in school and "Сидоров" in school
    report = campaign_report(db, campaign)
    assert report["teacher_views"] is True
    assert [m["marker"] for m in report["original_markers"]] == ["Петрова Ольга Ивановна", "Сидоров"]
    wb = load_workbook(io.BytesIO(press_report(client, "xlsx", follow=True).data))
    assert "Эксперты первичной проверки" in wb.sheetnames


def test_switched_off_by_the_organiser_audited_and_honoured(db, marked, login_as):
    campaign, _ = marked
    client = login_as("organiser")
    # the form always sends both check boxes; the municipality rule stays as it was (off)
    assert _settings(client).status_code == 302
    db.expire_all()
    assert db.scalar(select(Campaign.teacher_views).where(Campaign.slug == "e2e")) is False
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.settings"))
    assert event.before == {"teacher_views": True} and event.after == {"teacher_views": False}
    audit = client.get("/audit/?action=campaign.settings").get_data(as_text=True)
    assert "Сведения по учителям в аналитике" in audit

    school = client.get("/analytics/e2e/school?code=500101").get_data(as_text=True)
    assert "Эксперты первичной проверки</h2>" not in school and "Сидоров" not in school
    assert 'id="teacher-views-off"' in school
    history = client.get("/analytics/history?school=500101&marker=Сидоров").get_data(as_text=True)
    assert "500101 · Сидоров" not in history
    assert "500101" in client.get("/analytics/history?school=500101").get_data(as_text=True)  # schools stay

    report = json.loads(press_report(client, "json", follow=True).data)
    assert report["teacher_views"] is False and "original_markers" not in report
    assert report["schools"] and report["classes"]  # the other sections are built as before
    wb = load_workbook(io.BytesIO(press_report(client, "xlsx", follow=True).data))
    assert wb.sheetnames == ["Работы", "Школы", "Муниципальная сводка", "Протокол", "Эксперты"]

    # and on again: one audit event per change, nothing recorded when nothing changed
    _settings(client, teacher_views="1")
    _settings(client, teacher_views="1")
    db.expire_all()
    assert db.scalar(select(Campaign.teacher_views).where(Campaign.slug == "e2e")) is True
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.settings")).all()
    assert len(events) == 2
    assert "Сидоров" in client.get("/analytics/e2e/school?code=500101").get_data(as_text=True)


def test_the_municipality_rule_and_teacher_views_are_saved_independently(db, marked, login_as):
    client = login_as("organiser")
    _settings(client, exclude_same_municipality="1", teacher_views="1")
    db.expire_all()
    campaign = db.scalar(select(Campaign).where(Campaign.slug == "e2e"))
    assert campaign.exclude_same_municipality is True and campaign.teacher_views is True
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.settings"))
    assert event.before == {"exclude_same_municipality": False} and event.after == {"exclude_same_municipality": True}
