"""SPEC §5 "never broken, by any path": a change of a person re-runs the gate over their live work.

Each scenario goes through the real import (the command line where the organiser would use it)
and checks the whole consequence: the assignment the rules no longer allow is withdrawn
(superseded, never deleted), audited with the rule that refused it, the paper can be given
out again, and the person's queue and API no longer serve it (404). Submitted work is history.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from crosscheck.cli import main
from crosscheck.models import (Assignment, AssignmentKind, AssignmentStatus, AuditEvent, Paper, PaperStatus, Role,
                               TaskScore, User)
from crosscheck.services.audit.trail import Actor
from crosscheck.services.distribution.assignment import run_assignment
from crosscheck.services.distribution.regate import ACTION, recheck_live_assignments
from crosscheck.services.marking.scoring import save_scores, submit
from crosscheck.services.marks.importer import import_marks
from crosscheck.services.people.accounts import issue_token
from crosscheck.services.people.imports import import_conflicts, import_schools, import_users
from tests.conftest import login
from tests.reports.conftest import FULL, marks_file

USERS_HEADER = "login;full_name;role;school_code;subjects;password\n"
TEST = Actor(label="test")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(cli_env, *args: str):
    result = CliRunner().invoke(main, list(args), env=cli_env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def live_of(db, user: User) -> list[Assignment]:
    return list(db.scalars(select(Assignment).where(Assignment.expert_id == user.id,
                                                    Assignment.status != AssignmentStatus.SUPERSEDED)))


def withdrawal_event(db, assignment_id: int) -> AuditEvent:
    return db.scalar(select(AuditEvent).where(AuditEvent.action == ACTION, AuditEvent.entity_id == assignment_id))


def assert_withdrawn(db, assignment_id: int, reason: str) -> None:
    db.expire_all()
    a = db.get(Assignment, assignment_id)
    assert a is not None, "withdrawn work is history: never deleted"
    assert a.status == AssignmentStatus.SUPERSEDED and a.superseded_at is not None
    event = withdrawal_event(db, assignment_id)
    assert event is not None, "every withdrawal is audited"
    assert event.after["reason"] == reason and event.after["message"]
    assert event.before["status"] in ("assigned", "in_progress")


def assert_not_served(client, token: str, assignment_id: int) -> None:
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/assignments/{assignment_id}", headers=bearer).status_code == 404
    listed = client.get("/api/v1/assignments", headers=bearer)
    assert listed.status_code == 200 and assignment_id not in [a["id"] for a in listed.get_json()]
    body = {"scores": {}, "comment": "", "version": 99}
    assert client.put(f"/api/v1/assignments/{assignment_id}/scores", json=body, headers=bearer).status_code == 404
    assert client.post(f"/api/v1/assignments/{assignment_id}/submit", headers=bearer).status_code == 404


@pytest.fixture
def town(db, factory):
    """Paper 10001 of school 500101, rechecked by exp1 (school 500102); exp2 (500103) is free;
    mo1 (500104) is the reviewer."""
    home, other, third, fourth = (factory.school(c) for c in ("500101", "500102", "500103", "500104"))
    exp1 = factory.user("exp1", school=other, full_name="Первый Эксперт")
    mo1 = factory.user("mo1", role="reviewer", school=fourth)
    campaign = factory.campaign("town")
    paper = factory.paper(campaign, home, code="10001")
    run_assignment(db, campaign, TEST)
    exp2 = factory.user("exp2", school=third)
    [recheck] = live_of(db, exp1)
    tokens = {u.login: issue_token(db, u) for u in (exp1, exp2, mo1)}
    factory.commit()
    return {"campaign": campaign, "paper": paper, "recheck": recheck, "exp1": exp1, "exp2": exp2, "mo1": mo1,
            "tokens": tokens, "schools": (home, other, third, fourth)}


def assert_given_to_exp2_next_time(db, town) -> None:
    """The paper is open again: the organiser's next run gives it to the allowed expert."""
    db.expire_all()
    paper = db.get(Paper, town["paper"].id)
    assert paper.status == PaperStatus.UNASSIGNED
    plan = run_assignment(db, town["campaign"], TEST)
    db.commit()
    assert [(n.paper_id, n.expert_id) for n in plan.new] == [(paper.id, town["exp2"].id)]
    assert db.get(Paper, paper.id).status == PaperStatus.MARKING


