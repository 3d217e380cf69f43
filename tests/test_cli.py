"""The command line as an organiser uses it (SPEC §4)."""
from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from crosscheck.cli import main
from crosscheck.demo import TEMPLATE_FILE
from crosscheck.models import ApiToken, Campaign, User


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def people(tmp_path, run):
    run("schools", "import", write(tmp_path, "schools.csv",
                                  "code;name;municipality\n500101;СОШ № 1;Заречный\n500102;Гимназия;Заречный\n"))
    return tmp_path


def test_db_upgrade_on_a_fresh_data_dir(tmp_path):
    env = {"CROSSCHECK_DATA_DIR": str(tmp_path / "fresh"), "DATABASE_URL": "", "SECRET_KEY": "s" * 40}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh" / "crosscheck.sqlite3").exists()


def test_schools_import_reports_counts_then_nothing_new(tmp_path, run):
    path = write(tmp_path, "schools.csv", "code;name;municipality\n500101;СОШ № 1;Заречный\n")
    assert "создано: 1" in run("schools", "import", path).output
    assert "без изменений: 1" in run("schools", "import", path).output


def test_bad_import_exits_nonzero_listing_every_row(tmp_path, run):
    path = write(tmp_path, "schools.csv", "code;name;municipality\n;СОШ;З\n500101;;З\n")
    result = run("schools", "import", path)
    assert result.exit_code == 1
    assert 'row 2, column "code": пустое значение' in result.stderr
    assert 'row 3, column "name": пустое значение' in result.stderr
    assert "ничего не записано" in result.stderr.splitlines()[-1]


def test_users_import_writes_generated_passwords_to_named_file(people, run, db):
    users = write(people, "users.csv", "login;full_name;role;school_code;subjects;password\n"
                  "exp01;Петрова;expert;500101;Математика;\nexp02;Смирнов;expert;500102;Математика;Pass12345\n")
    out = people / "passwords.csv"
    result = run("users", "import", users, "--passwords-out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "login;password" and lines[1].startswith("exp01;") and len(lines) == 2
    # the generated password really logs in
    from crosscheck.services.people.accounts import authenticate

    assert authenticate(db, "exp01", lines[1].split(";")[1]).login == "exp01"


def test_conflicts_import_unknown_login_refused(people, run):
    run("users", "import", write(people, "u.csv", "login;full_name;role;school_code;subjects;password\n"
                                 "exp01;Петрова;expert;500101;Математика;Pass12345\n"))
    result = run("conflicts", "import", write(people, "c.csv", "login;school_code;reason\nnobody;500102;x\n"))
    assert result.exit_code == 1
    assert 'row 2, column "login": неизвестный логин «nobody»' in result.stderr
    ok = run("conflicts", "import", write(people, "c2.csv", "login;school_code;reason\nexp01;500102;x\n"))
    assert ok.exit_code == 0 and "создано: 1" in ok.output


def test_users_token_prints_token_last_and_stores_only_its_hash(people, run, db, factory):
    factory.user("exp01")
    factory.commit()
    result = run("users", "token", "exp01")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert len(token) >= 32
    stored = db.scalar(select(ApiToken.token_hash))
    assert stored != token and token not in stored


def test_users_token_unknown_login(run):
    result = run("users", "token", "ghost")
    assert result.exit_code == 1 and "не найден" in result.stderr


def test_campaign_create_and_duplicate(tmp_path, run, db):
    result = run("campaign", "create", "vpr-math-5-2026", "--template", str(TEMPLATE_FILE),
                 "--name", "Весна 2026", "--per-paper", "2")
    assert result.exit_code == 0, result.output
    campaign = db.scalar(select(Campaign))
    assert (campaign.slug, campaign.per_paper, len(campaign.template.tasks)) == ("vpr-math-5-2026", 2, 15)
    again = run("campaign", "create", "vpr-math-5-2026", "--template", str(TEMPLATE_FILE), "--name", "x")
    assert again.exit_code == 1 and "уже существует" in again.stderr
    # a second campaign may reuse the identical template
    assert run("campaign", "create", "other", "--template", str(TEMPLATE_FILE), "--name", "x").exit_code == 0


def test_campaign_create_refuses_invalid_template_naming_the_key(tmp_path, run, db):
    doc = yaml.safe_load(TEMPLATE_FILE.read_text(encoding="utf-8"))
    doc["tasks"][2]["max"] = 0
    path = write(tmp_path, "bad.json", json.dumps(doc, ensure_ascii=False))
    result = run("campaign", "create", "c1", "--template", path, "--name", "x")
    assert result.exit_code == 1
    assert "tasks[3].max" in result.stderr
    assert db.scalar(select(Campaign)) is None


def test_campaign_create_refuses_a_changed_template_under_a_used_name(tmp_path, run):
    assert run("campaign", "create", "c1", "--template", str(TEMPLATE_FILE), "--name", "x").exit_code == 0
    doc = yaml.safe_load(TEMPLATE_FILE.read_text(encoding="utf-8"))
    doc["tasks"][0]["max"] = 2
    doc["grades"]["5"] = 15
    result = run("campaign", "create", "c2", "--template", write(tmp_path, "t.yaml", yaml.safe_dump(doc)),
                 "--name", "x")
    assert result.exit_code == 1 and "отличается" in result.stderr


def test_campaign_create_rejects_yaml_syntax_error(tmp_path, run):
    result = run("campaign", "create", "c1", "--template", write(tmp_path, "t.yaml", "name: [unclosed"),
                 "--name", "x")
    assert result.exit_code == 1 and "синтаксическая ошибка" in result.stderr


def test_demo_fills_an_empty_database_once(run, db):
    first = run("demo")
    assert first.exit_code == 0, first.output
    assert "org" in first.output and "exp01" in first.output and "demo2026" in first.output
    assert "пароль у всех: demo2026" in first.output and "см. столбец" not in first.output
    experts = db.scalars(select(User).where(User.role == "expert")).all()
    assert len(experts) >= 10 and len({e.school_id for e in experts}) >= 6
    from sqlalchemy import func

    from crosscheck.models import Assignment, AssignmentStatus, Page, PageStatus, Paper

    papers = db.scalar(select(func.count()).select_from(Paper))
    assert papers >= 24
    # every paper came through the real scan pipeline: four masked pages each, but for the two
    # whose handwritten codes wait for a person (school 500107 sent its stack without covers)
    assert db.scalar(select(func.count()).select_from(Page).where(Page.status == PageStatus.PLACED)) == \
        4 * (papers - 2)
    _the_stack_without_covers(db)
    statuses = set(db.scalars(select(Assignment.status)))
    assert {AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED} <= statuses
    exp01 = db.scalar(select(User).where(User.login == "exp01"))
    assert db.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.expert_id == exp01.id, Assignment.status == AssignmentStatus.ASSIGNED)) >= 1
    second = run("demo")
    assert second.exit_code == 0 and "exp01" in second.output
    assert len(db.scalars(select(User)).all()) == len(experts) + 4


