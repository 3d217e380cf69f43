"""The read-only paper viewer (issue 16, item 2): who opens which paper, and what each sees.

Organisers: any paper, original scans, participant code, marker names, full history.
Reviewers: only papers their analytics lists (done, never in their queue), masked renders, no
participant code and no names. Observers and experts: none — an expert guessing URLs gets
nothing that names a school, a participant or the school's marks.
"""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat
from sqlalchemy import select

from crosscheck.models import Assignment, Paper
from tests.conftest import login
from tests.reports.conftest import district, marked  # noqa: F401 - fixtures

URL = "/campaigns/e2e/papers/{cipher}"


@pytest.fixture
def viewer_world(marked, factory, data_dir):  # noqa: F811 - the imported fixture
    """10001 done (confirmed) with two scanned pages, 10002 done after the reviewer's third check,
    10003 waiting for its recheck."""
    campaign, papers = marked
    pages = [factory.page(papers["10001"], n, data_dir) for n in (1, 2)]
    factory.commit()
    return campaign, papers, pages


def client_of(app, role_login: str):
    client = app.test_client()
    assert login(client, role_login).status_code == 302
    return client


def test_the_organiser_sees_everything_of_a_paper(app, viewer_world):
    campaign, papers, pages = viewer_world
    org = client_of(app, "organiser")
    html = org.get(URL.format(cipher=papers["10002"].cipher)).get_data(as_text=True)
    assert "10002" in html and "500101" in html and "Петрова Ольга Ивановна" in html
    # both checks side by side, with who did them, and the review's reasons
    assert "Перепроверка 1" in html and "Третья проверка" in html
    assert "Задания 9, 10, 14 решены неверно" in html
    assert 'id="paper-history"' in html and "Проверка сдана" in html and "Назначена проверка" in html
    one = org.get(URL.format(cipher=papers["10001"].cipher)).get_data(as_text=True)
    for page in pages:  # original scans through the organisers' own image route
        assert f"/organiser/campaigns/pages/{page.id}/original" in one
    assert org.get(f"/organiser/campaigns/pages/{pages[0].id}/original?w=800").status_code == 200


def test_the_cipher_links_to_the_viewer_from_works_and_the_school_page(app, viewer_world):
    campaign, papers, _ = viewer_world
    org = client_of(app, "organiser")
    link = URL.format(cipher=papers["10001"].cipher)
    assert link in org.get("/organiser/campaigns/e2e/papers").get_data(as_text=True)
    assert link in org.get("/analytics/e2e/school?code=500101").get_data(as_text=True)
    reviewer = client_of(app, "reviewer")
    school = reviewer.get("/analytics/e2e/school?code=500101").get_data(as_text=True)
    assert link in school and URL.format(cipher=papers["10002"].cipher) not in school
    observer = client_of(app, "observer")
    assert "/campaigns/e2e/papers/" not in observer.get("/analytics/e2e/school?code=500101").get_data(as_text=True)


def test_a_reviewer_sees_a_finished_paper_of_others_masked_and_nameless(app, viewer_world):
    campaign, papers, pages = viewer_world
    reviewer = client_of(app, "reviewer")
    response = reviewer.get(URL.format(cipher=papers["10001"].cipher))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "10001" not in html  # no participant code
    assert "Петрова" not in html and "exp1" not in html and "Пользователь exp" not in html  # no names
    assert "/original" not in html and "/organiser/" not in html
    assert "Перепроверка 1" in html and 'id="paper-history"' in html
    image = reviewer.get(f"{URL.format(cipher=papers['10001'].cipher)}/pages/1?w=800")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    shade = ImageStat.Stat(Image.open(io.BytesIO(image.data)).convert("L")).mean[0]
    assert shade < 150, "a reviewer is served the masked render (shade 100), never the original (200)"
    assert reviewer.get(f"/organiser/campaigns/pages/{pages[0].id}/original").status_code == 403
    assert reviewer.get(f"{URL.format(cipher=papers['10001'].cipher)}/pages/3").status_code == 404


def test_a_reviewer_cannot_open_their_own_or_unfinished_papers(app, viewer_world):
    campaign, papers, _ = viewer_world
    reviewer = client_of(app, "reviewer")
    for code in ("10002", "10003"):  # their own third check; a paper that may still come to them
        assert reviewer.get(URL.format(cipher=papers[code].cipher)).status_code == 404
        assert reviewer.get(f"{URL.format(cipher=papers[code].cipher)}/pages/1").status_code == 404
    other_subject = client_of(app, "physics_mo")
    assert other_subject.get(URL.format(cipher=papers["10001"].cipher)).status_code == 404
    assert other_subject.get(f"{URL.format(cipher=papers['10001'].cipher)}/pages/1").status_code == 404


def test_observers_open_no_paper(app, viewer_world):
    campaign, papers, _ = viewer_world
    observer = client_of(app, "observer")
    for paper in papers.values():
        assert observer.get(URL.format(cipher=paper.cipher)).status_code == 403
        assert observer.get(f"{URL.format(cipher=paper.cipher)}/pages/1").status_code == 403


def test_an_expert_cannot_open_any_paper_by_guessing_urls(app, db, viewer_world):
    """The expert knows their own paper's cipher (it is on their scoring screen) and tries it,
    every other cipher of the campaign, made-up ones and every page position."""
    campaign, papers, pages = viewer_world
    expert = client_of(app, "exp1")
    own = db.scalars(select(Paper.cipher).join(Assignment, Assignment.paper_id == Paper.id)
                     .join(Assignment.expert).where(Assignment.expert.has(login="exp1"))).all()
    assert own, "exp1 has papers of their own to try"
    ciphers = {p.cipher for p in db.scalars(select(Paper).where(Paper.campaign_id == campaign.id))}
    identity = ["500101", "Петрова", "10001", "10002", "10003", "Заречный"]
    for cipher in sorted(ciphers | set(own) | {"AAAAAAAA", "../../x"}):
        for url in (URL.format(cipher=cipher), f"{URL.format(cipher=cipher)}/pages/1",
                    f"{URL.format(cipher=cipher)}/pages/2?w=800"):
            response = expert.get(url)
            assert response.status_code in (403, 404), (url, response.status_code)
            body = response.get_data(as_text=True)
            assert not any(word in body for word in identity), (url, body[:300])
    for page in pages:
        assert expert.get(f"/organiser/campaigns/pages/{page.id}/original").status_code == 403
        assert expert.get(f"/organiser/campaigns/pages/{page.id}/masked").status_code == 403


def test_a_paper_of_another_campaign_is_not_found_under_this_one(app, factory, viewer_world):
    campaign, papers, _ = viewer_world
    other = factory.campaign("other")
    stray = factory.paper(other, code="20001")
    factory.commit()
    org = client_of(app, "organiser")
    assert org.get(URL.format(cipher=stray.cipher)).status_code == 404
    assert org.get(f"/campaigns/other/papers/{stray.cipher}").status_code == 200
    assert org.get(f"/campaigns/nope/papers/{stray.cipher}").status_code == 404
