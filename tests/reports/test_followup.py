"""Screening before, the re-check after (issue 17, items 1–3): the school page's side-by-side
line, «недостаточно данных» on the pages, and the municipal summary in the PDF and the XLSX."""
from __future__ import annotations

import io
import shutil
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crosscheck.models import Assignment, AssignmentKind, AssignmentStatus, Paper, PaperStatus, School, TaskScore
from crosscheck.services.reports.followup import campaign_followup
from crosscheck.services.reports.loader import campaign_report
from crosscheck.services.screening.sample import draw, fix
from crosscheck.services.screening.screen import screen_campaign
from tests.reports.conftest import press_report
from tests.reports.test_pdf import poppler, words
from tests.web import screening_world as world

PEAK = world.PEAK_SCHOOL  # screened: a peak on the «4» minimum
FEW = world.SCHOOLS[2]  # 5 papers re-checked, all over-marked: too few to say
CLEAN = world.SCHOOLS[1]  # 6 papers re-checked, marks confirmed


def _finish(db, paper: Paper, final: list[int], expert, reviewer) -> None:
    """The paper re-checked to ``final`` (with a third check when it differs from the school's)."""
    tasks = paper.campaign.template.tasks
    now = datetime.now(timezone.utc)
    kinds = [(AssignmentKind.RECHECK, expert)]
    if [s.score for s in sorted(paper.original_scores, key=lambda s: s.task_id)] != final:
        kinds.append((AssignmentKind.REVIEW, reviewer))
    for kind, who in kinds:
        a = Assignment(paper_id=paper.id, expert_id=who.id, kind=kind, round=1,
                       status=AssignmentStatus.SUBMITTED, submitted_at=now)
        a.scores = [TaskScore(task_id=t.id, max_score=t.max_score, score=v) for t, v in zip(tasks, final)]
        db.add(a)
    paper.status = PaperStatus.DONE
    db.flush()


def _papers(db, campaign, code):
    school = db.scalar(select(School).where(School.code == code))
    return list(db.scalars(select(Paper).where(Paper.campaign_id == campaign.id, Paper.school_id == school.id,
                                               Paper.status != PaperStatus.EXCLUDED).order_by(Paper.id)))


@pytest.fixture
def rechecked(db, factory):
    campaign = world.build(factory, slug="e2e")
    factory.user("organiser", role="organiser")
    factory.user("reviewer", role="reviewer")
    expert, reviewer = factory.user("exp1"), factory.user("rev1", role="reviewer")
    fix(db, draw(db, campaign, per_school=6, schools="flagged", seed=1), None)
    db.flush()
    on_four = [p for p in _papers(db, campaign, PEAK) if sum(s.score for s in p.original_scores) == 10]
    for p in on_four[:6]:  # 10 points (a «4») → 8 (a «3»): task 9 was given 2 for nothing
        _finish(db, p, world.scores_for_total(8), expert, reviewer)
    few = [p for p in _papers(db, campaign, FEW) if sum(s.score for s in p.original_scores)]
    for p in few[:5]:  # each lowered by up to 3 points
        _finish(db, p, world.scores_for_total(max(sum(s.score for s in p.original_scores) - 3, 0)), expert, reviewer)
    for p in _papers(db, campaign, CLEAN):
        _finish(db, p, [s.score for s in sorted(p.original_scores, key=lambda s: s.task_id)], expert, reviewer)
    factory.commit()
    return campaign


def test_the_report_flags_six_of_six_and_says_five_is_too_few(db, rechecked):
    schools = {s["school"]: s for s in campaign_report(db, rechecked)["schools"]}
    peak, few, clean = schools[PEAK], schools[FEW], schools[CLEAN]
    assert (peak["checked"], peak["over_marked"], peak["significant_over"]) == (6, 6, 6)
    assert peak["flagged"] and peak["flag_reasons"] == ["systematic_over_marking"] and peak["evidence"] == "sufficient"
    assert few["checked"] == 5 and few["over_marked"] == 5 and few["sign_test"]["p"] == 0.0625
    assert not few["flagged"] and few["flag_reasons"] == [] and few["evidence"] == "insufficient"
    assert clean["checked"] == 6 and not clean["flagged"] and clean["evidence"] == "sufficient"


