"""`crosscheck sample` (SPEC §4, §8) and everything downstream honouring the sample.

Story: a municipality loads three schools (500101 with two classes of 10, 500102 with 8 pupils,
500103 with 3) and re-checks 4 papers a school. The command fixes the sample and says that
500103 had fewer than 4 (all taken); the same seed gives the same papers; once fixed, covers,
the campaign page's scan expectations, assignment, scans and the report see only the sample,
and a second sample after the distribution began is refused with nothing changed.
"""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from crosscheck.models import (Assignment, AuditEvent, CampaignSample, Page, PageStatus, Paper, PaperStatus, Role,
                               ScanBatch)
from crosscheck.services.audit.trail import Actor
from crosscheck.services.screening import sample as sampling

SLUG = "vpr-math-5-test"


@pytest.fixture
def campaign(factory):
    campaign = factory.campaign(SLUG)
    layout = {"500101": {"5А": 10, "5Б": 10}, "500102": {"5А": 8}, "500103": {"5В": 3}}
    n = 0
    for code, classes in layout.items():
        school = factory.school(code)
        for class_name, size in classes.items():
            for _ in range(size):
                n += 1
                paper = factory.paper(campaign, school, code=f"{n:05d}")
                paper.class_name = class_name
    factory.commit()
    return campaign


def statuses(db) -> dict[str, str]:
    db.expire_all()
    return {p.participant_code: p.status.value for p in db.scalars(select(Paper))}


def sampled_codes(db) -> set[str]:
    return {code for code, status in statuses(db).items() if status != "excluded"}


def test_the_command_fixes_a_stratified_sample_and_says_where_it_took_all(db, campaign, run):
    result = run("sample", SLUG, "--per-school", "4", "--seed", "17")
    assert result.exit_code == 0, result.output
    assert "ОО 500103: работ 3 — меньше 4, в выборку взяты все" in result.stderr
    assert "работ в выборке 11 из 31, вне выборки 20" in result.stdout
    assert "ОО 500101: 4 из 20 — 5А 2/10, 5Б 2/10" in result.stdout
    assert "--per-school 4 --seed 17" in result.stdout  # how to draw it again
    first = sampled_codes(db)
    assert len(first) == 11
    row = db.scalar(select(CampaignSample))
    assert (row.per_school, row.schools, row.seed, row.papers, row.sampled) == (4, "", 17, 31, 11)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.sample"))
    assert event.after["sampled"] == 11 and event.after["short_schools"] == ["500103"]
    assert event.actor_label == "cli"
    # the same inputs and seed give the same sample; fixing again replaces it (no assignment yet)
    again = run("sample", SLUG, "--per-school", "4", "--seed", "17")
    assert again.exit_code == 0
    assert sampled_codes(db) == first
    other = run("sample", SLUG, "--per-school", "4", "--seed", "18")
    assert other.exit_code == 0 and sampled_codes(db) != first
    assert db.scalar(select(func.count()).select_from(CampaignSample)) == 3


def test_a_seed_is_chosen_and_printed_when_none_is_given(db, campaign, run):
    result = run("sample", SLUG, "--per-school", "2")
    assert result.exit_code == 0, result.output
    seed = db.scalar(select(CampaignSample.seed))
    assert f"--seed {seed}" in result.stdout


