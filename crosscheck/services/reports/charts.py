"""Server-rendered charts: plain data in, a list of drawing primitives and a data table out.

A chart is a handful of shapes (lines, rectangles, circles, texts) in its own coordinate
space (pixels on a page, points in a PDF), a title and the table of the numbers it draws.
``Chart.svg()`` renders the shapes as an inline SVG string for the pages (colours are
presentation attributes, not ``style``, so the CSP allows them); the pages print the title
above it and the table under it (``templates/analytics/_macros.html``). The PDF writer draws
the same shapes as vector graphics (``pdf.py``). No JavaScript, no CDN.

Readability rules, held by tests: no text smaller than ``MIN_TEXT`` units, numbers with a
decimal comma (``wording.ru_number``), tick labels thinned out (or staggered) so that no two
labels overlap, axes named, a legend for the colours.

Deltas are final − original: below zero the school gave more (завышение).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from .wording import ru_delta, ru_number

OVER = "#d92d20"  # the school over-marked
UNDER = "#1570ef"  # the school under-marked
SAME = "#667085"
GRID = "#e4e7ec"
INK = "#101828"
MUTED = "#475467"

MIN_TEXT = 12  # the smallest text, in chart units (px on a page at 100 %, pt in a PDF)
TICK = 12
AXIS = 13
CHAR_WIDTH = 0.62  # DejaVu Sans: average advance of digits and Cyrillic letters, in em

LEGEND = ((OVER, "школа завысила"), (UNDER, "школа занизила"), (SAME, "совпало"))


LEGEND_LINE = 18


def _legend_layout(items: Sequence[tuple[str, str]], x0: float, width: float) -> list[tuple[int, tuple]]:
    """(line, (x, colour, text)) of each legend entry, wrapped at ``width``."""
    out, x, row = [], x0, 0
    for colour, text in items:
        size = 14 + text_width(text, TICK)
        if x > x0 and x + size > width - 4:
            x, row = x0, row + 1
        out.append((row, (x, colour, text)))
        x += size + 18
    return out


def legend_lines(items: Sequence[tuple[str, str]], x0: float, width: float) -> int:
    return 1 + max((row for row, _ in _legend_layout(items, x0, width)), default=0)


def text_width(text: str, size: float) -> float:
    """An estimate of the rendered width (layout only: spacing labels, margins)."""
    return len(str(text)) * size * CHAR_WIDTH


@dataclass(frozen=True)
class Shape:
    kind: str  # "line" | "rect" | "circle" | "text"
    x: float
    y: float
    w: float = 0.0  # line: x2; rect: width; circle: radius
    h: float = 0.0  # line: y2; rect: height
    colour: str = INK
    text: str = ""
    anchor: str = "start"  # text: start | middle | end
    size: int = TICK
    opacity: float = 1.0
    rotate: int = 0  # text: 0, or -90 (reads bottom to top)
    bold: bool = False


@dataclass(frozen=True)
class ChartTable:
    """The numbers a chart draws, as text (for screen readers and for checking by eye)."""
    head: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class ChartView:
    """What a page shows of a chart: its title above, the SVG, its data table under it."""
    id: str
    title: str
    svg: str
    table: ChartTable


@dataclass
class Chart:
    width: int
    height: int
    title: str
    shapes: list[Shape] = field(default_factory=list)
    table: ChartTable = field(default_factory=lambda: ChartTable((), []))

    def line(self, x1, y1, x2, y2, colour=GRID) -> None:
        self.shapes.append(Shape("line", x1, y1, x2, y2, colour))

    def rect(self, x, y, w, h, colour) -> None:
        self.shapes.append(Shape("rect", x, y, w, h, colour))

    def circle(self, x, y, r, colour, opacity=1.0) -> None:
        self.shapes.append(Shape("circle", x, y, r, colour=colour, opacity=opacity))

    def label(self, x, y, text, anchor="start", size=TICK, colour=INK, rotate=0, bold=False) -> None:
        self.shapes.append(Shape("text", x, y, colour=colour, text=str(text), anchor=anchor,
                                 size=max(size, MIN_TEXT), rotate=rotate, bold=bold))

    def legend(self, y: float, items: Sequence[tuple[str, str]] = LEGEND, x: float = 12) -> None:
        """Coloured dots with their meaning, left to right from ``x`` on the baseline ``y``,
        on as many lines as the width needs (``legend_lines`` tells how many)."""
        for row, (left, colour, text) in _legend_layout(items, x, self.width):
            self.circle(left + 5, y + LEGEND_LINE * row - 4, 5, colour, 0.8)
            self.label(left + 14, y + LEGEND_LINE * row, text, "start", TICK, MUTED)

    def view(self, element_id: str) -> ChartView:
        return ChartView(element_id, self.title, self.svg(element_id), self.table)

    def texts(self) -> list[str]:
        return [s.text for s in self.shapes if s.kind == "text"]

    def svg(self, element_id: str = "") -> str:
        """The SVG; with ``element_id`` it is labelled by the page's title (``<id>-title``) and
        described by its caption (``<id>-caption``)."""
        body = "".join(map(_svg_shape, self.shapes))
        ident = (f' id="{escape(element_id)}" aria-describedby="{escape(element_id)}-caption"'
                 if element_id else "")
        return (f'<svg xmlns="http://www.w3.org/2000/svg"{ident} class="chart" viewBox="0 0 {self.width} '
                f'{self.height}" width="{self.width}" height="{self.height}" role="img" '
                f'aria-label="{escape(self.title)}" font-family="DejaVu Sans, Verdana, sans-serif">'
                f"<title>{escape(self.title)}</title>{body}</svg>")


def _svg_shape(s: Shape) -> str:
    if s.kind == "line":
        return f'<line x1="{s.x:.1f}" y1="{s.y:.1f}" x2="{s.w:.1f}" y2="{s.h:.1f}" stroke="{s.colour}"/>'
    if s.kind == "rect":
        return f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.colour}"/>'
    if s.kind == "circle":
        return (f'<circle cx="{s.x:.1f}" cy="{s.y:.1f}" r="{s.w:.1f}" fill="{s.colour}" '
                f'fill-opacity="{s.opacity:.2f}"/>')
    extra = f' transform="rotate({s.rotate} {s.x:.1f} {s.y:.1f})"' if s.rotate else ""
    extra += ' font-weight="bold"' if s.bold else ""
    return (f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" text-anchor="{s.anchor}" '
            f'fill="{s.colour}"{extra}>{escape(s.text)}</text>')


def tick_step(span_units: float, length: float, label_width: float, gap: float = 10) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… whose ticks, ``length`` apart per unit, leave
    ``gap`` between labels ``label_width`` wide."""
    need = (label_width + gap) / max(length, 1e-9)
    for magnitude in (1, 10, 100, 1000, 10000):
        for base in (1, 2, 5):
            if base * magnitude >= need:
                return base * magnitude
    return max(1, round(span_units))


