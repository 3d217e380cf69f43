"""The scoring screen on a school laptop (issue 16, items 4, 12 and 14): a turned page is never
cropped, a validation message stays next to its field while autosave reports on its own,
«работа N из M», and the criteria fold to one line so a 15-task paper fits on 1366×768."""
from __future__ import annotations

import pytest

from crosscheck.models import AssignmentStatus, PaperStatus, TaskScore
from crosscheck.db import utcnow
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def viewport():
    return LAPTOP


@pytest.fixture
def queue(factory, data_dir):
    """Expert exp01 with three papers of one campaign (and one of another campaign); the
    second is the one the tests open."""
    campaign = factory.campaign()
    other = factory.campaign("vpr-math-5-other", name="Другая кампания")
    expert = factory.user("exp01", school=factory.school("500102"))
    school = factory.school("500101")
    assignments = []
    for n in range(3):
        paper = factory.paper(campaign, school, code=f"1000{n}")
        assignments.append(factory.assignment(paper, expert))
        for position in (1, 2):
            drawn_page(factory, paper, position, data_dir)
    factory.assignment(factory.paper(other, school), expert)
    factory.commit()
    return assignments


def drawn_page(factory, paper, position, data_dir):
    """A page with a thick frame round its edge and a mark at its top left, so a screenshot
    shows at once whether a turned page is whole."""
    import io

    from PIL import Image, ImageDraw

    from crosscheck.models import Page, PageStatus
    from scanner_import.store import ContentStore

    store = ContentStore(data_dir / "pages")
    image = Image.new("L", (620, 875), 235)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 619, 874), outline=20, width=18)
    draw.rectangle((40, 40, 200, 120), fill=60)
    draw.line((0, 0, 619, 874), fill=120, width=6)
    files = []
    for picture in (image, image):  # original, masked
        buf = io.BytesIO()
        picture.save(buf, "JPEG")
        files.append(store.put(buf.getvalue())[0])
    page = Page(campaign_id=paper.campaign_id, paper_id=paper.id, position=position,
                original_sha256=files[0].sha256, masked_sha256=files[1].sha256, width=620, height=875,
                status=PageStatus.PLACED)
    factory.s.add(page)
    factory.s.flush()
    return page


@pytest.fixture
def review(db, factory, data_dir):
    """Reviewer «mo» with two third checks of one campaign; the first one is opened."""
    campaign = factory.campaign()
    school = factory.school("500101")
    expert = factory.user("exp01", school=factory.school("500102"))
    factory.user("mo", role="reviewer", school=factory.school("500103"))
    from crosscheck.models import User
    from sqlalchemy import select
    reviewer = db.scalar(select(User).where(User.login == "mo"))
    reviews = []
    for n in range(2):
        paper = factory.paper(campaign, school, code=f"2000{n}")
        recheck = factory.assignment(paper, expert)
        recheck.status, recheck.submitted_at = AssignmentStatus.SUBMITTED, utcnow()
        for i, task in enumerate(campaign.template.tasks):
            db.add(TaskScore(assignment_id=recheck.id, task_id=task.id, max_score=task.max_score,
                             score=task.max_score if i else 0))
        paper.status = PaperStatus.REVIEW
        drawn_page(factory, paper, 1, data_dir)
        reviews.append(factory.assignment(paper, reviewer, kind="review"))
    factory.commit()
    return reviews


def open_paper(page, live_server, login, assignment_id):
    sign_in(page, live_server, login)
    page.goto(f"{live_server}/marking/{assignment_id}")
    page.wait_for_selector("#page-img")
    page.wait_for_function("document.getElementById('page-img').complete"
                           " && document.getElementById('page-img').naturalWidth > 0")


# --- item 4: a turned page ------------------------------------------------------------------

PLACEMENT = """() => {
  const frame = document.getElementById('page-frame');
  const img = document.getElementById('page-img').getBoundingClientRect();
  const box = frame.getBoundingClientRect();
  const left = img.left - box.left - frame.clientLeft + frame.scrollLeft;
  const top = img.top - box.top - frame.clientTop + frame.scrollTop;
  return {left, top, right: left + img.width, bottom: top + img.height, width: img.width, height: img.height,
          scrollWidth: frame.scrollWidth, scrollHeight: frame.scrollHeight, clientWidth: frame.clientWidth};
}"""


