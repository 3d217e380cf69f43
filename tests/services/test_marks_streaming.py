"""The marks import streams its file (issue 13, «peak memory flat as the file grows»): the
reader hands rows on one at a time, the preview keeps counters and duplicate keys only, the
import writes in chunks and stays all-or-nothing. Run with TEST_DATABASE_URL too.
"""
from __future__ import annotations

import io
import tracemalloc

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crosscheck.imports.tabular import ImportRejected, TableReadError, open_book
from crosscheck.models import AuditEvent, OriginalScore, Paper
from crosscheck.services.marks import importer
from crosscheck.services.marks.importer import import_marks, preview_marks
from tests.services.test_municipal_export import HEADER, MUNICIPALITY, PARTIAL, TASKS, absent, pupil

SCHOOLS = [f"7302{n:02d}" for n in range(20)]


def export_bytes(rows) -> bytes:
    """The municipal export (its title rows, the Б/П row, the header, ``rows``), written as
    openpyxl's write-only mode writes it."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("Индивидуальные результаты")
    sheet.append(["ВПР 2025 Математика 5 класс"])
    sheet.append(["Предмет", "Математика"])
    sheet.append([f"{MUNICIPALITY} (mun730100)"])
    sheet.append([None] * 6 + ["П" if m > 1 else "Б" for _, m in TASKS] + [None] * 3)
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pupils(count: int):
    for i in range(count):
        school, pupil_no = divmod(i, 1000)
        login = f"sch{SCHOOLS[school % len(SCHOOLS)]}"
        code = 10001 + pupil_no + 1000 * (school // len(SCHOOLS))
        yield absent(login, code) if i % 37 == 0 else pupil(login, code, PARTIAL) if i % 3 else pupil(login, code)


@pytest.fixture
def campaign(factory):
    for code in SCHOOLS:
        factory.school(code)
    return factory.campaign()


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


# A bound the whole-sheet reader exceeded at 20,000 rows (its traced peak: 17.2 MiB, the raw
# rows and the parsed rows held at once); streaming, the preview holds the duplicate keys.
PREVIEW_PEAK_BOUND = 8 * 2**20


def test_a_20000_row_export_is_previewed_in_bounded_memory(db, campaign):
    data = export_bytes(pupils(20_000))
    tracemalloc.start()
    try:
        preview = preview_marks(db, campaign, "individual.xlsx", data=data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    absent_rows = len(range(0, 20_000, 37))
    assert (preview.total("participants"), preview.total("absent")) == (20_000 - absent_rows, absent_rows)
    assert preview.total("created") == 20_000 - absent_rows
    assert peak < PREVIEW_PEAK_BOUND, f"preview's traced peak {peak / 2**20:.1f} MiB"


def test_the_streamed_rows_are_the_rows_read_whole(tmp_path):
    data = export_bytes([pupil("sch730101", 1), [None], [], pupil("sch730101", 2, klass="  ")])
    book = open_book("export.xlsx", data)
    whole = book.rows(0)
    streamed = list(open_book("export.xlsx", data).iter_rows(0))
    assert streamed == [(n, row) for n, row in enumerate(whole, start=1) if row]
    csv = "\ufeffКод;Класс\r\n1;5А\r\n\r\n;\r\n2;5Б\r\n".encode()
    assert list(open_book("a.csv", csv).iter_rows(0)) == [(1, ["Код", "Класс"]), (2, ["1", "5А"]), (5, ["2", "5Б"])]
    assert open_book("a.csv", csv).rows(0) == [["Код", "Класс"], ["1", "5А"], [], [], ["2", "5Б"]]


def test_a_streamed_sheet_refuses_rows_out_of_order():
    data = export_bytes([pupil("sch730101", 1)])
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'<row r="6">', b'<row r="2">').replace(b'r="A6"', b'r="A2"')
            target.writestr(info, body)
    book = open_book("export.xlsx", out.getvalue())
    assert len(book.rows(0)) == 5  # read whole, a repeated row is merged as before
    with pytest.raises(TableReadError, match=r"строка 2 записана после строки 5"):
        list(open_book("export.xlsx", out.getvalue()).iter_rows(0))


def test_a_utf8_error_is_placed_by_its_byte_without_decoding_the_whole_file():
    data = "\ufeffКод;Класс\n1;5А\n".encode() + b"\xff\n"
    with pytest.raises(TableReadError, match=r"байт 24\)"):
        open_book("a.csv", data)  # counted after the BOM, as a whole decode counts it


def test_an_import_written_in_chunks_is_the_same_import(db, campaign, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 4)
    rows = list(pupils(30))
    events = count(db, AuditEvent)
    result = import_marks(db, campaign, "export.xlsx", data=export_bytes(rows))
    db.commit()
    present = sum(1 for r in rows if r[5] is not None)
    assert (result.created, result.updated, result.absent) == (present, 0, 1)
    assert count(db, Paper) == present and count(db, AuditEvent) == events + present
    assert count(db, OriginalScore) == present * len(TASKS)
    ciphers = set(db.scalars(select(Paper.cipher)))
    assert len(ciphers) == present
    again = import_marks(db, campaign, "export.xlsx", data=export_bytes(rows))
    db.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, present)
    rows[25] = pupil(rows[25][0], rows[25][3], klass="6В")
    changed = import_marks(db, campaign, "export.xlsx", data=export_bytes(rows))
    db.commit()
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, present - 1)
    assert count(db, AuditEvent) == events + present + 1


def test_every_error_after_written_chunks_is_reported_and_the_rollback_undoes_the_chunks(db, campaign, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 4)
    db.commit()  # the campaign and its schools stay; the import's chunks are rolled back
    rows = [*pupils(20), pupil("sch730200", 10002), pupil("sch999999", 1), pupil("sch730201", 3, journal=7)]
    with pytest.raises(ImportRejected) as caught:
        import_marks(db, campaign, "export.xlsx", data=export_bytes(rows))
    assert [str(e) for e in caught.value.errors] == [
        'row 26, column "Код участника": участник «10002» уже есть в строке 7',
        'row 27, column "ОО": неизвестный код ОО «sch999999»',
        'row 28, column "Отметка по журналу": «7» — отметка по журналу должна быть от 2 до 5',
    ]
    assert count(db, Paper) == 16  # the chunks written before the bad rows were read …
    db.rollback()  # … are undone by what every caller does with ImportRejected (the upload job, the CLI)
    assert count(db, Paper) == 0 and count(db, OriginalScore) == 0 and campaign.id is not None


def test_a_small_file_in_error_writes_nothing_even_before_the_rollback(db, campaign):
    rows = [*pupils(10), pupil("sch730200", 10002)]
    events = count(db, AuditEvent)
    with pytest.raises(ImportRejected):
        import_marks(db, campaign, "export.xlsx", data=export_bytes(rows))
    assert count(db, Paper) == 0 and count(db, AuditEvent) == events
