"""The screening page's two charts as inline SVG, drawn on the server (no JavaScript):
the school's histogram of totals with the grade minimums marked, and its task profile
against the campaign's.

Pure: plain figures in (``domain.screening_detail.SchoolDetail``), geometry out
(``histogram_geometry``, ``profile_geometry`` — unit-tested), then a string of SVG. Colours
and sizes are presentation attributes, not ``style`` (the CSP forbids inline styles). Text is
13 px in a chart drawn at its natural size (the page scrolls a wide chart inside its card
rather than shrinking it), numbers in Russian: «1,5», «35 %».
"""
from __future__ import annotations

from ..domain.russian import plural as _plural

import math
from dataclasses import dataclass
from html import escape

from ..domain.screening_detail import SchoolDetail

FONT = 13  # px: axis labels and titles, never under 12
SCHOOL = "#1f5fbf"
CAMPAIGN = "#98a2b3"
ON_MINIMUM = "#d92d20"
BELOW_MINIMUM = "#f79009"
BOUNDARY = "#101828"
GRID = "#e4e7ec"
INK = "#101828"
MUTED = "#475467"
EASY_BAND = "#ecfdf3"
HARD_BAND = "#fef3f2"


# --- numbers in Russian ----------------------------------------------------------------

def ru_number(value: float | None, digits: int = 1, dash: str = "—") -> str:
    """1.5 → «1,5»; whole numbers without decimals when ``digits`` is 0; None → «—»."""
    if value is None:
        return dash
    text = f"{value:.{digits}f}" if digits else str(round(value))
    if text.startswith("-"):
        text = "−" + text[1:]  # a real minus sign
    return text.replace(".", ",")


def ru_percent(share: float | None, digits: int = 0, dash: str = "—") -> str:
    """0.354 → «35 %» (a share as per cent, a thin no-break space before the sign)."""
    if share is None:
        return dash
    return f"{ru_number(100 * share, digits)}\u202f%"


# --- scales ---------------------------------------------------------------------------

def nice_step(top: float, ticks: int = 5) -> int:
    """The integer tick step (1, 2, 5 × 10ᵏ) giving about ``ticks`` intervals up to ``top``."""
    if top <= ticks:
        return 1
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def count_ticks(top: float, ticks: int = 5) -> list[int]:
    """0, step, 2·step … up to the first tick ≥ ``top`` (at least one interval)."""
    step = nice_step(top, ticks)
    last = max(step, math.ceil(top / step) * step)
    return list(range(0, last + 1, step))


def label_every(bins: int, width: float, min_px: float = 24) -> int:
    """Label every k-th of ``bins`` bars (k ∈ 1, 2, 5, 10, …) so labels are ``min_px`` apart."""
    per_bin = width / max(bins, 1)
    for k in (1, 2, 5, 10, 20, 50, 100):
        if per_bin * k >= min_px:
            return k
    return 100


# --- the histogram --------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    total: int
    count: int
    x: float
    y: float
    width: float
    height: float
    kind: str  # "school" | "on" (on a grade minimum, peak) | "below" (one point below, peak)


@dataclass(frozen=True)
class Mark:
    """A vertical line at a grade minimum: between the bars of ``minimum − 1`` and ``minimum``."""

    grade: int
    minimum: int
    x: float


@dataclass(frozen=True)
class Tick:
    value: float
    label: str
    at: float  # pixel position along its axis


@dataclass(frozen=True)
class HistogramGeometry:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    expected: tuple[tuple[float, float, float], ...]  # campaign per total scaled to the school: (x0, x1, y)
    peak: bool