def test_an_expert_moved_to_the_school_of_a_paper_they_hold_loses_it(db, town, tmp_path, cli_env, client):
    users = write(tmp_path, "users.csv", USERS_HEADER + "exp1;Первый Эксперт;expert;500101;Математика;\n")
    out = cli(cli_env, "users", "import", str(users))
    assert "снято назначений, которые правила конфликта интересов больше не допускают: 1" in out
    assert town["paper"].cipher in out and "crosscheck assign town" in out
    assert_withdrawn(db, town["recheck"].id, "own_school")
    assert_not_served(client, town["tokens"]["exp1"], town["recheck"].id)
    assert_given_to_exp2_next_time(db, town)


def test_a_conflict_declared_after_assignment_withdraws_it(db, town, tmp_path, cli_env, client):
    conflicts = write(tmp_path, "conflicts.csv", "login;school_code;reason\nexp1;500101;дочь учится в этой школе\n")
    out = cli(cli_env, "conflicts", "import", str(conflicts))
    assert "больше не допускают: 1" in out
    assert_withdrawn(db, town["recheck"].id, "declared_conflict")
    assert_not_served(client, town["tokens"]["exp1"], town["recheck"].id)
    assert_given_to_exp2_next_time(db, town)


def test_a_removed_subject_withdraws_that_subjects_work(db, town, tmp_path, cli_env, client):
    users = write(tmp_path, "users.csv", USERS_HEADER + "exp1;Первый Эксперт;expert;500102;Физика;\n")
    cli(cli_env, "users", "import", str(users))
    assert_withdrawn(db, town["recheck"].id, "subject")
    assert_not_served(client, town["tokens"]["exp1"], town["recheck"].id)
    assert_given_to_exp2_next_time(db, town)


def test_an_expert_made_a_reviewer_loses_rechecks(db, town, tmp_path, cli_env, client):
    users = write(tmp_path, "users.csv", USERS_HEADER + "exp1;Первый Эксперт;reviewer;500102;Математика;\n")
    cli(cli_env, "users", "import", str(users))
    assert_withdrawn(db, town["recheck"].id, "role")
    assert_not_served(client, town["tokens"]["exp1"], town["recheck"].id)
    assert_given_to_exp2_next_time(db, town)


def under_review(db, town) -> Assignment:
    """exp1 gives 0 everywhere: a significant discrepancy, so mo1 gets the third check."""
    exp1, paper = town["exp1"], town["paper"]
    zeros = {t.label: 0 for t in town["campaign"].template.tasks}
    save_scores(db, exp1, town["recheck"].id, zeros, "", town["recheck"].version)
    submit(db, exp1, town["recheck"].id)
    db.commit()
    [review] = live_of(db, town["mo1"])
    assert review.kind == AssignmentKind.REVIEW and db.get(Paper, paper.id).status == PaperStatus.REVIEW
    return review


def test_a_reviewer_reimported_as_an_expert_loses_third_checks_and_sees_no_original_marks(
        db, factory, town, tmp_path, cli_env, client):
    review = under_review(db, town)
    mo2 = factory.user("mo2", role="reviewer", school=town["schools"][2])
    factory.commit()
    bearer = {"Authorization": f"Bearer {town['tokens']['mo1']}"}
    assert "original" in client.get(f"/api/v1/assignments/{review.id}", headers=bearer).get_json()

    users = write(tmp_path, "users.csv", USERS_HEADER + "mo1;Пользователь mo1;expert;500104;Математика;\n")
    out = cli(cli_env, "users", "import", str(users))
    assert "третья проверка" in out and "передана mo2" in out
    assert_withdrawn(db, review.id, "role")
    assert_not_served(client, town["tokens"]["mo1"], review.id)
    # The third check went straight to the other reviewer (nothing else would assign it).
    [again] = live_of(db, mo2)
    assert (again.paper_id, again.kind) == (town["paper"].id, AssignmentKind.REVIEW)
    assert db.get(Paper, town["paper"].id).status == PaperStatus.REVIEW
    # The recheck exp1 submitted is history and stays as it was.
    assert db.get(Assignment, town["recheck"].id).status == AssignmentStatus.SUBMITTED
    assert "original" not in client.get("/api/v1/assignments", headers=bearer).get_data(as_text=True)


