"""Issue 16 item 3: experts' problem reports have a status the organiser moves on (resolve
with a note, reassign through the gate); a new report reopens; the expert sees the answer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import Assignment, AssignmentStatus, AuditEvent, ProblemReport, ProblemStatus
from crosscheck.services.audit.trail import Actor
from crosscheck.services.campaigns.overview import expert_queue
from crosscheck.services.distribution.assignment import AssignmentRefused
from crosscheck.services.marking import problems
from crosscheck.services.marking.scoring import flag_problem, marking_state, save_scores


@pytest.fixture
def district(factory):
    """Papers of school 1 marked by an expert of school 2; experts of schools 1, 2 and 3."""
    schools = [factory.school(f"50010{i}") for i in (1, 2, 3)]
    org = factory.user("org", role="organiser")
    own = factory.user("own", school=schools[0])  # works at the paper's school: the gate refuses
    marker = factory.user("marker", school=schools[1])
    other = factory.user("other", school=schools[2])
    busy = factory.user("busy", school=schools[2])
    campaign = factory.campaign("c1")
    paper = factory.paper(campaign, schools[0], code="10001")
    assignment = factory.assignment(paper, marker)
    busy_paper = factory.paper(campaign, schools[1], code="20001")
    factory.assignment(busy_paper, busy)  # busy already has one paper
    factory.commit()
    return {"campaign": campaign, "paper": paper, "assignment": assignment, "org": org, "own": own,
            "marker": marker, "other": other, "busy": busy}


def events(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_a_report_opens_is_resolved_with_a_note_and_a_new_report_reopens_it(db, district):
    d = district
    flag_problem(db, d["marker"], d["assignment"].id, "unreadable", "страница 2 размыта")
    db.commit()
    report = db.get(ProblemReport, d["assignment"].id)
    assert report.status == ProblemStatus.OPEN and report.reported_at is not None and report.resolved_at is None
    assert problems.open_count(db, d["campaign"]) == 1

    with pytest.raises(problems.ProblemError, match="пояснение"):
        problems.resolve(db, d["campaign"], report, "   ", Actor(d["org"]))
    problems.resolve(db, d["campaign"], report, "Страница 2 отсканирована заново", Actor(d["org"]))
    db.commit()
    assert report.status == ProblemStatus.RESOLVED and report.resolved_by_id == d["org"].id
    assert report.resolved_at is not None and report.resolution == "Страница 2 отсканирована заново"
    assert problems.open_count(db, d["campaign"]) == 0
    [event] = events(db, "problem.resolve")
    assert event.before["report"] == "open" and event.after == {"report": "resolved",
                                                                "resolution": "Страница 2 отсканирована заново"}
    with pytest.raises(problems.ProblemError, match="уже решена"):
        problems.resolve(db, d["campaign"], report, "ещё раз", Actor(d["org"]))

    # the work went back to the expert's queue, with the organiser's answer
    queue = expert_queue(db, d["marker"])
    assert queue["problem"] == [] and [i.resolution for i in queue["todo"]] == ["Страница 2 отсканирована заново"]

    # a new report on the same assignment reopens it; the old answer stays in the trail only
    flag_problem(db, d["marker"], d["assignment"].id, "page_missing", "нет страницы 3")
    db.commit()
    db.refresh(report)
    assert report.status == ProblemStatus.OPEN and report.resolution == "" and report.resolved_by_id is None
    assert events(db, "marks.problem")[-1].before["report"] == "resolved"
    queue = expert_queue(db, d["marker"])
    assert [i.cipher for i in queue["problem"]] == [d["paper"].cipher] and queue["todo"] == []
    assert queue["problem"][0].problem_open and queue["problem"][0].resolution is None


def test_the_list_puts_open_reports_first_and_filters(db, district, factory):
    d = district
    second = factory.paper(d["campaign"], d["paper"].school, code="10002")
    a2 = factory.assignment(second, d["other"])
    factory.commit()
    flag_problem(db, d["marker"], d["assignment"].id, "unreadable", "")
    flag_problem(db, d["other"], a2.id, "wrong_subject", "это русский язык")
    problems.resolve(db, d["campaign"], db.get(ProblemReport, d["assignment"].id), "Исправлено", Actor(d["org"]))
    db.commit()
    rows, total = problems.reports(db, d["campaign"], "all")
    assert total == 2 and [r.cipher for r in rows] == [second.cipher, d["paper"].cipher]
    assert rows[0].is_open and rows[0].problem_label == "работа не по этому предмету" and rows[0].note == "это русский язык"
    assert not rows[1].is_open and rows[1].resolution == "Исправлено" and rows[1].resolved_by == d["org"].full_name
    assert [r.cipher for r in problems.reports(db, d["campaign"], "open")[0]] == [second.cipher]
    assert [r.cipher for r in problems.reports(db, d["campaign"], "resolved")[0]] == [d["paper"].cipher]
    assert problems.reports(db, d["campaign"], "open", page=2) == ([], 1)


def test_another_campaigns_report_is_not_found(db, district, factory):
    d = district
    flag_problem(db, d["marker"], d["assignment"].id, "other", "")
    elsewhere = factory.campaign("c2")
    factory.commit()
    assert problems.report_in(db, d["campaign"], d["assignment"].id) is not None
    assert problems.report_in(db, elsewhere, d["assignment"].id) is None
    assert problems.reports(db, elsewhere, "all") == ([], 0)


def test_reassign_offers_only_whom_the_gate_allows_and_refuses_the_others(db, district):
    d = district
    flag_problem(db, d["marker"], d["assignment"].id, "unreadable", "")
    db.commit()
    report = db.get(ProblemReport, d["assignment"].id)
    offers = problems.offers(db, d["campaign"], report)
    # not the reporter, not the paper's own school; least loaded first, with the load
    assert [(o.login, o.load) for o in offers] == [("other", 0), ("busy", 1)]

    with pytest.raises(AssignmentRefused, match="ОО"):
        problems.reassign(db, d["campaign"], report, "own", "", Actor(d["org"]))
    db.rollback()
    with pytest.raises(AssignmentRefused):
        problems.reassign(db, d["campaign"], report, "marker", "", Actor(d["org"]))
    db.rollback()
    with pytest.raises(problems.ProblemError):
        problems.reassign(db, d["campaign"], report, "nobody", "", Actor(d["org"]))
    db.rollback()
    assert db.get(ProblemReport, d["assignment"].id).status == ProblemStatus.OPEN
    assert db.get(Assignment, d["assignment"].id).status == AssignmentStatus.ASSIGNED


def test_an_expert_at_their_limit_is_refused(db, district, factory):
    from crosscheck.models import CampaignExpert

    d = district
    db.add(CampaignExpert(campaign_id=d["campaign"].id, user_id=d["busy"].id, capacity=1))
    flag_problem(db, d["marker"], d["assignment"].id, "unreadable", "")
    db.commit()
    report = db.get(ProblemReport, d["assignment"].id)
    assert [o.login for o in problems.offers(db, d["campaign"], report)] == ["other"]
    with pytest.raises(AssignmentRefused, match="лимит"):
        problems.reassign(db, d["campaign"], report, "busy", "", Actor(d["org"]))


def test_reassign_moves_the_work_keeps_the_draft_in_the_trail_and_closes_the_report(db, district):
    d = district
    state = marking_state(db, d["marker"], d["assignment"].id)
    label = state.tasks[0].label
    save_scores(db, d["marker"], d["assignment"].id, {label: 1}, "начал", state.version)
    flag_problem(db, d["marker"], d["assignment"].id, "unreadable", "")
    db.commit()
    report = db.get(ProblemReport, d["assignment"].id)
    new = problems.reassign(db, d["campaign"], report, "other", "Эксперт в отпуске", Actor(d["org"]))
    db.commit()
    old = db.get(Assignment, d["assignment"].id)
    assert old.status == AssignmentStatus.SUPERSEDED and new.expert_id == d["other"].id and new.round == 1
    [supersede] = events(db, "assignment.supersede")
    assert supersede.after == {"expert_id": d["marker"].id, "draft": {label: 1}}
    assert events(db, "assignment.reassign")
    assert report.status == ProblemStatus.RESOLVED
    assert report.resolution == f"{problems.REASSIGNED} Эксперт в отпуске"
    [event] = events(db, "problem.reassign")
    assert event.after["expert_id"] == d["other"].id
    # gone from the reporter's queue, in the new expert's; the report no longer open
    assert not any(expert_queue(db, d["marker"]).values())
    assert [i.cipher for i in expert_queue(db, d["other"])["todo"]] == [d["paper"].cipher]
    assert problems.open_count(db, d["campaign"]) == 0
    with pytest.raises(problems.ProblemError):
        problems.offers(db, d["campaign"], report)


def test_the_next_paper_skips_work_waiting_for_the_organiser(db, district):
    d = district
    flag_problem(db, d["marker"], d["assignment"].id, "unreadable", "")
    db.commit()
    assert problems.open_problem_ids(db, d["marker"]) == {d["assignment"].id}
    problems.resolve(db, d["campaign"], db.get(ProblemReport, d["assignment"].id), "Готово", Actor(d["org"]))
    assert problems.open_problem_ids(db, d["marker"]) == set()
