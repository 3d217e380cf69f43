"""A bounded, streaming reader of the first worksheet of an XLSX file.

openpyxl's read-only mode trusts the sheet's ``<dimension>`` (a 5 KB file declaring
``A1:XFD1048576`` made it build a billion empty cells) and hands back whole strings of
any length. This reader parses the worksheet XML itself with expat, fed in small chunks,
and never trusts a declared size. A sheet can be read as a list of rows or streamed
(:meth:`XlsxBook.iter_rows`): rows are drained from the parser as each chunk completes them,
so only the rows of one chunk are held at a time:

- the zip is checked before anything is inflated: number of members, total inflated size
  (``MAX_UNZIPPED_BYTES``), compression ratio of every large member (``MAX_ZIP_RATIO``),
  and only ``stored``/``deflated`` members (bzip2/lzma inflate without a bound);
- a DTD (``<!DOCTYPE``, entity declarations) is refused: that is how XXE and "billion
  laughs" files work, and no spreadsheet program writes one;
- no XML token may grow past ``MAX_XML_TOKEN`` bytes while expat buffers it (a huge
  attribute or comment), and a cell's text is kept only up to ``MAX_CELL_CHARS``: a longer
  one becomes an :class:`Overlong` marker that the importers report by row and column;
- rows are read to the real end of ``<sheetData>`` whatever ``<dimension>`` says, empty rows
  and cells cost nothing, and a non-empty cell past ``MAX_ROWS`` / ``MAX_COLUMNS`` refuses
  the file.

Values are what openpyxl's ``data_only`` gave: the cached result of a formula (never the
formula; a formula saved with no cached result reads as an empty cell), numbers as ``int``
or ``float``, ``t="b"`` as ``bool``, text as ``str``.

:class:`XlsxBook` reads any worksheet by its position (a results form keeps its class list
in a second sheet «Классы»); the limits on cells and text hold for all sheets read from one
book together, not for each one.
"""
from __future__ import annotations

import io
import posixpath
from collections import deque
from collections.abc import Iterator
import struct
import zipfile
import zlib
from xml.parsers import expat

from .limits import (MAX_CELL_CHARS, MAX_CELLS, MAX_COLUMNS, MAX_ROWS, MAX_SHARED_STRINGS, MAX_TEXT_CHARS,
                     MAX_UNZIPPED_BYTES, MAX_XML_TOKEN, MAX_ZIP_MEMBERS, MAX_ZIP_RATIO, RATIO_FLOOR, Overlong,
                     TableReadError, mb, num)

CHUNK = 64 * 1024
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMN = 16_384
_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_SHARED_STRINGS = "/sharedStrings"
# SpreadsheetML's namespaces (transitional, strict) and none at all: expat reports names as
# "namespace local"; the hot handlers look them up in a dict instead of splitting strings.
_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
               "http://purl.oclc.org/ooxml/spreadsheetml/main")


def _names(*local: str) -> dict[str, str]:
    return {f"{ns} {name}" if ns else name: name for name in local for ns in (*_NAMESPACES, "")}


_SHEET_TAGS = _names("sheetData", "row", "c", "v", "is", "t", "rPh")
_STRING_TAGS = _names("si", "t", "rPh")


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


