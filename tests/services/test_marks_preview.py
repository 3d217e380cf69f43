"""Before anything is written, the organiser sees what an import would do (issue 13):
per school, the participants, the absent, and how many papers would be created, updated or
left as they are — computed from the file and the database, writing nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crosscheck.imports.tabular import ImportRejected
from crosscheck.models import AuditEvent, OriginalScore, Paper
from crosscheck.services.marks.importer import MarksPreview, import_marks, preview_marks
from tests.services.test_municipal_export import PARTIAL, ROWS, campaign, export, pupil  # noqa: F401 (fixture)


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def by_school(preview):
    return {s.code: (s.participants, s.absent, s.created, s.updated, s.unchanged) for s in preview.schools}


def test_a_first_preview_counts_every_school_and_writes_nothing(db, campaign, tmp_path):
    events = count(db, AuditEvent)
    preview = preview_marks(db, campaign, export(tmp_path, ROWS))
    assert by_school(preview) == {"730101": (2, 1, 2, 0, 0), "730102": (2, 0, 2, 0, 0),
                                  "sch730103": (2, 0, 2, 0, 0)}
    assert preview.total("participants") == 6 and preview.total("absent") == 1
    assert preview.total("journal_marks") == 4  # «нет отметки» and «-» are no journal mark
    assert count(db, Paper) == 0 and count(db, AuditEvent) == events


def test_after_the_import_the_same_file_previews_as_unchanged_and_a_corrected_row_as_updated(db, campaign,
                                                                                            tmp_path):
    import_marks(db, campaign, export(tmp_path, ROWS))
    db.commit()
    assert by_school(preview_marks(db, campaign, export(tmp_path, ROWS))) == {
        "730101": (2, 1, 0, 0, 2), "730102": (2, 0, 0, 0, 2), "sch730103": (2, 0, 0, 0, 2)}
    corrected = [list(r) for r in ROWS]
    corrected[1] = pupil("sch730101", 40002, [0, *PARTIAL[1:]], klass="5Б", variant=2, journal=4)
    corrected.append(pupil("sch730101", 40009))
    preview = preview_marks(db, campaign, export(tmp_path, corrected, name="fixed.xlsx"))
    assert by_school(preview)["730101"] == (3, 1, 1, 1, 1)
    # what the preview promised is what the import does
    result = import_marks(db, campaign, export(tmp_path, corrected, name="fixed.xlsx"))
    assert (result.created, result.updated, result.unchanged) == (1, 1, 5)


def test_a_bad_file_previews_as_its_errors_by_row_and_column(db, campaign, tmp_path):
    with pytest.raises(ImportRejected) as caught:
        preview_marks(db, campaign, export(tmp_path, [*ROWS, pupil("sch999999", 40031)]))
    assert [str(e) for e in caught.value.errors] == ['row 15, column "ОО": неизвестный код ОО «sch999999»']
    assert count(db, OriginalScore) == 0


def test_without_a_school_column_each_interface_says_how_to_name_the_school(db, factory, tmp_path):
    from tests.services.test_real_forms import FULL1, FULL2, form
    from tests.services.test_real_forms import pupil as school_pupil

    c = factory.campaign()
    factory.school("500101")
    path = form(tmp_path, [school_pupil(10001, FULL1, FULL2)])  # a school's own form names no school
    with pytest.raises(ImportRejected) as caught:
        preview_marks(db, c, path, ask_school="выберите школу в поле «Школа»")
    assert [e.message for e in caught.value.errors] == ["нет столбца «Код ОО»: выберите школу в поле «Школа»"]
    assert by_school(preview_marks(db, c, path, school_code="500101")) == {"500101": (1, 0, 1, 0, 0)}


def test_the_preview_survives_a_round_trip_through_json(db, campaign, tmp_path):
    preview = preview_marks(db, campaign, export(tmp_path, ROWS))
    assert MarksPreview.from_json(preview.to_json()) == preview