def _the_stack_without_covers(db) -> None:
    """School 500107's papers came without covers: most were placed by the code read on their
    title pages, two hard-to-read codes wait in the confirmation queue with candidates."""
    from crosscheck.demo import CAMPAIGN_SLUG
    from crosscheck.demo.papers import UNCOVERED_SCHOOL
    from crosscheck.models import Campaign, IdentifiedBy, Paper, PendingStatus, PendingTitle, School
    from crosscheck.services.scans.status import scan_status

    school = db.scalar(select(School).where(School.code == UNCOVERED_SCHOOL))
    papers = db.scalars(select(Paper).where(Paper.school_id == school.id)).all()
    assert len(papers) >= 6
    by_code = [p for p in papers if p.identified_by == IdentifiedBy.CODE]
    assert len(by_code) > len(papers) / 2
    assert {p.identified_by for p in papers} == {IdentifiedBy.CODE, None}
    other = db.scalars(select(Paper.identified_by).where(Paper.school_id != school.id)).all()
    assert set(other) == {IdentifiedBy.QR}  # every other school's papers came with covers
    pending = db.scalars(select(PendingTitle).where(PendingTitle.status == PendingStatus.PENDING)).all()
    assert len(pending) >= 2 and {i.school_id for i in pending} == {school.id}
    assert all(i.candidates and len(i.digits) == 5 and i.crop for i in pending)
    waiting = {p.participant_code for p in papers if p.identified_by is None}
    assert len(waiting) == len(pending)
    # the status the organiser reads: the school's file, its title pages and the queue
    st = scan_status(db, db.scalar(select(Campaign).where(Campaign.slug == CAMPAIGN_SLUG)), papers=False)
    (uncovered,) = [b for b in st.batches if b.school == UNCOVERED_SCHOOL]
    assert uncovered.title_pages == len(papers) and uncovered.by["code"] == len(by_code)
    assert uncovered.pending == len(pending) and uncovered.by["qr"] == 0
    assert st.by["code"] == len(by_code) and len(st.pending) == len(pending)


def test_demo_refuses_a_database_with_other_data(run, factory):
    factory.school("123")
    factory.commit()
    result = run("demo")
    assert result.exit_code == 1 and "не пуста" in result.stderr


def test_marks_import_command(tmp_path, run, db):
    run("campaign", "create", "c1", "--template", str(TEMPLATE_FILE), "--name", "x")
    run("schools", "import", write(tmp_path, "s.csv", "code;name;municipality\n500101;СОШ;З\n"))
    labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]
    good = write(tmp_path, "m.csv", ";".join(["Код участника", *labels]) + "\n10001;" + ";".join(["1"] * 15) + "\n")
    result = run("marks", "import", "c1", good, "--school", "500101")
    assert result.exit_code == 0, result.output
    assert "работ создано: 1" in result.output
    assert "без изменений: 1" in run("marks", "import", "c1", good, "--school", "500101").output
    bad = write(tmp_path, "b.csv", ";".join(["Код участника", *labels]) + "\n10002;9;" + ";".join(["1"] * 14) + "\n")
    failed = run("marks", "import", "c1", bad, "--school", "500101")
    assert failed.exit_code == 1 and 'row 2, column "1"' in failed.stderr
    assert run("marks", "import", "nope", good).exit_code == 1
