"""«Новая кампания» in the browser's HTTP (issue 15): the organiser goes from the home page
through the three steps to a campaign; errors come back beside the form, named in Russian;
a second «Создать кампанию» makes no second campaign; the settings page refuses a stale edit;
other roles and requests without CSRF get nothing."""
from __future__ import annotations

import html as html_lib
import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crosscheck.models import AuditEvent, Campaign
from tests.conftest import csrf_from, login
from tests.test_template_from_form import RUSSIAN_4, results_form

START = "/organiser/wizard/"
NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def organiser(factory, login_as):
    factory.user("org", role="organiser")
    factory.commit()
    return login_as("org")


def fields(page_html: str, form_id: str) -> dict[str, str]:
    """A form's fields as the browser would send them (checked boxes and radios only)."""
    form = page_html.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="file"' in tag:
            continue
        if ('type="checkbox"' in tag or 'type="radio"' in tag) and " checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = html_lib.unescape(value.group(1)) if value else ""
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', form, re.S):
        values[name] = html_lib.unescape(value)
    return values


def step_one(client, **data):
    page = client.get(START).get_data(as_text=True)
    payload = {"csrf_token": csrf_from(page), "subject": "Русский язык", "grade": "4", "year": "2026",
               "source": "library"} | data
    return client.post(START, data=payload, content_type="multipart/form-data")


def step_two(client, edit_html: str, action: str = "review", **changes):
    data = fields(edit_html, "wizard-edit") | {"action": action} | changes
    return client.post("/organiser/wizard/edit", data=data)


def test_an_organiser_creates_a_campaign_from_the_library_in_three_steps(organiser, db):
    home = organiser.get("/organiser/").get_data(as_text=True)
    assert f'href="{START}"' in home and "Новая кампания" in home
    start = organiser.get(START).get_data(as_text=True)
    assert "Библиотека заданий" in start and "vpr-ege.ru" in start and "Окружающий мир" in start

    edit = step_one(organiser)
    assert edit.status_code == 200
    html = edit.get_data(as_text=True)
    assert "библиотека crosscheck — Русский язык, 4 класс, 2026 год" in html and "шкала перевода 2026 года" in html
    sent = fields(html, "wizard-edit")
    assert sent["task-12-max"] == "3" and sent["grade3"] == "10" and sent["grade5"] == "21"
    assert sent["slug"] == "vpr-russian-4-2026" and sent["per_paper"] == "1" and sent["teacher_views"] == "1"

    summary = step_two(organiser, html, **{"task-1-criteria": "**2 балла** — без ошибок\n- запятая <b>",
                                           "per_paper": "2", "double_tolerance": "0", "deadline": NEXT_MONTH,
                                           "exclude_same_municipality": "1"})
    assert summary.status_code == 200
    shown = summary.get_data(as_text=True)
    assert "<strong>2 балла</strong> — без ошибок" in shown and "<li>запятая &lt;b&gt;</li>" in shown
    assert "допуск расхождения 0 б." in shown and "не назначаются" in shown
    assert db.scalar(select(func.count(Campaign.id))) == 0  # nothing stored before «Создать»

    state = fields(shown, "wizard-create")
    created = organiser.post("/organiser/wizard/create", data=state | {"action": "create"})
    assert created.status_code == 302 and created.headers["Location"].endswith("/organiser/campaigns/vpr-russian-4-2026/")
    campaign = db.scalar(select(Campaign))
    assert campaign.per_paper == 2 and campaign.exclude_same_municipality and campaign.template.double_tolerance == 0
    assert campaign.template.tasks[0].criteria == "**2 балла** — без ошибок\n- запятая <b>"
    page = organiser.get(created.headers["Location"]).get_data(as_text=True)
    assert "создана: шаблон «vpr-russian-4-2026»" in page and "/organiser/campaigns/vpr-russian-4-2026/edit" in page

    again = organiser.post("/organiser/wizard/create", data=state | {"action": "create"}, follow_redirects=True)
    assert "уже создана этим мастером" in again.get_data(as_text=True)
    assert db.scalar(select(func.count(Campaign.id))) == 1
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "campaign.create")) == 1


