"""PDF documents: a school's protocol and the municipal analytical summary.

Pages are painted with Pillow at 150 dpi (DejaVu fonts, found by scanner_import.fonts)
and saved as a multi-page PDF: no extra dependency, no network, Cyrillic everywhere.
Charts are the same shapes the web pages show as SVG (services.reports.charts).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageColor, ImageDraw
from sqlalchemy.orm import Session

from scanner_import.fonts import get_font, wrap_text

from ...domain.analytics import Analysis, FlagRule, GroupStats, summarize
from ...domain.discrepancy import PaperResult
from ...models import Campaign, School
from . import charts
from .wording import CONFIRMED, SENT_TO_REVIEW, SENT_TO_REVIEW_COUNT, STATUS_LABELS, commission_name, flag_text, yes_no
from .audience import FULL, Audience
from .loader import RESTRICTED_NOTE, campaign_results
from .xlsx import school_directory

DPI = 150
A4 = (1240, 1754)  # portrait, pixels at 150 dpi
MARGIN = 90
MOSCOW = ZoneInfo("Europe/Moscow")
SIGNATURES = ("Председатель предметной комиссии", "Руководитель МО", "Представитель ОО", "Общественный наблюдатель")


class Document:
    """Pages painted top to bottom; a block that does not fit starts a new page."""

    def __init__(self, landscape: bool = False) -> None:
        self.size = (A4[1], A4[0]) if landscape else A4
        self.pages: list[Image.Image] = []
        self.y = 0
        self.new_page()

    @property
    def width(self) -> int:
        return self.size[0] - 2 * MARGIN

    def new_page(self) -> None:
        self.pages.append(Image.new("RGB", self.size, "white"))
        self.draw = ImageDraw.Draw(self.pages[-1])
        self.y = MARGIN

    def ensure(self, height: float) -> None:
        if self.y + height > self.size[1] - MARGIN:
            self.new_page()

    def text(self, line: str, size: int = 22, bold: bool = False, gap: int = 8) -> None:
        for part in wrap_text(line, get_font(size, bold), self.width) or [""]:
            self.ensure(size + gap)
            self.draw.text((MARGIN, self.y), part, font=get_font(size, bold), fill="black")
            self.y += size + gap

    def space(self, height: int = 16) -> None:
        self.y += height

    def table(self, head: Sequence[str], rows: Sequence[Sequence], widths: Sequence[float], size: int = 18) -> None:
        """Columns get ``widths`` shares of the page width; the header repeats on every page."""
        xs = _columns(widths, self.width)
        row_h = size + 14
        self.ensure(row_h * 2)
        self._row(head, xs, row_h, size, bold=True)
        for row in rows:
            if self.y + row_h > self.size[1] - MARGIN:
                self.new_page()
                self._row(head, xs, row_h, size, bold=True)
            self._row(row, xs, row_h, size)

    def _row(self, cells: Sequence, xs: list[tuple[int, int]], row_h: int, size: int, bold: bool = False) -> None:
        font = get_font(size, bold)
        if bold:
            self.draw.rectangle((MARGIN, self.y, MARGIN + self.width, self.y + row_h), fill="#eef0f5")
        for (x, w), value in zip(xs, cells):
            text = _fit("" if value is None else str(value), font, w - 8)
            self.draw.text((x + 4, self.y + 6), text, font=font, fill="black")
        self.y += row_h
        self.draw.line((MARGIN, self.y, MARGIN + self.width, self.y), fill="#c8ccd6")

    def chart(self, chart: charts.Chart, scale: float = 2.0) -> None:
        scale = min(scale, self.width / chart.width)
        self.ensure(chart.height * scale + 40)
        self.text(chart.title, 20, bold=True)
        paint(self.draw, chart, MARGIN, self.y, scale)
        self.y += chart.height * scale + 16

    def signatures(self, roles: Sequence[str] = SIGNATURES) -> None:
        self.ensure(70 * len(roles) + 40)
        self.space(30)
        for role in roles:
            self.text(f"{role}:  ____________________ / ____________________", 20, gap=40)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        first, *rest = self.pages  # JPEG inside the PDF: ~150 KB a page, crisp enough at 150 dpi
        first.save(path, "PDF", save_all=True, append_images=rest, resolution=DPI, quality=88)
        return path


def _columns(widths: Sequence[float], total: int) -> list[tuple[int, int]]:
    unit = total / sum(widths)
    xs, x = [], MARGIN
    for w in widths:
        xs.append((round(x), round(w * unit)))
        x += w * unit
    return xs


def _fit(text: str, font, width: float) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def paint(draw: ImageDraw.ImageDraw, chart: charts.Chart, x0: float, y0: float, scale: float) -> None:
    """Chart shapes → pixels (transparency is approximated by blending with white)."""
    for s in chart.shapes:
        colour = _blend(s.colour, s.opacity)
        if s.kind == "line":
            draw.line((x0 + s.x * scale, y0 + s.y * scale, x0 + s.w * scale, y0 + s.h * scale), fill=colour,
                      width=max(1, round(scale / 1.5)))
        elif s.kind == "rect":
            draw.rectangle((x0 + s.x * scale, y0 + s.y * scale, x0 + (s.x + s.w) * scale,
                            y0 + (s.y + s.h) * scale), fill=colour)
        elif s.kind == "circle":
            cx, cy, r = x0 + s.x * scale, y0 + s.y * scale, s.w * scale
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        else:
            font = get_font(round(s.size * scale))
            width = font.getlength(s.text)
            shift = {"start": 0, "middle": width / 2, "end": width}[s.anchor]
            draw.text((x0 + s.x * scale - shift, y0 + s.y * scale - s.size * scale), s.text, font=font, fill=colour)


def _blend(colour: str, opacity: float) -> tuple[int, int, int]:
    rgb = ImageColor.getrgb(colour)[:3]
    return tuple(round(c * opacity + 255 * (1 - opacity)) for c in rgb)  # type: ignore[return-value]


# --- documents ------------------------------------------------------------------------

def _heading(doc: Document, title: str, campaign: Campaign) -> None:
    now = datetime.now(MOSCOW)
    doc.text(title, 34, bold=True, gap=14)
    doc.text(f"{campaign.name} ({campaign.slug})")
    doc.text(f"{campaign.template.title}. Предметная комиссия: {commission_name(campaign)}")
    doc.text(f"Кампания создана {campaign.created_at.astimezone(MOSCOW):%d.%m.%Y}; "
             f"документ сформирован {now:%d.%m.%Y %H:%M} (МСК)")
    doc.space()


def _stats_lines(doc: Document, g: GroupStats) -> None:
    mean = "—" if g.mean_delta is None else f"{g.mean_delta:+.2f}"
    doc.text(f"Работ: {g.papers}; проверено: {g.checked}. Отметка понижена: {g.grade_lowered}, "
             f"подтверждена: {g.grade_confirmed}, повышена: {g.grade_raised}.")
    doc.text(f"Среднее изменение первичного балла (итог − школа): {mean}.")
    doc.text(f"{SENT_TO_REVIEW_COUNT}: {g.review_required}; {CONFIRMED.lower()} итоговыми баллами: {g.significant}.")
    if g.flagged:
        doc.text(f"Требует внимания: {flag_text(g.flag_reasons)}.", bold=True)


# Narrow table columns: short headings, spelled out by LEGEND under the table.
PAPER_HEAD = ("№", "Код участника", "Класс", "Шифр", "Балл ОО", "Отм. ОО", "Итог", "Итог. отм.", "Разница",
              "3-я пров.", "Расх. подтв.", "Статус")
LEGEND_COUNTS = ("«3-я пров.» — сколько работ ушли на третью проверку; "
                 f"«Расх. подтв.» — у скольких {CONFIRMED.lower()}.")
LEGEND = (f"«3-я пров.» — {SENT_TO_REVIEW.lower()}; «Расх. подтв.» — {CONFIRMED.lower()} "
          "(итоговые баллы значимо отличаются от баллов школы).")


def school_protocol(session: Session, campaign: Campaign, school: School, path: Path,
                    audience: Audience = FULL) -> Path:
    """The protocol of one school: every paper (those ``audience`` may see), the school's
    figures, per-task chart, signatures."""
    data = campaign_results(session, campaign, school_code=school.code)
    stats = summarize(school.code, data.results, data.scheme, FlagRule())
    doc = Document(landscape=True)
    _heading(doc, "Протокол перепроверки работ ВПР", campaign)
    doc.text(f"Образовательная организация: {school.code} · {school.name}", bold=True)
    doc.text(f"Муниципалитет: {school.municipality or '—'}")
    _stats_lines(doc, stats)
    doc.space()
    listed = audience.papers(data.results)
    if audience.restricted:
        doc.text(f"Показаны {RESTRICTED_NOTE}.")
    if listed:
        doc.table(PAPER_HEAD, _paper_rows(listed), (3, 8, 4, 8, 4, 4, 4, 4, 4, 4, 6, 7))
        doc.text(LEGEND, 16)
    else:
        doc.text("Работ нет.")
    doc.chart(charts.task_bars((t.label, t.mean_delta) for t in stats.tasks), 2.0)
    doc.signatures()
    return doc.save(path)


def _paper_rows(results: Sequence[PaperResult]) -> list[tuple]:
    ordered = sorted(results, key=lambda r: (r.paper.class_name or "", r.paper.participant or "", r.paper.cipher))
    return [(n, r.paper.participant or "—", r.paper.class_name or "", r.paper.cipher, r.original.total, r.original.grade,
             r.final.total if r.final else "—", r.final.grade if r.final else "—",
             _signed(r.delta_total), yes_no(r.sent_to_review), yes_no(r.final_significant),
             STATUS_LABELS.get(r.paper.status, r.paper.status)) for n, r in enumerate(ordered, 1)]


SCHOOL_HEAD = ("Код ОО", "Образовательная организация", "Работ", "Провер.", "Пониж.", "Подтв.", "Повыш.",
               "Ср. изм.", "3-я пров.", "Расх. подтв.", "Внимание")


def municipal_summary(session: Session, campaign: Campaign, path: Path, audience: Audience = FULL) -> Path:
    """Per municipality: its figures and its schools; campaign-wide charts first. Aggregates
    only (no paper, no cipher): the same for every ``audience``."""
    data = campaign_results(session, campaign)
    analysis = Analysis(data.results, data.scheme, FlagRule())
    directory = school_directory(session)
    doc = Document()
    _heading(doc, "Аналитическая справка по результатам перепроверки", campaign)
    summary = analysis.summary()
    _stats_lines(doc, summary)
    pairs = Counter((r.original.total, r.final.total) for r in data.results if r.final is not None)
    doc.chart(charts.scatter(pairs, sum(t.max for t in data.scheme.tasks)), 2.4)
    doc.chart(charts.task_bars((t.label, t.mean_delta) for t in summary.tasks), 1.45)
    by_municipality: defaultdict[str, list[GroupStats]] = defaultdict(list)
    for g in analysis.groups("school"):
        by_municipality[directory.get(g.key, ("", ""))[1] or "—"].append(g)
    municipal = {g.key: g for g in analysis.groups("municipality")}
    for name in sorted(by_municipality):
        _municipality(doc, name, municipal.get(name), by_municipality[name], directory)
    return doc.save(path)


def _municipality(doc: Document, name: str, stats: GroupStats | None, schools: list[GroupStats],
                  directory: dict[str, tuple[str, str]]) -> None:
    doc.ensure(300)
    doc.space(24)
    doc.text(f"Муниципалитет: {name}", 26, bold=True)
    if stats is not None:
        _stats_lines(doc, stats)
    rows = [(g.key, directory.get(g.key, ("",))[0], g.papers, g.checked, g.grade_lowered, g.grade_confirmed,
             g.grade_raised, "—" if g.mean_delta is None else f"{g.mean_delta:+.2f}", g.review_required,
             g.significant, flag_text(g.flag_reasons) or "") for g in schools]
    doc.table(SCHOOL_HEAD, rows, (5, 16, 3, 3, 3, 3, 3, 4, 3, 3, 10), size=16)
    doc.text(LEGEND_COUNTS, 14)


def _signed(delta: int | None) -> str:
    return "—" if delta is None else f"{delta:+d}" if delta else "0"
