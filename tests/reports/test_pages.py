"""Analytics pages and downloads: who may see them, and what they show."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.reports.conftest import press_report


@pytest.mark.parametrize("login", ["organiser", "observer", "reviewer"])
def test_readers_see_the_campaign_schools_and_charts(marked, login_as, login):
    client = login_as(login)
    page = client.get("/analytics/e2e/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "500101" in html and "<svg" in html and "style=" not in html and "<script" not in html
    assert client.get("/analytics/").status_code == 200


def test_an_expert_gets_no_analytics(marked, login_as):
    client = login_as("exp1")
    for url in ("/analytics/", "/analytics/e2e/", "/analytics/e2e/school?code=500101",
                "/analytics/history?school=500101"):
        assert client.get(url).status_code == 403, url
    for kind in ("json", "xlsx"):
        assert press_report(client, kind).status_code == 403


def test_a_reviewer_of_another_subject_does_not_find_the_campaign(marked, login_as):
    client = login_as("physics_mo")
    for url in ("/analytics/e2e/", "/analytics/e2e/school?code=500101"):
        assert client.get(url).status_code == 404, url
    assert press_report(client, "json").status_code == 404
    assert press_report(client, "protocol", "500101").status_code == 404
    assert "e2e" not in client.get("/analytics/").get_data(as_text=True)
    history = client.get("/analytics/history?school=500101").get_data(as_text=True)
    assert "Перепроверка ВПР, математика 5" not in history


def test_anonymous_is_sent_to_login(marked, client):
    assert client.get("/analytics/e2e/").status_code in (302, 401)


def test_the_school_table_sorts_by_any_column(marked, factory, db, login_as):
    campaign, _ = marked
    factory.paper(campaign, factory.school("500199"))
    factory.commit()
    client = login_as("organiser")
    asc = client.get("/analytics/e2e/?sort=papers&dir=asc").get_data(as_text=True)
    desc = client.get("/analytics/e2e/?sort=papers&dir=desc").get_data(as_text=True)
    first, second = "code=500199", "code=500101"  # the school links of the table
    assert asc.index(first) < asc.index(second) and desc.index(second) < desc.index(first)
    assert "sorted-desc" in desc
    assert client.get("/analytics/e2e/?sort=bogus").status_code == 200


def test_the_school_page_shows_papers_tasks_and_original_markers(marked, login_as):
    client = login_as("organiser")
    html = client.get("/analytics/e2e/school?code=500101").get_data(as_text=True)
    assert "10002" in html and "2→0" in html and "Петрова Ольга Ивановна" in html and "Сидоров" in html
    assert client.get("/analytics/e2e/school?code=999999").status_code == 404


def test_a_reviewers_school_page_keeps_the_figures_but_not_whose_papers_they_are(marked, login_as):
    """The reviewer third-checked 10002: its row is not listed to them, nor is 10003 (not done,
    it could still come to them); 10001 is listed without its participant code. The school's
    figures and the original markers' table are the same as everybody's (tests/security/
    test_reviewer_anonymity.py performs the whole attack)."""
    _, papers = marked
    html = login_as("reviewer").get("/analytics/e2e/school?code=500101").get_data(as_text=True)
    assert papers["10002"].cipher not in html and "2→0" not in html and papers["10003"].cipher not in html
    assert papers["10001"].cipher in html
    assert not any(code in html for code in ("10001", "10002", "10003"))
    assert "Петрова Ольга Ивановна" in html and "Сидоров" in html  # the markers' aggregates stay
    assert "без кода участника" in html


def test_empty_campaign_says_so(db, factory, login_as):
    factory.user("organiser", role="organiser")
    factory.campaign("empty")
    factory.commit()
    html = login_as("organiser").get("/analytics/empty/").get_data(as_text=True)
    assert "пока нет работ" in html


def test_downloads(marked, login_as, data_dir):
    """Without a queue a report is built at once: the button answers with the file."""
    client = login_as("organiser")  # observers only read: they build nothing (tests/security)
    report = press_report(client, "json", follow=True)
    assert report.status_code == 200 and json.loads(report.data)["campaign"] == "e2e"
    xlsx = press_report(client, "xlsx", follow=True)
    assert load_workbook(io.BytesIO(xlsx.data)).sheetnames[0] == "Работы"
    summary = PdfReader(io.BytesIO(press_report(client, "summary", follow=True).data))
    assert len(summary.pages) >= 1
    protocol = press_report(client, "protocol", "500101", follow=True)
    assert protocol.mimetype == "application/pdf" and len(PdfReader(io.BytesIO(protocol.data)).pages) >= 1
    assert press_report(client, "protocol", "nope").status_code == 404
    assert press_report(client, "bogus").status_code == 400
    assert (data_dir / "reports" / "e2e" / "report.xlsx").exists()


def test_history_follows_a_school_and_a_marker_across_campaigns(marked, db, factory, login_as):
    later = factory.campaign("e2e-spring", name="Весенняя перепроверка")
    school = marked[1]["10001"].school
    factory.paper(later, school, code="20001")
    db.execute(__import__("sqlalchemy").text("UPDATE papers SET original_marker_name = 'Сидоров' "
                                             "WHERE participant_code = '20001'"))
    factory.commit()
    client = login_as("organiser")
    html = client.get("/analytics/history?school=500101").get_data(as_text=True)
    assert "Перепроверка ВПР, математика 5" in html and "Весенняя перепроверка" in html
    marker = client.get("/analytics/history?school=500101&marker=Сидоров").get_data(as_text=True)
    assert "500101 · Сидоров" in marker and "Весенняя перепроверка" in marker
    assert "Укажите код ОО" in client.get("/analytics/history").get_data(as_text=True)


def test_the_journal_comparison_is_on_the_campaign_and_school_pages_before_and_after(marked, login_as):
    """10001: 5 at VPR, 5 in the journal; 10002: 5 at VPR (4 after the re-check), 4 in the
    journal; 10003 has no journal mark. The school had raised one of two; the re-check none."""
    import re

    client = login_as("organiser")
    for url in ("/analytics/e2e/", "/analytics/e2e/school?code=500101"):
        html = client.get(url).get_data(as_text=True)
        table = html[html.index('id="journal-table"'):]
        table = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table[:table.index("</table>")]))
        assert "по баллам школы 2 0 (0%) 1 (50%) 1 (50%)" in table, url
        assert "после перепроверки 2 0 (0%) 2 (100%) 0 (0%)" in table, url