# --- original vs final totals --------------------------------------------------------

def scatter(pairs: Mapping[tuple[int, int], int], max_total: int, title: str = "Балл школы и итоговый балл",
            size: int = 360) -> Chart:
    """One circle per (original total, final total), its area ∝ the number of papers.

    100,000 papers collapse to at most (max+1)² circles, so the SVG stays small."""
    left, top, right = 52, 12, 14
    span = size - left - right
    extra = LEGEND_LINE * (legend_lines(LEGEND, 6, size) - 1)
    chart = Chart(size, top + span + 66 + extra, title)
    scale = span / max(max_total, 1)
    _square_axes(chart, left, top, span, max_total, scale)
    biggest = max(pairs.values(), default=1)
    for (original, final), count in sorted(pairs.items()):
        colour = OVER if final < original else UNDER if final > original else SAME
        radius = 1.5 + 7.5 * (count / biggest) ** 0.5
        chart.circle(left + original * scale, top + span - final * scale, radius, colour, 0.6)
    chart.label(left + span / 2, top + span + 36, "Балл школы", "middle", AXIS, MUTED)
    chart.label(16, top + span / 2, "Итоговый балл", "middle", AXIS, MUTED, rotate=-90)
    chart.legend(top + span + 60, x=6)
    chart.table = ChartTable(("Балл школы", "Итоговый балл", "Работ"),
                             [(str(o), str(f), str(n)) for (o, f), n in sorted(pairs.items())])
    return chart


def _square_axes(chart: Chart, left: float, top: float, span: float, max_total: int, scale: float) -> None:
    step = tick_step(max_total, scale, text_width(max_total, TICK))
    for v in range(0, max_total + 1, step):
        chart.line(left + v * scale, top, left + v * scale, top + span)
        chart.line(left, top + span - v * scale, left + span, top + span - v * scale)
        chart.label(left + v * scale, top + span + 16, v, "middle", TICK)
        chart.label(left - 6, top + span - v * scale + 4, v, "end", TICK)
    chart.line(left, top + span, left + span, top, SAME)  # the diagonal: marks confirmed


# --- distribution of differences per group ---------------------------------------------

