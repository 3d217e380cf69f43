"""The SPEC §7 report dict: required shape, extras, JSON safety."""
import json

from crosscheck.domain.analytics import FlagRule
from crosscheck.domain.discrepancy import compare_all
from crosscheck.domain.report import build_report, report_for_papers, to_json

from .marks_factory import SCHEME, paper

MID = (1, 1, 1, 1, 1)  # total 5, grade 3
SPEC_PAPER_KEYS = {"cipher", "school", "participant", "status", "original", "final", "delta_total", "significant"}
SPEC_SCHOOL_KEYS = {"school", "papers", "checked", "grade_lowered", "grade_confirmed", "grade_raised",
                    "mean_delta", "flagged"}


def _campaign():
    papers = [paper((1, 2, 2, 2, 3), review=(1, 2, 2, 1, 1), school="B", n=i) for i in range(10)]  # 10 → 7
    papers += [
        paper(MID, MID, school="A", n=1, class_name="5А", original_marker="petrov", journal_mark=3),
        paper(MID, (1, 1, 1, 0, 0), school="A", n=0, class_name="5А", original_marker="petrov"),  # 5 → 3: review
        paper(MID, school="A", n=2),  # not rechecked
    ]
    return compare_all(papers, SCHEME)


def test_report_has_the_spec_shape():
    report = build_report("vpr-math-5", _campaign(), SCHEME)
    assert report["campaign"] == "vpr-math-5"
    for row in report["papers"]:
        assert SPEC_PAPER_KEYS <= row.keys()
        assert set(row["original"]) == {"scores", "total", "grade"}
    for row in report["schools"]:
        assert SPEC_SCHOOL_KEYS <= row.keys()
    assert {"original_markers", "classes", "municipalities", "summary", "rules", "flag_rule"} <= report.keys()


def test_paper_rows():
    papers = {(p["school"], p["participant"]): p for p in build_report("c", _campaign(), SCHEME)["papers"]}
    reviewed = papers["B", "000003"]
    assert reviewed["original"] == {"scores": {"1": 1, "2": 2, "3.1": 2, "4(2)": 2, "10К1": 3}, "total": 10, "grade": 5}
    assert reviewed["final"] == {"scores": {"1": 1, "2": 2, "3.1": 2, "4(2)": 1, "10К1": 1}, "total": 7, "grade": 4}
    assert reviewed["delta_total"] == -3 and reviewed["final_significant"] is True
    waiting = papers["A", "000000"]
    assert waiting["final"] is None and waiting["significant"] is True and waiting["review_required"]
    assert waiting["recheck"]["total"] == 3 and waiting["delta_total"] is None
    confirmed = papers["A", "000001"]
    assert confirmed["final"] == confirmed["original"] and confirmed["recheck"] is None
    assert confirmed["significant"] is False and confirmed["journal_mark"] == 3
    untouched = papers["A", "000002"]
    assert untouched["final"] is None and untouched["significant"] is None
    assert [(p["school"], p["participant"]) for p in build_report("c", _campaign(), SCHEME)["papers"]][:3] == [
        ("A", "000000"), ("A", "000001"), ("A", "000002")]


def test_school_rows_and_flag():
    schools = {s["school"]: s for s in build_report("c", _campaign(), SCHEME)["schools"]}
    b = schools["B"]
    assert (b["papers"], b["checked"], b["grade_lowered"], b["grade_confirmed"], b["grade_raised"]) == (10, 10, 10, 0, 0)
    assert b["mean_delta"] == -3.0 and b["flagged"] and b["flag_reasons"] == ["systematic_over_marking"]
    assert b["evidence"] == "sufficient" and b["significant_over"] == 10 and b["significant_under"] == 0
    assert b["top_over_marked"] == ["10К1", "4(2)"] and b["significant_share"] == 1.0
    a = schools["A"]
    assert (a["papers"], a["checked"], a["grade_confirmed"], a["mean_delta"], a["flagged"]) == (3, 1, 1, 0.0, False)
    assert a["ci95"] is None and a["review_required"] == 1
    assert a["flag_reasons"] == [] and a["evidence"] == "insufficient"  # 1 checked paper: too few to say
    assert a["journal"]["original"] == {"n": 1, "lowered": 0, "confirmed": 1, "raised": 0,
                                        "lowered_share": 0.0, "confirmed_share": 1.0, "raised_share": 0.0}


def test_other_sections_and_summary():
    report = build_report("c", _campaign(), SCHEME)
    assert report["classes"] == [{**report["classes"][0], "school": "A", "class": "5А", "papers": 2}]
    assert report["original_markers"][0]["marker"] == "petrov"
    assert report["summary"]["papers"] == 13 and "flagged" not in report["summary"]
    assert "evidence" not in report["summary"] and report["flag_rule"]["min_evidence"] == 6
    only_schools = build_report("c", _campaign(), SCHEME, groupings=("school",))
    assert "classes" not in only_schools and "schools" in only_schools


def test_report_without_checked_papers_is_json_safe():
    report = report_for_papers("c", [paper(MID, n=i) for i in range(3)], SCHEME, rule=FlagRule())
    school = report["schools"][0]
    assert school["checked"] == 0 and school["mean_delta"] is None and school["wilcoxon"] is None
    text = json.dumps(report, allow_nan=False)  # no NaN anywhere
    assert json.loads(text) == report


def test_to_json_round_trips_with_cyrillic_kept():
    report = build_report("c", _campaign(), SCHEME)
    text = to_json(report)
    assert "10К1" in text and json.loads(text) == json.loads(json.dumps(report))
