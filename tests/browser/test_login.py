"""A person opens the site, logs in through the real form and sees their home page."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_organiser_logs_in_and_sees_campaigns(page, live_server, factory):
    factory.user("org", role="organiser", full_name="Иванова Наталья Сергеевна")
    factory.campaign("vpr-math-5-2026", name="Весна 2026")
    factory.commit()

    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")
    page.fill("#username", "org")
    page.fill("#password", "pass1234")
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server}/organiser/")
    assert page.locator("h1").inner_text() == "Кампании перепроверки"
    assert "Весна 2026" in page.locator("table").inner_text()
    assert "Иванова Наталья Сергеевна" in page.locator(".who").inner_text()
    screenshot(page, "organiser-home")

    page.click("text=Выйти")
    page.wait_for_url(f"{live_server}/login")
    assert "Вы вышли из системы." in page.content()


def test_wrong_password_shows_a_generic_message(page, live_server, factory):
    factory.user("exp01")
    factory.commit()
    page.goto(f"{live_server}/login")
    page.fill("#username", "exp01")
    page.fill("#password", "wrong-pass1")
    page.click("button[type=submit]")
    assert page.locator(".flash-error").inner_text() == "Неверный логин или пароль."
    screenshot(page, "login-error")
