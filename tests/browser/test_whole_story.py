"""Issue 15, «Tests»: the whole story in Chromium from an empty database, as a municipal
methodist runs a campaign without a terminal (only the very first account comes from
`crosscheck users import`, as the deployment guide says):

the first organiser logs in → a template from a school's results form on «Шаблоны» and a
campaign from it → a mask and the participant code box drawn on an uploaded title page →
schools, experts and a declared conflict uploaded on «Люди» (preview, then one commit) → an
expert's password reset (the new one read from the page, shown once) → the school's original
marks uploaded → the school's scans (cover sheets) uploaded → the distribution previewed and
committed → the expert logs in with the new password, is made to change it, and scores a
paper → the organiser closes the campaign and downloads a published protocol.

Each step leaves a screenshot in test-artifacts/ (story-NN-….png). It takes minutes.
"""
from __future__ import annotations

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from crosscheck.models import Assignment, AssignmentStatus, Campaign, Paper, PaperTemplate, School
from tests.browser.conftest import screenshot
from tests.scans.conftest import build_scan
from tests.services.test_real_forms import form, header, pupil

pytestmark = pytest.mark.browser

# Russian, grade 4 (2026): 12 tasks, 24 primary points — a scale shipped with crosscheck.
PART1 = [("1", 2), ("2", 1), ("3", 2), ("4", 3), ("5", 2), ("6", 2)]
PART2 = [("7", 2), ("8", 2), ("9", 2), ("10", 2), ("11", 2), ("12", 2)]
KEYS = "101210112111"  # the expert's scores, one digit a task, each within its maximum
ORGANISER_PASSWORD = "Metodist-2026-vesna"
SCHOOLS = ("code;name;municipality\n"
           "500101;МБОУ СОШ № 1;Заречный городской округ\n"
           "500102;МБОУ СОШ № 2;Заречный городской округ\n"
           "500103;МБОУ Лицей № 3;Заречный городской округ\n")
USERS = ("login;full_name;role;school_code;subjects;password\n"
         "ivanova;Иванова Ирина Петровна;expert;500102;Русский язык;\n"
         "smirnov;Смирнов Олег Павлович;expert;500103;Русский язык;\n")
CONFLICTS = "login;school_code;reason\nsmirnov;500101;дочь учится в этой школе\n"


@pytest.fixture
def viewport():
    return {"width": 1366, "height": 900}  # a school laptop


def shot(page, n: int, name: str) -> None:
    screenshot(page, f"story-{n:02d}-{name}")


def title_page(path):
    """A scanned VPR title page: the code boxes top right, the score table at the bottom."""
    w, h = 1240, 1754
    img = Image.new("L", (w, h), 246)
    d = ImageDraw.Draw(img)
    d.text((90, 70), "Всероссийская проверочная работа. РУССКИЙ ЯЗЫК, 4 класс", fill=30)
    for i in range(5):
        x = 820 + i * 72
        d.rectangle([x, 60, x + 64, 150], outline=0, width=3)
        d.line([x + 20, 80, x + 44, 130], fill=20, width=6)
    for col in range(12):
        d.rectangle([80 + col * 90, 1450, 170 + col * 90, 1530], outline=0, width=2)
    for line in range(12):
        d.line([90, 300 + line * 60, 1150, 300 + line * 60], fill=120, width=3)
    img.save(path, "JPEG", quality=90)
    return path


def with_score_table(pages: int):
    """The scanner's JPEG of each sheet; a paper's first page (after its cover) carries the
    school's score table at the foot, where the template's title-page mask is."""
    import io

    count = iter(range(10_000))

    def encode(img):
        if next(count) % (pages + 1) == 1:
            img = img.copy()
            d = ImageDraw.Draw(img)
            w, h = img.size
            for col in range(13):
                d.line([w * (0.06 + col * 0.07), h * 0.82, w * (0.06 + col * 0.07), h * 0.94], fill=0, width=3)
            for row in range(3):
                d.line([w * 0.06, h * (0.82 + row * 0.06), w * 0.90, h * (0.82 + row * 0.06)], fill=0, width=3)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=85)
        return out.getvalue()

    return encode


def upload_people(page, server: str, kind: str, text: str, tmp_path, rows: int) -> None:
    page.goto(f"{server}/organiser/people/")
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    page.select_option("#upload-kind", kind)
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-check")
    page.wait_for_selector("#preview-rows")
    assert page.locator("#preview-rows tbody tr").count() == rows


