"""The organiser's home says, per campaign, what to do next, with links to where it is done."""
from __future__ import annotations

import re

from tests.web.test_console import campaign_with_papers, post  # noqa: F401 (a fixture)


def steps_of(html: str, slug: str) -> list[tuple[str, str]]:
    block = html[html.index(f'data-campaign="{slug}"'):]
    block = block[:block.index("</div>")]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)


def test_the_home_lists_what_holds_each_campaign_up(client, login_as, campaign_with_papers, factory):
    factory.school("500109")  # a school that has not sent its marks
    factory.campaign("empty-2026", name="Пустая")
    factory.commit()
    login_as("org")
    html = client.get("/organiser/").get_data(as_text=True)
    assert "Что сделать дальше" in html
    assert steps_of(html, "empty-2026") == [("/organiser/campaigns/empty-2026/#marks-upload",
                                             "Загрузите первичные баллы школ: работ в кампании пока нет.")]
    assert steps_of(html, "vpr-math-5-2026") == [
        ("/organiser/campaigns/vpr-math-5-2026/#marks-upload", "Нет первичных баллов у 1 школы."),
        ("/organiser/campaigns/vpr-math-5-2026/#scans", "Ждём сканы 9 работ."),
        ("/organiser/campaigns/vpr-math-5-2026/assign", "9 работ не распределено между экспертами."),
    ]
    post(client, "/organiser/campaigns/vpr-math-5-2026/assign", "/organiser/campaigns/vpr-math-5-2026/assign")
    html = client.get("/organiser/").get_data(as_text=True)
    assert [text for _, text in steps_of(html, "vpr-math-5-2026")] == [
        "Нет первичных баллов у 1 школы.", "Ждём сканы 9 работ."]