def assert_reachable(p):
    """The turned image's box lies inside what the frame scrolls over."""
    assert p["left"] >= -1 and p["top"] >= -1, p
    assert p["right"] <= p["scrollWidth"] + 1 and p["bottom"] <= p["scrollHeight"] + 1, p


def test_a_turned_page_is_whole_and_reachable_at_fit_and_zoomed(page, live_server, queue):
    open_paper(page, live_server, "exp01", queue[1].id)
    upright = page.evaluate(PLACEMENT)
    assert upright["height"] > upright["width"]  # a portrait page
    assert_reachable(upright)

    page.click("[data-act=rotate]")
    turned = page.evaluate(PLACEMENT)
    screenshot(page, "scoring-rotated-fit")
    assert turned["width"] > turned["height"], turned  # width and height swapped
    assert abs(turned["width"] - turned["clientWidth"]) <= 2, turned  # fitted to the frame again
    assert_reachable(turned)

    for _ in range(3):  # 1.25³ ≈ 195 %
        page.click("[data-act=zoom-in]")
    page.wait_for_function("document.getElementById('page-img').complete")
    zoomed = page.evaluate(PLACEMENT)
    assert zoomed["width"] >= 1.9 * turned["width"], (turned, zoomed)
    assert_reachable(zoomed)
    # the far corner scrolls into view
    page.evaluate("() => { const f = document.getElementById('page-frame');"
                  " f.scrollLeft = f.scrollWidth; f.scrollTop = f.scrollHeight; }")
    corner = page.evaluate(PLACEMENT)
    assert_reachable(corner)
    frame = page.locator("#page-frame").bounding_box()
    img = page.locator("#page-img").bounding_box()
    assert img["x"] + img["width"] <= frame["x"] + frame["width"] + 1
    assert img["y"] + img["height"] >= frame["y"]
    page.screenshot(path=str(ARTIFACTS / "scoring-rotated-zoomed-corner.png"))  # the window as it is scrolled

    page.keyboard.press("r")  # 180°: upright size again, still whole
    page.keyboard.press("r")  # 270°
    assert_reachable(page.evaluate(PLACEMENT))
    page.click("[data-act=fit]")
    fitted = page.evaluate(PLACEMENT)
    assert fitted["width"] > fitted["height"] and abs(fitted["width"] - fitted["clientWidth"]) <= 2, fitted
    assert_reachable(fitted)


# --- item 12: messages next to their field, progress ---------------------------------------

def test_expert_sees_the_paper_number_and_keeps_an_error_next_to_its_field(page, live_server, queue):
    open_paper(page, live_server, "exp01", queue[1].id)
    assert page.locator("#queue-pos").inner_text() == "работа 2 из 3"

    page.keyboard.type("5")  # task 1 is out of 1
    field = page.locator("#s-1")
    assert field.get_attribute("aria-invalid") == "true"
    assert "e-1" in field.get_attribute("aria-describedby").split()
    assert "от 0 до 1" in page.locator("#e-1").inner_text()
    assert page.locator("#e-1").evaluate("e => e.closest('tr') === document.getElementById('s-1').closest('tr')")

    page.keyboard.press("Tab")  # on to task 2: a valid score there is saved …
    page.keyboard.type("1")
    page.wait_for_selector("#save-state.saved")
    assert page.locator("#save-state").inner_text() == "Сохранено"
    # … and task 1's message is still where it was
    assert "от 0 до 1" in page.locator("#e-1").inner_text() and field.get_attribute("aria-invalid") == "true"

    field.focus()
    page.keyboard.type("1")  # fixed
    assert page.locator("#e-1").inner_text() == "" and field.get_attribute("aria-invalid") is None
    page.wait_for_selector("#save-state.saved")

    page.keyboard.press("Control+Enter")  # 13 tasks still empty
    assert "Не выставлены баллы за задания: 3," in page.locator("#submit-error").inner_text()
    assert page.locator("#s-3").get_attribute("aria-invalid") == "true"
    screenshot(page, "scoring-expert-errors")