class _Stop(Exception):
    """Raised inside an expat handler to end the parse with a TableReadError."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_first_sheet(name: str, data: bytes) -> list[list]:
    """The first worksheet of an XLSX as rows of cells (row ``i`` is file row ``i + 1``),
    up to the last non-empty row; each row up to its last non-empty cell."""
    return _Book(name, data).first_sheet_rows()


class XlsxBook:
    """The worksheets of one XLSX, read one at a time on demand (each as
    :func:`read_first_sheet` reads the first), under limits shared by the whole book."""

    def __init__(self, name: str, data: bytes):
        self._book = _Book(name, data)
        self._sheets = self._book.worksheets()
        if not self._sheets:
            raise TableReadError(f"{name}: в файле XLSX нет ни одного листа с таблицей")

    @property
    def sheet_names(self) -> list[str]:
        return [title for title, _ in self._sheets]

    def rows(self, index: int) -> list[list]:
        return self._book.sheet_rows(self._sheets[index][1])

    def iter_rows(self, index: int) -> Iterator[tuple[int, list]]:
        """The sheet's non-empty rows as (file row number, cells), one at a time, under the
        same limits and with the same refusals as :meth:`rows` (raised when the parse gets
        there). Rows must come in ascending order, as every spreadsheet program writes them."""
        return self._book.iter_sheet_rows(self._sheets[index][1])


def column_letter(index: int) -> str:
    """0 → "A", 27 → "AB"."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Book:
    def __init__(self, name: str, data: bytes):
        self.name = name
        _check_central_directory(name, data)
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error,
                NotImplementedError) as exc:
            raise TableReadError(f"{name}: повреждённый файл XLSX ({exc})") from None
        self.members = {info.filename: info for info in infos}
        _check_members(name, infos)
        self.text_chars = 0
        self.cells = 0  # cells of every sheet read from this book (MAX_CELLS holds for them all)
        self._strings: list | None = None
        self._strings_path: str | None = None

    # --- package parts --------------------------------------------------------------

    def first_sheet_rows(self) -> list[list]:
        sheets = self.worksheets()
        if not sheets:
            raise TableReadError(f"{self.name}: в файле XLSX нет ни одного листа с таблицей")
        return self.sheet_rows(sheets[0][1])

    def worksheets(self) -> list[tuple[str, str]]:
        """(title, zip member) of every worksheet present, in the workbook's order."""
        workbook = self._office_document()
        rels = self._relationships(_rels_path(workbook))
        self._strings_path = next((_resolve(workbook, target) for kind, target in rels.values()
                                   if kind.endswith(_SHARED_STRINGS)), None)
        sheets = []
        for rid, title in self._parse(workbook, _WorkbookHandler()).sheets:
            if rid in rels and rels[rid][0].endswith(_WORKSHEET):
                member = _resolve(workbook, rels[rid][1])
                if member in self.members:
                    sheets.append((title, member))
        return sheets

    def sheet_rows(self, member: str) -> list[list]:
        return self._parse(member, _SheetHandler(self, self._shared_strings())).table()

    def iter_sheet_rows(self, member: str) -> Iterator[tuple[int, list]]:
        handler = _SheetHandler(self, self._shared_strings(), stream=True)
        ready = handler.ready
        for _ in self._feed(member, handler):
            while ready:
                yield ready.popleft()

    def _shared_strings(self) -> list:
        if self._strings is None:  # shared by every sheet: parsed (and counted) once
            self._strings = []
            if self._strings_path and self._strings_path in self.members:
                self._strings = self._parse(self._strings_path, _SharedStringsHandler(self)).strings
        return self._strings

    def _office_document(self) -> str:
        if "_rels/.rels" in self.members:
            for kind, target in self._relationships("_rels/.rels").values():
                if kind.endswith(_OFFICE_DOCUMENT):
                    return target.lstrip("/")
        if "xl/workbook.xml" in self.members:
            return "xl/workbook.xml"
        raise TableReadError(f"{self.name}: это не файл XLSX (в архиве нет книги Excel)")

    def _relationships(self, path: str) -> dict[str, tuple[str, str]]:
        if path not in self.members:
            return {}
        return self._parse(path, _RelsHandler()).rels

    def count_text(self, chars: int) -> None:
        self.text_chars += chars
        if self.text_chars > MAX_TEXT_CHARS:
            raise _Stop(f"{self.name}: в таблице больше {num(MAX_TEXT_CHARS)} символов текста — "
                        "файл слишком велик для загрузки; разделите его на части")

    # --- guarded XML parsing --------------------------------------------------------

    def _parse(self, member: str, handler):
        """Feed one zip member to expat (see :meth:`_feed`) to the end; the handler."""
        for _ in self._feed(member, handler):
            pass
        return handler

    def _feed(self, member: str, handler) -> Iterator[None]:
        """Feed one zip member to expat in chunks, yielding after each one (and once more
        after the end of the document); DTDs, over-long tokens and malformed XML end the
        read with a TableReadError naming the file and the member.

        Between chunks, ``CurrentByteIndex`` is how far expat has got: whatever lies
        between it and the bytes fed is one token it is still holding (an attribute,
        a comment), and that may not grow past MAX_XML_TOKEN."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def refuse_dtd(*_args):
            raise _Stop(f"{self.name}: файл XLSX отклонён: в его части «{member}» есть объявление DTD "
                        "(<!DOCTYPE> или <!ENTITY>) — так устроены атаки XXE и «billion laughs», "
                        "а Excel и другие программы такого не пишут")

        parser.StartDoctypeDeclHandler = refuse_dtd
        parser.EntityDeclHandler = refuse_dtd
        parser.UnparsedEntityDeclHandler = refuse_dtd
        parser.NotationDeclHandler = refuse_dtd
        parser.ExternalEntityRefHandler = refuse_dtd
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.chars
        fed = 0
        try:
            with self.zf.open(member) as stream:
                while chunk := stream.read(CHUNK):
                    fed += len(chunk)
                    parser.Parse(chunk, False)
                    if fed - parser.CurrentByteIndex > MAX_XML_TOKEN:
                        raise _Stop(f"{self.name}: повреждённый файл XLSX ({member}: элемент XML "
                                    f"длиннее {mb(MAX_XML_TOKEN)} МБ)")
                    yield
                parser.Parse(b"", True)
            yield
        except _Stop as stop:
            raise TableReadError(stop.message) from None
        except expat.ExpatError as exc:
            raise TableReadError(f"{self.name}: повреждённый файл XLSX ({member}: ошибка XML в строке "
                                 f"{exc.lineno}: {expat.ErrorString(exc.code)})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, KeyError,
                ValueError, struct.error) as exc:
            raise TableReadError(f"{self.name}: повреждённый файл XLSX ({member}: {exc})") from None


def _check_central_directory(name: str, data: bytes) -> None:
    """Refuse a zip whose central directory lists too many members before zipfile builds
    an object for each of them (a few MB of directory would be millions of objects)."""
    tail = data[-(65535 + 22):]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return  # zipfile will say the archive is damaged
    entries = struct.unpack("<H", tail[at + 10:at + 12])[0]
    if entries == 0xFFFF or entries > MAX_ZIP_MEMBERS:
        raise TableReadError(f"{name}: файл XLSX отклонён: в архиве слишком много частей "
                             f"(больше {MAX_ZIP_MEMBERS})")


def _check_members(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_MEMBERS:
        raise TableReadError(f"{name}: файл XLSX отклонён: в архиве слишком много частей (больше {MAX_ZIP_MEMBERS})")
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise TableReadError(f"{name}: файл XLSX отклонён: часть «{info.filename}» сжата "
                                 "неподдерживаемым методом")
        if info.flag_bits & 0x1:
            raise TableReadError(f"{name}: файл XLSX зашифрован — сохраните его без пароля")
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise TableReadError(f"{name}: файл XLSX отклонён: часть «{info.filename}» сжата в {ratio} раз "
                                 f"(допустимо не больше {MAX_ZIP_RATIO}) — так устроены «zip-бомбы»")
    if total > MAX_UNZIPPED_BYTES:
        raise TableReadError(f"{name}: файл XLSX отклонён: в распакованном виде он занимает {mb(total)} МБ "
                             f"(допустимо не больше {mb(MAX_UNZIPPED_BYTES)} МБ); разделите его на части")


def _rels_path(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


# --- handlers --------------------------------------------------------------------------

class _RelsHandler:
    def __init__(self):
        self.rels: dict[str, tuple[str, str]] = {}

    def start(self, name, attrs):
        if _local(name) == "Relationship" and len(self.rels) < MAX_ZIP_MEMBERS:
            self.rels[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""))

    def end(self, tag):
        pass

    def chars(self, text):
        pass


class _WorkbookHandler:
    def __init__(self):
        self.sheets: list[tuple[str, str]] = []  # (relationship id, sheet title)

    def start(self, name, attrs):
        if _local(name) == "sheet" and len(self.sheets) < MAX_ZIP_MEMBERS:
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)
            if rid:
                self.sheets.append((rid, attrs.get("name", "")[:MAX_CELL_CHARS]))

    def end(self, tag):
        pass

    def chars(self, text):
        pass


class _Text:
    """Collects one cell's text up to MAX_CELL_CHARS, counting the rest."""

    __slots__ = ("parts", "length")

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> None:
        if self.length <= MAX_CELL_CHARS:
            self.parts.append(text)
        self.length += len(text)

    def value(self):
        if self.length > MAX_CELL_CHARS:
            return Overlong(self.length)
        return "".join(self.parts)


