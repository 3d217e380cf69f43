"""Per-expert statistics from the database (issue 18): the report's ``experts`` table, the time
per paper from the first opening, the organiser's tab and the reviewers' page with their access."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crosscheck.db import utcnow
from crosscheck.models import Assignment, PaperStatus, User
from crosscheck.services.reports.experts import experts_view, load_rechecks
from crosscheck.services.reports.loader import campaign_report
from crosscheck.services.reports.audience import audience_for

from tests.conftest import login

from .conftest import FULL, live_assignment, mark, scores
from .experts_world import build_world, submitted as _submitted


def test_the_report_has_the_spec_experts_table(db, marked):
    campaign, papers = marked
    report = campaign_report(db, campaign)
    rows = {r["expert"]: r for r in report["experts"]}
    by_paper = {code: db.get(User, live_assignment(db, p).expert_id).login for code, p in papers.items()}
    assert set(rows) == set(by_paper.values())
    for row in rows.values():
        assert list(row)[:5] == ["expert", "rechecks", "mean_delta_vs_final", "overturned", "median_seconds"]
    # 10001: recheck = final (delta 0); 10002: recheck 15 against the reviewer's 12 (+3, overturned);
    # 10003 is not marked yet: not counted
    expected: dict[str, list[int]] = {}
    for code, delta in (("10001", 0), ("10002", 3)):
        expected.setdefault(by_paper[code], []).append(delta)
    for who, deltas in expected.items():
        row = rows[who]
        assert row["rechecks"] == len(deltas) and row["final_papers"] == len(deltas)
        assert row["mean_delta_vs_final"] == pytest.approx(sum(deltas) / len(deltas))
        assert row["overturned"] == (1 if 3 in deltas else 0)
        assert row["median_seconds"] is None  # marked through the service: never opened on a screen
        assert row["alerts"] == [] and row["enough_data"] is False
    idle = set(rows) - set(expected)
    for who in idle:  # only 10003, unmarked: no finished work
        assert rows[who]["rechecks"] == 0 and rows[who]["mean_delta_vs_final"] is None


def test_the_first_opening_starts_the_time_per_paper(db, district, login_as):
    campaign, papers = district
    assignment = live_assignment(db, papers["10001"])
    expert = db.get(User, assignment.expert_id)
    client = login_as(expert.login)
    assert client.get(f"/marking/{assignment.id}").status_code == 200
    db.expire_all()
    first = db.get(Assignment, assignment.id).opened_at
    assert first is not None
    assert client.get(f"/marking/{assignment.id}").status_code == 200  # later opens change nothing
    db.expire_all()
    a = db.get(Assignment, assignment.id)
    assert a.opened_at == first
    a.opened_at = utcnow() - timedelta(minutes=5)  # as if it took five minutes
    db.commit()
    mark(db, a, scores(FULL))
    db.commit()
    [row] = [r for r in campaign_report(db, campaign)["experts"] if r["expert"] == expert.login]
    assert row["median_seconds"] == pytest.approx(300, abs=5) and row["timed"] == 1


@pytest.fixture
def experts_world(db, factory):
    return build_world(db, factory)


def test_a_harsh_expert_is_highlighted_with_the_papers_behind_it(db, experts_world):
    campaign, harsh_papers = experts_world
    view = experts_view(db, campaign)
    stats = {s.login: s for s in view.stats}
    assert set(stats) == {"fair", "harsh", "idle"}
    harsh, fair, idle = stats["harsh"], stats["fair"], stats["idle"]
    assert harsh.delta.value == pytest.approx(-4) and harsh.delta.n == 12 and harsh.overturned == 12
    assert harsh.direction == "строже итоговых баллов" and [a.kind for a in harsh.alerts] == ["bias"]
    assert set(harsh.alerts[0].ciphers) == set(harsh_papers)
    assert {t.label for t in harsh.tasks if t.significant} == {"9", "14"}
    assert harsh.median_seconds == pytest.approx(240)
    assert fair.alerts == () and fair.delta.value == 0 and fair.overturned == 0
    assert idle.rechecks == 0 and idle.delta.n == 0
    assert view.double is False and harsh.agreement is None
    labels, _, rechecks = load_rechecks(db, campaign)
    assert len(rechecks) == 24 and len(labels) == len(campaign.template.tasks)


def test_the_organiser_tab_shows_the_statistics(db, experts_world, login_as):
    campaign, harsh_papers = experts_world
    html = login_as("organiser").get("/organiser/campaigns/ex/experts").get_data(as_text=True)
    assert "Как эксперты перепроверяют" in html and "Строгова Анна" in html
    assert "строже итоговых баллов" in html and "нет завершённых работ" in html
    assert f'href="/campaigns/ex/papers/{harsh_papers[0]}"' in html
    assert "согласованность двух экспертов не считается" in html  # no double marking here
    assert "плох" not in html.lower()


def test_a_reviewer_sees_the_page_without_their_own_papers_or_schools(db, experts_world, login_as):
    campaign, harsh_papers = experts_world
    reviewer = db.scalar(select(User).where(User.login == "rev1"))
    hidden = audience_for(db, reviewer, campaign).hidden
    assert set(harsh_papers[:6]) == hidden
    response = login_as("rev1").get("/analytics/ex/experts")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "строже итоговых баллов" in html
    assert all(c not in html for c in harsh_papers[:6])  # their own third checks: never listed
    assert all(f'href="/campaigns/ex/papers/{c}"' in html for c in harsh_papers[6:])
    assert "500101" not in html and "500102" not in html  # no school through this page


@pytest.mark.parametrize("role, status", [("expert", 403), ("observer", 200), ("organiser", 200)])
def test_who_may_read_the_experts_page(db, experts_world, login_as, role, status):
    response = login_as("harsh" if role == "expert" else role).get("/analytics/ex/experts")
    assert response.status_code == status
    if status == 200 and role == "observer":
        html = response.get_data(as_text=True)
        assert "/campaigns/ex/papers/" not in html  # observers do not open papers: ciphers without links


def test_a_reviewer_of_another_subject_does_not_find_the_campaign(app, db, experts_world, factory, login_as):
    factory.user("physics", role="reviewer", subjects=("Физика",))
    factory.commit()
    assert login_as("physics").get("/analytics/ex/experts").status_code == 404
    expert = app.test_client()
    assert login(expert, "harsh").status_code == 302
    assert expert.get("/organiser/campaigns/ex/experts").status_code == 403


def test_double_marking_agreement_on_the_page(db, factory, login_as):
    other = factory.school("500102")
    factory.user("organiser", role="organiser")
    a, b = factory.user("a1", school=other), factory.user("b1", school=other)
    campaign = factory.campaign("dm", per_paper=2)
    full = {t.label: t.max_score for t in campaign.template.tasks}
    for i in range(3):
        paper = factory.paper(campaign, factory.school())
        _submitted(db, paper, a, full, round_=1)
        _submitted(db, paper, b, full | {"9": 1}, round_=2)
        paper.status = PaperStatus.DONE
    factory.commit()
    view = experts_view(db, campaign)
    sa = next(s for s in view.stats if s.login == "a1")
    assert view.double and sa.agreement.papers == 3 and not sa.agreement.enough
    task9 = next(t for t in sa.agreement.tasks if t.label == "9")
    assert task9.exact.value == 0 and task9.adjacent.value == 1
    # final = per task the mean rounded up: 9 → (2 + 1 + 1) // 2 = 2, so a1 agrees with it
    assert sa.delta.value == 0
    client = login_as("organiser")
    html = client.get("/organiser/campaigns/dm/experts").get_data(as_text=True)
    assert "3 общих, мало данных" in html  # the list: kappa with its n
    detail = client.get("/analytics/dm/experts/a1").get_data(as_text=True)  # per task: on the expert's page
    assert 'id="expert-agreement"' in detail and "3 общих работ, мало данных" in detail
    row9 = detail.split("<td>9</td>", 1)[1].split("</tr>", 1)[0]
    exact, adjacent = row9.split("</td>")[:2]
    assert ">0\u202f%" in exact and ">100\u202f%" in adjacent  # task 9: never the same score, always within one


def test_the_submission_keeps_a_copy_of_its_scores_and_the_rows_give_the_same(db, marked):
    campaign, papers = marked
    a = live_assignment(db, papers["10002"])
    labels = [t.label for t in campaign.template.tasks]
    assert a.submitted_scores == bytes(scores(FULL)[label] - (2 if label == "9" else 1 if label == "14" else 0)
                                       for label in labels)
    assert live_assignment(db, papers["10003"]).submitted_scores is None  # not submitted
    from_copies = load_rechecks(db, campaign)[2]
    for assignment in db.scalars(select(Assignment)):
        assignment.submitted_scores = None  # as work submitted before migration 0010
    db.flush()
    assert load_rechecks(db, campaign)[2] == from_copies


def test_two_byte_sets_merge_as_the_engine_reconciles_them():
    import random

    from crosscheck.domain.discrepancy import reconcile
    from crosscheck.services.reports.experts import _merged

    rng = random.Random(5)
    for _ in range(2000):
        width = rng.randint(1, 20)
        a, b = (bytes(rng.randint(0, 127) for _ in range(width)) for _ in range(2))
        assert tuple(_merged(a, b, 255)) == reconcile(a, b, 255)
    assert _merged((1, 300), (2, 300), 5) == (2, 300)  # sets that are not bytes: the engine itself


def test_the_json_file_carries_the_experts_table(db, marked, run, tmp_path):
    import json

    out = tmp_path / "report.json"
    result = run("report", "e2e", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["experts"] == campaign_report(db, marked[0])["experts"]
    assert {"expert", "rechecks", "mean_delta_vs_final", "overturned", "median_seconds"} <= set(report["experts"][0])


def test_the_xlsx_sheet_names_the_experts_with_their_figures(db, experts_world, tmp_path):
    from openpyxl import load_workbook

    from crosscheck.services.reports.xlsx import write_xlsx

    campaign, _ = experts_world
    wb = load_workbook(write_xlsx(db, campaign, tmp_path / "r.xlsx"))
    rows = list(wb["Эксперты"].values)
    head = rows[0]
    by_login = {r[0]: dict(zip(head, r)) for r in rows[1:]}
    assert set(by_login) == {"fair", "harsh", "idle"}
    harsh = by_login["harsh"]
    assert harsh["Расхождение с итоговыми баллами (среднее)"] == -4 and harsh["Оценка"] == "строже итоговых баллов"
    assert harsh["Изменены при третьей проверке"] == 12 and harsh["Медиана времени на работу, мин"] == 4
    assert harsh["Задания с расхождением (Холм, p < 0,05)"] == "9, 14"
    assert by_login["idle"]["Оценка"] == "нет завершённых работ"


@pytest.mark.parametrize("per_paper", [1, 2])
def test_one_experts_figures_alone_are_their_row_of_the_whole_table(db, factory, per_paper):
    """The expert's page computes one expert from their own papers when nothing is kept: it must
    give exactly that expert's row of the whole table (alerts and papers included)."""
    import random

    from crosscheck.services.reports.audience import Audience
    from crosscheck.services.reports.experts import for_audience, full_view, one_expert_view

    rng = random.Random(per_paper)
    campaign = factory.campaign(f"one{per_paper}", per_paper=per_paper)
    tasks = campaign.template.tasks
    home = factory.school()
    people = [factory.user(f"x{i}", school=factory.school()) for i in range(3)]
    reviewer = factory.user(f"rv{per_paper}", role="reviewer")
    for k in range(45):
        paper = factory.paper(campaign, home)
        pair = rng.sample(people, per_paper)
        for round_, who in enumerate(pair, start=1):
            harsh = 1 if who.login == "x0" else 0
            _submitted(db, paper, who, {t.label: max(0, t.max_score - harsh - (rng.random() < 0.2)) for t in tasks},
                       round_=round_)
        if k % 2:
            _submitted(db, paper, reviewer, {t.label: t.max_score for t in tasks}, kind="review")
        paper.status = PaperStatus.DONE if rng.random() < 0.9 else PaperStatus.REVIEW
    factory.commit()
    whole, done = full_view(db, campaign)
    assert any(s.alerts for s in whole.stats)  # so the papers behind alerts are compared too
    reviewer_reading = Audience(True, frozenset())
    for i, row in enumerate(whole.stats):
        alone, alone_done = one_expert_view(db, campaign, row.login)
        assert alone.stats == [row]
        assert for_audience(alone, alone_done, reviewer_reading).stats == \
            [for_audience(whole, done, reviewer_reading).stats[i]]  # the same papers listed to a reviewer
    assert one_expert_view(db, campaign, "nobody")[0].stats == []