def test_a_submitted_third_check_stays_but_is_not_served_to_the_now_expert(db, town, tmp_path, cli_env, client):
    review = under_review(db, town)
    mo1 = town["mo1"]
    full = {t.label: t.max_score for t in town["campaign"].template.tasks}
    save_scores(db, mo1, review.id, full, "Всё решено верно", review.version)
    submit(db, mo1, review.id)
    db.commit()
    users = write(tmp_path, "users.csv", USERS_HEADER + "mo1;Пользователь mo1;expert;500104;Математика;\n")
    out = cli(cli_env, "users", "import", str(users))
    assert "больше не допускают: 0" in out
    db.expire_all()
    assert db.get(Assignment, review.id).status == AssignmentStatus.SUBMITTED  # history, never withdrawn
    assert withdrawal_event(db, review.id) is None
    assert db.get(Paper, town["paper"].id).status == PaperStatus.DONE
    assert_not_served(client, town["tokens"]["mo1"], review.id)  # an expert never sees original marks
    assert login(client, "mo1").status_code == 302
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200 and "Мои работы" in home.get_data(as_text=True)
    assert town["paper"].cipher not in home.get_data(as_text=True)
    assert client.get(f"/marking/{review.id}").status_code == 404


def test_a_draft_in_progress_is_withdrawn_with_its_scores_kept_and_a_late_autosave_refused(
        db, town, tmp_path, client):
    exp1, recheck = town["exp1"], town["recheck"]
    label = town["campaign"].template.tasks[0].label
    saved = save_scores(db, exp1, recheck.id, {label: 1}, "", recheck.version)
    db.commit()
    conflicts = write(tmp_path, "c.csv", "login;school_code;reason\nexp1;500101;\n")
    result = import_conflicts(db, conflicts, TEST)
    db.commit()
    assert [(w.assignment_id, w.status, w.refusal.code) for w in result.withdrawn] == [
        (recheck.id, "in_progress", "declared_conflict")]
    assert_withdrawn(db, recheck.id, "declared_conflict")
    assert db.scalar(select(func.count()).select_from(TaskScore).where(TaskScore.assignment_id == recheck.id)) == 1
    # A tab still open with the old version: its autosave is refused, nothing is written.
    body = {"scores": {label: 0}, "comment": "", "version": saved.version}
    bearer = {"Authorization": f"Bearer {town['tokens']['exp1']}"}
    assert client.put(f"/api/v1/assignments/{recheck.id}/scores", json=body, headers=bearer).status_code == 404
    db.expire_all()
    assert db.get(Assignment, recheck.id).status == AssignmentStatus.SUPERSEDED


def test_submitted_rechecks_stay_and_only_live_work_of_the_school_goes(db, factory, town, tmp_path):
    home = town["schools"][0]
    second = factory.paper(town["campaign"], home, code="10002")
    run_assignment(db, town["campaign"], TEST)  # the new paper: exp2 is the least loaded…
    db.commit()
    [done] = [a for a in live_of(db, town["exp1"])]
    full = {t.label: t.max_score for t in town["campaign"].template.tasks}
    save_scores(db, town["exp1"], done.id, full, "", done.version)
    submit(db, town["exp1"], done.id)
    db.commit()
    exp2_work = live_of(db, town["exp2"])
    assert [a.paper_id for a in exp2_work] == [second.id]
    result = import_conflicts(db, write(tmp_path, "c.csv", "login;school_code;reason\nexp1;500101;\nexp2;500101;\n"),
                              TEST)
    db.commit()
    assert [w.assignment_id for w in result.withdrawn] == [exp2_work[0].id]
    db.expire_all()
    assert db.get(Assignment, done.id).status == AssignmentStatus.SUBMITTED
    assert db.get(Paper, town["paper"].id).status == PaperStatus.DONE
    assert db.get(Paper, second.id).status == PaperStatus.UNASSIGNED


