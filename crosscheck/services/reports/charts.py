"""Server-rendered charts: plain data in, a list of drawing primitives out.

A chart is a handful of shapes (lines, rectangles, circles, texts) in its own pixel
space. ``Chart.svg()`` renders them as an inline SVG string for the pages (colours are
presentation attributes, not ``style``, so the CSP allows them); the PDF writer paints
the same shapes with Pillow. No JavaScript, no CDN.

Deltas are final − original: below zero the school gave more (завышение).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

OVER = "#d92d20"  # the school over-marked
UNDER = "#1570ef"  # the school under-marked
SAME = "#667085"
GRID = "#e4e7ec"
INK = "#101828"


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
    size: int = 11
    opacity: float = 1.0


@dataclass
class Chart:
    width: int
    height: int
    title: str
    shapes: list[Shape] = field(default_factory=list)

    def line(self, x1, y1, x2, y2, colour=GRID) -> None:
        self.shapes.append(Shape("line", x1, y1, x2, y2, colour))

    def rect(self, x, y, w, h, colour) -> None:
        self.shapes.append(Shape("rect", x, y, w, h, colour))

    def circle(self, x, y, r, colour, opacity=1.0) -> None:
        self.shapes.append(Shape("circle", x, y, r, colour=colour, opacity=opacity))

    def label(self, x, y, text, anchor="start", size=11, colour=INK) -> None:
        self.shapes.append(Shape("text", x, y, colour=colour, text=str(text), anchor=anchor, size=size))

    def svg(self) -> str:
        body = "".join(map(_svg_shape, self.shapes))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {self.width} {self.height}" '
                f'width="{self.width}" height="{self.height}" role="img" aria-label="{escape(self.title)}">'
                f"<title>{escape(self.title)}</title>{body}</svg>")


def _svg_shape(s: Shape) -> str:
    if s.kind == "line":
        return f'<line x1="{s.x:.1f}" y1="{s.y:.1f}" x2="{s.w:.1f}" y2="{s.h:.1f}" stroke="{s.colour}"/>'
    if s.kind == "rect":
        return f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.colour}"/>'
    if s.kind == "circle":
        return (f'<circle cx="{s.x:.1f}" cy="{s.y:.1f}" r="{s.w:.1f}" fill="{s.colour}" '
                f'fill-opacity="{s.opacity:.2f}"/>')
    return (f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" text-anchor="{s.anchor}" '
            f'fill="{s.colour}">{escape(s.text)}</text>')


# --- original vs final totals --------------------------------------------------------

def scatter(pairs: Mapping[tuple[int, int], int], max_total: int, title: str = "Балл школы и итоговый балл",
            size: int = 360) -> Chart:
    """One circle per (original total, final total), its area ∝ the number of papers.

    100,000 papers collapse to at most (max+1)² circles, so the SVG stays small."""
    chart = Chart(size, size, title)
    left, top, span = 40, 12, size - 60
    scale = span / max(max_total, 1)
    _square_axes(chart, left, top, span, max_total, scale)
    biggest = max(pairs.values(), default=1)
    for (original, final), count in sorted(pairs.items()):
        colour = OVER if final < original else UNDER if final > original else SAME
        radius = 1.5 + 7.5 * (count / biggest) ** 0.5
        chart.circle(left + original * scale, top + span - final * scale, radius, colour, 0.6)
    chart.label(left + span / 2, size - 4, "балл школы", "middle")
    chart.label(4, top + 8, "итог", "start")
    return chart


def _square_axes(chart: Chart, left: float, top: float, span: float, max_total: int, scale: float) -> None:
    step = max(1, round(max_total / 6))
    for v in range(0, max_total + 1, step):
        chart.line(left + v * scale, top, left + v * scale, top + span)
        chart.line(left, top + span - v * scale, left + span, top + span - v * scale)
        chart.label(left + v * scale, top + span + 14, v, "middle", 10)
        chart.label(left - 6, top + span - v * scale + 4, v, "end", 10)
    chart.line(left, top + span, left + span, top, SAME)  # the diagonal: marks confirmed


# --- distribution of differences per group ---------------------------------------------

def delta_strips(rows: Sequence[tuple[str, Mapping[int, int]]],
                 title: str = "Распределение разницы баллов (итог − школа)", width: int = 720) -> Chart:
    """One row per group (e.g. a school): a dot per difference value, its area ∝ papers."""
    values = [d for _, counts in rows for d in counts] or [0]
    low, high = min(min(values), -3), max(max(values), 3)
    row_h, left, right = 22, 130, 20
    chart = Chart(width, 40 + row_h * max(len(rows), 1), title)
    scale = (width - left - right) / (high - low)
    for d in range(low, high + 1):
        x = left + (d - low) * scale
        chart.line(x, 10, x, chart.height - 24, SAME if d == 0 else GRID)
        chart.label(x, chart.height - 8, d, "middle", 10)
    for i, (name, counts) in enumerate(rows):
        _strip(chart, name, counts, 10 + row_h * i + row_h / 2, left, low, scale)
    return chart


def _strip(chart: Chart, name: str, counts: Mapping[int, int], y: float, left: float, low: int,
           scale: float) -> None:
    chart.label(left - 8, y + 4, name, "end", 11)
    biggest = max(counts.values(), default=1)
    for d, count in counts.items():
        colour = OVER if d < 0 else UNDER if d > 0 else SAME
        chart.circle(left + (d - low) * scale, y, 2 + 7 * (count / biggest) ** 0.5, colour, 0.7)


# --- per-task bias -------------------------------------------------------------------------

def task_bars(tasks: Iterable[tuple[str, float | None]], title: str = "Среднее изменение балла по заданиям",
              width: int = 720, height: int = 220) -> Chart:
    """A bar per task: mean (final − original); red below zero (the school over-marks)."""
    tasks = [(label, value or 0.0) for label, value in tasks]
    chart = Chart(width, height, title)
    left, top, bottom = 50, 12, 30
    span = height - top - bottom
    extent = max([abs(v) for _, v in tasks] + [0.25])
    zero = top + span / 2
    for tick in (-extent, -extent / 2, 0, extent / 2, extent):
        y = zero - tick / extent * span / 2
        chart.line(left, y, width - 10, y, SAME if tick == 0 else GRID)
        chart.label(left - 6, y + 4, f"{tick:+.2f}" if tick else "0", "end", 10)
    slot = (width - left - 10) / max(len(tasks), 1)
    for i, (label, value) in enumerate(tasks):
        x, bar = left + i * slot + slot * 0.15, value / extent * span / 2
        chart.rect(x, min(zero, zero - bar), slot * 0.7, abs(bar), OVER if value < 0 else UNDER)
        chart.label(x + slot * 0.35, height - 10, label, "middle", 10)
    return chart
