"""A live server and Debian's chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@contextmanager
def serve(app):
    """The app on a free loopback port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    with serve(app) as url:
        yield url


def sign_in(page, server: str, login: str, home: str | None = None) -> None:
    """Log in through the real form (password of the factory's users)."""
    page.goto(f"{server}/login")
    page.fill("#username", login)
    page.fill("#password", "pass1234")
    page.click("button[type=submit]")
    if home:
        page.wait_for_url(f"{server}{home}")


@pytest.fixture
def organiser_campaign(factory):
    """An organiser «org» and a campaign with two papers of school 500101."""
    factory.user("org", role="organiser")
    campaign = factory.campaign("vpr-math-5-2026", name="Весна 2026")
    school = factory.school("500101")
    papers = [factory.paper(campaign, school, code=f"1000{i}") for i in (1, 2)]
    factory.commit()
    return campaign, school, papers


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def viewport():
    """The browser window; a test module may override it (e.g. a school laptop's 1366 px)."""
    return {"width": 1280, "height": 800}


@pytest.fixture
def page(browser, viewport):
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    pg = context.new_page()
    yield pg
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
