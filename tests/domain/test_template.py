"""SPEC §1: every invalid template is refused with a message naming the key."""
from __future__ import annotations

import copy

import pytest
import yaml

from crosscheck.demo import TEMPLATE_FILE
from crosscheck.domain.template import DISCREPANCY_DEFAULTS, TemplateError, parse_template

VALID = {
    "name": "vpr-math-5", "title": "ВПР. Математика. 5 класс", "subject": "Математика",
    "grade_level": 5, "pages": 4,
    "tasks": [{"label": "1", "max": 1, "criteria": "верно"}, {"label": "2", "max": 2}],
    "grades": {"3": 1, "4": 2, "5": 3},
    "masks": [{"page": 1, "box": [0.55, 0.02, 0.98, 0.10]}, {"page": "*", "box": [0, 0, 1, 0.05]}],
}


def refused(doc) -> list[str]:
    with pytest.raises(TemplateError) as info:
        parse_template(doc)
    return info.value.errors


def with_change(path: str, value):
    doc = copy.deepcopy(VALID)
    target = doc
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return doc


def test_valid_template_parses_with_default_discrepancy_rules():
    spec = parse_template(VALID)
    assert [t.label for t in spec.tasks] == ["1", "2"]
    assert spec.max_total == 3
    assert spec.discrepancy == DISCREPANCY_DEFAULTS
    assert spec.masks[1].page is None


def test_demo_template_is_valid_and_vpr_like():
    spec = parse_template(yaml.safe_load(TEMPLATE_FILE.read_text(encoding="utf-8")))
    assert 10 <= len(spec.tasks) <= 15
    assert all(t.criteria for t in spec.tasks)
    assert spec.grades["5"] <= spec.max_total


def test_integer_labels_are_read_as_text():
    spec = parse_template(with_change("tasks.0.label", 1))
    assert spec.tasks[0].label == "1"


@pytest.mark.parametrize("path, value, key", [
    ("colour", "red", "colour"),
    ("tasks.0.points", 1, "tasks[1].points"),
    ("masks.0.colour", "black", "masks[1].colour"),
    ("discrepancy", {"task_treshold": 2}, "discrepancy.task_treshold"),
    ("grades", {"3": 1, "4": 2, "5": 3, "6": 4}, "grades.6"),
])
def test_unknown_keys_are_refused_by_name(path, value, key):
    errors = refused(with_change(path, value))
    assert any(e.startswith(f"{key}:") and "неизвестный ключ" in e for e in errors), errors


@pytest.mark.parametrize("value", [0, -1, 1.5, "2", None, True])
def test_task_max_below_one_or_not_integer_is_refused(value):
    errors = refused(with_change("tasks.1.max", value))
    assert any(e.startswith("tasks[2].max:") for e in errors), errors


def test_duplicate_labels_are_refused():
    errors = refused(with_change("tasks.1.label", "1"))
    assert any(e.startswith("tasks[2].label:") and "уже есть" in e for e in errors)


@pytest.mark.parametrize("grades", [{"3": 2, "4": 2, "5": 3}, {"3": 3, "4": 2, "5": 1}])
def test_grade_thresholds_must_increase(grades):
    errors = refused(with_change("grades", grades))
    assert any(e.startswith("grades:") and "возрастать" in e for e in errors)


def test_grade_threshold_above_max_total_is_refused():
    errors = refused(with_change("grades", {"3": 1, "4": 2, "5": 4}))
    assert any(e.startswith("grades.5:") for e in errors)


def test_missing_grade_is_refused():
    assert any(e.startswith("grades.4:") for e in refused(with_change("grades", {"3": 1, "5": 3})))


@pytest.mark.parametrize("box", [[-0.1, 0, 0.5, 0.5], [0, 0, 1.2, 0.5], [0.5, 0, 0.5, 0.4],
                                 [0.6, 0, 0.5, 0.4], [0, 0.4, 1, 0.3], [0, 0, 1], "top"])
def test_bad_mask_boxes_are_refused(box):
    errors = refused(with_change("masks.0.box", box))
    assert any(e.startswith("masks[1].box:") for e in errors), errors


