"""Issue 15 in the browser's requests: the organiser closes a campaign from its page after a
confirmation naming what is still open, the marks freeze (the pages and the API answer the
reason), the final protocols appear for organisers, observers and reviewers, a reopening needs
a reason, and an archived campaign leaves the active lists but not the history."""
from __future__ import annotations

import re

import pytest

from crosscheck.models import AssignmentStatus, AuditEvent, Campaign, PaperStatus, Role
from tests.conftest import csrf_from, login


@pytest.fixture
def world(factory):
    school, expert_school = factory.school("500101"), factory.school("500102")
    factory.user("org", role=Role.ORGANISER)
    factory.user("observer", role=Role.OBSERVER)
    factory.user("mo", role=Role.REVIEWER, school=expert_school)
    expert = factory.user("exp", school=expert_school)
    campaign = factory.campaign("c1", name="ВПР математика 5")
    done = factory.paper(campaign, school)
    done.status = PaperStatus.DONE
    open_paper = factory.paper(campaign, school)
    open_paper.status = PaperStatus.MARKING
    draft = factory.assignment(open_paper, expert)
    draft.status = AssignmentStatus.IN_PROGRESS
    factory.commit()
    return {"campaign_id": campaign.id, "assignment_id": draft.id, "version": draft.version}


def post_form(client, page_url: str, url: str, data: dict | None = None, follow: bool = True):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=follow)


def close_campaign(client):
    return post_form(client, "/organiser/campaigns/c1/close", "/organiser/campaigns/c1/close",
                     {"confirm_open": "1"})


def test_the_confirmation_names_what_is_open_and_closing_needs_the_tick(client, login_as, world, db):
    login_as("org")
    page = client.get("/organiser/campaigns/c1/").get_data(as_text=True)
    assert 'href="/organiser/campaigns/c1/close"' in page
    confirm = client.get("/organiser/campaigns/c1/close").get_data(as_text=True)
    assert "1 работа не перепроверена до конца: черновики экспертов сохранятся" in confirm
    assert 'name="confirm_open"' in confirm

    refused = post_form(client, "/organiser/campaigns/c1/close", "/organiser/campaigns/c1/close")
    assert "В кампании есть незавершённая работа: отметьте" in refused.get_data(as_text=True)
    assert db.get(Campaign, world["campaign_id"]).status.value != "closed"

    closed = close_campaign(client).get_data(as_text=True)
    assert "Кампания завершена: баллы заморожены. Итоговые протоколы опубликованы." in closed
    assert "Итоговые протоколы опубликованы" in closed and "Протокол ОО 500101" in closed
    assert re.search(r'id="campaign-stage">Завершена<', closed)
    link = re.search(r'href="(/analytics/c1/reports/\d+/file)">Протокол ОО 500101', closed).group(1)
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    db.expire_all()
    actions = [e.action for e in db.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-2:] == ["campaign.close", "campaign.publish"]


def test_closing_is_the_organisers_and_needs_the_form_token(client, login_as, world, db):
    for who in ("exp", "observer", "mo"):
        c = client.application.test_client()
        login(c, who)
        assert c.get("/organiser/campaigns/c1/close").status_code == 403
        assert c.post("/organiser/campaigns/c1/close", data={"confirm_open": "1"}).status_code in (400, 403)
    login_as("org")
    assert client.post("/organiser/campaigns/c1/close", data={"confirm_open": "1"}).status_code == 400  # no CSRF
    db.expire_all()
    assert db.get(Campaign, world["campaign_id"]).status.value != "closed"


def test_after_the_close_the_pages_and_the_api_refuse_with_the_reason(client, login_as, world, app):
    login_as("org")
    close_campaign(client)
    page = client.get("/organiser/campaigns/c1/").get_data(as_text=True)  # the forms that would be refused are gone
    for action in ("deadline", "settings", "scans", "marks"):
        assert f'action="/organiser/campaigns/c1/{action}"' not in page, action
    assert 'action="/organiser/campaigns/c1/marks"' not in page and "загружать первичные баллы нельзя" in page
    assert "загружать сканы нельзя" in page
    refused = post_form(client, "/organiser/campaigns/c1/", "/organiser/campaigns/c1/deadline",
                        {"deadline": "2026-12-01"}).get_data(as_text=True)
    assert "Кампания «ВПР математика 5» завершена: баллы заморожены, изменения запрещены." in refused
    for page_url, url, data in (
            ("/organiser/campaigns/c1/assign", "/organiser/campaigns/c1/assign", {}),
            ("/organiser/campaigns/c1/", "/organiser/campaigns/c1/settings", {"teacher_views": "1"}),
            ("/organiser/campaigns/c1/experts", "/organiser/campaigns/c1/experts/exp/capacity", {"capacity": "3"})):
        refused = post_form(client, page_url, url, data).get_data(as_text=True)
        assert "завершена: баллы заморожены" in refused, url

    expert = app.test_client()
    login(expert, "exp")
    home = expert.get("/expert/").get_data(as_text=True)
    assert "ВПР математика 5" not in home  # the closed campaign's work left the queue
    answer = expert.put(f"/api/v1/assignments/{world['assignment_id']}/scores",
                        json={"scores": {"1": 1}, "version": world["version"] + 1},
                        headers={"X-CSRFToken": csrf_from(home)})
    assert answer.status_code == 409 and "завершена: баллы заморожены" in answer.get_json()["error"]
    page = expert.get(f"/marking/{world['assignment_id']}")
    assert page.status_code == 409 and "завершена" in page.get_data(as_text=True)


