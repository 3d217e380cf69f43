"""domain/library.py: the shipped VPR task lists, looked up exactly (never a neighbour's year)."""
from __future__ import annotations

from crosscheck.domain.library import find_task_list, parse_task_lists, shipped_task_lists, years_for
from crosscheck.domain.scales import find_scale


def test_the_shipped_lists_are_the_complete_ones_of_the_research_file_with_their_sources():
    lists = {(item.subject, item.grade, item.year): item for item in shipped_task_lists()}
    assert set(lists) == {("russian", 4, "2026"), ("russian", 4, "2025"), ("math", 4, "2023"), ("math", 4, "2025"),
                          ("math", 4, "2018")}  # russian 7 (2025) has a gap at task 8: left out whole
    rus = lists[("russian", 4, "2026")]
    assert rus.max_total == 24 and rus.status == "found" and rus.source.startswith("https://www.vpr-ege.ru/")
    assert lists[("math", 4, "2025")].status == "inferred"
    assert [label for label, _m in lists[("math", 4, "2023")].tasks][4:6] == ["5.1", "5.2"]
    # the list and the shipped scale of the same paper agree on its total
    assert find_scale("Русский язык", 4, 2026).max_primary == rus.max_total


def test_lookup_by_what_the_organiser_types_and_only_for_that_year():
    assert find_task_list("русский язык", 4, 2026).year == "2026"
    assert find_task_list("Математика", 4, "2023").max_total == 20
    assert find_task_list("Математика", 4, 2026) is None and find_task_list("Математика", 4, None) is None
    assert find_task_list("Астрономия", 4, 2026) is None
    assert years_for("Математика", 4) == ["2025", "2023", "2018"] and years_for("Химия", 8) == []


def test_a_list_with_a_missing_maximum_or_a_repeated_label_is_left_out():
    text = ("subject,grade,year,task_label,max_score,status,source\n"
            "math,5,2026,1,1,found,s\nmath,5,2026,2,,gap,s\n"
            "math,6,2026,1,1,found,s\nmath,6,2026,1,2,found,s\n"
            "math,7,2026,1,1,found,s\nmath,7,2026,2,2,inferred,t\n")
    [only] = parse_task_lists(text)
    assert (only.grade, only.tasks, only.status, only.source) == (7, (("1", 1), ("2", 2)), "inferred", "s")