def test_of_two_rechecks_that_now_clash_only_the_changed_one_goes(db, factory, tmp_path):
    home, a, b = factory.school("500101"), factory.school("500102"), factory.school("500103")
    exp1, exp2 = factory.user("exp1", school=a), factory.user("exp2", school=b)
    campaign = factory.campaign("pair", per_paper=2)
    paper = factory.paper(campaign, home)
    run_assignment(db, campaign, TEST)
    db.commit()
    held = {x.expert_id: x for x in db.scalars(select(Assignment).where(Assignment.paper_id == paper.id))}
    users = write(tmp_path, "u.csv", USERS_HEADER + "exp2;Пользователь exp2;expert;500102;Математика;\n")
    result = import_users(db, users, TEST)
    db.commit()
    assert [(w.assignment_id, w.refusal.code) for w in result.withdrawn] == [(held[exp2.id].id, "peer_same_school")]
    db.expire_all()
    assert db.get(Assignment, held[exp1.id].id).status == AssignmentStatus.ASSIGNED
    assert db.get(Paper, paper.id).status == PaperStatus.MARKING  # one recheck still there


def test_a_reimport_that_changes_nothing_withdraws_nothing(db, town, tmp_path, cli_env):
    users = write(tmp_path, "users.csv", USERS_HEADER + "exp1;Первый Эксперт;expert;500102;Математика;\n"
                  "exp2;Пользователь exp2;expert;500103;Математика;\n")
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    out = cli(cli_env, "users", "import", str(users))
    assert "больше не допускают: 0" in out
    db.expire_all()
    assert db.get(Assignment, town["recheck"].id).status == AssignmentStatus.ASSIGNED
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_marks_reimport_naming_the_holder_as_original_marker_withdraws_it(db, town, tmp_path):
    paper = town["paper"]
    form = marks_file(tmp_path, [["10001", "5А", *FULL, 18, 5, None, "Первый Эксперт", "500101"]])
    result = import_marks(db, town["campaign"], form, actor=TEST)
    db.commit()
    assert [w.refusal.code for w in result.withdrawn] == ["original_marker"]
    assert_withdrawn(db, town["recheck"].id, "original_marker")
    assert_given_to_exp2_next_time(db, town)
    assert db.get(Paper, paper.id).original_marker_id == town["exp1"].id


def test_a_school_moved_into_the_papers_municipality_withdraws_it_where_the_campaign_asks(db, factory, tmp_path):
    home = factory.school("500101", municipality="Город")
    other = factory.school("500102", municipality="Район")
    exp1 = factory.user("exp1", school=other)
    campaign = factory.campaign("muni")
    campaign.exclude_same_municipality = True
    factory.paper(campaign, home)
    run_assignment(db, campaign, TEST)
    db.commit()
    [held] = live_of(db, exp1)
    schools = write(tmp_path, "s.csv", "code;name;municipality\n500102;Школа 500102;Город\n")
    result = import_schools(db, schools, TEST)
    db.commit()
    assert [(w.assignment_id, w.refusal.code) for w in result.withdrawn] == [(held.id, "same_municipality")]
    assert_withdrawn(db, held.id, "same_municipality")


def test_deactivated_users_lose_live_work(db, town):
    """Any other path that changes a person calls the same function (here: deactivation)."""
    exp1 = town["exp1"]
    exp1.active = False
    withdrawn = recheck_live_assignments(db, [exp1.id], TEST)
    db.commit()
    assert [(w.assignment_id, w.refusal.code) for w in withdrawn] == [(town["recheck"].id, "inactive")]
    assert recheck_live_assignments(db, None, TEST) == []  # idempotent: nothing left to withdraw
    assert db.scalar(select(User.role).where(User.id == exp1.id)) == Role.EXPERT


def test_deactivating_an_expert_from_the_command_line_withdraws_their_live_work(db, town, cli_env, client):
    """`crosscheck users deactivate` is a change of people too: the gate runs again."""
    recheck = town["recheck"]
    cli(cli_env, "users", "deactivate", town["exp1"].login)
    assert_withdrawn(db, recheck.id, "inactive")
    assert live_of(db, town["exp1"]) == []
