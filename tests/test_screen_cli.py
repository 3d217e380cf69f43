"""`crosscheck screen CAMPAIGN --json [-o FILE]` as the organiser uses it (SPEC §4, §8).

Story: the municipality loads the schools' results (the municipal export, many schools in one
file, with journal marks) and, before ordering any re-check, screens them. The school that
pushed its papers onto the grade minimums comes first, with its reason in plain Russian;
schools that marked like everyone else are not flagged; a school of three pupils and a
campaign of one school say «недостаточно данных» instead of guessing.
"""
from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import func, select

from crosscheck.demo import TEMPLATE_FILE
from crosscheck.models import OriginalScore
from tests.domain import screening_sim as sim

LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]
MAXES = [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2]  # the demo template: 3 from 5, 4 from 10, 5 from 14
SCHOOLS = [f"5001{i:02d}" for i in range(12)]
PEAK_SCHOOL = SCHOOLS[7]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def scores_for_total(total: int) -> list[int]:
    """A score set with the given total, filling tasks in order."""
    out = []
    for m in MAXES:
        take = min(m, total)
        out.append(take)
        total -= take
    return out


def marks_file(tmp_path, rows) -> str:
    """The results in the original-marks layout, one school per row (`Код ОО`), journal marks."""
    header = ";".join(["Код ОО", "Код участника", *LABELS, "Отметка по журналу"])
    lines = [header] + [";".join([school, code, *map(str, scores), str(journal)])
                        for school, code, scores, journal in rows]
    return write(tmp_path, "marks.csv", "\n".join(lines) + "\n")


@pytest.fixture
def campaign(tmp_path, run):
    run("campaign", "create", "c1", "--template", str(TEMPLATE_FILE), "--name", "ВПР математика 5")
    schools = "\n".join(f"{code};СОШ № {i};Заречный" for i, code in enumerate(SCHOOLS))
    assert run("schools", "import", write(tmp_path, "s.csv", "code;name;municipality\n" + schools + "\n")).exit_code == 0
    return "c1"


def ordinary_rows(seed: int = 21, pupils: int = 30) -> list:
    rng = random.Random(seed)
    steps = sim.step_difficulties(rng, MAXES)
    rows = []
    for s, school in enumerate(SCHOOLS):
        if school == PEAK_SCHOOL:
            continue
        for k in range(pupils):
            theta = rng.gauss(0, 1)
            scores = [sim.pcm_score(rng, theta, st) for st in steps]
            journal = 2 if theta < -1.3 else 3 if theta < -0.1 else 4 if theta < 1.0 else 5
            rows.append((school, f"{s:02d}{k:03d}", scores, journal))
    return rows


def peak_rows() -> list:
    """30 pupils of whom 12 sit exactly on the «4» minimum (10) and 1 one point below it."""
    totals = [10] * 12 + [9] + [14] * 5 + [13] + [3, 4, 6, 7, 8, 11, 12, 15, 16, 17, 6]
    return [(PEAK_SCHOOL, f"77{k:03d}", scores_for_total(t), 4) for k, t in enumerate(totals)]


def test_the_organiser_screens_a_campaign_and_the_peak_school_comes_first(tmp_path, run, campaign, db):
    imported = run("marks", "import", campaign, marks_file(tmp_path, ordinary_rows() + peak_rows()))
    assert imported.exit_code == 0, imported.output
    result = run("screen", campaign, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["campaign"] == "c1" and len(data["schools"]) == 12
    first = data["schools"][0]
    assert first["school"] == PEAK_SCHOOL and first["flagged"] is True
    assert "threshold_peak" in first["reasons"]
    assert "пик на границе отметки 4: 12 работ ровно на минимуме (10 баллов) против 1 на балл ниже" \
        in first["explanations"]
    assert first["name"] == "СОШ № 7" and first["participants"] == 30
    for row in data["schools"]:  # SPEC §8 fields, every school
        assert {"school", "participants", "mean_total", "grade_shares", "journal", "threshold_peak",
                "task_profile", "risk", "reasons", "flagged"} <= set(row)
        assert set(row["grade_shares"]) == {"2", "3", "4", "5"}
        assert set(row["journal"]) >= {"lowered", "confirmed", "raised", "gap2"}
        assert 0 <= row["risk"] <= 1 and row["flagged"] == bool(row["reasons"])
    assert sum(row["flagged"] for row in data["schools"][1:]) <= 1  # marked alike: (almost) nobody else
    risks = [row["risk"] for row in data["schools"]]
    assert risks == sorted(risks, reverse=True)
    assert data["rules"]["alpha"] == 0.01 and "02-86" in data["disclaimer"]
    # the screen reads and never writes
    assert db.scalar(select(func.count()).select_from(OriginalScore)) == 360 * len(LABELS)


def test_screen_writes_a_file_with_a_summary_line(tmp_path, run, campaign):
    run("marks", "import", campaign, marks_file(tmp_path, ordinary_rows() + peak_rows()))
    out = tmp_path / "out" / "screen.json"
    result = run("screen", campaign, "--json", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"скрининг записан: {out} (школ: 12, отмечено: " in result.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["schools"][0]["school"] == PEAK_SCHOOL


def test_a_school_of_three_pupils_says_insufficient_data(tmp_path, run, campaign):
    rows = [r for r in ordinary_rows() if r[0] != SCHOOLS[0]]
    rows += [(SCHOOLS[0], f"99{k:03d}", MAXES, 2) for k in range(3)]  # full marks, journal «2»
    run("marks", "import", campaign, marks_file(tmp_path, rows))
    data = json.loads(run("screen", campaign, "--json").stdout)
    tiny = next(row for row in data["schools"] if row["school"] == SCHOOLS[0])
    assert tiny["participants"] == 3 and tiny["grade_shares"]["5"] == 1.0
    assert tiny["flagged"] is False and tiny["reasons"] == [] and tiny["risk"] is None
    assert len(tiny["notes"]) == 4 and all(n.startswith("недостаточно данных") for n in tiny["notes"])
    assert data["schools"][-1]["school"] == SCHOOLS[0]  # nothing to say: last


def test_a_campaign_of_one_school_has_nothing_to_compare_with(tmp_path, run, campaign):
    run("marks", "import", campaign, marks_file(tmp_path, peak_rows()))
    result = run("screen", campaign, "--json")
    assert result.exit_code == 0
    (row,) = json.loads(result.stdout)["schools"]
    assert row["flagged"] is False and row["risk"] is None
    assert "одна школа: сравнивать не с чем" in result.stderr


def test_without_journal_marks_and_without_papers(tmp_path, run, campaign):
    empty = run("screen", campaign, "--json")
    assert empty.exit_code == 0 and json.loads(empty.stdout)["schools"] == []
    assert "нет работ с первичными баллами" in empty.stderr
    header = ";".join(["Код ОО", "Код участника", *LABELS])
    lines = [header] + [";".join([school, code, *map(str, scores)]) for school, code, scores, _ in ordinary_rows()]
    run("marks", "import", campaign, write(tmp_path, "nojournal.csv", "\n".join(lines) + "\n"))
    result = run("screen", campaign, "--json")
    data = json.loads(result.stdout)
    assert all(row["journal"]["n"] == 0 and row["journal"]["raised"] is None for row in data["schools"])
    assert all("raised_vs_journal" not in row["reasons"] for row in data["schools"])
    assert "отметки по журналу не загружены" in result.stderr


def test_unknown_campaign_and_json_is_required(run):
    missing = run("screen", "nope", "--json")
    assert missing.exit_code == 1 and "кампания «nope» не найдена" in missing.stderr
    assert run("screen", "nope").exit_code == 2
