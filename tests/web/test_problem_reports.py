"""The organiser's «Сообщения экспертов» page: organisers only, this campaign's reports only,
CSRF on every action; resolving shows on the expert's home; reassigning through the gate."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import Assignment, AssignmentStatus, ProblemReport, ProblemStatus
from crosscheck.services.marking.scoring import flag_problem
from tests.conftest import csrf_from, login

URL = "/organiser/campaigns/c1/problems"


@pytest.fixture
def reported(factory, db):
    schools = [factory.school(f"50010{i}") for i in (1, 2, 3)]
    factory.user("org", role="organiser")
    factory.user("observer", role="observer")
    factory.user("reviewer", role="reviewer", school=schools[1])
    factory.user("own", school=schools[0], full_name="Своя Школа")
    expert = factory.user("expert", school=schools[1])
    factory.user("other", school=schools[2], full_name="Другой Эксперт")
    campaign = factory.campaign("c1")
    factory.campaign("c2")
    paper = factory.paper(campaign, schools[0], code="10001")
    assignment = factory.assignment(paper, expert)
    factory.commit()
    flag_problem(db, expert, assignment.id, "unreadable", "страница 2 размыта")
    db.commit()
    return {"assignment": assignment, "paper": paper}


def token(client, url="/organiser/campaigns/c1/"):
    return csrf_from(client.get(url).get_data(as_text=True))


@pytest.mark.parametrize("role", ["expert", "reviewer", "observer"])
def test_only_organisers_see_or_act(app, reported, role):
    client = app.test_client()
    assert login(client, role).status_code == 302
    aid = reported["assignment"].id
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}/{aid}/reassign").status_code == 403
    csrf = csrf_from(client.get("/account/password").get_data(as_text=True))
    assert client.post(f"{URL}/{aid}/resolve", data={"csrf_token": csrf, "note": "x"}).status_code == 403
    assert client.post(f"{URL}/{aid}/reassign", data={"csrf_token": csrf, "expert": "other"}).status_code == 403


def test_the_page_lists_the_report_and_the_campaign_page_counts_it(client, login_as, reported):
    login_as("org")
    campaign_page = client.get("/organiser/campaigns/c1/").get_data(as_text=True)
    assert 'id="open-problems" title="ждут решения">1<' in campaign_page and URL in campaign_page
    html = client.get(URL).get_data(as_text=True)
    cipher = reported["paper"].cipher
    assert cipher in html and "страница не читается" in html and "«страница 2 размыта»" in html
    assert f"/campaigns/c1/papers/{cipher}" in html  # the paper's pages
    assert f"/organiser/campaigns/c1/unidentified?cipher={cipher}" in html  # re-attach or replace a page
    assert "Эксперт прочитает это пояснение" in html
    assert cipher not in client.get(f"{URL}?status=resolved").get_data(as_text=True)
    # the unidentified queue comes filled in for that paper
    queue = client.get(f"/organiser/campaigns/c1/unidentified?cipher={cipher}").get_data(as_text=True)
    assert 'id="target-paper"' in queue and cipher in queue


def test_another_campaigns_report_is_404(client, login_as, reported):
    login_as("org")
    aid = reported["assignment"].id
    other = "/organiser/campaigns/c2/problems"
    assert client.get(other).status_code == 200 and reported["paper"].cipher not in client.get(other).get_data(as_text=True)
    assert client.get(f"{other}/{aid}/reassign").status_code == 404
    csrf = token(client)
    assert client.post(f"{other}/{aid}/resolve", data={"csrf_token": csrf, "note": "x"}).status_code == 404
    assert client.post(f"{other}/{aid}/reassign", data={"csrf_token": csrf, "expert": "other"}).status_code == 404
    assert client.post(f"{URL}/999999/resolve", data={"csrf_token": csrf, "note": "x"}).status_code == 404


def test_no_csrf_token_no_change(client, login_as, reported, db):
    login_as("org")
    aid = reported["assignment"].id
    assert client.post(f"{URL}/{aid}/resolve", data={"note": "Готово"}).status_code == 400
    assert client.post(f"{URL}/{aid}/reassign", data={"expert": "other"}).status_code == 400
    db.expire_all()
    assert db.get(ProblemReport, aid).status == ProblemStatus.OPEN


def test_resolving_needs_a_note_and_the_expert_sees_it(app, client, login_as, reported, db):
    login_as("org")
    aid = reported["assignment"].id
    response = client.post(f"{URL}/{aid}/resolve", data={"csrf_token": token(client, URL), "note": " "},
                           follow_redirects=True)
    assert "не закрыта" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(ProblemReport, aid).status == ProblemStatus.OPEN
    response = client.post(f"{URL}/{aid}/resolve", data={"csrf_token": token(client, URL),
                                                         "note": "Страница 2 заменена"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(ProblemReport, aid).status == ProblemStatus.RESOLVED
    resolved = client.get(f"{URL}?status=resolved").get_data(as_text=True)
    assert "Страница 2 заменена" in resolved and "решена" in resolved

    expert = app.test_client()
    assert login(expert, "expert").status_code == 302
    home = expert.get("/expert/").get_data(as_text=True)
    assert "Проблема решена: Страница 2 заменена" in home and "10001" not in home and "500101" not in home
    assert expert.get("/marking/next").headers["Location"].endswith(f"/marking/{aid}")
    score = expert.get(f"/marking/{aid}").get_data(as_text=True)
    assert "Проблема решена: Страница 2 заменена" in score


def test_an_open_report_waits_apart_in_the_experts_queue(app, reported):
    expert = app.test_client()
    assert login(expert, "expert").status_code == 302
    home = expert.get("/expert/").get_data(as_text=True)
    assert 'id="queue-problem"' in home and "сообщение о проблеме отправлено" in home
    assert expert.get("/marking/next").headers["Location"].endswith("/")  # nothing else to mark


def test_reassign_offers_allowed_experts_and_shows_the_gates_refusal(client, login_as, reported, db):
    login_as("org")
    aid = reported["assignment"].id
    page = client.get(f"{URL}/{aid}/reassign").get_data(as_text=True)
    assert "Другой Эксперт (other) — работ: 0" in page and "Своя Школа" not in page
    refused = client.post(f"{URL}/{aid}/reassign", data={"csrf_token": csrf_from(page), "expert": "own"},
                          follow_redirects=True).get_data(as_text=True)
    assert "не переназначена" in refused and "ОО" in refused
    done = client.post(f"{URL}/{aid}/reassign", data={"csrf_token": csrf_from(page), "expert": "other"},
                       follow_redirects=True).get_data(as_text=True)
    assert "передана эксперту Другой Эксперт" in done
    db.expire_all()
    live = db.scalars(select(Assignment).where(Assignment.status != AssignmentStatus.SUPERSEDED)).all()
    assert [a.expert.login for a in live] == ["other"]
    assert db.get(ProblemReport, aid).status == ProblemStatus.RESOLVED