class _RichText:
    """What both the shared strings and inline strings share: the text of every ``<t>`` of
    the item being read (rich-text runs ``<r><t>`` joined), phonetic ``<rPh>`` skipped."""

    def __init__(self):
        self.text: _Text | None = None
        self.in_t = False
        self.phonetic = 0

    def rich_start(self, tag: str) -> None:
        if tag == "rPh":
            self.phonetic += 1
        elif tag == "t" and self.text is not None and not self.phonetic:
            self.in_t = True

    def rich_end(self, tag: str) -> None:
        if tag == "t":
            self.in_t = False
        elif tag == "rPh":
            self.phonetic -= 1


class _SharedStringsHandler(_RichText):
    """``<sst><si><t>…</t></si>…`` (rich text: every ``<r><t>`` joined; phonetic ``<rPh>`` skipped)."""

    def __init__(self, book: _Book):
        super().__init__()
        self.book = book
        self.strings: list = []

    def start(self, name, attrs):
        tag = _STRING_TAGS.get(name)
        if tag == "si":
            if len(self.strings) >= MAX_SHARED_STRINGS:
                raise _Stop(f"{self.book.name}: файл XLSX отклонён: больше {num(MAX_SHARED_STRINGS)} разных "
                            "строк текста")
            self.text = _Text()
        elif tag is not None:
            self.rich_start(tag)

    def end(self, name):
        tag = _STRING_TAGS.get(name)
        if tag == "si" and self.text is not None:
            value = self.text.value()
            if isinstance(value, str):
                self.book.count_text(len(value))
            self.strings.append(value)
            self.text = None
        elif tag is not None:
            self.rich_end(tag)

    def chars(self, text):
        if self.in_t:
            self.text.add(text)


