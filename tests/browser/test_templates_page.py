"""An organiser makes a paper template from a school's results form in the browser, without a
terminal: uploads the form, sees the tasks and the conversion scale found, writes a task's
criteria, saves the template and creates a campaign from it (issue 13, the web half)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import Campaign, PaperTemplate
from tests.browser.conftest import screenshot, sign_in
from tests.services.test_real_forms import form, header, pupil

pytestmark = pytest.mark.browser

# Russian, grade 4 (2026): 12 tasks, 24 primary points — a scale shipped with crosscheck.
PART1 = [("1", 2), ("2", 1), ("3", 2), ("4", 3), ("5", 2), ("6", 2)]
PART2 = [("7", 2), ("8", 2), ("9", 2), ("10", 2), ("11", 2), ("12", 2)]
CRITERIA = "2 балла — текст списан без ошибок.\n1 балл — допущена одна ошибка.\n0 баллов — иначе."


@pytest.fixture
def viewport():
    return {"width": 1366, "height": 900}  # a school laptop


@pytest.fixture
def results_form(tmp_path):
    """The school's form as FIS OKO gives it: «Классы» first, then «Протокол» with the header in row 1."""
    rows = [pupil(f"4000{i}", [1, 1, 2, 2, 1, 0], [2, 1, 1, 0, 2, 2]) for i in range(1, 4)]
    return form(tmp_path, rows, head=header(PART1, PART2), classes_first=True, name="Протокол_4_РУ.xlsx")


def test_organiser_makes_a_template_from_a_results_form_and_a_campaign_from_it(page, live_server, factory, db,
                                                                                results_form):
    factory.user("org", role="organiser")
    factory.commit()
    sign_in(page, live_server, "org", home="/organiser/")
    page.click("#templates-link")
    page.wait_for_url(f"{live_server}/organiser/templates/")
    assert "Шаблонов пока нет" in page.locator("#templates").inner_text()
    screenshot(page, "templates-empty")

    page.set_input_files("#form-file", str(results_form))
    page.fill("#subject", "Русский язык")
    page.select_option("#grade", "4")
    page.fill("#year", "2026")
    page.click("#new-template button[type=submit]")

    page.wait_for_selector("#draft-form")
    rows = page.locator("tr.draft-task")
    assert rows.count() == 12
    assert [rows.nth(i).get_attribute("data-label") for i in (0, 3, 11)] == ["1", "4", "12"]
    assert rows.nth(3).locator("td.num").inner_text() == "3"
    found = page.locator("#scale-found").inner_text()
    assert "шкала перевода 2026 года" in found and "vpr-ege.ru" in found
    assert [page.input_value(f"#grade{g}") for g in "345"] == ["10", "16", "21"]
    assert page.input_value("#name") == "vpr-russian-4-2026"
    page.fill("#tasks-0-criteria", CRITERIA)
    screenshot(page, "template-draft")

    page.click("#save-template")
    page.wait_for_url(f"{live_server}/organiser/templates/vpr-russian-4-2026/")
    assert "сохранён" in page.locator(".flash").first.inner_text()
    assert "текст списан без ошибок" in page.locator("#template-tasks").inner_text()
    page.fill("#slug", "rus4-2026")
    page.fill("#name", "ВПР 2026, русский язык, 4 класс")
    page.select_option("#per_paper", "2")
    screenshot(page, "template-saved")

    page.click("#new-campaign button[type=submit]")
    page.wait_for_url(f"{live_server}/organiser/campaigns/rus4-2026/")
    assert page.locator("h1").inner_text() == "ВПР 2026, русский язык, 4 класс"
    assert "проверок на работу: 2" in page.locator("main").inner_text()
    screenshot(page, "campaign-from-template")

    db.expire_all()
    template = db.scalar(select(PaperTemplate).where(PaperTemplate.name == "vpr-russian-4-2026"))
    assert template.tasks[0].criteria == CRITERIA and template.max_total == 24
    assert db.scalar(select(Campaign).where(Campaign.slug == "rus4-2026")).template_id == template.id