def histogram_geometry(detail: SchoolDetail, peak: bool, width: int = 640, height: int = 320) -> HistogramGeometry:
    """Bars per total 0..max, the campaign's distribution rescaled to the school's participants,
    vertical marks at the grade minimums; with ``peak`` the bars on each minimum and one point
    below it are told apart."""
    left, right, top, bottom = 56.0, width - 16.0, 58.0, height - 50.0
    bins = detail.max_total + 1
    bin_w = (right - left) / bins
    scale_n = detail.participants / detail.campaign_participants if detail.campaign_participants else 0.0
    expected_counts = [c * scale_n for c in detail.campaign_histogram]
    ticks = count_ticks(max([*detail.histogram, *expected_counts, 1]))
    y_top = ticks[-1]

    def y(value: float) -> float:
        return bottom - (bottom - top) * value / y_top

    minimums = {b.minimum for b in detail.boundaries}
    bars = []
    for total, count in enumerate(detail.histogram):
        kind = "school"
        if peak and total in minimums:
            kind = "on"
        elif peak and total + 1 in minimums:
            kind = "below"
        gap = min(2.0, bin_w * 0.15)
        bars.append(Bar(total, count, left + total * bin_w + gap / 2, y(count), max(bin_w - gap, 1.0),
                        bottom - y(count), kind))
    marks = tuple(Mark(b.grade, b.minimum, left + b.minimum * bin_w) for b in detail.boundaries)
    every = label_every(bins, right - left)
    x_ticks = tuple(Tick(t, str(t), left + (t + 0.5) * bin_w) for t in range(bins) if t % every == 0)
    y_ticks = tuple(Tick(v, str(v), y(v)) for v in ticks)
    expected = tuple((left + t * bin_w, left + (t + 1) * bin_w, y(v)) for t, v in enumerate(expected_counts))
    return HistogramGeometry(width, height, left, right, top, bottom, tuple(bars), marks, y_ticks, x_ticks,
                             expected, peak)


BAR_COLOURS = {"school": SCHOOL, "on": ON_MINIMUM, "below": BELOW_MINIMUM}


def histogram_svg(g: HistogramGeometry, title: str) -> str:
    out = _open(g.width, g.height, title)
    for t in g.y_ticks:
        out.append(_line(g.left, t.at, g.right, t.at, GRID))
        out.append(_text(g.left - 6, t.at + 4, t.label, "end"))
    for b in g.bars:
        if b.count:
            out.append(f'<rect class="bar bar-{b.kind}" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.width:.1f}" '
                       f'height="{b.height:.1f}" fill="{BAR_COLOURS[b.kind]}"><title>{b.total} '
                       f'{escape(_points(b.total))}: {b.count} {escape(_works(b.count))}</title></rect>')
    if g.expected:
        path = "M" + " ".join(f"{x0:.1f},{y:.1f} {x1:.1f},{y:.1f}" for x0, x1, y in g.expected)
        out.append(f'<path class="expected" d="{path}" fill="none" stroke="{CAMPAIGN}" stroke-width="2"/>')
    for m in g.marks:
        out.append(f'<line class="boundary" x1="{m.x:.1f}" y1="{g.top - 14:.1f}" x2="{m.x:.1f}" y2="{g.bottom:.1f}" '
                   f'stroke="{BOUNDARY}" stroke-width="1.5" stroke-dasharray="5 3"/>')
        out.append(_text(m.x + 3, g.top - 4, f"«{m.grade}»", "start", weight="bold", cls="boundary-label"))
    out.append(_line(g.left, g.bottom, g.right, g.bottom, INK))
    for t in g.x_ticks:
        out.append(_text(t.at, g.bottom + 17, t.label, "middle"))
    out.append(_text((g.left + g.right) / 2, g.height - 8, "Первичный балл", "middle", colour=MUTED))
    out.append(_text(14, (g.top + g.bottom) / 2, "Число работ", "middle", colour=MUTED, rotate=True))
    legend = [(SCHOOL, "работы школы", "rect"), (CAMPAIGN, "кампания в пересчёте на школу", "line")]
    if g.peak:
        legend += [(ON_MINIMUM, "на минимуме", "rect"), (BELOW_MINIMUM, "на балл ниже", "rect")]
    out.extend(_legend(g.left, 16, legend, g.right))
    out.append("</svg>")
    return "".join(out)


# --- the task profile ---------------------------------------------------------------

@dataclass(frozen=True)
class TaskBars:
    label: str
    block: str
    school: tuple[float, float, float, float]  # x, y, width, height
    campaign: tuple[float, float, float, float]
    centre: float


@dataclass(frozen=True)
class ProfileGeometry:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    tasks: tuple[TaskBars, ...]
    y_ticks: tuple[Tick, ...]
    bands: tuple[tuple[str, float, float], ...]  # (block, x0, x1): the easiest and hardest groups


