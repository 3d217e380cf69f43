"""PDF documents: a school's protocol and the municipal analytical summary.

Real text documents written by reportlab: text that can be selected, searched and copied,
a Cyrillic TrueType font embedded (DejaVu Sans from the system, found by
``scanner_import.fonts``; none found is a clear error, never empty boxes), table cells that
wrap instead of being cut, a header row repeated on every page, «лист N из M» in the footer,
the document's title in its metadata. Charts are the same shapes the web pages show as SVG
(``services.reports.charts``), drawn as vector paths and text (``ChartFlowable``).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from scanner_import.fonts import font_path

from ...domain.analytics import Analysis, FlagRule, GroupStats, summarize
from ...domain.discrepancy import PaperResult
from ...domain.followup import Followup, FollowupRow
from ...models import Campaign, School
from . import charts
from .audience import FULL, Audience
from .followup import campaign_followup
from .loader import RESTRICTED_NOTE, campaign_results
from .wording import (CONFIRMED, INSUFFICIENT, SENT_TO_REVIEW, SENT_TO_REVIEW_COUNT, STATUS_LABELS,
                      commission_name, flag_text, flag_verdict, ru_delta, ru_number, yes_no)
from .xlsx import school_directory

MOSCOW = ZoneInfo("Europe/Moscow")
SIGNATURES = ("Председатель предметной комиссии", "Руководитель МО", "Представитель ОО", "Общественный наблюдатель")
MARGIN = 15 * mm
PAD = 3  # table cell padding, points
CHART_SCALE = 0.85  # chart units → points: 12-unit labels print at 10.2 pt
SANS, SANS_BOLD = "CrosscheckSans", "CrosscheckSans-Bold"
HEADER_FILL = colors.HexColor("#eef0f5")
RULE = colors.HexColor("#c8ccd6")
FONT_MISSING = ("для PDF-отчётов нужен шрифт TrueType с кириллицей (DejaVu Sans): установите пакет "
                "fonts-dejavu-core (scripts/system-deps.sh) или укажите файл шрифта .ttf в SCANNER_IMPORT_FONT")


class FontMissing(RuntimeError):
    """No TrueType font with Cyrillic letters on this machine."""


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, str]:
    """Register the system's DejaVu Sans (regular and bold) with reportlab, once."""
    regular, bold = font_path(False), font_path(True)
    if regular is None or bold is None:
        raise FontMissing(FONT_MISSING)
    pdfmetrics.registerFont(TTFont(SANS, regular))
    pdfmetrics.registerFont(TTFont(SANS_BOLD, bold))
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
    return SANS, SANS_BOLD


def _style(name: str, size: float, bold: bool = False, leading: float | None = None, space_after: float = 0,
           align: int = 0, keep_with_next: bool = False) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=SANS_BOLD if bold else SANS, fontSize=size,
                          leading=leading or size * 1.25, spaceAfter=space_after, alignment=align,
                          keepWithNext=int(keep_with_next), splitLongWords=1)


TITLE = _style("title", 17, bold=True, space_after=6)
HEADING = _style("heading", 13, bold=True, space_after=3, keep_with_next=True)
BODY = _style("body", 10, space_after=2)
STRONG = _style("strong", 10, bold=True, space_after=2)
CHART_TITLE = _style("chart-title", 11, bold=True, space_after=2)


def para(text: object, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), style)