def delta_strips(rows: Sequence[tuple[str, Mapping[int, int]]],
                 title: str = "Распределение разницы баллов (итог − школа)", width: int = 720) -> Chart:
    """One row per group (e.g. a school): a dot per difference value, its area ∝ papers."""
    values = [d for _, counts in rows for d in counts] or [0]
    low, high = min(min(values), -3), max(max(values), 3)
    row_h, right = 26, 20
    left = max(60, min(240, max((text_width(name, TICK) for name, _ in rows), default=0) + 30))  # + a dot
    plot_bottom = 10 + row_h * max(len(rows), 1)
    extra = LEGEND_LINE * (legend_lines(LEGEND, left, width) - 1)
    chart = Chart(width, plot_bottom + 66 + extra, title)
    scale = (width - left - right) / (high - low)
    step = tick_step(high - low, scale, text_width(f"-{max(-low, high)}", TICK))
    for d in range(low, high + 1):
        x = left + (d - low) * scale
        chart.line(x, 10, x, plot_bottom, SAME if d == 0 else GRID)
        if d % step == 0:
            chart.label(x, plot_bottom + 16, f"{d:+d}" if d else "0", "middle", TICK)
    for i, (name, counts) in enumerate(rows):
        _strip(chart, name, counts, 10 + row_h * i + row_h / 2, left, low, scale)
    chart.label(left + (width - left - right) / 2, plot_bottom + 36, "Разница баллов (итог − школа)", "middle",
                AXIS, MUTED)
    chart.legend(plot_bottom + 60, x=left)
    chart.table = ChartTable(("Школа", "Разница баллов", "Работ"),
                             [(name, f"{d:+d}" if d else "0", str(n))
                              for name, counts in rows for d, n in sorted(counts.items())])
    return chart


def _strip(chart: Chart, name: str, counts: Mapping[int, int], y: float, left: float, low: int,
           scale: float) -> None:
    chart.label(left - 14, y + 4, name, "end", TICK)  # clear of the biggest dot (radius 9)
    biggest = max(counts.values(), default=1)
    for d, count in counts.items():
        colour = OVER if d < 0 else UNDER if d > 0 else SAME
        chart.circle(left + (d - low) * scale, y, 2 + 7 * (count / biggest) ** 0.5, colour, 0.7)


# --- per-task bias -------------------------------------------------------------------------

def task_bars(tasks: Iterable[tuple[str, float | None]], title: str = "Среднее изменение балла по заданиям",
              width: int = 720, height: int = 230) -> Chart:
    """A bar per task: mean (final − original); red below zero (the school over-marks).

    Task labels that do not fit their slot are staggered on two lines, and thinned out
    when even that is too tight."""
    given = list(tasks)
    values = [(label, value or 0.0) for label, value in given]
    left, top, right = 66, 12, 10
    slot = (width - left - right) / max(len(values), 1)
    widest = max((text_width(label, TICK) for label, _ in values), default=0)
    rows = 1 if widest + 6 <= slot else 2
    every = 1 if widest + 6 <= slot * rows else -(-int(widest + 6) // int(max(slot * rows, 1)))
    legend = ((OVER, "ниже нуля: школа завысила балл"), (UNDER, "выше нуля: школа занизила"))
    extra = LEGEND_LINE * (legend_lines(legend, left, width) - 1)
    height += extra
    bottom = 22 + 16 * rows + 36 + extra
    span = height - top - bottom
    extent = max([abs(v) for _, v in values] + [0.25])
    zero = top + span / 2
    chart = Chart(width, height, title)
    for tick in (-extent, -extent / 2, 0, extent / 2, extent):
        y = zero - tick / extent * span / 2
        chart.line(left, y, width - right, y, SAME if tick == 0 else GRID)
        chart.label(left - 6, y + 4, ru_number(tick, 2, signed=True) if tick else "0", "end", TICK)
    for i, (label, value) in enumerate(values):
        x, bar = left + i * slot + slot * 0.15, value / extent * span / 2
        chart.rect(x, min(zero, zero - bar), slot * 0.7, abs(bar), OVER if value < 0 else UNDER)
        if i % every == 0:
            chart.label(x + slot * 0.35, top + span + 18 + 16 * ((i // every) % rows), label, "middle", TICK)
    chart.label(left + (width - left - right) / 2, height - 28 - extra, "Задание", "middle", AXIS, MUTED)
    chart.legend(height - 6 - extra, legend, x=left)
    chart.label(14, zero, "Итог − школа", "middle", AXIS, MUTED, rotate=-90)
    chart.table = ChartTable(("Задание", "Среднее изменение балла (итог − школа)"),
                             [(label, ru_delta(value)) for label, value in given])
    return chart
