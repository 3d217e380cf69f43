"""web/screening_charts: the geometry of the screening page's charts (scales, bins, grade
minimums, highlighted bars, bands) and Russian numbers — pure, no app."""
from __future__ import annotations

import re

import pytest

from crosscheck.domain.screening_detail import Boundary, JournalCounts, SchoolDetail, TaskShare
from crosscheck.web.screening_charts import (FONT, count_ticks, histogram_geometry, histogram_svg, label_every,
                                             nice_step, profile_geometry, profile_svg, ru_number, ru_percent)


def detail(histogram=(0, 1, 2, 0, 6, 1, 0, 1), campaign=(1, 4, 6, 8, 10, 8, 5, 2), tasks=None) -> SchoolDetail:
    boundaries = (Boundary(3, 2, histogram[2], histogram[1], campaign[2], campaign[1]),
                  Boundary(4, 4, histogram[4], histogram[3], campaign[4], campaign[3]),
                  Boundary(5, 6, histogram[6], histogram[5], campaign[6], campaign[5]))
    tasks = tasks or (TaskShare("1", 1, 0.5, 0.9, "easy"), TaskShare("2", 1, 0.6, 0.6, ""),
                      TaskShare("3", 2, 0.7, 0.2, "hard"))
    return SchoolDetail("A", sum(histogram), sum(campaign), len(histogram) - 1, boundaries, tuple(histogram),
                        tuple(campaign), tasks, JournalCounts(), JournalCounts())


@pytest.mark.parametrize("value,digits,text", [(1.5, 1, "1,5"), (0.75, 2, "0,75"), (9, 1, "9,0"), (-0.28, 2, "−0,28"),
                                               (12.4, 0, "12"), (None, 1, "—")])
def test_russian_numbers(value, digits, text):
    assert ru_number(value, digits) == text


def test_russian_percent():
    assert ru_percent(0.354) == "35\u202f%" and ru_percent(0.0134, 1) == "1,3\u202f%" and ru_percent(None) == "—"


@pytest.mark.parametrize("top,step,ticks", [(3, 1, [0, 1, 2, 3]), (5, 1, [0, 1, 2, 3, 4, 5]), (6, 2, [0, 2, 4, 6]),
                                            (12, 5, [0, 5, 10, 15]), (40, 10, [0, 10, 20, 30, 40]),
                                            (0.4, 1, [0, 1]), (173, 50, [0, 50, 100, 150, 200])])
def test_count_axis_has_whole_nice_ticks_up_to_the_top(top, step, ticks):
    assert nice_step(top) == step and count_ticks(top) == ticks


def test_labels_thin_out_on_long_axes():
    assert label_every(19, 568) == 1  # ~30 px a bar: every total
    assert label_every(41, 568) == 2
    assert label_every(101, 568) == 5


def test_histogram_bars_sit_on_their_totals_and_the_minimums_between_bars():
    g = histogram_geometry(detail(), peak=False)
    bin_w = (g.right - g.left) / 8
    assert [b.total for b in g.bars] == list(range(8)) and [b.count for b in g.bars] == [0, 1, 2, 0, 6, 1, 0, 1]
    assert all(b.kind == "school" for b in g.bars)
    # a bar's height is proportional to its count; zero stands on the axis
    tallest = g.bars[4]
    assert tallest.y + tallest.height == pytest.approx(g.bottom)
    assert g.bars[1].height == pytest.approx(tallest.height / 6)
    assert g.bars[0].height == 0
    # the y axis: whole counts, reaching the school's tallest bar and the campaign's rescaled one
    assert [t.value for t in g.y_ticks] == [0, 2, 4, 6]
    assert g.y_ticks[-1].at == pytest.approx(g.top)
    # the «4» minimum (4 points) is the left edge of bar 4, i.e. between bars 3 and 4
    marks = {m.grade: m for m in g.marks}
    assert set(marks) == {3, 4, 5}
    assert marks[4].x == pytest.approx(g.left + 4 * bin_w)
    assert g.bars[3].x + g.bars[3].width <= marks[4].x <= g.bars[4].x
    # the campaign's distribution rescaled to the school's 11 participants (44 in the campaign)
    x0, x1, y = g.expected[4]
    assert (x0, x1) == (pytest.approx(g.left + 4 * bin_w), pytest.approx(g.left + 5 * bin_w))
    assert y == pytest.approx(g.bottom - (g.bottom - g.top) * (10 * 11 / 44) / 6)


def test_with_a_peak_the_bars_on_and_below_each_minimum_are_told_apart():
    kinds = {b.total: b.kind for b in histogram_geometry(detail(), peak=True).bars}
    assert kinds == {0: "school", 1: "below", 2: "on", 3: "below", 4: "on", 5: "below", 6: "on", 7: "school"}


def test_histogram_svg_labels_the_minimums_axes_and_legend():
    svg = histogram_svg(histogram_geometry(detail(), peak=True), "Распределение")
    assert svg.startswith("<svg") and "<title>Распределение</title>" in svg
    assert svg.count('class="boundary"') == 3
    for grade in (3, 4, 5):
        assert f"«{grade}»</text>" in svg
    assert "Первичный балл" in svg and "Число работ" in svg and "на минимуме" in svg and "на балл ниже" in svg
    assert 'class="bar bar-on"' in svg and 'class="bar bar-below"' in svg
    assert all(int(size) >= 12 for size in re.findall(r'font-size="(\d+)"', svg)) and FONT >= 12
    assert "style=" not in svg  # the CSP allows no inline style
    plain = histogram_svg(histogram_geometry(detail(), peak=False), "Распределение")
    assert "bar-on" not in plain and "на минимуме" not in plain


def test_task_profile_orders_bars_and_bands_the_easiest_and_hardest():
    g = profile_geometry(detail())
    assert [t.label for t in g.tasks] == ["1", "2", "3"] and g.width == 640
    easy, hard = g.bands
    assert easy[0] == "easy" and hard[0] == "hard"
    assert easy[1] == pytest.approx(g.left) and hard[2] == pytest.approx(g.right)
    assert easy[2] <= g.tasks[1].centre <= hard[1]
    school_x, school_y, _, school_h = g.tasks[0].school
    campaign_x, campaign_y, _, campaign_h = g.tasks[0].campaign
    assert school_x < g.tasks[0].centre < campaign_x
    assert school_y + school_h == pytest.approx(g.bottom)
    assert campaign_h == pytest.approx(school_h * 0.9 / 0.5)
    assert [t.label for t in g.y_ticks] == ["0", "20", "40", "60", "80", "100"]
    svg = profile_svg(g, "Профиль")
    assert "самые лёгкие" in svg and "самые трудные" in svg and "Выполнение, %" in svg


def test_a_long_template_widens_the_profile_instead_of_cramping_it():
    tasks = tuple(TaskShare(str(i), 1, 0.5, 0.5) for i in range(30))
    g = profile_geometry(detail(tasks=tasks))
    assert g.width > 640 and (g.right - g.left) / 30 >= 30
