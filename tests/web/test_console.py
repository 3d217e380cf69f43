"""The organiser's distribution console and the observer's read-only view."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crosscheck.models import Assignment, AssignmentStatus
from tests.conftest import csrf_from


@pytest.fixture
def campaign_with_papers(factory):
    schools = [factory.school(f"50010{i}") for i in (1, 2, 3)]
    for i, s in enumerate(schools):
        factory.user(f"exp{i}", school=s)
    factory.user("org", role="organiser")
    factory.user("observer", role="observer")
    campaign = factory.campaign("vpr-math-5-2026", name="Весна 2026")
    for i in range(9):
        factory.paper(campaign, schools[i % 3], code=f"{i:05d}")
    factory.commit()
    return campaign, schools


def post(client, url, page_url, data=None):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def live_count(db):
    return db.scalar(select(func.count()).select_from(Assignment).where(Assignment.status != AssignmentStatus.SUPERSEDED))


def test_preview_shows_loads_without_writing_then_commit(client, login_as, campaign_with_papers, db):
    login_as("org")
    html = client.get("/organiser/campaigns/vpr-math-5-2026/assign").get_data(as_text=True)
    assert 'id="new-count">9<' in html and "exp0" in html and "Подтвердить распределение" in html
    assert live_count(db) == 0
    response = post(client, "/organiser/campaigns/vpr-math-5-2026/assign", "/organiser/campaigns/vpr-math-5-2026/assign")
    assert response.status_code == 302
    assert live_count(db) == 9
    page = client.get("/organiser/campaigns/vpr-math-5-2026/").get_data(as_text=True)
    assert "Распределено перепроверок: 9" in page


def test_manual_reassign_refused_across_own_school_shows_the_reason(client, login_as, campaign_with_papers, db):
    campaign, schools = campaign_with_papers
    login_as("org")
    post(client, "/organiser/campaigns/vpr-math-5-2026/assign", "/organiser/campaigns/vpr-math-5-2026/assign")
    papers_url = "/organiser/campaigns/vpr-math-5-2026/papers"
    html = client.get(papers_url).get_data(as_text=True)
    from crosscheck.models import Paper

    paper = db.scalars(select(Paper).where(Paper.school_id == schools[0].id)).first()
    response = post(client, f"{papers_url}/{paper.cipher}/assign", papers_url, {"expert": "exp0", "round": "1"})
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Нельзя назначить работу" in follow and "работает в ОО" in follow
    assert paper.cipher in html


def test_withdrawal_needs_confirmation_and_redistributes(client, login_as, campaign_with_papers, db):
    login_as("org")
    post(client, "/organiser/campaigns/vpr-math-5-2026/assign", "/organiser/campaigns/vpr-math-5-2026/assign")
    url = "/organiser/campaigns/vpr-math-5-2026/experts/exp1/withdraw"
    confirm = client.get(url).get_data(as_text=True)
    assert "Вывести эксперта из кампании?" in confirm
    assert post(client, url, url, {"reason": "болезнь"}).status_code == 302
    experts_page = client.get("/organiser/campaigns/vpr-math-5-2026/experts").get_data(as_text=True)
    assert "выведен(а)" in experts_page
    from crosscheck.models import User

    exp1 = db.scalar(select(User).where(User.login == "exp1"))
    assert db.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.expert_id == exp1.id, Assignment.status == AssignmentStatus.ASSIGNED)) == 0
    assert live_count(db) == 9


def test_deadline_is_set_and_bad_dates_explained(client, login_as, campaign_with_papers, db):
    login_as("org")
    url = "/organiser/campaigns/vpr-math-5-2026/deadline"
    page = "/organiser/campaigns/vpr-math-5-2026/"
    post(client, url, page, {"deadline": "2026-12-01"})
    assert "1 декабря 2026" in client.get(page).get_data(as_text=True)
    post(client, url, page, {"deadline": "01.12.2026"})
    assert "ГГГГ-ММ-ДД" in client.get(page).get_data(as_text=True)


def test_observer_sees_numbers_read_only(client, login_as, campaign_with_papers):
    login_as("observer")
    html = client.get("/observer/campaigns/vpr-math-5-2026/").get_data(as_text=True)
    assert "Только просмотр" in html and "500101" in html
    assert "Вывести" not in html and 'name="expert"' not in html and "Подтвердить" not in html
    assert client.get("/organiser/campaigns/vpr-math-5-2026/assign").status_code == 403
    assert client.post("/organiser/campaigns/vpr-math-5-2026/assign").status_code in (400, 403)


def test_capacity_and_municipality_rule_are_settings_the_engine_honours(client, login_as, campaign_with_papers, db,
                                                                       factory):
    login_as("org")
    experts_url = "/organiser/campaigns/vpr-math-5-2026/experts"
    post(client, "/organiser/campaigns/vpr-math-5-2026/experts/exp0/capacity", "/organiser/campaigns/vpr-math-5-2026/",
         {"capacity": "1"})
    post(client, "/organiser/campaigns/vpr-math-5-2026/assign", "/organiser/campaigns/vpr-math-5-2026/assign")
    from crosscheck.models import User

    exp0 = db.scalar(select(User).where(User.login == "exp0"))
    assert db.scalar(select(func.count()).select_from(Assignment).where(Assignment.expert_id == exp0.id)) == 1
    assert 'value="1"' in client.get(experts_url).get_data(as_text=True)
    post(client, "/organiser/campaigns/vpr-math-5-2026/settings", "/organiser/campaigns/vpr-math-5-2026/",
         {"exclude_same_municipality": "1"})
    from crosscheck.models import Campaign

    db.expire_all()
    assert db.scalar(select(Campaign.exclude_same_municipality)) is True
    campaign, schools = campaign_with_papers
    factory.paper(campaign, schools[0], code="late1")  # every expert works in the same municipality
    factory.commit()
    preview = client.get("/organiser/campaigns/vpr-math-5-2026/assign").get_data(as_text=True)
    assert 'id="unassigned-count">1<' in preview


def test_expert_sees_the_deadline(client, factory, login_as, db):
    from datetime import datetime, timezone

    campaign = factory.campaign("c1")
    expert = factory.user("exp01")
    paper = factory.paper(campaign, factory.school("500101"))
    factory.assignment(paper, expert)
    campaign.deadline = datetime(2026, 12, 1, 20, 59, tzinfo=timezone.utc)
    factory.commit()
    login_as("exp01")
    assert "Срок проверки: <strong>1 декабря 2026" in client.get("/expert/").get_data(as_text=True)


def test_the_move_drop_down_offers_only_experts_the_gate_allows_with_their_load(client, login_as,
                                                                                  campaign_with_papers, db, factory):
    """A paper of school 500101 is never offered to exp0 (who works there), nor to a withdrawn
    expert; each offer says how many papers the expert already has."""
    import re

    from crosscheck.models import Paper
    from crosscheck.services.distribution.assignment import withdraw_expert

    campaign, schools = campaign_with_papers
    login_as("org")
    post(client, "/organiser/campaigns/vpr-math-5-2026/assign", "/organiser/campaigns/vpr-math-5-2026/assign")
    leaving = factory.user("exp9", school=schools[2])
    factory.commit()
    withdraw_expert(db, campaign, leaving, None)
    db.commit()
    paper = db.scalars(select(Paper).where(Paper.school_id == schools[0].id)).first()
    html = client.get("/organiser/campaigns/vpr-math-5-2026/papers").get_data(as_text=True)
    row = html[html.index(f'cipher={paper.cipher}') if f'cipher={paper.cipher}' in html else html.index(paper.cipher):]
    form = row[row.index("<select name=\"expert\""):row.index("</select>")]
    offered = re.findall(r'<option value="1:(\w+)">', form)
    assert "exp0" not in offered and "exp9" not in offered and offered
    assert re.search(r"exp1 · .* — работ: 3", form)
    # the «round:login» value really moves the recheck
    response = post(client, f"/organiser/campaigns/vpr-math-5-2026/papers/{paper.cipher}/assign",
                    "/organiser/campaigns/vpr-math-5-2026/papers", {"expert": f"1:{offered[0]}"})
    assert "назначена" in client.get(response.headers["Location"]).get_data(as_text=True)
    bad = post(client, f"/organiser/campaigns/vpr-math-5-2026/papers/{paper.cipher}/assign",
               "/organiser/campaigns/vpr-math-5-2026/papers", {"expert": "99999999999999999999:exp1"})
    assert bad.status_code == 302