class Document:
    """Flowables collected top to bottom, then laid out on pages by reportlab."""

    def __init__(self, title: str, subject: str, footer: str, landscape_pages: bool = False) -> None:
        register_fonts()
        self.pagesize = landscape(A4) if landscape_pages else A4
        self.title, self.subject, self.footer = title, subject, footer
        self.story: list = []

    @property
    def width(self) -> float:
        return self.pagesize[0] - 2 * MARGIN

    def text(self, line: str, style: ParagraphStyle = BODY) -> None:
        self.story.append(para(line, style))

    def space(self, height: float = 4 * mm) -> None:
        self.story.append(Spacer(1, height))

    def table(self, head: Sequence[str], rows: Sequence[Sequence], widths: Sequence[float | None],
              numeric: Sequence[int] = (), size: float = 8.5) -> None:
        """Every cell wraps (nothing is cut); the header row repeats on every page.

        A column of ``widths`` None is as wide as its longest word (header or value); the
        others share the rest of the page width in their proportions, never narrower than
        their own longest word. ``numeric`` columns are right-aligned."""
        cell = _style(f"cell{size}", size, leading=size * 1.22)
        number = _style(f"num{size}", size, leading=size * 1.22, align=TA_RIGHT)
        header = _style(f"head{size}", size, bold=True, leading=size * 1.22)
        header_number = _style(f"headnum{size}", size, bold=True, leading=size * 1.22, align=TA_RIGHT)
        texts = [[("" if v is None else str(v)) for v in row] for row in rows]
        data = [[para(h, header_number if i in numeric else header) for i, h in enumerate(head)]]
        data += [[para(v, number if i in numeric else cell) for i, v in enumerate(row)] for row in texts]
        table = Table(data, colWidths=_column_widths(head, texts, widths, self.width, size), repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), SANS),  # the cells' own default is Helvetica
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        self.story.append(table)

    def chart(self, chart: charts.Chart) -> None:
        """The chart's title and the chart as vector graphics, kept on one page."""
        self.story.append(KeepTogether([para(chart.title, CHART_TITLE), ChartFlowable(chart, CHART_SCALE),
                                        Spacer(1, 3 * mm)]))

    def chart_width(self) -> int:
        """A chart as wide as the text, in chart units."""
        return int(self.width / CHART_SCALE)

    def signatures(self, roles: Sequence[str] = SIGNATURES) -> None:
        rows = [[para(f"{role}:"), para("____________________ / ____________________")] for role in roles]
        table = Table(rows, colWidths=[0.4 * self.width, 0.6 * self.width])
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                   ("TOPPADDING", (0, 0), (-1, -1), 14), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        self.story.append(KeepTogether([Spacer(1, 8 * mm), table]))

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = SimpleDocTemplate(str(path), pagesize=self.pagesize, leftMargin=MARGIN, rightMargin=MARGIN,
                                topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm, title=self.title,
                                subject=self.subject, author="crosscheck", creator="crosscheck", lang="ru-RU",
                                initialFontName=SANS)  # no unembedded Helvetica in the file
        footer = self.footer

        class Numbered(_NumberedCanvas):
            footer_text = footer

        doc.build(self.story, canvasmaker=Numbered)
        return path


def _longest_word(texts: Sequence[str], size: float, bold: bool = False) -> float:
    font = SANS_BOLD if bold else SANS
    return max((pdfmetrics.stringWidth(word, font, size) for text in texts for word in text.split()), default=0.0)


def _column_widths(head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float | None],
                   total: float, size: float) -> list[float]:
    """Fitted columns (None) as wide as their longest word, the rest shared by proportion."""
    need = [max(_longest_word([h], size, bold=True), _longest_word([r[i] for r in rows], size)) + 2 * PAD + 1
            for i, h in enumerate(head)]
    out = {i: n for i, (n, w) in enumerate(zip(need, widths)) if w is None}
    while True:  # share what is left; a column that would get less than its longest word gets that word
        flexible = [i for i, w in enumerate(widths) if w is not None and i not in out]
        rest = max(total - sum(out.values()), 0.0)
        shares = sum(widths[i] for i in flexible)
        short = [i for i in flexible if rest * widths[i] / shares < need[i]]
        if not short:
            out.update({i: rest * widths[i] / shares for i in flexible})
            break
        out.update({i: need[i] for i in short})
    out = [out[i] for i in range(len(head))]
    scale = min(1.0, total / sum(out))  # over-full (huge words): everything shrinks, words then break
    return [w * scale for w in out]


class _NumberedCanvas(canvas.Canvas):
    """Pages are kept until the end, so each footer can say «лист N из M»."""
    footer_text = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(SANS, 8)
            self.setFillColor(colors.HexColor("#475467"))
            width, _ = self._pagesize
            self.drawString(MARGIN, MARGIN - 2 * mm, self.footer_text)
            self.drawRightString(width - MARGIN, MARGIN - 2 * mm, f"лист {self._pageNumber} из {total}")
            super().showPage()
        super().save()


