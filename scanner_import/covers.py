"""Cover sheets: one A4 page per paper with the QR, participant code and instructions.

The school prints these, puts each on top of the matching paper and scans the
whole stack as one file; the reader finds the QR (top-left corner, see
:mod:`scanner_import.layout`) and starts a new paper there. Pages are drawn
black-and-white at 300 dpi and written Flate-compressed, so the PDF is small
and the QR prints crisply on any office printer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Sequence

import segno
from PIL import Image, ImageDraw

from .fonts import Font, get_font, wrap_text
from .layout import A4_MM, QR_MARGIN_MM, QR_SIDE_MM
from .pdfwrite import PdfImagePageWriter
from .qrpayload import encode_payload

INSTRUCTION_RU = (
    "Положите этот лист поверх работы участника и сканируйте всё одним файлом: "
    "титульный лист, затем все страницы его работы, затем следующий титульный лист "
    "и следующую работу. Не меняйте порядок листов, не закрывайте и не сгибайте "
    "QR-код. Пустые оборотные стороны можно не убирать — они удаляются автоматически. "
    "Файл (PDF или многостраничный TIFF) загрузите на платформу перепроверки."
)


@dataclass(frozen=True)
class CoverEntry:
    """One paper: the school's participant code and the paper's cipher."""

    participant_code: str
    cipher: str


@dataclass(frozen=True)
class CoverSheetSet:
    """Everything printed on the covers of one school in one campaign."""

    campaign_slug: str
    campaign_title: str
    school_code: str
    school_name: str
    entries: Sequence[CoverEntry]


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "2" before "10" (participant codes are usually digits, not always)."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|\D+", code))


def ordered_entries(entries: Iterable[CoverEntry]) -> list[CoverEntry]:
    """Entries by participant code; duplicates are refused (two covers, one paper)."""
    result = sorted(entries, key=lambda e: natural_key(e.participant_code))
    for field_name in ("participant_code", "cipher"):
        values = [getattr(e, field_name) for e in result]
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise ValueError(f"duplicate {field_name}: {', '.join(dupes)}")
    return result


def _mm(value: float, dpi: int) -> int:
    return round(value / 25.4 * dpi)


def qr_image(payload: str, side_px: int) -> Image.Image:
    """The QR (with its quiet zone) as a mode-"1" image at most ``side_px`` wide.

    Modules are scaled by a whole number of pixels so every module prints with
    the same width; error level Q survives a pen mark or a staple hole.
    """
    qr = segno.make(payload, error="q", micro=False, boost_error=False)
    rows = [bytes(0 if bit else 255 for bit in row) for row in qr.matrix_iter(scale=1, border=4)]
    n = len(rows)
    small = Image.frombytes("L", (n, n), b"".join(rows))
    scale = max(1, side_px // n)
    return small.resize((n * scale, n * scale), Image.NEAREST).convert("1")


def _draw_paragraph(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, font: Font,
                    width: int, line_gap: float = 1.3) -> int:
    """Draw wrapped text; return the y below the last line."""
    x, y = xy
    step = round(font.size * line_gap) if hasattr(font, "size") else 20
    for line in wrap_text(text, font, width):
        draw.text((x, y), line, font=font, fill=0)
        y += step
    return y


def _fit_font(text: str, max_width: int, start_size: int) -> Font:
    size = start_size
    while size > 10:
        font = get_font(size, bold=True)
        if font.getlength(text) <= max_width:
            return font
        size = int(size * 0.9)
    return get_font(size, bold=True)


def _printable(text: str) -> str:
    """Text for one line of the page: control characters (a line break in an imported school
    code or name) become a space - Pillow's text layout fails on some of them."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text)


def render_cover(sheets: CoverSheetSet, entry: CoverEntry, number: int, total: int,
                 dpi: int = 300) -> Image.Image:
    """One cover page as a mode-"1" image of A4 at ``dpi``."""
    mm = lambda v: _mm(v, dpi)  # noqa: E731 - local unit helper
    title, school_code, school_name, participant = map(_printable, (
        sheets.campaign_title, sheets.school_code, sheets.school_name, entry.participant_code))
    page = Image.new("1", (mm(A4_MM[0]), mm(A4_MM[1])), 1)
    draw = ImageDraw.Draw(page)
    qr = qr_image(encode_payload(sheets.campaign_slug, entry.cipher), mm(QR_SIDE_MM))
    page.paste(qr, (mm(QR_MARGIN_MM), mm(QR_MARGIN_MM)))

    text_x = mm(QR_MARGIN_MM + QR_SIDE_MM + 8)
    text_w = page.width - text_x - mm(15)
    y = _draw_paragraph(draw, (text_x, mm(20)), "Титульный лист работы", get_font(mm(6), True), text_w)
    y = _draw_paragraph(draw, (text_x, y + mm(2)), title, get_font(mm(4.5)), text_w)
    _draw_paragraph(draw, (text_x, y + mm(2)), f"ОО {school_code}: {school_name}", get_font(mm(4.5)), text_w)

    label_font = get_font(mm(7))
    label = "Код участника"
    draw.text(((page.width - label_font.getlength(label)) / 2, mm(82)), label, font=label_font, fill=0)
    code_font = _fit_font(participant, page.width - mm(40), mm(48))
    code_w = code_font.getlength(participant)
    draw.text(((page.width - code_w) / 2, mm(95)), participant, font=code_font, fill=0)
    small = get_font(mm(4))
    cipher_text = f"Шифр работы: {entry.cipher}"
    draw.text(((page.width - small.getlength(cipher_text)) / 2, mm(150)), cipher_text, font=small, fill=0)

    draw.line([(mm(20), mm(165)), (page.width - mm(20), mm(165))], fill=0, width=max(1, mm(0.5)))
    _draw_paragraph(draw, (mm(20), mm(175)), INSTRUCTION_RU, get_font(mm(4.5)), page.width - mm(40))
    footer = f"Лист {number} из {total} · ОО {school_code} · {sheets.campaign_slug}"
    draw.text((mm(20), page.height - mm(20)), footer, font=get_font(mm(3.5)), fill=0)
    return page


def write_covers_pdf(sheets: CoverSheetSet, dest: str | Path | BinaryIO, dpi: int = 300) -> int:
    """Write all covers, ordered by participant code, as one PDF; return the page count.

    Pages are rendered and written one at a time, so memory does not grow with
    the size of the school.
    """
    entries = ordered_entries(sheets.entries)
    if not entries:
        raise ValueError("no papers to print covers for")
    if isinstance(dest, (str, Path)):
        with open(dest, "wb") as fh:
            return _write(sheets, entries, fh, dpi)
    return _write(sheets, entries, dest, dpi)


def _write(sheets: CoverSheetSet, entries: list[CoverEntry], fh: BinaryIO, dpi: int) -> int:
    with PdfImagePageWriter(fh) as pdf:
        for number, entry in enumerate(entries, start=1):
            pdf.add_bilevel_page(render_cover(sheets, entry, number, len(entries), dpi), dpi)
    return len(entries)
