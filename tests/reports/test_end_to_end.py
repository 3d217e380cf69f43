"""From the schools' marks to the SPEC §7 report: JSON fields exactly, and the XLSX."""
from __future__ import annotations

import json
from dataclasses import replace

from openpyxl import load_workbook

from crosscheck.models import PaperStatus
from crosscheck.services.reports.loader import campaign_report, load_paper_marks
from crosscheck.services.marking.schemes import paper_marks

from .conftest import FULL, MIXED, scores


def by_participant(report):
    return {p["participant"]: p for p in report["papers"]}


def test_before_marking_every_paper_waits_with_final_null(db, district):
    campaign, _ = district
    report = campaign_report(db, campaign)
    assert report["campaign"] == "e2e"
    assert {p["status"] for p in report["papers"]} == {"marking"}
    assert all(p["final"] is None and p["delta_total"] is None and p["significant"] is None
               for p in report["papers"])
    [school] = report["schools"]
    assert (school["school"], school["papers"], school["checked"]) == ("500101", 3, 0)
    assert school["mean_delta"] is None and school["flagged"] is False


def test_the_report_follows_each_paper_through_recheck_and_review(db, marked, run, tmp_path):
    campaign, papers = marked
    out = tmp_path / "report.json"
    result = run("report", "e2e", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["campaign"] == "e2e"
    rows = by_participant(report)
    assert set(rows) == {"10001", "10002", "10003"}
    confirmed, reviewed, waiting = rows["10001"], rows["10002"], rows["10003"]

    assert set(confirmed) >= {"cipher", "school", "participant", "status", "original", "final", "delta_total",
                              "significant"}
    assert confirmed["cipher"] == papers["10001"].cipher and confirmed["school"] == "500101"
    assert confirmed["status"] == "done" and confirmed["significant"] is False
    assert confirmed["original"] == {"scores": scores(FULL), "total": 18, "grade": 5}
    assert confirmed["final"] == confirmed["original"] and confirmed["delta_total"] == 0

    assert reviewed["status"] == "done" and reviewed["significant"] is True
    assert reviewed["final"] == {"scores": scores(FULL) | {"9": 0, "10": 0, "14": 0}, "total": 12, "grade": 4}
    assert reviewed["delta_total"] == -6

    assert waiting["status"] == "marking" and waiting["final"] is None
    assert waiting["delta_total"] is None and waiting["significant"] is None
    assert waiting["original"]["scores"]["4"] == 0 and waiting["original"]["total"] == 11

    [school] = report["schools"]
    assert school == school | {"school": "500101", "papers": 3, "checked": 2, "grade_lowered": 1,
                               "grade_confirmed": 1, "grade_raised": 0, "mean_delta": -3.0, "flagged": False}
    assert [m["marker"] for m in report["original_markers"]] == ["Петрова Ольга Ивановна", "Сидоров"]


def test_a_recheck_waiting_for_review_has_no_final_yet(db, district):
    from .conftest import live_assignment, mark

    campaign, papers = district
    mark(db, live_assignment(db, papers["10002"]), scores(FULL) | {"9": 0, "14": 1})
    row = by_participant(campaign_report(db, campaign))["10002"]
    assert papers["10002"].status == PaperStatus.REVIEW
    assert row["status"] == "review" and row["significant"] is True
    assert row["final"] is None and row["delta_total"] is None


def test_packed_loading_agrees_with_the_paper_by_paper_view(db, marked):
    campaign, papers = marked
    fast = {p.participant: p for p in load_paper_marks(db, campaign)}
    for code, paper in papers.items():
        slow = paper_marks(db, paper)
        assert replace(fast[code], rechecks=list(fast[code].rechecks)) == slow
    only = load_paper_marks(db, campaign, school_code="500101")
    assert len(only) == 3 and load_paper_marks(db, campaign, school_code="500102") == []


def test_the_xlsx_holds_papers_schools_markers_and_a_printable_protocol(db, marked, run, tmp_path):
    out = tmp_path / "report.xlsx"
    result = run("report", "e2e", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["Работы", "Школы", "Эксперты первичной проверки", "Муниципальная сводка", "Протокол",
                             "Эксперты"]
    papers = list(wb["Работы"].values)
    assert papers[0][:3] == ("Шифр", "Код ОО", "Код участника") and len(papers) == 4
    head = papers[0]
    row = dict(zip(head, next(r for r in papers[1:] if r[2] == "10002")))
    assert (row["Балл (школа)"], row["Итоговый балл"], row["Разница баллов"]) == (18, 12, -6)
    assert row["Ушла на третью проверку"] == row["Расхождение подтверждено"] == "да" and row["Итоговая отметка"] == 4
    assert row["Изменения по заданиям (ОО→итог)"] == "9: 2→0; 10: 2→0; 14: 2→0"
    waiting = dict(zip(head, next(r for r in papers[1:] if r[2] == "10003")))
    assert waiting["Итоговый балл"] is None and waiting["Статус"] == "На перепроверке"
    schools = list(wb["Школы"].values)
    assert schools[1][:6] == ("500101", "Школа 500101", "Заречный ГО", 3, 2, 1)
    markers = list(wb["Эксперты первичной проверки"].values)
    assert [r[1] for r in markers[1:]] == ["Петрова Ольга Ивановна", "Сидоров"]
    protocol = wb["Протокол"]
    texts = [c for row in protocol.values for c in row if isinstance(c, str)]
    assert any("Предметная комиссия: Математика, 5 класс" in t for t in texts)
    assert "Председатель предметной комиссии" in texts and "500101" in texts
    assert protocol.page_setup.orientation == "landscape" and protocol.page_setup.fitToWidth == 1
    assert protocol.sheet_properties.pageSetUpPr.fitToPage


def test_report_command_refuses_an_unknown_campaign(run, tmp_path, db):
    result = run("report", "nope", "--format", "json", "-o", str(tmp_path / "r.json"))
    assert result.exit_code != 0 and "не найдена" in result.output
    assert not (tmp_path / "r.json").exists()


def test_mixed_marks_with_x_load_as_zero(db, district):
    campaign, _ = district
    [mixed] = [p for p in load_paper_marks(db, campaign) if p.participant == "10003"]
    assert mixed.original == scores(MIXED) and mixed.class_name == "5Б" and mixed.original_marker == "Сидоров"


def test_the_parallel_loader_reads_the_same_committed_data(db, factory):
    from crosscheck.services.reports.loader import load_paper_marks as load

    campaign = factory.campaign("parallel")
    school = factory.school("500301")
    for i in range(5):
        factory.paper(campaign, school, code=f"3000{i}", scores={"1": 0, "9": 1})
    factory.commit()
    assert load(db, campaign, parallel=True) == load(db, campaign) != []