class ChartFlowable(Flowable):
    """A chart drawn straight onto the page as vector paths and text (reportlab.graphics'
    renderer would start every drawing with an unembedded Helvetica)."""

    def __init__(self, chart: charts.Chart, scale: float = 1.0) -> None:
        super().__init__()
        self.chart, self.scale = chart, scale
        self.width, self.height = chart.width * scale, chart.height * scale

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c, k, top = self.canv, self.scale, self.chart.height
        c.saveState()
        c.scale(k, k)
        c.translate(0, top)
        for s in self.chart.shapes:  # chart units, y downwards: flip each y by hand (texts stay upright)
            colour = colors.HexColor(s.colour)
            if s.kind == "line":
                c.setStrokeColor(colour)
                c.setLineWidth(0.8)
                c.line(s.x, -s.y, s.w, -s.h)
            elif s.kind == "rect":
                c.setFillColor(colour)
                c.rect(s.x, -s.y - s.h, s.w, s.h, stroke=0, fill=1)
            elif s.kind == "circle":
                c.setFillColor(colour, alpha=s.opacity)
                c.circle(s.x, -s.y, s.w, stroke=0, fill=1)
                c.setFillAlpha(1)
            else:
                c.saveState()
                c.translate(s.x, -s.y)
                c.rotate(-s.rotate)  # SVG turns clockwise with y down; the page has y up
                c.setFillColor(colour)
                c.setFont(SANS_BOLD if s.bold else SANS, s.size)
                {"start": c.drawString, "middle": c.drawCentredString, "end": c.drawRightString}[s.anchor](0, 0, s.text)
                c.restoreState()
        c.restoreState()


# --- documents ------------------------------------------------------------------------

def _heading(doc: Document, title: str, campaign: Campaign) -> None:
    now = datetime.now(MOSCOW)
    doc.text(title, TITLE)
    doc.text(f"{campaign.name} ({campaign.slug})")
    doc.text(f"{campaign.template.title}. Предметная комиссия: {commission_name(campaign)}")
    doc.text(f"Кампания создана {campaign.created_at.astimezone(MOSCOW):%d.%m.%Y}; "
             f"документ сформирован {now:%d.%m.%Y %H:%M} (МСК)")
    doc.space()


def _stats_lines(doc: Document, g: GroupStats) -> None:
    doc.text(f"Работ: {g.papers}; проверено: {g.checked}. Отметка понижена: {g.grade_lowered}, "
             f"подтверждена: {g.grade_confirmed}, повышена: {g.grade_raised}.")
    doc.text(f"Среднее изменение первичного балла (итог − школа): {ru_delta(g.mean_delta)}.")
    doc.text(f"{SENT_TO_REVIEW_COUNT}: {g.review_required}; {CONFIRMED.lower()} итоговыми баллами: {g.significant}.")
    if g.flagged:
        doc.text(f"Требует внимания: {flag_text(g.flag_reasons)}.", STRONG)
    elif g.evidence == "insufficient" and g.key != "":  # the campaign itself is never judged
        doc.text(f"Вывод о систематическом расхождении: {INSUFFICIENT} (проверено работ: {g.checked}, "
                 f"нужно не меньше {FlagRule().min_evidence}).")


def protocol_title(school_code: str) -> str:
    return f"Протокол перепроверки — ОО {school_code}"


def summary_title(campaign: Campaign) -> str:
    return f"Аналитическая справка — {campaign.name}"


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
    doc = Document(protocol_title(school.code), f"{campaign.name} ({campaign.slug}); {school.name}",
                   f"{protocol_title(school.code)} · {campaign.slug}", landscape_pages=True)
    _heading(doc, "Протокол перепроверки работ ВПР", campaign)
    doc.text(f"Образовательная организация: {school.code} · {school.name}", STRONG)
    doc.text(f"Муниципалитет: {school.municipality or '—'}")
    _stats_lines(doc, stats)
    doc.space()
    listed = audience.papers(data.results)
    if audience.restricted:
        doc.text(f"Показаны {RESTRICTED_NOTE}.")
    if listed:
        doc.table(PAPER_HEAD, _paper_rows(listed), (None, 8, 4, 8, None, None, None, None, None, None, None, 8),
                  numeric=(0, 4, 5, 6, 7, 8))
        doc.text(LEGEND)
    else:
        doc.text("Работ нет.")
    doc.space()
    doc.chart(charts.task_bars(((t.label, t.mean_delta) for t in stats.tasks), width=doc.chart_width()))
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
    doc = Document(summary_title(campaign), f"{campaign.name} ({campaign.slug})",
                   f"Аналитическая справка · {campaign.slug}")
    _heading(doc, "Аналитическая справка по результатам перепроверки", campaign)
    summary = analysis.summary()
    _stats_lines(doc, summary)
    doc.space()
    pairs = Counter((r.original.total, r.final.total) for r in data.results if r.final is not None)
    doc.chart(charts.scatter(pairs, sum(t.max for t in data.scheme.tasks), size=380))
    doc.chart(charts.task_bars(((t.label, t.mean_delta) for t in summary.tasks), width=doc.chart_width()))
    by_municipality: defaultdict[str, list[GroupStats]] = defaultdict(list)
    for g in analysis.groups("school"):
        by_municipality[directory.get(g.key, ("", ""))[1] or "—"].append(g)
    municipal = {g.key: g for g in analysis.groups("municipality")}
    for name in sorted(by_municipality):
        _municipality(doc, name, municipal.get(name), by_municipality[name], directory)
    _followup(doc, campaign_followup(session, campaign, data, analysis), directory)
    return doc.save(path)