@pytest.mark.parametrize("page", [0, "first", 1.0])
def test_bad_mask_page_is_refused(page):
    assert any(e.startswith("masks[1].page:") for e in refused(with_change("masks.0.page", page)))


@pytest.mark.parametrize("key", ["name", "title", "subject", "grade_level", "pages", "tasks", "grades"])
def test_required_keys(key):
    assert any(e.startswith(f"{key}:") for e in refused(with_change(key, KeyError)))


@pytest.mark.parametrize("key, value", [("task_threshold", 0), ("total_threshold", -1),
                                        ("double_tolerance", -1), ("grade_change", "yes")])
def test_bad_discrepancy_settings(key, value):
    errors = refused(with_change("discrepancy", {key: value}))
    assert any(e.startswith(f"discrepancy.{key}:") for e in errors)


def test_bad_slug_and_empty_tasks():
    errors = refused(with_change("name", "ВПР 5"))
    assert any(e.startswith("name:") for e in errors)
    assert any(e.startswith("tasks:") for e in refused(with_change("tasks", [])))


def test_every_problem_is_listed_at_once():
    doc = with_change("tasks.1.max", 0)
    doc["grades"] = {"3": 3, "4": 2, "5": 1}
    doc["extra"] = 1
    assert len(refused(doc)) >= 3


def test_not_a_mapping():
    assert refused(["name"]) == ["шаблон: ожидается словарь ключей (YAML/JSON-объект)"]


@pytest.mark.parametrize("path, limit, key", [
    ("tasks.0.label", 32, "tasks[1].label"),
    ("title", 300, "title"),
    ("subject", 200, "subject"),
])
def test_texts_longer_than_their_columns_are_refused_by_name(path, limit, key):
    """On PostgreSQL an over-long label used to fail the insert with a traceback (issue 19, 10)."""
    assert parse_template(with_change(path, "Я" * limit))
    assert f"{key}: длиннее {limit} символов" in refused(with_change(path, "Я" * (limit + 1)))


def test_the_length_limits_are_the_database_columns():
    """domain/ may not import the models, so the limits are written twice: keep them equal."""
    from crosscheck.domain.template import MAX_LENGTHS
    from crosscheck.models import PaperTemplate, Subject, TemplateTask

    columns = {"name": PaperTemplate.__table__.c.name, "title": PaperTemplate.__table__.c.title,
               "subject": Subject.__table__.c.name, "label": TemplateTask.__table__.c.label}
    assert MAX_LENGTHS == {key: column.type.length for key, column in columns.items()}


# --- the identity box (SPEC §1: scans without cover sheets) ---------------------------------

def _with_identity(identity):
    import copy

    doc = copy.deepcopy(VALID)
    doc["identity"] = identity
    return doc


def test_the_identity_box_is_read_round_trips_and_is_always_masked():
    spec = parse_template(_with_identity({"page": 1, "box": [0.62, 0.02, 0.97, 0.08], "digits": 5}))
    assert spec.identity.page == 1 and spec.identity.box == (0.62, 0.02, 0.97, 0.08) and spec.identity.digits == 5
    assert parse_template(spec.to_document()) == spec
    assert spec.all_masks[-1].page == 1 and spec.all_masks[-1].box == spec.identity.box
    assert "identity" not in parse_template(_with_identity(None)).to_document()


def test_a_bad_identity_box_is_refused_naming_the_key():
    import pytest

    from crosscheck.domain.template import TemplateError

    for identity, message in (
            ({"page": 1, "box": [0.9, 0.02, 0.5, 0.08]}, "identity.box: нужно x0 < x1"),
            ({"page": 9, "box": [0.5, 0.02, 0.9, 0.08]}, "identity.page"),
            ({"page": 1, "box": [0.5, 0.02, 0.9, 0.08], "digits": 0}, "identity.digits"),
            ({"page": 1, "box": [0.5, 0.02, 0.9, 0.08], "cells": 5}, "identity.cells: неизвестный ключ"),
            ("top right", "identity: ожидается словарь")):
        with pytest.raises(TemplateError) as caught:
            parse_template(_with_identity(identity))
        assert any(message in e for e in caught.value.errors), (identity, caught.value.errors)
