"""Issue 19, finding 16: JSON embedded in a page cannot end its <script> element.

A template's criterion or task label is text an organiser loads from a file; the scoring
screen embeds the assignment as JSON in ``<script type="application/json">``. Before the
fix a criterion reading ``</script><img …>`` closed the element and put its markup into
the page (the CSP stops the script, the page broke).
"""
from __future__ import annotations

import json
import re

import pytest

from crosscheck.demo import TEMPLATE_FILE
from crosscheck.domain.template import parse_template
from crosscheck.services.campaigns.store import create_campaign, load_template_file

ATTACK = "</script><img src=x onerror=alert(1)>"
LABEL = "2</script><img src=x>"  # a task label is at most 32 characters


def evil_campaign(db, slug: str = "evil-1"):
    """The demo template with the attack in the first criterion and (shorter) the second label."""
    doc = load_template_file(TEMPLATE_FILE).to_document()
    doc["tasks"][0]["criteria"] = f"Верный ответ. {ATTACK} &amp; 'кавычки'"
    doc["tasks"][1]["label"] = LABEL
    return create_campaign(db, slug, parse_template(doc), "Кампания")


def assign_evil_paper(db, factory, data_dir):
    """A paper of the evil campaign with one page, assigned to the expert «exp01»."""
    campaign = evil_campaign(db)
    expert = factory.user("exp01", school=factory.school("500102"))
    paper = factory.paper(campaign, factory.school("500101"))
    assignment = factory.assignment(paper, expert)
    factory.page(paper, 1, data_dir)
    factory.commit()
    return assignment


@pytest.fixture
def evil_assignment(db, factory, data_dir):
    return assign_evil_paper(db, factory, data_dir)


def test_the_scoring_page_keeps_the_attack_inside_its_json(evil_assignment, login_as):
    client = login_as("exp01")
    html = client.get(f"/marking/{evil_assignment.id}").get_data(as_text=True)
    assert "<img src=x" not in html  # nothing of it became markup
    block = re.search(r'<script type="application/json" id="assignment-data">(.*?)</script>', html, re.S).group(1)
    for raw in ("<", ">", "'"):
        assert raw not in block
    data = json.loads(block)
    api = client.get(f"/api/v1/assignments/{evil_assignment.id}").get_json()
    assert data["tasks"] == api["tasks"]  # the same data as the API gives, unharmed
    assert ATTACK in data["tasks"][0]["criteria"] and data["tasks"][1]["label"] == LABEL
    assert "&amp;amp;" not in block and "&amp; 'кавычки'" in data["tasks"][0]["criteria"]
    assert html.count("</script>") == html.count("<script")  # every script element ends where it should


def test_no_template_embeds_data_with_safe_inside_a_script_element():
    """|safe stays only on the charts (the one macro that shows them), which escape their text
    themselves (reports.charts)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for script in re.findall(r"<script[^>]*>(.*?)</script>", text, re.S):
            assert "|safe" not in script, path
        for match in re.findall(r"\{\{[^}]*\|safe[^}]*\}\}", text):
            assert re.fullmatch(r"\{\{ chart\.svg\|safe \}\}", match), (path, match)
