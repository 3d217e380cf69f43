"""Issue 19, findings 2, 8, 10, 20 and 22 (participant code): imports are bounded.

Every hostile file here is built byte by byte with ``zipfile`` (no spreadsheet program
writes them). The reader must refuse them or read them quickly in little memory, say why in
Russian naming the file, and never let an over-long value reach the database (PostgreSQL
refuses it with a 500; run this module with TEST_DATABASE_URL too).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from crosscheck.imports import tabular, xlsx
from crosscheck.imports.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS
from crosscheck.imports.tabular import ImportRejected, TableReadError, read_rows
from crosscheck.models import AuditEvent, Paper, School, User
from crosscheck.services.marks.importer import import_marks
from crosscheck.services.people.imports import import_conflicts, import_schools, import_users
from tests.web.test_organiser_campaign import organiser, upload  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]
LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


# --- building XLSX files by hand --------------------------------------------------------

def cell_xml(ref: str, value) -> str:
    if value is None:
        return f'<c r="{ref}" s="1"/>'  # an empty styled cell, as Excel leaves them
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def sheet_xml(rows, dimension: str | None = None, prolog: str = "") -> str:
    """rows: lists of values from column A, or (row_number, [values]) pairs."""
    body = []
    for n, row in enumerate(rows, start=1):
        if isinstance(row, tuple):
            n, row = row
        cells = "".join(cell_xml(f"{xlsx.column_letter(i)}{n}", v) for i, v in enumerate(row))
        body.append(f'<row r="{n}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{"".join(body)}</sheetData></worksheet>')


def package(sheet: str | bytes | None = None, *, shared: str | None = None, workbook: str | None = None,
            extra: dict[str, bytes] | None = None, sheet_writer=None,
            compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal XLSX: the package parts a reader needs, the sheet given as XML (or
    streamed by ``sheet_writer(stream)``), shared strings when ``shared`` is given."""
    buf = io.BytesIO()
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared is not None:
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    with zipfile.ZipFile(buf, "w", compression) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                    'worksheet+xml"/></Types>')
        zf.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                                   f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", workbook or (
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            f'<sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        zf.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}">{rels}'
                                                  f'</Relationships>')
        if shared is not None:
            zf.writestr("xl/sharedStrings.xml", shared)
        if sheet_writer is not None:
            with zf.open("xl/worksheets/sheet1.xml", "w") as stream:
                sheet_writer(stream)
        else:
            zf.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def save(tmp_path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


SCHOOLS_HEAD = ["code", "name", "municipality"]


def schools(*codes: str) -> list[list]:
    return [SCHOOLS_HEAD] + [[code, f"Школа {code}", "Заречный ГО"] for code in codes]


def in_small_memory(path: Path, limit_mb: int = 320) -> dict:
    """Read ``path`` with read_rows in a child process whose address space is capped at
    ``limit_mb``; returns what it read or refused, its peak resident memory and how long it took."""
    script = textwrap.dedent(f"""
        import json, resource, sys, time
        resource.setrlimit(resource.RLIMIT_AS, ({limit_mb} << 20, {limit_mb} << 20))
        from crosscheck.imports.tabular import TableReadError, make_sheet, read_rows, ImportRejected
        started = time.monotonic()
        out = {{}}
        try:
            rows = read_rows(sys.argv[1])
            out["rows"] = len(rows)
            try:
                make_sheet("f", rows, [])
            except ImportRejected as exc:
                out["rejected"] = [str(e) for e in exc.errors]
        except TableReadError as exc:
            out["refused"] = str(exc)
        except MemoryError:
            out["memory_error"] = True
        out["seconds"] = time.monotonic() - started
        # VmHWM: this process's own peak (ru_maxrss would count the forked parent's)
        status = open("/proc/self/status").read()
        out["maxrss_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
        print(json.dumps(out, ensure_ascii=False))
    """)
    proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- finding 2: the sheet's <dimension> is not trusted; memory stays small ---------------

def test_a_5kb_file_declaring_a1_xfd1048576_is_read_quickly_in_little_memory(db, tmp_path):
    rows = schools("500101", "500102", "500103") + [(1_048_576, [None] * 3)]
    data = package(sheet_xml(rows, dimension="A1:XFD1048576"))
    assert len(data) < 5 * 1024
    path = save(tmp_path, "schools.xlsx", data)
    child = in_small_memory(path)
    assert child.get("rows") == 4, child  # stops at the last non-empty row, not at 1 048 576
    assert child["seconds"] < 5 and child["maxrss_mb"] < 200, child
    assert import_schools(db, path).created == 3


def test_a_250mb_string_in_a_250kb_file_is_refused_as_a_zip_bomb(db, tmp_path):
    def write(stream):
        head = sheet_xml(schools()).split("</sheetData>")[0]
        stream.write(head.encode() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>500101</t></is></c>'
                     b'<c r="B2" t="inlineStr"><is><t>')
        block = b"A" * (1 << 20)
        for _ in range(250):
            stream.write(block)
        stream.write(b"</t></is></c></row></sheetData></worksheet>")

    path = save(tmp_path, "schools.xlsx", package(sheet_writer=write))
    assert path.stat().st_size < 400 * 1024
    started = time.monotonic()
    with pytest.raises(TableReadError) as info:
        import_schools(db, path)
    assert time.monotonic() - started < 5
    assert "schools.xlsx" in str(info.value) and "zip-бомб" in str(info.value)
    assert db.scalar(select(func.count()).select_from(School)) == 0
    child = in_small_memory(path)
    assert "zip-бомб" in child.get("refused", ""), child


def test_an_incompressible_20mb_cell_is_reported_by_row_and_column_without_holding_it(db, tmp_path):
    noise = os.urandom(10 << 20).hex()  # 20 M characters that do not compress
    rows = [SCHOOLS_HEAD, ["500101", noise, "Заречный ГО"]]
    path = save(tmp_path, "schools.xlsx", package(sheet_xml(rows)))
    child = in_small_memory(path)
    assert child.get("rejected") == ['row 2, column "name": длиннее 10 000 символов (в ячейке 20 971 520)'], child
    assert child["maxrss_mb"] < 200, child
    with pytest.raises(ImportRejected) as info:
        import_schools(db, path)
    assert [str(e) for e in info.value.errors] == child["rejected"]
    assert db.scalar(select(func.count()).select_from(School)) == 0


def test_a_cell_longer_than_the_limit_is_an_error_in_csv_and_in_shared_strings(db, tmp_path):
    long = "Я" * (MAX_CELL_CHARS + 1)
    csv_path = save(tmp_path, "s.csv", f"code;name;municipality\n500101;{long};З\n".encode())
    with pytest.raises(ImportRejected) as info:
        import_schools(db, csv_path)
    assert [str(e) for e in info.value.errors] == ['row 2, column "name": длиннее 10 000 символов (в ячейке 10 001)']
    shared = (f'<sst xmlns="{MAIN}"><si><t>code</t></si><si><t>name</t></si><si><t>municipality</t></si>'
              f'<si><r><t>{long[:5000]}</t></r><r><t>{long[5000:]}</t></r></si></sst>')
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>'
             f'</c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2"><v>500101</v></c><c r="B2" t="s"><v>3</v>'
             f'</c></row></sheetData></worksheet>')
    with pytest.raises(ImportRejected) as info:
        import_schools(db, save(tmp_path, "s.xlsx", package(sheet, shared=shared)))
    assert [e.column for e in info.value.errors] == ["name"]


