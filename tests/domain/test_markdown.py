"""domain/markdown.py: criteria text as a tiny markdown subset, never raw HTML (the wizard's
preview and the expert's scoring screen render the same way)."""
from __future__ import annotations

from crosscheck.domain.markdown import render


def test_plain_criteria_keep_their_lines():
    assert render("1 балл — верный ответ.\n0 баллов — иначе.") == "<p>1 балл — верный ответ. <br>0 баллов — иначе.</p>"
    assert render("") == "" and render(None) == ""


def test_paragraphs_lists_and_emphasis():
    text = "**2 балла** — *все* верно\n\n- первый пункт\n- второй `x<y`\n\n1. раз\n2) два\n   продолжение"
    assert render(text) == ("<p><strong>2 балла</strong> — <em>все</em> верно</p>"
                            "<ul><li>первый пункт</li><li>второй <code>x&lt;y</code></li></ul>"
                            "<ol><li>раз</li><li>два <br>продолжение</li></ol>")


def test_html_is_always_text():
    attack = '</script><img src=x onerror=alert(1)> <a href="javascript:alert(1)">x</a> **<b>жирно</b>**'
    out = render(attack)
    assert "<img" not in out and "<a " not in out and "<b>" not in out and "<script" not in out.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in out and "<strong>&lt;b&gt;жирно&lt;/b&gt;</strong>" in out


def test_stars_inside_words_and_arithmetic_stay_as_typed():
    assert render("2*3*4 = 24, snake_case_name") == "<p>2*3*4 = 24, snake_case_name</p>"