def test_two_submits_racing_past_the_lookup_still_make_one_campaign(organiser, db, monkeypatch):
    from crosscheck.services.campaigns import wizard as service

    html = step_one(organiser).get_data(as_text=True)
    state = fields(step_two(organiser, html).get_data(as_text=True), "wizard-create")
    assert organiser.post("/organiser/wizard/create", data=state | {"action": "create"}).status_code == 302
    monkeypatch.setattr(service, "by_token", lambda session, token: None)  # the other request had not committed yet
    again = organiser.post("/organiser/wizard/create", data=state | {"action": "create"}, follow_redirects=True)
    assert again.status_code == 200 and "уже создана этим мастером" in again.get_data(as_text=True)
    assert db.scalar(select(func.count(Campaign.id))) == 1


def test_a_tampered_summary_is_judged_again_not_trusted(organiser, db):
    html = step_one(organiser).get_data(as_text=True)
    state = fields(step_two(organiser, html).get_data(as_text=True), "wizard-create")
    doc = json.loads(state["state"])
    bad = organiser.post("/organiser/wizard/create", data=state | {"action": "create", "state": json.dumps(
        doc | {"tasks": ["x"], "grades": [1], "slug": "BAD"})})
    assert bad.status_code == 400
    text = html_lib.unescape(bad.get_data(as_text=True))
    assert "Задания: не добавлено ни одного задания" in text and "Код кампании: только строчные" in text
    assert db.scalar(select(func.count(Campaign.id))) == 0


def test_a_campaign_from_an_uploaded_results_form(organiser, db, tmp_path):
    data = open(results_form(tmp_path / "rus4.xlsx", *RUSSIAN_4), "rb").read()
    edit = step_one(organiser, source="form", file=(io.BytesIO(data), "Протокол 4А.xlsx"))
    html = edit.get_data(as_text=True)
    assert edit.status_code == 200 and "«Протокол 4А.xlsx»" in html
    summary = step_two(organiser, html)
    state = fields(summary.get_data(as_text=True), "wizard-create")
    assert organiser.post("/organiser/wizard/create", data=state | {"action": "create"}).status_code == 302
    assert db.scalar(select(Campaign)).template.max_total == 24


def test_step_one_explains_what_is_missing(organiser):
    response = step_one(organiser, subject="Математика", year="2026")
    assert response.status_code == 400
    text = html_lib.unescape(response.get_data(as_text=True))
    assert "Библиотека: нет списка заданий для «Математика», 4 класс, 2026 год; есть годы: 2025, 2023, 2018" in text
    response = step_one(organiser, source="form")
    assert "Форма сбора результатов: выберите файл" in html_lib.unescape(response.get_data(as_text=True))


def test_errors_come_back_on_the_edit_page_with_the_values_typed(organiser, db):
    html = step_one(organiser).get_data(as_text=True)
    sent = fields(html, "wizard-edit")
    no_tasks = {k: v for k, v in sent.items() if not k.startswith("task-")} | {"task_count": "0", "grade4": "9",
                                                                                "name": "Моя кампания"}
    response = organiser.post("/organiser/wizard/edit", data=no_tasks | {"action": "review"})
    assert response.status_code == 400
    text = html_lib.unescape(response.get_data(as_text=True))
    assert "Задания: не добавлено ни одного задания" in text
    assert "Шкала отметок: порог «4» должен быть больше порога «3»" in text
    assert 'value="Моя кампания"' in text and db.scalar(select(func.count(Campaign.id))) == 0


def test_tasks_are_added_and_removed_without_losing_what_was_typed(organiser):
    html = step_one(organiser).get_data(as_text=True)
    added = step_two(organiser, html, action="add", **{"task-2-criteria": "мой текст"}).get_data(as_text=True)
    sent = fields(added, "wizard-edit")
    assert sent["task_count"] == "13" and sent["task-13-label"] == "" and sent["task-2-criteria"] == "мой текст"
    removed = fields(step_two(organiser, added, action="remove-1").get_data(as_text=True), "wizard-edit")
    assert removed["task_count"] == "12" and removed["task-1-label"] == "2" and removed["task-1-criteria"] == "мой текст"


def test_the_preview_renders_criteria_as_the_expert_will_see_them_never_raw_html(organiser):
    token = csrf_from(organiser.get(START).get_data(as_text=True))
    response = organiser.post("/organiser/wizard/preview", data={"csrf_token": token,
                                                                 "text": "**1 балл**\n<img src=x onerror=alert(1)>"})
    assert response.json == {"html": "<p><strong>1 балл</strong> <br>&lt;img src=x onerror=alert(1)&gt;</p>"}


