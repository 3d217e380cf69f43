"""Layout on the screens people have (issue 16, items 8 and 13), on the demo's data.

- a 1366×900 school laptop and a 768×1024 tablet: no analytics or organiser page scrolls
  sideways (``document.documentElement.scrollWidth`` within the window); wide tables scroll
  inside their own box;
- a 390×844 phone: the expert's page viewer stacks above the tasks at full width instead of
  shrinking to a sliver;
- the active campaign tab is marked (aria-current="page" and a visible underline).

Screenshots of every page at every size go to ``test-artifacts/layout-<width>-<name>.png``.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.demo import CAMPAIGN_SLUG, DEMO_PASSWORD, SCHOOLS, load_demo
from crosscheck.models import Assignment, AssignmentKind, AssignmentStatus, Paper, PaperStatus, User
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
SIZES = (LAPTOP, TABLET, PHONE)
C = f"/organiser/campaigns/{CAMPAIGN_SLUG}"
A = f"/analytics/{CAMPAIGN_SLUG}"


@pytest.fixture
def demo(db, data_dir):
    load_demo(db, data_dir)
    db.commit()
    done = db.scalar(select(Paper).where(Paper.status == PaperStatus.DONE).order_by(Paper.id))
    reviewed = db.scalar(select(Paper).join(Assignment, Assignment.paper_id == Paper.id).where(
        Paper.status == PaperStatus.DONE, Assignment.kind == AssignmentKind.REVIEW).order_by(Paper.id))
    open_work = db.scalar(select(Assignment).join(User, Assignment.expert_id == User.id).where(
        User.login == "exp01", Assignment.status == AssignmentStatus.ASSIGNED).order_by(Assignment.id))
    mo_math = db.scalar(select(User).where(User.login == "mo_math"))
    theirs = select(Assignment.paper_id).where(Assignment.expert_id == mo_math.id)
    others = db.scalar(select(Paper).where(Paper.status == PaperStatus.DONE, Paper.id.not_in(theirs))
                       .order_by(Paper.id))
    assert done is not None and open_work is not None and others is not None
    return {"done": done.cipher, "reviewed": (reviewed or done).cipher, "assignment": open_work.id,
            "reviewers_paper": others.cipher}


def analytics_pages(demo) -> list[tuple[str, str]]:
    pages = [("analytics-index", "/analytics/"), ("analytics-campaign", f"{A}/"),
             ("analytics-campaign-sorted", f"{A}/?sort=mean&dir=desc"),
             ("analytics-history", "/analytics/history?school=500105"), ("analytics-experts", f"{A}/experts"),
             ("analytics-expert", f"{A}/experts/exp05")]
    pages += [(f"analytics-school-{code}", f"{A}/school?code={code}") for code, _, _ in SCHOOLS[:6]]
    return pages


def organiser_pages(demo) -> list[tuple[str, str]]:
    return [("organiser-home", "/organiser/"), ("organiser-campaign", f"{C}/"),
            ("organiser-assign", f"{C}/assign"), ("organiser-papers", f"{C}/papers"),
            ("organiser-papers-filtered", f"{C}/papers?school=500105&status=done"),
            ("organiser-experts", f"{C}/experts"), ("organiser-withdraw", f"{C}/experts/exp05/withdraw"),
            ("organiser-unidentified", f"{C}/unidentified"), ("organiser-doubts", f"{C}/doubts"),
            ("organiser-observer-view", f"/observer/campaigns/{CAMPAIGN_SLUG}/"), ("organiser-audit", "/audit/"),
            ("paper-viewer", f"/campaigns/{CAMPAIGN_SLUG}/papers/{demo['reviewed']}"),
            ("paper-viewer-done", f"/campaigns/{CAMPAIGN_SLUG}/papers/{demo['done']}")]


def signed_in(browser, server: str, login: str, viewport: dict):
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("#username", login)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{login} could not sign in"
    return context, page


def overflow(page) -> dict:
    """How wide the document is, and the widest elements poking out of the window."""
    return page.evaluate("""() => {
        const w = window.innerWidth;
        const out = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap, .thumbs, .page-frame'))
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                              (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
                              ' → ' + Math.round(e.getBoundingClientRect().right));
        return {scroll: document.documentElement.scrollWidth, out};
    }""")


def sweep(browser, server: str, login: str, pages, sizes, prefix: str = "") -> list[str]:
    problems = []
    for size in sizes:
        context, page = signed_in(browser, server, login, size)
        try:
            for name, path in pages:
                response = page.goto(f"{server}{path}")
                assert response.status == 200, (path, response.status)
                page.wait_for_load_state("networkidle")
                screenshot(page, f"layout-{size['width']}-{prefix}{name}")
                found = overflow(page)
                if found["scroll"] > size["width"]:
                    problems.append(f"{size['width']}px {path}: scrollWidth {found['scroll']} {found['out']}")
        finally:
            context.close()
    return problems


def test_no_analytics_or_organiser_page_scrolls_sideways(browser, live_server, demo):
    """Item 8 (1366 px) and item 13 (768 px; the phone's pages too). One demo load for all:
    the wide-table boxes and the active tab are checked on the way."""
    problems = sweep(browser, live_server, "org", analytics_pages(demo) + organiser_pages(demo), (LAPTOP, TABLET))
    reviewer_pages = analytics_pages(demo)[:3] + [
        ("paper-viewer", f"/campaigns/{CAMPAIGN_SLUG}/papers/{demo['reviewers_paper']}")]
    problems += sweep(browser, live_server, "mo_math", reviewer_pages, (LAPTOP, TABLET), prefix="reviewer-")
    problems += sweep(browser, live_server, "org", [
        ("analytics-campaign", f"{A}/"), ("analytics-school-500105", f"{A}/school?code=500105"),
        ("organiser-campaign", f"{C}/"), ("organiser-papers", f"{C}/papers"),
        ("paper-viewer", f"/campaigns/{CAMPAIGN_SLUG}/papers/{demo['reviewed']}")], (PHONE,))
    assert not problems, "pages wider than the window:\n" + "\n".join(problems)

    context, page = signed_in(browser, live_server, "org", TABLET)
    try:  # wide tables scroll inside their own box, which fits the window
        page.goto(f"{live_server}{A}/school?code=500105")
        boxes = page.evaluate("""() => [...document.querySelectorAll('table.grid')].map(t => {
            const box = t.closest('.table-wrap');
            return {wrapped: !!box, fits: box ? box.getBoundingClientRect().right <= window.innerWidth : false,
                    scrolls: box ? box.scrollWidth > box.clientWidth : false};
        })""")
        assert boxes and all(b["wrapped"] and b["fits"] for b in boxes), boxes
        assert any(b["scrolls"] for b in boxes), "the per-task paper table is wider than a tablet: it scrolls in its box"

        page.goto(f"{live_server}{C}/papers")  # the active tab: aria-current and a visible difference
        current = page.locator("nav.tabs a[aria-current=page]")
        assert current.count() == 1 and current.inner_text() == "Работы"
        style = "e => { const s = getComputedStyle(e); return [s.fontWeight, s.borderBottomWidth, s.color]; }"
        active = current.evaluate(style)
        other = page.locator("nav.tabs a:not([aria-current])").first.evaluate(style)
        assert active[0] != other[0] and active[1] != other[1], (active, other)
    finally:
        context.close()


def test_the_scoring_screen_fits_the_device(browser, live_server, demo):
    """Item 13: on a phone the page viewer stacks above the tasks at full width (it used to
    shrink to ~30 px); on a laptop it stays beside them."""
    for size in SIZES:
        check_scoring_screen(browser, live_server, demo, size)


def check_scoring_screen(browser, live_server, demo, size):
    context, page = signed_in(browser, live_server, "exp01", size)
    try:
        page.goto(f"{live_server}/marking/{demo['assignment']}")
        page.wait_for_selector("#page-img")
        page.wait_for_load_state("networkidle")
        screenshot(page, f"layout-{size['width']}-scoring")
        viewer = page.locator("section.viewer").bounding_box()
        scoring = page.locator("section.scoring").bounding_box()
        image = page.locator("#page-img").bounding_box()
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        if size["width"] < 900:
            assert viewer["width"] >= size["width"] * 0.85, viewer
            assert image["width"] >= size["width"] * 0.75, image
            assert scoring["y"] >= viewer["y"] + viewer["height"] - 1, (viewer, scoring)  # stacked: tasks below
        else:
            assert viewer["x"] + viewer["width"] <= scoring["x"] + 1, (viewer, scoring)  # side by side
            assert viewer["width"] > 600, viewer
    finally:
        context.close()