def test_an_organiser_runs_a_campaign_start_to_finish_in_the_browser(page, live_server, run, db, tmp_path, browser):
    server = live_server
    # 1. the first organiser, from the command line (the only terminal step)
    first = tmp_path / "organiser.csv"
    first.write_text("login;full_name;role;school_code;subjects;password\n"
                     f"metodist;Петрова Анна Сергеевна;organiser;;;{ORGANISER_PASSWORD}\n", encoding="utf-8")
    result = run("users", "import", str(first))
    assert result.exit_code == 0, result.output
    page.goto(f"{server}/login")
    page.fill("#username", "metodist")
    page.fill("#password", ORGANISER_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server}/organiser/")
    assert "Кампаний пока нет" in page.inner_text("main")
    shot(page, 1, "first-login")

    # 2. a template from a school's results form, then a campaign from it
    results = form(tmp_path, [pupil(f"4000{i}", [1, 1, 2, 2, 1, 0], [2, 1, 1, 0, 2, 2]) for i in (1, 2, 3)],
                   head=header(PART1, PART2), classes_first=True, name="Протокол_4_РУ.xlsx")
    page.click("#templates-link")
    page.wait_for_url(f"{server}/organiser/templates/")
    page.set_input_files("#form-file", str(results))
    page.fill("#subject", "Русский язык")
    page.select_option("#grade", "4")
    page.fill("#year", "2026")
    page.click("#new-template button[type=submit]")
    page.wait_for_selector("#draft-form")
    assert page.locator("tr.draft-task").count() == 12
    page.fill("#tasks-0-criteria", "2 балла — текст списан без ошибок.\n1 балл — одна ошибка.\n0 баллов — иначе.")
    shot(page, 2, "template-draft")
    page.click("#save-template")
    page.wait_for_url(f"{server}/organiser/templates/vpr-russian-4-2026/")
    page.fill("#slug", "rus4-2026")
    page.fill("#name", "ВПР 2026, русский язык, 4 класс")
    page.click("#new-campaign button[type=submit]")
    page.wait_for_url(f"{server}/organiser/campaigns/rus4-2026/")
    shot(page, 3, "campaign-created")

    # 3. a mask and the code box on an uploaded title page (mouse, then keyboard)
    page.goto(f"{server}/organiser/templates/vpr-russian-4-2026/")
    page.set_input_files("#title_page", str(title_page(tmp_path / "titul.jpg")))
    page.click("#mask-pages-form button[type=submit]")
    page.wait_for_url(f"{server}/organiser/templates/vpr-russian-4-2026/masks")
    page.wait_for_function("() => document.getElementById('mask-image').complete "
                           "&& document.getElementById('mask-image').naturalWidth > 0")
    masks_before = page.locator(".mask-rect").count()
    stage = page.locator("#mask-stage").bounding_box()
    page.mouse.move(stage["x"] + stage["width"] * 0.06, stage["y"] + stage["height"] * 0.03)
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] * 0.3, stage["y"] + stage["height"] * 0.05, steps=4)
    page.mouse.move(stage["x"] + stage["width"] * 0.6, stage["y"] + stage["height"] * 0.07, steps=4)
    page.mouse.up()
    assert page.locator(".mask-rect").count() == masks_before + 1
    for key in ("ArrowDown", "Shift+ArrowDown"):  # nudged and stretched with the keyboard
        page.keyboard.press(key)
    if page.is_visible("#add-identity"):
        page.click("#add-identity")  # the participant code box, if the draft had none
    assert page.locator(".mask-rect.kind-identity").count() == 1
    shot(page, 4, "masks-drawn")
    page.click("#save-masks")
    page.wait_for_url(f"{server}/organiser/templates/vpr-russian-4-2026/#masks")
    assert "сохранены" in page.content()
    shot(page, 5, "masks-saved")

    # 4. people: schools, experts (accounts with generated passwords), a declared conflict
    upload_people(page, server, "schools", SCHOOLS, tmp_path, 3)
    page.click("#commit-upload")
    page.wait_for_load_state()
    upload_people(page, server, "users", USERS, tmp_path, 2)
    assert "будет создан" in page.inner_text("#preview-rows")
    shot(page, 6, "people-preview")
    page.click("#commit-upload")
    page.wait_for_selector("#credentials")
    upload_people(page, server, "conflicts", CONFLICTS, tmp_path, 1)
    page.click("#commit-upload")
    page.wait_for_load_state()
    shot(page, 7, "people-conflicts")

    # 5. ivanova lost her slip: a new password, shown once on the page
    page.goto(f"{server}/organiser/people/?q=ivanova")
    page.click("#people-table a:text-is('ivanova')")
    page.wait_for_selector("#reset-password")
    page.click("#reset-password")
    page.wait_for_selector("#credentials")
    new_password = page.locator("#credentials tr:has(td.login:text-is('ivanova')) code.password").inner_text()
    assert len(new_password) >= 8
    shot(page, 8, "password-reset")

    # 6. the school's original marks: checked, previewed, confirmed
    page.goto(f"{server}/organiser/campaigns/rus4-2026/")
    page.set_input_files("#file", str(results))
    page.select_option("#school", "500101")
    page.click("#marks-upload button:has-text('Проверить файл')")
    page.wait_for_selector("#preview")
    page.click("#confirm-upload")
    page.wait_for_selector("#imported")
    assert "работ создано: 3" in page.inner_text("#imported")
    shot(page, 9, "marks-imported")

    # 7. the school's scans: its cover sheets on top of each paper, one PDF
    db.expire_all()
    campaign = db.scalar(select(Campaign).where(Campaign.slug == "rus4-2026"))
    school = db.scalar(select(School).where(School.code == "500101"))
    papers = list(db.scalars(select(Paper).where(Paper.campaign_id == campaign.id).order_by(Paper.participant_code)))
    pages = db.scalar(select(PaperTemplate.pages).where(PaperTemplate.id == campaign.template_id))
    scan = build_scan(tmp_path / "school-500101.pdf", campaign, school, papers, pages_per_paper=pages,
                      encode=with_score_table(pages))
    page.goto(f"{server}/organiser/campaigns/rus4-2026/")
    page.set_input_files("#scan", str(scan))
    page.click("#scans button[type=submit]")
    page.wait_for_selector("#batches")
    row = page.locator("#batches tbody tr").first
    assert "Готово" in row.inner_text() and "работ 3" in row.inner_text()
    assert "задержано" not in row.inner_text()  # every page's masks sure of its orientation
    shot(page, 10, "scans-uploaded")

    # 8. the distribution: previewed, committed (smirnov's declared conflict keeps him off 500101)
    page.click("nav.tabs >> text=Распределение")
    page.wait_for_url("**/assign")
    assert page.locator("#new-count").inner_text() == "3"
    shot(page, 11, "assign-preview")
    page.click("#confirm-assign")
    assert "Распределено перепроверок: 3" in page.locator(".flash").first.inner_text()
    db.expire_all()
    holders = set(db.scalars(select(Assignment.expert_id).join(Paper).where(Paper.campaign_id == campaign.id)))
    assert len(holders) == 1  # all to ivanova

    # 9. the expert: the new password, a forced change, then she scores a paper
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
    expert = context.new_page()
    try:
        expert.goto(f"{server}/login")
        expert.fill("#username", "ivanova")
        expert.fill("#password", new_password)
        expert.click("main button[type=submit]")
        expert.wait_for_url(f"{server}/account/password")
        assert expert.is_visible("#must-change")
        shot(expert, 12, "expert-must-change")
        expert.fill("#current", new_password)
        expert.fill("#new", "Irina-parol-2026")
        expert.fill("#repeat", "Irina-parol-2026")
        expert.click("main button[type=submit]")
        expert.wait_for_url(f"{server}/account/conflicts?first=1")
        expert.goto(f"{server}/expert/")
        expert.click("#next-paper")
        expert.wait_for_url(f"{server}/marking/*")
        expert.wait_for_selector("#page-img")
        assert "500101" not in expert.content() and "40001" not in expert.content()
        expert.keyboard.type(KEYS)
        expert.wait_for_selector("#save-state.saved")
        shot(expert, 13, "expert-scoring")
        scored = expert.url
        expert.keyboard.press("Control+Enter")
        assert expert.locator("#confirm-dialog").is_visible()
        expert.keyboard.press("Enter")  # «Сдать»: on to her next paper
        expert.wait_for_url(lambda url: url != scored)
        shot(expert, 14, "expert-next-paper")
    finally:
        context.close()
    db.expire_all()
    assert db.scalar(select(Assignment).where(Assignment.status == AssignmentStatus.SUBMITTED)) is not None

    # 10. the organiser closes the campaign (two papers still open: named, confirmed) and
    # downloads a published protocol
    page.goto(f"{server}/organiser/campaigns/rus4-2026/")
    page.click("#close-link")
    page.wait_for_url(f"{server}/organiser/campaigns/rus4-2026/close")
    assert "2 работы не перепроверены" in page.inner_text("#open-work")
    shot(page, 15, "close-confirmation")
    page.check("#confirm-open")
    page.click("#confirm-close")
    page.wait_for_selector("#published")
    assert page.inner_text("#published-title") == "Итоговые протоколы опубликованы"
    assert page.inner_text("#campaign-stage") == "Завершена"
    shot(page, 16, "protocols-published")
    with page.expect_download() as info:
        page.click("#published a:has-text('Протокол ОО 500101')")
    protocol = tmp_path / "protocol.pdf"
    info.value.save_as(protocol)
    assert protocol.read_bytes()[:5] == b"%PDF-"