def test_observers_download_the_published_set_reviewers_ask_for_their_own_copies(client, login_as, world, app):
    login_as("org")
    close_campaign(client)
    observer = app.test_client()
    login(observer, "observer")
    page = observer.get("/observer/campaigns/c1/").get_data(as_text=True)
    assert "Итоговые протоколы опубликованы" in page
    link = re.search(r'href="(/analytics/c1/reports/\d+/file)">Аналитическая справка', page).group(1)
    assert observer.get(link).data.startswith(b"%PDF")

    reviewer = app.test_client()
    login(reviewer, "mo")
    page = reviewer.get("/analytics/c1/").get_data(as_text=True)
    assert "Итоговые протоколы опубликованы" in page and "Ваши экземпляры" in page
    assert link not in page
    assert reviewer.get(link).status_code == 404  # the full file is not theirs (audience.py)
    assert 'name="kind" value="protocol"' in page and 'name="code" value="500101"' in page


def test_reopening_needs_a_reason_and_keeps_the_published_set_as_an_earlier_version(client, login_as, world, db):
    login_as("org")
    close_campaign(client)
    assert 'href="/organiser/campaigns/c1/reopen"' in client.get("/organiser/campaigns/c1/").get_data(as_text=True)
    refused = post_form(client, "/organiser/campaigns/c1/reopen", "/organiser/campaigns/c1/reopen", {"reason": ""})
    assert "Причина: укажите, зачем кампания открывается заново" in refused.get_data(as_text=True)
    page = post_form(client, "/organiser/campaigns/c1/reopen", "/organiser/campaigns/c1/reopen",
                     {"reason": "ошибка в баллах"}).get_data(as_text=True)
    assert "Кампания открыта заново" in page
    assert "Прежняя версия: протоколы от" in page
    db.expire_all()
    assert db.get(Campaign, world["campaign_id"]).status.value != "closed"


def test_an_archived_campaign_leaves_the_active_lists_and_stays_in_the_history(client, login_as, world, app):
    login_as("org")
    assert "ВПР математика 5" in client.get("/organiser/").get_data(as_text=True)
    close_campaign(client)
    archived = post_form(client, "/organiser/campaigns/c1/", "/organiser/campaigns/c1/archive").get_data(as_text=True)
    assert "убрана в архив" in archived and "ВПР математика 5" in archived  # the «Архив» list
    assert "ВПР математика 5" not in client.get("/organiser/").get_data(as_text=True)
    page = client.get("/organiser/campaigns/c1/").get_data(as_text=True)  # still readable
    assert "Кампания в архиве" in page and re.search(r'id="campaign-stage">В архиве<', page)
    assert "campaign.archive" not in page
    assert client.get("/audit/?campaign=c1").status_code == 200

    for who, home in (("observer", "/observer/"), ("mo", "/reviewer/")):
        c = app.test_client()
        login(c, who)
        assert "ВПР математика 5" not in c.get(home).get_data(as_text=True)
        assert "ВПР математика 5" in c.get("/archive/").get_data(as_text=True)
        history = c.get("/analytics/history?school=500101").get_data(as_text=True)
        assert "ВПР математика 5" in history  # cross-campaign analytics keep it

    back = post_form(client, "/organiser/campaigns/c1/", "/organiser/campaigns/c1/unarchive").get_data(as_text=True)
    assert "возвращена из архива" in back
    assert "ВПР математика 5" in client.get("/organiser/").get_data(as_text=True)


def test_the_home_page_says_when_a_campaign_may_be_closed(client, login_as, factory, data_dir):
    factory.user("org", role=Role.ORGANISER)
    campaign = factory.campaign("c2", name="Готовая кампания")
    paper = factory.paper(campaign, factory.school("500101"))
    factory.page(paper, 1, data_dir)
    paper.status = PaperStatus.DONE
    factory.commit()
    login_as("org")
    home = client.get("/organiser/").get_data(as_text=True)
    assert 'href="/organiser/campaigns/c2/close">Все работы проверены — можно завершить кампанию' in home


@pytest.mark.redis
def test_with_a_queue_the_final_set_is_built_by_the_worker(world, queued_app, cli_env, redis_url, db):
    from crosscheck.models import ReportRun, ReportStatus
    from tests.conftest import run_worker

    client = queued_app.test_client()
    assert login(client, "org").status_code == 302
    page = close_campaign(client).get_data(as_text=True)
    assert "Итоговые протоколы опубликованы" in page and "Часть файлов ещё формируется" in page
    assert "формируется…" in page and "/file" not in page
    db.expire_all()
    queued = db.query(ReportRun).all()
    assert len(queued) == 3 and all(r.status == ReportStatus.QUEUED and r.job_id for r in queued)

    result = run_worker(cli_env | {"REDIS_URL": redis_url})
    assert result.returncode == 0, result.stderr
    page = client.get("/organiser/campaigns/c1/").get_data(as_text=True)
    assert "Часть файлов ещё формируется" not in page
    link = re.search(r'href="(/analytics/c1/reports/\d+/file)">Протокол ОО 500101', page).group(1)
    assert client.get(link).data.startswith(b"%PDF")
