"""Charts are readable: a title, no text under 12 units, decimal commas, labels that do not
run into each other (measured with the real DejaVu Sans metrics), named axes, a legend,
and the table of the numbers they draw."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from crosscheck.services.reports import charts
from crosscheck.services.reports.pdf import SANS, register_fonts
from crosscheck.services.reports.wording import ru_delta, ru_number

TASKS_15 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]


def examples() -> dict[str, charts.Chart]:
    many = [(f"{n}.{k}", (-1) ** n * n / 17) for n in range(1, 21) for k in (1, 2)]  # 40 tasks
    pairs = Counter({(o, max(0, o - (o % 4))): 1 + o % 3 for o in range(0, 61)})
    return {
        "tasks": charts.task_bars([(label, -0.5 + i / 10) for i, label in enumerate(TASKS_15)]),
        "tasks-many": charts.task_bars(many),
        "tasks-narrow": charts.task_bars([(label, 0.25) for label in TASKS_15], width=420),
        "scatter": charts.scatter({(18, 18): 5, (18, 12): 1, (11, 13): 2}, 18),
        "scatter-wide": charts.scatter(pairs, 60),
        "strips": charts.delta_strips([("500101", {-3: 2, 0: 5}), ("500102", {1: 1})]),
        "strips-wide": charts.delta_strips([("500101", {-25: 1, 25: 1}), ("500199", {d: 1 for d in range(-9, 9)})]),
    }


@pytest.fixture(scope="module", autouse=True)
def fonts():
    register_fonts()


def extent(shape: charts.Shape) -> tuple[float, float]:
    width = stringWidth(shape.text, SANS, shape.size)
    start = {"start": shape.x, "middle": shape.x - width / 2, "end": shape.x - width}[shape.anchor]
    return start, start + width


@pytest.mark.parametrize("name", list(examples()))
def test_texts_are_readable_and_do_not_collide(name):
    chart = examples()[name]
    assert chart.title
    texts = [s for s in chart.shapes if s.kind == "text"]
    assert texts and min(s.size for s in texts) >= 12
    level: dict[float, list[tuple[float, float]]] = {}
    for s in texts:
        if not s.rotate:
            level.setdefault(round(s.y, 1), []).append(extent(s))
    for y, spans in level.items():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert start >= end + 2, (name, y, spans)  # at least 2 units apart
    for s in texts:  # inside the chart
        if not s.rotate:
            start, end = extent(s)
            assert start >= -0.5 and end <= chart.width + 0.5, (name, s.text)
    assert not any(re.fullmatch(r"[+-]\d+\.\d+", t) for t in chart.texts())  # no decimal points


def test_task_bars_speak_russian_numbers_and_carry_their_table():
    chart = charts.task_bars([("1", -1.5), ("2", 0.25), ("3", None)])
    assert {"+1,50", "-1,50", "+0,75", "-0,75", "0"} <= set(chart.texts())
    assert "Задание" in chart.texts() and "Итог − школа" in chart.texts()
    assert chart.table.head[0] == "Задание"
    assert chart.table.rows == [("1", "-1,50"), ("2", "+0,25"), ("3", "—")]
    svg = chart.svg("chart-tasks")
    assert "<title>Среднее изменение балла по заданиям</title>" in svg
    assert 'aria-describedby="chart-tasks-caption"' in svg and "style=" not in svg


def test_scatter_and_strips_name_their_axes_and_colours():
    scatter = charts.scatter({(18, 12): 2, (10, 10): 1}, 18)
    assert {"Балл школы", "Итоговый балл", "школа завысила", "школа занизила", "совпало"} <= set(scatter.texts())
    assert scatter.table.rows == [("10", "10", "1"), ("18", "12", "2")]
    strips = charts.delta_strips([("500101", {-3: 2, 0: 1})])
    assert "Разница баллов (итог − школа)" in strips.texts()
    assert strips.table.rows == [("500101", "-3", "2"), ("500101", "0", "1")]
    assert 'transform="rotate(-90' in scatter.svg()  # the vertical axis title reads bottom to top


def test_thinned_ticks_keep_zero_and_steps_are_round():
    wide = examples()["strips-wide"]
    ticks = [s.text for s in wide.shapes if s.kind == "text" and s.size == charts.TICK and s.text != "500101"
             and s.text != "500199"]
    assert "0" in ticks and len(ticks) < 51
    assert charts.tick_step(60, 5.0, 20) == 10 and charts.tick_step(60, 5.0, 12) == 5
    assert charts.tick_step(6, 100, 20) == 1


def test_russian_number_formatting():
    assert ru_number(1.5, 1) == "1,5" and ru_number(-0.125, 2) == "-0,12"
    assert ru_delta(0.25) == "+0,25" and ru_delta(-3) == "-3,00" and ru_delta(None) == "—"