def test_the_school_page_puts_the_screen_before_and_the_recheck_after(rechecked, login_as):
    client = login_as("organiser")
    html = client.get(f"/analytics/e2e/school?code={PEAK}").get_data(as_text=True)
    line = html.split('id="before-after-line"><strong>')[1].split("</strong>")[0]
    assert line == ("признаки до перепроверки: доля высоких отметок; отметки ВПР выше журнальных; "
                    "пик на границе отметки 4; после перепроверки: завышение подтверждено, 6 из 6 работ")
    assert f"/analytics/e2e/screening/{PEAK}" in html
    few = client.get(f"/analytics/e2e/school?code={FEW}").get_data(as_text=True)
    assert "после перепроверки: недостаточно данных — проверено 5 работ, для вывода нужно не меньше 6" in few
    assert "evidence-insufficient" in few
    clean = client.get(f"/analytics/e2e/school?code={CLEAN}").get_data(as_text=True)
    assert "после перепроверки: систематическое расхождение не подтверждено" in clean
    assert "evidence-insufficient" not in clean.split('id="before-after"')[1].split("</section>")[0]


def test_the_campaign_page_never_shows_too_few_papers_as_not_flagged(rechecked, login_as):
    html = login_as("reviewer").get("/analytics/e2e/").get_data(as_text=True)
    rows = {code: html.split(f">{code}</a>")[1].split("</tr>")[0] for code in (PEAK, FEW, CLEAN)}
    assert "систематическое завышение" in rows[PEAK]
    assert "недостаточно данных" in rows[FEW] and "недостаточно данных" not in rows[CLEAN]


def test_the_followup_screens_the_same_schools_as_the_screening_page(db, rechecked):
    f = campaign_followup(db, rechecked)
    screened = {s.school for s in screen_campaign(db, rechecked).screening.flagged}
    assert screened == {r.school for r in f.rows if r.screened} and PEAK in screened
    rows = {r.school: r for r in f.rows}
    assert (rows[PEAK].papers, rows[PEAK].sampled, rows[PEAK].whole) == (30, 30, True)
    assert (rows[FEW].papers, rows[FEW].sampled, rows[FEW].whole, rows[FEW].rechecked) == (30, 6, False, 5)
    assert rows[PEAK].confirmed and not rows[FEW].confirmed and not rows[CLEAN].confirmed
    assert [t.label for t in rows[PEAK].tasks] == ["9"] and rows[PEAK].tasks[0].mean_delta == -2
    assert (f.count("screened"), f.count("sampled"), f.count("rechecked"), f.count("confirmed")) == \
        (len(screened), 12, 3, 1)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_summary_pdf_has_the_municipal_followup(rechecked, login_as, tmp_path):
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(press_report(login_as("organiser"), "summary", follow=True).data)
    text = words(poppler("pdftotext", pdf))
    section = text.split("Скрининг и перепроверка: от признаков к выводам", 1)[1]
    assert "Скрининг отметил ОО: " in section and "ОО в выборке: 12 (выборка зафиксирована)" in section
    assert "систематическое расхождение подтверждено у ОО: 1 (из них отмечены скринингом: 1)" in section
    peak_row = section.split(PEAK, 1)[1]
    assert peak_row.split(world.SCHOOLS[8], 1)[0].count("пик на границе отметки 4") == 1
    assert "30 из 30 (целиком)" in peak_row
    tasks = section.split("Завышение по заданиям: основа для адресных рекомендаций", 1)[1]
    assert tasks.index(PEAK) < tasks.index(FEW)  # confirmed schools first
    assert "9: -2,00 балла, завышено в 100 % работ" in tasks
    assert "недостаточно данных" in tasks


def test_the_xlsx_has_a_municipal_summary_sheet(rechecked, login_as):
    wb = load_workbook(io.BytesIO(press_report(login_as("organiser"), "xlsx", follow=True).data))
    assert wb.sheetnames == ["Работы", "Школы", "Эксперты первичной проверки", "Муниципальная сводка", "Протокол",
                             "Эксперты"]
    rows = list(wb["Муниципальная сводка"].values)
    head = rows[0]
    by_code = {r[0]: dict(zip(head, r)) for r in rows[1:]}
    peak, few = by_code[PEAK], by_code[FEW]
    assert (peak["Отмечена скринингом"], peak["Работ"], peak["В выборке"], peak["Взята целиком"]) == ("да", 30, 30, "да")
    assert (peak["Перепроверено"], peak["Отмечено"], peak["Причины"]) == (6, "да", "систематическое завышение")
    assert "пик на границе отметки 4" in peak["Признаки скрининга"]
    assert (peak["Завышение: задание 1"], peak["Ср. изменение 1"], peak["Доля завышенных 1"]) == ("9", -2, 1)
    assert peak["После перепроверки"] == "после перепроверки: завышение подтверждено, 6 из 6 работ"
    assert (few["Перепроверено"], few["Отмечено"], few["Данных для вывода"]) == (5, "недостаточно данных",
                                                                                  "недостаточно данных")
    schools = list(wb["Школы"].values)
    school_head = schools[0]
    few_school = dict(zip(school_head, next(r for r in schools[1:] if r[0] == FEW)))
    assert few_school["Отмечено"] == "недостаточно данных" and few_school["Данных для вывода"] == "недостаточно данных"
