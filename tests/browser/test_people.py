"""Issue 15 in a real browser: the organiser uploads a users file on «Люди», sees the
preview, confirms once, downloads the credentials sheet (the logins are in the PDF's text),
and a new user logging in with a slip's password is made to change it first."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser.conftest import screenshot, sign_in

USERS = ("login;full_name;role;school_code;subjects;password\n"
         "ivanova;Иванова Ирина Петровна;expert;500101;Математика;\n"
         "smirnov;Смирнов Олег;expert;500102;Математика;\n")


@pytest.fixture
def people_world(factory):
    factory.user("org", role="organiser")
    factory.school("500101")
    factory.school("500102")
    factory.commit()


def test_users_upload_preview_commit_credentials_and_first_login(page, live_server, people_world, tmp_path, browser):
    sign_in(page, live_server, "org", "/organiser/")
    page.click("text=Люди")
    page.wait_for_url(f"{live_server}/organiser/people/")
    csv = tmp_path / "users.csv"
    csv.write_text(USERS, encoding="utf-8")
    page.select_option("#upload-kind", "users")
    page.set_input_files("#upload-file", str(csv))
    page.click("#upload-check")
    page.wait_for_selector("#preview-rows")
    assert page.locator("#preview-rows tbody tr").count() == 2
    assert "будет создан" in page.inner_text("#preview-rows")
    screenshot(page, "people-preview")

    page.click("#commit-upload")
    page.wait_for_selector("#credentials")
    screenshot(page, "people-credentials")
    with page.expect_download() as info:
        page.click("#credentials-pdf")
    pdf = tmp_path / "credentials.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "ivanova" in text and "smirnov" in text and "Смените пароль при первом входе" in text
    password = page.locator("#credentials tr:has(td.login:text-is('ivanova')) code.password").inner_text()

    # the new user: made to change the password, then asked about conflicts
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 800})
    newcomer = context.new_page()
    try:
        newcomer.goto(f"{live_server}/login")
        newcomer.fill("#username", "ivanova")
        newcomer.fill("#password", password)
        newcomer.click("main button[type=submit]")
        newcomer.wait_for_url(f"{live_server}/account/password")
        assert newcomer.is_visible("#must-change")
        screenshot(newcomer, "people-must-change-password")
        newcomer.goto(f"{live_server}/")
        newcomer.wait_for_url(f"{live_server}/account/password")  # nothing else until it is changed
        newcomer.fill("#current", password)
        newcomer.fill("#new", "Moi-parol-2026")
        newcomer.fill("#repeat", "Moi-parol-2026")
        newcomer.click("main button[type=submit]")
        newcomer.wait_for_url(f"{live_server}/account/conflicts?first=1")
        newcomer.select_option("#oc-school", "500102")
        newcomer.fill("#oc-reason", "работаю по совместительству")
        newcomer.click("#own-conflict-add button[type=submit]")
        newcomer.wait_for_selector("#own-conflicts")
        screenshot(newcomer, "people-own-conflict")
    finally:
        context.close()

    # the organiser sees the declared conflict on the person's page
    page.goto(f"{live_server}/organiser/people/?q=ivanova")
    page.click("#people-table a:text-is('ivanova')")
    page.wait_for_selector("#conflict-list")
    assert "сам эксперт" in page.inner_text("#conflict-list")
    screenshot(page, "people-person")