def test_a_field_beyond_the_csv_modules_own_limit_is_refused_in_russian(db, tmp_path):
    path = save(tmp_path, "s.csv", ("code;name;municipality\n500101;" + "x" * 200_000 + ";З\n").encode())
    with pytest.raises(TableReadError, match="s.csv: строка 2: ячейка длиннее 10 000 символов"):
        import_schools(db, path)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_filled_row_past_the_row_limit_is_refused(db, tmp_path, kind):
    if kind == "csv":
        data = ("code;name;municipality\n" + "\n" * (MAX_ROWS - 1) + "500101;Школа;З\n").encode()
    else:
        data = package(sheet_xml([SCHOOLS_HEAD, (MAX_ROWS + 1, ["500101", "Школа", "З"])]))
    with pytest.raises(TableReadError, match=f"schools.{kind}: заполнена строка 200 001, а допустимо не больше "
                                             "200 000 строк"):
        import_schools(db, save(tmp_path, f"schools.{kind}", data))


def test_empty_rows_and_cells_far_out_cost_nothing(db, tmp_path):
    rows = schools("500101") + [(MAX_ROWS + 10, [None] * 5), (1_048_576, [None])]
    rows[0] = rows[0] + [None] * 40  # styled empty cells to the right
    path = save(tmp_path, "s.xlsx", package(sheet_xml(rows).replace(
        '<c r="A1048576" s="1"/>', '<c r="XFD1048576" s="1"/>')))
    assert len(read_rows(path)) == 2
    assert import_schools(db, path).created == 1


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_filled_cell_past_the_column_limit_is_refused(db, tmp_path, kind):
    wide = SCHOOLS_HEAD + [None] * (MAX_COLUMNS - 3) + ["лишний"]
    if kind == "csv":
        data = (";".join(v or "" for v in wide) + "\n500101;Школа;З\n").encode()
        expected = "s.csv: в строке 1 заполнен столбец 201"
    else:
        data = package(sheet_xml([wide, ["500101", "Школа", "З"]]))
        expected = "s.xlsx: в строке 1 заполнена ячейка GS1, а допустимо не больше 200 столбцов"
    with pytest.raises(TableReadError, match=expected):
        import_schools(db, save(tmp_path, f"s.{kind}", data))


