"""«Новая кампания» with the keyboard only (issue 15): an organiser reaches the wizard from the
home page with Tab, types subject, grade and year, takes the tasks from the shipped library,
writes a task's criteria in markdown and sees the live preview, meets a scale that does not
increase (the error list takes the focus), fixes it, switches to two rechecks with the arrow
keys and creates the campaign with Enter — at a school laptop's 1366 px and a tablet's 768 px.
Screenshots of every step go to test-artifacts/."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import Campaign
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(params=[1366, 768], ids=["laptop", "tablet"])
def viewport(request):
    return {"width": request.param, "height": 900}


def active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id || ''")


def tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus (the page's own focus order)."""
    for _ in range(limit):
        if active_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id} (stuck at #{active_id(page)})")


def replace_value(page, text: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def focus_is_visible(page) -> bool:
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }""")


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_wizard_is_completed_with_the_keyboard_only(page, live_server, factory, db, viewport):
    width = viewport["width"]
    factory.user("org", role="organiser")
    factory.commit()
    sign_in(page, live_server, "org", home="/organiser/")

    tab_to(page, "wizard-link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/organiser/wizard/")
    assert active_id(page) == "subject"  # the first field has the focus
    page.keyboard.type("Русский язык")
    page.keyboard.press("Tab")
    assert active_id(page) == "grade"
    page.keyboard.press("Tab")
    assert active_id(page) == "year" and focus_is_visible(page)
    replace_value(page, "2026")
    assert fits_the_width(page)
    screenshot(page, f"wizard-1-start-{width}")
    page.keyboard.press("Enter")  # Enter submits the step

    page.wait_for_selector("#wizard-edit")
    assert "библиотека crosscheck" in page.locator("#source-note").inner_text()
    assert page.locator("tr.wizard-task").count() == 12
    assert page.input_value("#grade3") == "10" and page.input_value("#grade5") == "21"
    tab_to(page, "task-1-criteria")
    assert focus_is_visible(page)
    replace_value(page, "**2 балла** — без ошибок\n- одна ошибка: 1 балл")
    page.wait_for_selector("#task-1-preview strong")  # the live preview, as the expert will see it
    assert page.locator("#task-1-preview li").inner_text() == "одна ошибка: 1 балл"
    tab_to(page, "grade4")
    replace_value(page, "9")
    page.keyboard.press("Enter")

    page.wait_for_selector("#wizard-errors")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'wizard-errors'")
    assert "Шкала отметок: порог «4» должен быть больше порога «3»" in page.locator("#wizard-errors").inner_text()
    assert page.input_value("#task-1-criteria").startswith("**2 балла**")  # nothing typed is lost
    assert fits_the_width(page)
    screenshot(page, f"wizard-2-errors-{width}")
    tab_to(page, "grade4")
    replace_value(page, "16")
    tab_to(page, "per-paper-1")
    page.keyboard.press("ArrowRight")  # the radio group: two rechecks
    assert page.is_checked("#per-paper-2")
    page.keyboard.press("Tab")
    assert active_id(page) == "double_tolerance"  # enabled now that two rechecks are chosen
    replace_value(page, "0")
    screenshot(page, f"wizard-2-edit-{width}")
    page.keyboard.press("Enter")

    page.wait_for_selector("#wizard-create")
    assert active_id(page) == "wizard-create-button" and focus_is_visible(page)
    assert "12, максимальный первичный балл 24" in page.locator("#summary-tasks").inner_text()
    assert "2, допуск расхождения 0" in page.locator("#summary-per-paper").inner_text()
    assert page.locator("#summary-criteria strong").first.inner_text() == "2 балла"
    assert fits_the_width(page)
    screenshot(page, f"wizard-3-summary-{width}")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server}/organiser/campaigns/vpr-russian-4-2026/")
    assert "создана" in page.locator(".flash").first.inner_text()
    screenshot(page, f"wizard-4-created-{width}")
    campaign = db.scalar(select(Campaign))
    assert campaign.slug == "vpr-russian-4-2026" and campaign.per_paper == 2
    assert campaign.template.double_tolerance == 0 and campaign.template.grades == {"3": 10, "4": 16, "5": 21}
    assert campaign.template.tasks[0].criteria == "**2 балла** — без ошибок\n- одна ошибка: 1 балл"

    tab_to(page, "settings-link")
    page.keyboard.press("Enter")
    page.wait_for_selector("#campaign-settings")
    assert page.input_value("#double_tolerance") == "0"
    screenshot(page, f"wizard-5-settings-{width}")


def test_the_expert_sees_the_criteria_as_the_wizard_previewed_them(page, live_server, factory, db, data_dir,
                                                                   viewport):
    """The criteria written in the wizard, on the scoring screen: rendered the same way, one line
    each while folded (the current task's in full), HTML shown as text."""
    from crosscheck.domain.scales import shipped_scales
    from crosscheck.services.campaigns.wizard import create, start_from_library

    draft = start_from_library(db, "Русский язык", 4, 2026, scales=shipped_scales())
    draft.tasks[0]["criteria"] = "**2 балла** — без ошибок\n- одна ошибка: 1 балл\n- <img src=x onerror=alert(1)>"
    draft.tasks[1]["criteria"] = "*1 балл* — верно\n\n0 баллов — иначе"
    campaign = create(db, draft).campaign
    expert = factory.user("exp01", school=factory.school("500102"))
    assignment = factory.assignment(factory.paper(campaign, factory.school("500101")), expert)
    factory.page(assignment.paper, 1, data_dir)
    factory.commit()
    sign_in(page, live_server, "exp01")
    page.goto(f"{live_server}/marking/{assignment.id}")
    page.wait_for_selector("#c-1 strong")
    assert page.locator("#c-1 strong").inner_text() == "2 балла"
    assert page.locator("#c-1 li").all_inner_texts() == ["одна ошибка: 1 балл", "<img src=x onerror=alert(1)>"]
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("#c-2 em").inner_text() == "1 балл"
    line = page.locator("#c-2").bounding_box()["height"]
    assert line < 2 * page.locator("#c-3").bounding_box()["height"]  # folded: one line, like a plain criterion
    screenshot(page, f"wizard-6-expert-criteria-{viewport['width']}")
