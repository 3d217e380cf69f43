"""Issue 16: the small things a newcomer sees first (icon, page titles, demo text, README)."""
from __future__ import annotations

import re
from pathlib import Path

from crosscheck.demo import login_lines

ROOT = Path(__file__).resolve().parents[2]


def test_favicon_answers_and_every_page_links_one(client, factory, login_as):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert response.headers.get("Cache-Control") != "no-store"  # nobody's data: may be cached
    assert client.get("/static/favicon.svg").status_code == 200
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in html


def test_no_page_title_holds_markup(app):
    """A <script> in {% block title %} ends up as visible text of the browser's tab."""
    env = app.jinja_env
    offenders = []
    for name in env.list_templates(extensions=["html"]):
        source = env.loader.get_source(env, name)[0]
        for block in re.findall(r"{%-?\s*block title\s*-?%}(.*?){%-?\s*endblock", source, re.S):
            if "<" in block or "\n" in block.strip():
                offenders.append(name)
    assert offenders == []


def test_organiser_campaign_title_is_plain_text(client, factory, login_as):
    factory.user("org", role="organiser")
    factory.campaign("c1", name="Весна 2026")
    factory.commit()
    login_as("org")
    html = client.get("/organiser/campaigns/c1/").get_data(as_text=True)
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1) == "Весна 2026 — crosscheck"


def test_demo_says_the_shared_password_once():
    lines = login_lines([("org", "Организатор", "demo2026"), ("exp01", "Эксперт", "demo2026")])
    assert lines[0] == "Демо-логины (пароль у всех: demo2026):"
    assert not any("см. столбец" in line for line in lines)
    assert lines[1].split() == ["org", "Организатор"]


def test_demo_lists_each_password_when_they_differ():
    lines = login_lines([("org", "Организатор", "a1"), ("exp01", "Эксперт", "b2")])
    assert "пароль у всех" not in lines[0]
    assert lines[1].split()[-1] == "a1" and lines[2].split()[-1] == "b2"


def test_readme_quick_start_documents_what_the_demo_script_honours():
    script = (ROOT / "scripts" / "demo.sh").read_text()
    honoured = set(re.findall(r"\$\{([A-Z_]+):-", script))
    assert "PORT" in honoured
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert [v for v in sorted(honoured) if f"`{v}`" not in quick_start] == []


def test_campaign_stage_on_the_pages_follows_the_papers(client, factory, login_as, db):
    from crosscheck.models import PaperStatus

    factory.user("org", role="organiser")
    campaign = factory.campaign("c1", name="Весна 2026")
    factory.commit()
    login_as("org")

    def badge():
        html = client.get("/organiser/campaigns/c1/").get_data(as_text=True)
        return re.search(r'id="campaign-stage">([^<]*)<', html).group(1)

    assert badge() == "Подготовка"
    papers = [factory.paper(campaign) for _ in range(4)]
    factory.commit()
    assert badge() == "Загрузка"
    for paper, status in zip(papers, [PaperStatus.DONE, PaperStatus.DONE, PaperStatus.DONE, PaperStatus.MARKING]):
        paper.status = status
    factory.commit()
    assert badge() == "Проверка"
    assert "Проверка" in client.get("/organiser/").get_data(as_text=True)