def test_a_csv_line_of_a_million_separators_is_refused_before_it_is_split(db, tmp_path):
    path = save(tmp_path, "s.csv", ("code;name;municipality\n500101" + ";" * 1_000_000 + "\n").encode())
    with pytest.raises(TableReadError, match="s.csv: в строке 2 больше 200 столбцов"):
        import_schools(db, path)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db, tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_FILE_BYTES", 1000)
    path = save(tmp_path, "s.csv", ("code;name;municipality\n" + "500101;Школа;З\n" * 100).encode())
    with pytest.raises(TableReadError, match="s.csv: файл больше 1 МБ"):
        import_schools(db, path)
    with pytest.raises(TableReadError, match="s.csv: файл больше"):
        import_schools(db, "s.csv", data=path.read_bytes())


def test_zip_members_inflating_past_the_limit_are_refused_before_inflating(db, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_UNZIPPED_BYTES", 1 << 20)
    noise = os.urandom(1 << 20).hex()
    path = save(tmp_path, "s.xlsx", package(sheet_xml(schools("500101")), extra={"xl/media/noise.bin": noise}))
    with pytest.raises(TableReadError, match=r"s.xlsx: файл XLSX отклонён: в распакованном виде он занимает 3 МБ"):
        import_schools(db, path)


def test_too_many_zip_members_unsupported_compression_and_too_many_strings_are_refused(db, tmp_path, monkeypatch):
    many = package(sheet_xml(schools("500101")), extra={f"x/{i}.xml": b"" for i in range(1001)})
    with pytest.raises(TableReadError, match="слишком много частей"):
        import_schools(db, "many.xlsx", data=many)
    bz = package(sheet_xml(schools("500101")), compression=zipfile.ZIP_BZIP2)
    with pytest.raises(TableReadError, match="неподдерживаемым методом"):
        import_schools(db, "bz.xlsx", data=bz)
    monkeypatch.setattr(xlsx, "MAX_SHARED_STRINGS", 10)
    shared = f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{i}</t></si>" for i in range(11)) + "</sst>"
    with pytest.raises(TableReadError, match="больше 10 разных строк текста"):
        import_schools(db, "sst.xlsx", data=package(sheet_xml(schools("500101")), shared=shared))


def test_a_huge_xml_token_is_refused_before_the_parser_holds_it(db, tmp_path):
    attribute = os.urandom(1 << 20).hex()  # 2 MB that do not compress, inside one start tag
    sheet = sheet_xml(schools("500101")).replace('<row r="2">', f'<row r="2" x="{attribute}">')
    path = save(tmp_path, "s.xlsx", package(sheet))
    with pytest.raises(TableReadError, match=r"s.xlsx: повреждённый файл XLSX \(xl/worksheets/sheet1.xml: "
                                             r"элемент XML длиннее 1 МБ\)"):
        import_schools(db, path)
    assert in_small_memory(path)["maxrss_mb"] < 200


def test_the_text_and_the_cells_of_a_whole_sheet_are_bounded(db, tmp_path, monkeypatch):
    many = schools(*(f"5001{i:02d}" for i in range(10)))
    monkeypatch.setattr(xlsx, "MAX_TEXT_CHARS", 100)
    with pytest.raises(TableReadError, match="s.xlsx: в таблице больше 100 символов текста"):
        import_schools(db, save(tmp_path, "s.xlsx", package(sheet_xml(many))))
    monkeypatch.setattr(xlsx, "MAX_CELLS", 20)
    monkeypatch.setattr(tabular, "MAX_CELLS", 20)
    monkeypatch.setattr(xlsx, "MAX_TEXT_CHARS", 1000)
    with pytest.raises(TableReadError, match="s.xlsx: в таблице больше 20 ячеек"):
        import_schools(db, save(tmp_path, "s.xlsx", package(sheet_xml(many))))
    csv_text = "\n".join(";".join(row) for row in many) + "\n"
    with pytest.raises(TableReadError, match="s.csv: в таблице больше 20 ячеек"):
        import_schools(db, save(tmp_path, "s.csv", csv_text.encode()))


def test_damaged_and_legacy_files_are_explained(db, tmp_path):
    with pytest.raises(TableReadError, match=r"s.xlsx: повреждённый файл XLSX \(xl/worksheets/sheet1.xml: "
                                             r"ошибка XML в строке 1"):
        import_schools(db, "s.xlsx", data=package(sheet_xml(schools("500101"))[:-20]))
    with pytest.raises(TableReadError, match="старого формата XLS или XLSX, защищённый паролем"):
        import_schools(db, "s.xlsx", data=b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(TableReadError, match="повреждённый файл XLSX"):
        import_schools(db, "s.xlsx", data=b"PK\x03\x04" + b"\0" * 100)


# --- finding 8: rows beyond a wrong <dimension> are read --------------------------------

def test_rows_beyond_a_too_small_dimension_are_all_imported(run, tmp_path, db):
    path = save(tmp_path, "schools.xlsx", package(sheet_xml(schools("500101", "500102", "500103", "500104"),
                                                            dimension="A1:C2")))
    result = run("schools", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "создано: 4" in result.output
    assert db.scalar(select(func.count()).select_from(School)) == 4


def test_shared_strings_rich_text_and_cells_without_references_read_like_excel(db, tmp_path):
    shared = (f'<sst xmlns="{MAIN}" count="4" uniqueCount="4"><si><t>code</t></si><si><t>name</t></si>'
              f'<si><t>municipality</t></si><si><r><t>Школа </t></r><r><rPr><b/></rPr><t>№ 1</t></r>'
              f'<rPh sb="0" eb="1"><t>ふりがな</t></rPh></si></sst>')
    sheet = (f'<worksheet xmlns="{MAIN}"><dimension ref="A1"/><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v>'
             f'</c><c t="s"><v>2</v></c></row><row><c><v>500101</v></c><c t="s"><v>3</v></c>'
             f'<c t="str"><f>"Заречный"&amp;" ГО"</f><v>Заречный ГО</v></c></row></sheetData></worksheet>')
    assert read_rows("s.xlsx", package(sheet, shared=shared)) == [
        ["code", "name", "municipality"], [500101, "Школа № 1", "Заречный ГО"]]


# --- finding 20: XXE and billion laughs are refused and explained -----------------------

XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(3, 10)) + "]>")
EXTERNAL_DTD = '<!DOCTYPE worksheet SYSTEM "http://example.invalid/evil.dtd">'


def hostile_files() -> dict[str, bytes]:
    xxe_sheet = sheet_xml(schools("500101"), prolog=XXE).replace("Школа 500101", "&xxe;")
    laughs_sheet = sheet_xml(schools("500101"), prolog=LAUGHS).replace("Школа 500101", "&lol9;")
    laughs_strings = f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'
    return {
        "xxe.xlsx": package(xxe_sheet),
        "laughs.xlsx": package(laughs_sheet),
        "laughs-strings.xlsx": package(sheet_xml(schools("500101")), shared=laughs_strings),
        "external-dtd.xlsx": package(sheet_xml(schools("500101"), prolog=EXTERNAL_DTD)),
        "xxe-workbook.xlsx": package(sheet_xml(schools("500101")), workbook=(
            f'<?xml version="1.0"?>{XXE}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            f'<sheet name="&xxe;" sheetId="1" r:id="rId1"/></sheets></workbook>')),
    }


@pytest.mark.parametrize("name", sorted(hostile_files()))
def test_xxe_and_billion_laughs_are_refused_with_a_reason_naming_the_file(db, tmp_path, name):
    path = save(tmp_path, name, hostile_files()[name])
    with pytest.raises(TableReadError) as info:
        import_schools(db, path)
    message = str(info.value)
    assert message.startswith(f"{name}: файл XLSX отклонён") and "DTD" in message and "XXE" in message
    assert "root:" not in message and "lol" not in message


def test_xxe_on_the_command_line_is_one_russian_line_not_a_traceback(run, tmp_path):
    path = save(tmp_path, "xxe.xlsx", hostile_files()["xxe.xlsx"])
    result = run("schools", "import", str(path))
    assert result.exit_code == 1
    assert "xxe.xlsx: файл XLSX отклонён" in result.stderr
    assert "Traceback" not in result.stderr and "ParseError" not in result.stderr


# --- finding 10: over-long values are row errors, never a database error ----------------

def test_schools_users_and_conflicts_over_their_column_lengths_are_row_errors(db, factory, tmp_path):
    path = save(tmp_path, "s.csv", ("code;name;municipality\n"
                                    f"{'1' * 33};Школа;З\n500102;{'Ш' * 501};З\n500103;Школа;{'М' * 201}\n"
                                    "500104;Школа;З\n").encode())
    with pytest.raises(ImportRejected) as info:
        import_schools(db, path)
    assert [str(e) for e in info.value.errors] == [
        'row 2, column "code": длиннее 32 символов (в ячейке 33)',
        'row 3, column "name": длиннее 500 символов (в ячейке 501)',
        'row 4, column "municipality": длиннее 200 символов (в ячейке 201)']
    factory.school("500101")
    users = save(tmp_path, "u.csv", ("login;full_name;role;school_code;subjects;password\n"
                                     f"{'u' * 101};Иванов;organiser;;;\n"
                                     f"ivanov;{'И' * 301};organiser;;;\n"
                                     "petrov;Петров;expert;500101;Математика;\n"
                                     f"sidorov;Сидоров;expert;500101;Математика, {'П' * 201};\n").encode())
    with pytest.raises(ImportRejected) as info:
        import_users(db, users)
    assert [str(e) for e in info.value.errors] == [
        'row 2, column "login": длиннее 100 символов (в ячейке 101)',
        'row 3, column "full_name": длиннее 300 символов (в ячейке 301)',
        f'row 5, column "subjects": предмет «{"П" * 39}…» длиннее 200 символов (в ячейке 201)']
    factory.user("ivanov")
    conflicts = save(tmp_path, "c.csv", f"login;school_code;reason\nivanov;500101;{'р' * 10_001}\n".encode())
    with pytest.raises(ImportRejected) as info:
        import_conflicts(db, conflicts)
    assert [str(e) for e in info.value.errors] == ['row 2, column "reason": длиннее 10 000 символов (в ячейке 10 001)']
    assert db.scalar(select(func.count()).select_from(User)) == 1


def marks_csv(*rows: str, head: tuple[str, ...] = ("Код участника", "Класс", "Вариант", "Эксперт")) -> bytes:
    return ("\n".join([";".join([*head, *LABELS, "Код ОО"]), *rows]) + "\n").encode()


def marks_row(code: str, klass: str = "5А", variant: str = "1", marker: str = "") -> str:
    return ";".join([code, klass, variant, marker, *["1"] * 15, "500101"])


@pytest.fixture
def campaign(factory):
    factory.school("500101")
    return factory.campaign()


def test_marks_over_their_column_lengths_are_row_errors(db, campaign, tmp_path):
    data = marks_csv(marks_row("10001", klass="К" * 33), marks_row("10002", variant="В" * 33),
                     marks_row("10003", marker="Э" * 301), marks_row("10004"))
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, "m.csv", data=data)
    assert [str(e) for e in info.value.errors] == [
        'row 2, column "Класс": длиннее 32 символов (в ячейке 33)',
        'row 3, column "Вариант": длиннее 32 символов (в ячейке 33)',
        'row 4, column "Эксперт": длиннее 300 символов (в ячейке 301)']
    assert db.scalar(select(func.count()).select_from(Paper)) == 0


def test_long_values_in_error_messages_are_cut_short(db, campaign):
    data = marks_csv(marks_row("10001").replace(";500101", ";" + "9" * 5000))
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, "m.csv", data=data)
    assert all(len(str(e)) < 200 for e in info.value.errors)
    with pytest.raises(TableReadError) as read:
        import_marks(db, campaign, "m.csv", data=marks_csv(marks_row("10001")), school_code="x" * 5000)
    assert len(str(read.value)) < 100




def test_the_upload_form_answers_over_long_values_with_row_errors_not_a_500(organiser, db):
    response = upload(organiser, marks_csv(marks_row("10001", klass="К" * 33, marker="Э" * 301)))
    assert response.status_code == 302  # to the upload's page, which lists the rows
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "длиннее 32 символов" in html and "длиннее 300 символов" in html
    assert db.scalar(select(func.count()).select_from(Paper)) == 0


def test_the_upload_form_refuses_an_over_long_school_a_long_name_and_a_big_file(organiser, db, monkeypatch):
    response = upload(organiser, marks_csv(marks_row("10001")), school="5" * 5000)
    assert response.status_code == 302
    assert "Неизвестная школа" in organiser.get(response.headers["Location"]).get_data(as_text=True)
    response = upload(organiser, b"\xd0\xcf\x11\xe0" + b"\0" * 100, name="ф" * 3000 + ".xls")
    assert response.status_code == 302
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "старого формата XLS" in html and "ф" * 101 not in html
    import crosscheck.web.organiser as view

    monkeypatch.setattr(view, "MAX_FILE_BYTES", 100)
    response = upload(organiser, marks_csv(marks_row("10001")))
    assert response.status_code == 302
    assert "файл больше" in organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Paper)) == 0