class _SheetHandler(_RichText):
    """The cells of one worksheet. Collected (``rows``, a row repeated in the file merged
    into the first) for :meth:`table`, or, with ``stream``, each finished row appended to
    ``ready`` as (row number, cells) for the reader to drain."""

    def __init__(self, book: _Book, strings: list, *, stream: bool = False):
        super().__init__()  # self.text: the text of the <v> or <is><t> being read
        self.book, self.strings = book, strings
        self.rows: dict[int, list] = {}
        self.stream = stream
        self.ready: deque[tuple[int, list]] = deque()
        self.last = 0  # stream: the number of the last row handed on
        self.in_data = False
        self.row_number = 0
        self.row: dict[int, object] = {}
        self.column = -1
        self.kind = "n"
        self.in_v = False
        self.columns: dict[str, int] = {}  # a cell reference's letters -> its column

    # expat callbacks

    def start(self, name, attrs):
        tag = _SHEET_TAGS.get(name)
        if tag is None:
            return
        if not self.in_data:
            if tag == "sheetData":
                self.in_data = True
        elif tag == "c":  # the elements of every cell first: this runs for each of them
            self.column = self._column(attrs.get("r"))
            self.kind, self.text = attrs.get("t", "n"), None
        elif tag == "v":
            self.in_v, self.text = True, _Text()
        elif tag == "row":
            self.row_number = self._row_number(attrs.get("r"))
            self.row, self.column = {}, -1
        elif tag == "is":
            self.text = _Text()
        elif tag != "sheetData":
            self.rich_start(tag)

    def end(self, name):
        if not self.in_data:
            return
        tag = _SHEET_TAGS.get(name)
        if tag == "v":
            self.in_v = False
        elif tag == "c":
            value = self._value()
            if value is not None:
                self._store(value)
        elif tag == "row":
            self._finish_row()
        elif tag == "sheetData":
            self.in_data = False
        elif tag is not None:
            self.rich_end(tag)

    def chars(self, text):
        if self.in_v or self.in_t:
            self.text.add(text)

    # cells and rows

    def _row_number(self, r: str | None) -> int:
        if r is None:
            return self.row_number + 1
        try:
            number = int(r)
        except ValueError:
            raise _Stop(f"{self.book.name}: повреждённый файл XLSX (номер строки «{r[:20]}»)") from None
        if not 1 <= number <= EXCEL_MAX_ROW:
            raise _Stop(f"{self.book.name}: повреждённый файл XLSX (номер строки {number})")
        return number

    def _column(self, ref: str | None) -> int:
        if not ref:
            return self.column + 1
        letters = ref.rstrip("0123456789")  # "AB12" -> "AB": the few columns of a sheet, each read once
        index = self.columns.get(letters)
        if index is None:
            index = self._read_column(ref)
            if letters.isascii() and letters.isalpha():
                self.columns[letters] = index
        return index

    def _read_column(self, ref: str) -> int:
        index = 0
        for ch in ref:
            if "A" <= ch <= "Z" or "a" <= ch <= "z":
                index = index * 26 + (ord(ch) & 0x5F) - 64
            elif "0" <= ch <= "9":
                break
            else:
                raise _Stop(f"{self.book.name}: повреждённый файл XLSX (адрес ячейки «{ref[:20]}»)")
            if index > EXCEL_MAX_COLUMN:
                raise _Stop(f"{self.book.name}: повреждённый файл XLSX (адрес ячейки «{ref[:20]}»)")
        if index == 0:
            raise _Stop(f"{self.book.name}: повреждённый файл XLSX (адрес ячейки «{ref[:20]}»)")
        return index - 1

    def _value(self):
        raw = self.text.value() if self.text is not None else None
        self.text = None
        if raw is None or isinstance(raw, Overlong):
            return raw
        kind = self.kind
        if kind in ("inlineStr", "str", "e", "d"):
            self.book.count_text(len(raw))
            return raw if raw.strip() else None
        if kind == "s":
            try:
                value = self.strings[int(raw)]
            except (ValueError, IndexError):
                raise _Stop(f"{self.book.name}: повреждённый файл XLSX (ячейка {column_letter(self.column)}"
                            f"{self.row_number} ссылается на строку текста «{raw[:20]}», которой нет)") from None
            return value if not isinstance(value, str) or value.strip() else None
        if kind == "b":
            return raw.strip() in ("1", "true")
        try:
            return int(raw)
        except ValueError:
            pass
        if not raw.strip():
            return None
        try:
            return float(raw)
        except ValueError:
            raise _Stop(f"{self.book.name}: повреждённый файл XLSX (ячейка {column_letter(self.column)}"
                        f"{self.row_number}: «{raw[:20]}» — не число)") from None

    def _store(self, value) -> None:
        if self.column >= MAX_COLUMNS:
            raise _Stop(f"{self.book.name}: в строке {self.row_number} заполнена ячейка "
                        f"{column_letter(self.column)}{self.row_number}, а допустимо не больше {MAX_COLUMNS} "
                        "столбцов; удалите лишние столбцы")
        if self.row_number > MAX_ROWS:
            raise _Stop(f"{self.book.name}: заполнена строка {num(self.row_number)}, а допустимо не больше "
                        f"{num(MAX_ROWS)} строк; разделите файл на части")
        self.row[self.column] = value

    def _finish_row(self) -> None:
        if not self.row:
            return
        width = max(self.row) + 1
        if self.stream:
            if self.row_number <= self.last:  # handed on already: cannot be merged or reordered
                raise _Stop(f"{self.book.name}: повреждённый файл XLSX (строка {self.row_number} записана "
                            f"после строки {self.last}); сохраните файл заново в Excel или LibreOffice")
            cells = [None] * width
        else:
            cells = self.rows.get(self.row_number) or []
            if len(cells) < width:
                cells.extend([None] * (width - len(cells)))
        for column, value in self.row.items():
            cells[column] = value
        self.book.cells += width
        if self.book.cells > MAX_CELLS:
            raise _Stop(f"{self.book.name}: в таблице больше {num(MAX_CELLS)} ячеек — файл слишком велик "
                        "для загрузки; разделите его на части")
        if self.stream:
            self.ready.append((self.row_number, cells))
            self.last = self.row_number
        else:
            self.rows[self.row_number] = cells
        self.row = {}

    def table(self) -> list[list]:
        if not self.rows:
            return []
        last = max(self.rows)
        return [self.rows.get(n, []) for n in range(1, last + 1)]