FOLLOWUP_HEAD = ("Код ОО", "Образовательная организация", "Скрининг (до перепроверки)", "В выборке",
                 "Перепр.", "После перепроверки")
TASKS_HEAD = ("Код ОО", "Образовательная организация", "Вывод", "Задания, где баллы школы выше итоговых больше всего")


def _followup(doc: Document, f: Followup, directory: dict[str, tuple[str, str]]) -> None:
    """For the methodological service: from the screen's signs to the re-check's conclusions,
    and the tasks each school over-marks most (the basis for targeted recommendations)."""
    doc.space(6 * mm)
    doc.text("Скрининг и перепроверка: от признаков к выводам", HEADING)
    sample = ("выборка зафиксирована" if f.sample_fixed else
              "выборка не формировалась — на перепроверку идут все работы")
    doc.text(f"Скрининг отметил ОО: {f.count('screened')}; ОО в выборке: {f.count('sampled')} ({sample}); "
             f"перепроверены работы ОО: {f.count('rechecked')}; систематическое расхождение подтверждено у ОО: "
             f"{f.count('confirmed')} (из них отмечены скринингом: {f.screened_and_confirmed}).")
    rows = []
    for r in f.rows:
        sampled = f"{r.sampled} из {r.papers}" + (" (целиком)" if r.whole else "")
        rows.append((r.school, directory.get(r.school, ("",))[0], "; ".join(r.signs) if r.screened else "—",
                     sampled, r.rechecked, _conclusion(r)))
    doc.table(FOLLOWUP_HEAD, rows, (None, 14, 12, None, None, 12), numeric=(4,), size=7.5)
    doc.text("«Скрининг» — признаки необъективности по первичным баллам школы (до перепроверки); "
             "«После перепроверки» — вывод по итоговым баллам: подтверждено, если расхождение подтверждено не меньше "
             f"чем в {FlagRule().min_significant} работах в одну сторону и критерий знаков даёт p < "
             f"{ru_number(FlagRule().alpha)}; «{INSUFFICIENT}» — проверенных работ меньше "
             f"{FlagRule().min_evidence}, вывод сделать нельзя.")
    doc.space()
    doc.text("Завышение по заданиям: основа для адресных рекомендаций", HEADING)
    task_rows = [(r.school, directory.get(r.school, ("",))[0], _conclusion(r),
                  "; ".join(f"{t.label}: {ru_delta(t.mean_delta)} балла, завышено в "
                            f"{round(100 * (t.over_marked or 0))} % работ" for t in r.tasks))
                 for r in sorted(f.rows, key=lambda r: (not r.confirmed, r.school)) if r.tasks]
    if task_rows:
        doc.table(TASKS_HEAD, task_rows, (None, 12, 10, 20), size=7.5)
        doc.text("Для каждой ОО — до трёх заданий с наибольшим средним снижением балла при перепроверке "
                 "(итог − школа); ОО с подтверждённым расхождением — первыми.")
    else:
        doc.text("Перепроверка пока не снизила баллы ни по одному заданию.")


def _conclusion(r: FollowupRow) -> str:
    if not r.rechecked:
        return "не перепроверены"
    if r.confirmed:
        return flag_text(r.flag_reasons)
    return INSUFFICIENT if r.evidence == "insufficient" else "не подтверждено"


def _municipality(doc: Document, name: str, stats: GroupStats | None, schools: list[GroupStats],
                  directory: dict[str, tuple[str, str]]) -> None:
    doc.space(6 * mm)
    doc.text(f"Муниципалитет: {name}", HEADING)
    if stats is not None:
        _stats_lines(doc, stats)
    rows = [(g.key, directory.get(g.key, ("",))[0], g.papers, g.checked, g.grade_lowered, g.grade_confirmed,
             g.grade_raised, ru_delta(g.mean_delta), g.review_required, g.significant,
             flag_verdict(g)) for g in schools]
    doc.table(SCHOOL_HEAD, rows, (None, 16, None, None, None, None, None, None, None, None, 9),
              numeric=(2, 3, 4, 5, 6, 7, 8, 9), size=7.5)
    doc.text(LEGEND_COUNTS)


def _signed(delta: int | None) -> str:
    return "—" if delta is None else f"{delta:+d}" if delta else "0"