def test_the_upload_form_refuses_xxe_with_a_message(organiser, db):
    response = upload(organiser, hostile_files()["xxe.xlsx"], name="xxe.xlsx")
    assert response.status_code == 302
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "xxe.xlsx: файл XLSX отклонён" in html


def test_the_error_page_of_a_huge_bad_file_lists_a_bounded_number_of_rows(organiser, db):
    data = marks_csv(*(marks_row(f"1{i:04d}", variant="В" * 33) for i in range(1500)))
    response = upload(organiser, data)
    assert response.status_code == 302
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Найдено ошибок: 1500" in html and "Показаны первые 1000 ошибок из 1500" in html


# --- finding 22 (part): a participant code is digits --------------------------------------

@pytest.mark.parametrize("code", ["=HYPERLINK(\"http://evil\")", "ABC12", "1 2", "12345678901", "-5", "10001.5",
                                  "١٢٣", "<script>"])
def test_a_participant_code_that_is_not_digits_is_a_row_error(db, campaign, code):
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, "m.csv", data=marks_csv(marks_row(code)))
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "Код участника")]
    assert "код участника состоит только из цифр (от 1 до 10)" in info.value.errors[0].message


def test_participant_codes_as_excel_writes_them_are_accepted(db, campaign, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Код участника", *LABELS, "Код ОО"])
    for code in (10001, 10002.0, "10003", "0042", "1234567890"):
        ws.append([code, *[1] * 15, "500101"])
    wb.save(tmp_path / "m.xlsx")
    assert import_marks(db, campaign, tmp_path / "m.xlsx").created == 5
    assert sorted(db.scalars(select(Paper.participant_code))) == ["0042", "10001", "10002", "10003", "1234567890"]


def test_a_rejected_import_writes_no_audit_event(db, campaign):
    with pytest.raises(ImportRejected):
        import_marks(db, campaign, "m.csv", data=marks_csv(marks_row("10001"), marks_row("x")))
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "paper.create")) == 0
    assert db.scalar(select(func.count()).select_from(Paper)) == 0