def test_a_code_already_taken_is_named(organiser, factory):
    factory.campaign("vpr-russian-4-2026", name="Прошлогодняя")
    factory.commit()
    html = step_one(organiser).get_data(as_text=True)
    assert fields(html, "wizard-edit")["slug"] == "vpr-russian-4-2026-2"
    response = step_two(organiser, html, slug="vpr-russian-4-2026")
    assert "Код кампании: уже занят (кампания «Прошлогодняя»)" in html_lib.unescape(response.get_data(as_text=True))


def test_copying_an_earlier_campaign_offers_it_and_keeps_its_criteria(organiser, factory, db):
    earlier = factory.campaign("math5-2025", per_paper=2)
    factory.commit()
    criteria = [t.criteria for t in earlier.template.tasks]
    html = step_one(organiser, source="campaign", campaign="math5-2025", subject="Математика", grade="5").get_data(
        as_text=True)
    sent = fields(html, "wizard-edit")
    assert [sent[f"task-{i}-criteria"] for i in range(1, len(criteria) + 1)] == criteria
    assert sent["per_paper"] == "2"


def test_only_organisers_and_only_with_csrf(app, factory, organiser):
    factory.user("exp", school=factory.school("500101"))
    factory.commit()
    assert organiser.post("/organiser/wizard/create", data={"state": "{}", "action": "create"}).status_code == 400
    assert organiser.post("/organiser/wizard/preview", data={"text": "x"}).status_code == 400
    expert = app.test_client()
    login(expert, "exp")
    assert expert.get(START).status_code == 403
    assert expert.post(START, data={"subject": "x"}).status_code in (400, 403)


# --- the settings page ------------------------------------------------------------------------

def test_settings_saved_then_a_stale_page_is_refused_with_a_message(organiser, factory, db, client):
    campaign = factory.campaign("c1")
    factory.commit()
    page = organiser.get("/organiser/campaigns/c1/edit").get_data(as_text=True)
    first = fields(page, "campaign-settings")
    second = dict(first)  # another organiser opened the page at the same time
    saved = organiser.post("/organiser/campaigns/c1/edit", data=first | {"name": "Весна", "deadline": NEXT_MONTH})
    assert saved.status_code == 302
    refused = organiser.post("/organiser/campaigns/c1/edit", data=second | {"per_paper": "2"})
    assert refused.status_code == 409
    text = html_lib.unescape(refused.get_data(as_text=True))
    assert "Настройки изменил другой организатор" in text and "обновите страницу" in text
    assert 'value="Весна"' in text  # the page now shows what the other organiser saved
    db.expire_all()
    campaign = db.get(Campaign, campaign.id)
    assert campaign.name == "Весна" and campaign.per_paper == 1 and campaign.settings_version == 2
    bad = organiser.post("/organiser/campaigns/c1/edit", data=fields(text, "campaign-settings") | {"per_paper": "3"})
    assert bad.status_code == 400 and "Перепроверок на работу: 1 или 2" in html_lib.unescape(bad.get_data(as_text=True))


def test_the_console_switches_make_an_open_settings_page_stale(organiser, factory, db):
    factory.campaign("c1")
    factory.commit()
    opened = fields(organiser.get("/organiser/campaigns/c1/edit").get_data(as_text=True), "campaign-settings")
    token = csrf_from(organiser.get("/organiser/campaigns/c1/").get_data(as_text=True))
    organiser.post("/organiser/campaigns/c1/settings", data={"csrf_token": token, "exclude_same_municipality": "1"})
    response = organiser.post("/organiser/campaigns/c1/edit", data=opened | {"name": "Другое"})
    assert response.status_code == 409
    db.expire_all()
    assert db.scalar(select(Campaign)).exclude_same_municipality is True


def test_the_expert_sees_the_criteria_rendered_as_in_the_preview(db, factory, login_as):
    from crosscheck.domain.scales import shipped_scales
    from crosscheck.services.campaigns.wizard import create, start_from_library

    draft = start_from_library(db, "Русский язык", 4, 2026, scales=shipped_scales())
    draft.tasks[0]["criteria"] = "**2 балла** — верно\n- <script>x</script>"
    campaign = create(db, draft).campaign
    expert = factory.user("exp", school=factory.school("500102"))
    assignment = factory.assignment(factory.paper(campaign, factory.school("500101")), expert)
    factory.commit()
    page = login_as("exp").get(f"/marking/{assignment.id}").get_data(as_text=True)
    assert ('<div id="c-1" class="criteria"><p><strong>2 балла</strong> — верно</p>'
            "<ul><li>&lt;script&gt;x&lt;/script&gt;</li></ul></div>") in page