def profile_geometry(detail: SchoolDetail, min_width: int = 640, height: int = 320,
                     group: float = 34.0) -> ProfileGeometry:
    """Two bars a task (school, campaign), tasks easiest → hardest in the campaign, the
    easiest and hardest blocks as bands; wider than ``min_width`` only for long templates."""
    n = len(detail.tasks)
    left, top = 56.0, 58.0
    width = max(min_width, int(left + 16 + group * n))
    right, bottom = width - 16.0, height - 50.0
    slot = (right - left) / max(n, 1)
    bar_w = min(14.0, slot * 0.38)

    def y(share: float) -> float:
        return bottom - (bottom - top) * max(0.0, min(1.0, share))

    tasks = []
    for i, t in enumerate(detail.tasks):
        centre = left + (i + 0.5) * slot
        tasks.append(TaskBars(t.label, t.block,
                              (centre - bar_w - 1, y(t.school), bar_w, bottom - y(t.school)),
                              (centre + 1, y(t.campaign), bar_w, bottom - y(t.campaign)), centre))
    bands = []
    for block in ("easy", "hard"):
        idx = [i for i, t in enumerate(detail.tasks) if t.block == block]
        if idx:
            bands.append((block, left + min(idx) * slot, left + (max(idx) + 1) * slot))
    y_ticks = tuple(Tick(v / 100, f"{v}", y(v / 100)) for v in range(0, 101, 20))
    return ProfileGeometry(width, height, left, right, top, bottom, tuple(tasks), y_ticks, tuple(bands))


BAND_COLOURS = {"easy": EASY_BAND, "hard": HARD_BAND}
BAND_LABELS = {"easy": "самые лёгкие", "hard": "самые трудные"}


def profile_svg(g: ProfileGeometry, title: str) -> str:
    out = _open(g.width, g.height, title)
    for block, x0, x1 in g.bands:
        out.append(f'<rect class="band band-{block}" x="{x0:.1f}" y="{g.top:.1f}" width="{x1 - x0:.1f}" '
                   f'height="{g.bottom - g.top:.1f}" fill="{BAND_COLOURS[block]}"/>')
        out.append(_text((x0 + x1) / 2, g.top - 6, BAND_LABELS[block], "middle", weight="bold"))
    for t in g.y_ticks:
        out.append(_line(g.left, t.at, g.right, t.at, GRID))
        out.append(_text(g.left - 6, t.at + 4, t.label, "end"))
    for t in g.tasks:
        for (x, yy, w, h), colour, cls in ((t.school, SCHOOL, "school"), (t.campaign, CAMPAIGN, "campaign")):
            out.append(f'<rect class="bar bar-{cls}" x="{x:.1f}" y="{yy:.1f}" width="{w:.1f}" height="{h:.1f}" '
                       f'fill="{colour}"/>')
        out.append(_text(t.centre, g.bottom + 17, t.label, "middle"))
    out.append(_line(g.left, g.bottom, g.right, g.bottom, INK))
    out.append(_text((g.left + g.right) / 2, g.height - 8, "Задания: от самых лёгких в кампании к самым трудным",
                     "middle", colour=MUTED))
    out.append(_text(14, (g.top + g.bottom) / 2, "Выполнение, %", "middle", colour=MUTED, rotate=True))
    out.extend(_legend(g.left, 16, [(SCHOOL, "школа", "rect"), (CAMPAIGN, "вся кампания", "rect")], g.right))
    out.append("</svg>")
    return "".join(out)


# --- drawing --------------------------------------------------------------------------

def _open(width: int, height: int, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-natural" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
            f'font-family="system-ui, \'DejaVu Sans\', sans-serif"><title>{escape(title)}</title>']


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"/>'


def _text(x: float, y: float, text: str, anchor: str = "start", colour: str = INK, weight: str = "",
          rotate: bool = False, cls: str = "") -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    extra += f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    extra += f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" text-anchor="{anchor}" fill="{colour}"{extra}>'
            f"{escape(text)}</text>")


def _legend(x: float, y: float, items: list[tuple[str, str, str]], right: float) -> list[str]:
    """Swatches and labels in a row, wrapping onto a second row before ``right``."""
    out = []
    start = x
    for colour, label, kind in items:
        item = 18 + 8.4 * len(label)
        if x > start and x + item > right:
            x, y = start, y + 18
        if kind == "line":
            out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 14:.1f}" y2="{y:.1f}" stroke="{colour}" '
                       f'stroke-width="2"/>')
        else:
            out.append(f'<rect x="{x:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{colour}"/>')
        out.append(_text(x + 18, y + 4, label))
        x += item + 16
    return out




def _works(n: int) -> str:
    return _plural(n, "работа", "работы", "работ")


def _points(n: int) -> str:
    return _plural(n, "балл", "балла", "баллов")