def test_reviewer_justification_error_survives_the_autosave(page, live_server, review):
    open_paper(page, live_server, "mo", review[0].id)
    assert page.locator("#queue-pos").inner_text() == "работа 1 из 2"

    page.keyboard.type("101111112211112")  # all 15 tasks, the autosave still pending …
    page.keyboard.press("Control+Enter")   # … when the submit asks for the justification
    comment = page.locator("#comment")
    assert page.evaluate("document.activeElement.id") == "comment"
    page.wait_for_selector("#save-state.saved")
    assert page.locator("#comment-error").inner_text() == "Напишите обоснование итоговых баллов"
    assert comment.get_attribute("aria-invalid") == "true"
    assert comment.get_attribute("aria-describedby") == "comment-error"
    assert not page.locator("#confirm-dialog").is_visible()
    screenshot(page, "scoring-review-justification")

    page.keyboard.type("Задание 1: решение верное, ОО права.")
    assert page.locator("#comment-error").inner_text() == ""
    assert comment.get_attribute("aria-invalid") is None
    page.wait_for_selector("#save-state.saved")
    page.keyboard.press("Control+Enter")
    assert page.locator("#confirm-dialog").is_visible()


# --- item 14: the criteria fold to one line -------------------------------------------------

def test_fifteen_tasks_fit_a_laptop_screen_with_the_current_criteria_in_full(page, live_server, queue):
    open_paper(page, live_server, "exp01", queue[1].id)
    inputs = page.locator("input.score")
    assert inputs.count() == 15
    assert page.evaluate("document.activeElement.id") == "s-1"
    screenshot(page, "scoring-laptop-collapsed")
    column = page.locator("section.scoring").bounding_box()
    bottom = min(LAPTOP["height"], column["y"] + column["height"])
    for i in range(15):
        box = inputs.nth(i).bounding_box()
        assert box["y"] >= column["y"] and box["y"] + box["height"] <= bottom, (i + 1, box, column)

    # the focused task's criteria in full, the others on one line
    def clipped(n):
        return page.evaluate(f"() => {{ const c = document.getElementById('c-{n}');"
                             " return c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1; }")

    def lines(n):
        return page.evaluate(f"() => {{ const c = document.getElementById('c-{n}');"
                             " return Math.round(c.getBoundingClientRect().height"
                             " / parseFloat(getComputedStyle(c).lineHeight)); }")
    assert not clipped(1) and lines(1) > 1
    assert clipped(2) and lines(2) == 1
    page.keyboard.type("1")  # on to task 2: now its criteria open and task 1's fold
    assert page.evaluate("document.activeElement.id") == "s-2"
    assert not clipped(2) and lines(2) > 1 and lines(1) == 1

    # «?» opens them all (and says so), again folds them
    page.keyboard.press("?")
    assert page.locator("#criteria-toggle").get_attribute("aria-pressed") == "true"
    assert "развёрнуты" in page.locator("#criteria-state").inner_text()
    assert all(not clipped(n) for n in range(1, 16))
    assert page.locator("input.score").nth(1).input_value() == "", "«?» is not a score"
    screenshot(page, "scoring-laptop-expanded")
    page.keyboard.press("?")
    assert page.locator("#criteria-toggle").get_attribute("aria-pressed") == "false"
    assert "свёрнуты" in page.locator("#criteria-state").inner_text()
    assert clipped(3)
    assert "?" in page.locator("details.shortcuts").inner_text()


@pytest.mark.parametrize("size", [{"width": 768, "height": 1024}, {"width": 390, "height": 844}],
                         ids=["tablet", "phone"])
def test_the_screen_on_a_tablet_and_a_phone(browser, live_server, review, size):
    context = browser.new_context(locale="ru-RU", viewport=size)
    page = context.new_page()
    try:
        open_paper(page, live_server, "mo", review[0].id)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        page.click("[data-act=rotate]")
        assert_reachable(page.evaluate(PLACEMENT))
        screenshot(page, f"scoring-review-{size['width']}")
    finally:
        context.close()