@pytest.mark.parametrize("args, message", [
    ((), "укажите --per-school N и/или --schools"),
    (("--per-school", "0"), "--per-school: нужно целое число не меньше 1"),
    (("--schools", "500101,999999"), "в кампании нет работ ОО 999999"),
    (("--schools", "flagged"), "скрининг не отметил ни одной ОО"),
    (("--per-school", "2", "--seed", "-1"), "--seed: нужно целое число от 0"),
])
def test_bad_rules_are_refused_and_nothing_changes(db, campaign, run, args, message):
    result = run("sample", SLUG, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert set(statuses(db).values()) == {"unassigned"}
    assert db.scalar(select(func.count()).select_from(CampaignSample)) == 0


def test_a_campaign_without_papers_or_unknown_is_refused(db, factory, run):
    factory.campaign("empty")
    factory.commit()
    result = run("sample", "empty", "--per-school", "5")
    assert result.exit_code == 1 and "в кампании «empty» нет работ" in result.stderr
    assert "кампания «nope» не найдена" in run("sample", "nope", "--per-school", "5").stderr


def test_whole_schools_by_code_and_the_rest_by_n(db, campaign, run):
    result = run("sample", SLUG, "--schools", "500102", "--per-school", "1", "--seed", "1")
    assert result.exit_code == 0, result.output
    by_school = {}
    for p in db.scalars(select(Paper).where(Paper.status != PaperStatus.EXCLUDED)):
        by_school[p.school.code] = by_school.get(p.school.code, 0) + 1
    assert by_school == {"500101": 1, "500102": 8, "500103": 1}
    assert run("sample", SLUG, "--schools", "all").exit_code == 0
    assert set(statuses(db).values()) == {"unassigned"}


def test_flagged_schools_are_taken_whole(db, campaign, monkeypatch):
    flagged = SimpleNamespace(school="500103", reasons=("threshold_peak",), explanations=("пик на границе",))
    monkeypatch.setattr(sampling, "screen_campaign",
                        lambda session, c: SimpleNamespace(screening=SimpleNamespace(flagged=(flagged,))))
    drawn = sampling.draw(db, campaign, schools="flagged", per_school=2, seed=5)
    assert drawn.flagged == {"500103": flagged}
    rows = {s.school: s for s in drawn.sample.schools}
    assert rows["500103"].whole and rows["500103"].sampled == 3
    assert rows["500101"].sampled == rows["500102"].sampled == 2
    assert drawn.rules == "все работы отмеченных скринингом ОО; по 2 работы из остальных ОО; зерно 5"
    # drawing writes nothing
    assert set(statuses(db).values()) == {"unassigned"}
    sampling.fix(db, drawn, Actor(label="cli"))
    db.commit()
    assert db.scalar(select(CampaignSample.whole_schools)) == ["500103"]
    assert len(sampled_codes(db)) == 7


def test_a_changed_campaign_between_preview_and_fix_is_refused(db, campaign, factory):
    shown = sampling.draw(db, campaign, per_school=2, seed=5)
    factory.paper(campaign, db.scalar(select(Paper)).school, code="99999")
    factory.commit()
    now = sampling.draw(db, campaign, per_school=2, seed=5)
    if now.fingerprint == shown.fingerprint:  # the new paper happened not to be drawn: same sample
        return
    with pytest.raises(sampling.SampleRefused, match="работы кампании изменились"):
        sampling.fix(db, now, None, expected=shown.fingerprint)


# --- downstream -----------------------------------------------------------------------------

@pytest.fixture
def fixed(db, campaign, run):
    assert run("sample", SLUG, "--per-school", "4", "--seed", "17").exit_code == 0
    db.expire_all()
    return campaign


def test_covers_only_for_sampled_papers(db, fixed, monkeypatch):
    import scanner_import

    from crosscheck.services.scans.covers import CoversError, write_school_covers

    printed = {}

    def fake_pdf(sheets, dest):
        printed["codes"] = [e.participant_code for e in sheets.entries]
        return len(sheets.entries)

    monkeypatch.setattr(scanner_import, "write_covers_pdf", fake_pdf)
    assert write_school_covers(db, SLUG, "500101", io.BytesIO()) == 4
    sampled = {p.participant_code for p in db.scalars(select(Paper).join(Paper.school).where(
        Paper.status != PaperStatus.EXCLUDED)) if p.school.code == "500101"}
    assert set(printed["codes"]) == sampled and len(sampled) == 4
    school_3 = db.scalar(select(Paper.school_id).where(Paper.participant_code == "00029"))
    db.execute(Paper.__table__.update().where(Paper.school_id == school_3).values(status="excluded"))
    with pytest.raises(CoversError, match="ни одна работа ОО 500103 не вошла в выборку"):
        write_school_covers(db, SLUG, "500103", io.BytesIO())


def test_scan_expectations_count_only_sampled_papers(db, fixed, factory, data_dir):
    from crosscheck.services.campaigns.progress import school_rows

    sampled = db.scalars(select(Paper).where(Paper.status != PaperStatus.EXCLUDED)
                         .order_by(Paper.participant_code)).all()
    excluded = db.scalars(select(Paper).where(Paper.status == PaperStatus.EXCLUDED)).first()
    factory.page(sampled[0], 1, data_dir)  # a sampled paper of 500101 scanned
    factory.page(excluded, 1, data_dir)  # and an excluded one, scanned anyway
    factory.commit()
    rows = {r.school.code: r for r in school_rows(db, fixed)}
    assert (rows["500101"].papers, rows["500101"].excluded) == (4, 16)
    assert rows["500101"].waiting == 3
    assert (rows["500102"].papers, rows["500102"].waiting, rows["500103"].waiting) == (4, 4, 3)
    assert sum(r.excluded_scanned for r in rows.values()) == 1


def test_assignment_gives_out_only_sampled_papers(db, fixed, factory):
    from crosscheck.services.distribution.assignment import AssignmentRefused, assign_manually, run_assignment

    for k in range(3):
        factory.user(f"expert{k}", Role.EXPERT)
    factory.commit()
    plan = run_assignment(db, fixed, Actor(label="cli"), seed=1)
    db.commit()
    given = set(db.scalars(select(Assignment.paper_id)))
    assert len(plan.new) == 11 and given == set(db.scalars(select(Paper.id).where(Paper.status != PaperStatus.EXCLUDED)))
    assert db.scalar(select(func.count()).select_from(Paper).where(Paper.status == PaperStatus.EXCLUDED)) == 20
    excluded = db.scalars(select(Paper).where(Paper.status == PaperStatus.EXCLUDED)).first()
    expert = factory.user("expert9", Role.EXPERT)
    with pytest.raises(AssignmentRefused, match="не входит в выборку"):
        assign_manually(db, fixed, excluded, 1, expert, None)


def test_a_second_sample_after_assignment_began_is_refused(db, fixed, factory, run):
    factory.user("expert1", Role.EXPERT)
    factory.commit()
    from crosscheck.services.distribution.assignment import run_assignment

    run_assignment(db, fixed, None, seed=1)
    db.commit()
    before = statuses(db)
    result = run("sample", SLUG, "--per-school", "10", "--seed", "1")
    assert result.exit_code == 1
    assert "распределение работ уже началось (назначений: 11): выборку больше нельзя изменить" in result.stderr
    assert statuses(db) == before
    assert db.scalar(select(func.count()).select_from(CampaignSample)) == 1


def test_the_report_lists_excluded_papers_and_counts_only_the_sample(db, fixed):
    from crosscheck.services.reports.loader import campaign_report

    report = campaign_report(db, fixed)
    assert len(report["papers"]) == 31
    assert sum(p["status"] == "excluded" for p in report["papers"]) == 20
    assert all(p["final"] is None for p in report["papers"] if p["status"] == "excluded")
    schools = {s["school"]: s["papers"] for s in report["schools"]}
    assert schools == {"500101": 4, "500102": 4, "500103": 3}
    assert report["summary"]["papers"] == 11
    assert sum(c["papers"] for c in report["classes"]) == 11


def test_an_excluded_paper_scanned_is_reported_not_given_out(db, fixed):
    from crosscheck.services.scans.batches import place_result

    excluded = db.scalars(select(Paper).where(Paper.status == PaperStatus.EXCLUDED)).first()
    sampled = db.scalars(select(Paper).where(Paper.status != PaperStatus.EXCLUDED)).first()
    batch = ScanBatch(campaign_id=fixed.id, filename="scan.pdf", sha256="0" * 64, stored_path="x")
    db.add(batch)
    db.flush()

    def found(paper, index):
        image = SimpleNamespace(sha256=f"{index:064d}", width=10, height=10)
        page = SimpleNamespace(source_page=index, original=image, masked=image, rotation=0, position=1, doubt="")
        return SimpleNamespace(cipher=paper.cipher, pages=[page], title=None)

    result = SimpleNamespace(papers=[found(excluded, 1), found(sampled, 2)], unidentified=[], blank_count=0,
                             warnings=[], page_count=2)
    summary = place_result(db, batch, result, None)
    assert summary["excluded"] == 1 and summary["excluded_ciphers"] == [excluded.cipher]
    assert db.scalar(select(func.count()).select_from(Page).where(Page.status == PageStatus.PLACED)) == 2
    from crosscheck.cli.scans import _summary

    assert any("работ вне выборки: 1" in line for line in _summary(summary))


def test_marks_loaded_after_the_sample_stay_outside_it(db, fixed, tmp_path):
    from crosscheck.services.marks.importer import import_marks

    header = ";".join(["Код участника", *[t.label for t in fixed.template.tasks]])
    row = ";".join(["77777", *["0"] * len(fixed.template.tasks)])
    path = tmp_path / "late.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8-sig")
    result = import_marks(db, fixed, path, school_code="500102")
    assert result.outside_sample == 1 and "в неё не вошли" in result.summary()
    assert statuses(db)["77777"] == "excluded"
