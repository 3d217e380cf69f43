"""An organiser draws a template's masks on a real title page (issue 15): uploads a scan made
here with Pillow (the participant code grid top right, the score table at the bottom), drags a
new mask with the mouse, moves and stretches it with the keyboard, previews the page as an
expert will see it (the server's masked render: the mask's pixels are the fill), and saves."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from crosscheck.models import PaperTemplate
from crosscheck.services.campaigns.store import stored_spec
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

W, H = 1240, 1754  # A4 at 150 dpi


@pytest.fixture
def viewport():
    return {"width": 1366, "height": 900}  # a school laptop


@pytest.fixture
def title_scan(tmp_path):
    img = Image.new("L", (W, H), 246)
    d = ImageDraw.Draw(img)
    d.text((90, 70), "Всероссийская проверочная работа", fill=30)
    d.text((90, 110), "МАТЕМАТИКА, 5 класс", fill=30)
    for i in range(5):  # the participant code boxes, top right, with handwritten-ish digits
        x = 820 + i * 72
        d.rectangle([x, 60, x + 64, 150], outline=0, width=3)
        d.line([x + 20, 80, x + 44, 130], fill=20, width=6)
    d.text((820, 30), "Код участника", fill=30)
    for row in range(2):  # the teacher's score table at the bottom
        for col in range(12):
            x, y = 80 + col * 90, 1450 + row * 80
            d.rectangle([x, y, x + 90, y + 80], outline=0, width=2)
            if row:
                d.text((x + 35, y + 30), str(col % 3), fill=10)
    for line in range(12):  # task text
        d.line([90, 300 + line * 60, 1150, 300 + line * 60], fill=120, width=3)
    path = tmp_path / "titul.jpg"
    img.save(path, "JPEG", quality=90)
    return path


def mask_json(page) -> dict:
    return json.loads(page.input_value("#masks-json"))


def test_organiser_draws_a_mask_on_a_title_page_and_saves_it(page, live_server, factory, db, title_scan):
    factory.user("org", role="organiser")
    factory.campaign("c1", name="Весна 2026")
    factory.commit()
    sign_in(page, live_server, "org", home="/organiser/")
    page.goto(f"{live_server}/organiser/templates/vpr-math-5/")
    assert "Маски на странице" in page.locator("#masks").inner_text()
    page.set_input_files("#title_page", str(title_scan))
    page.click("#mask-pages-form button[type=submit]")
    page.wait_for_url(f"{live_server}/organiser/templates/vpr-math-5/masks")
    page.wait_for_function("() => document.getElementById('mask-image').complete "
                           "&& document.getElementById('mask-image').naturalWidth > 0")
    before = mask_json(page)
    rects = page.locator(".mask-rect")
    on_title = [m for m in before["masks"] if m["page"] in ("*", 1)]
    assert rects.count() == len(on_title) == 2  # the demo template's third mask is on page 4
    assert "страница 4" in page.locator("#mask-all").inner_text()  # listed, not drawn
    screenshot(page, "masks-editor")

    # a new mask dragged with the mouse, from 30 %/40 % to 60 %/55 % of the page
    stage = page.locator("#mask-stage").bounding_box()
    page.mouse.move(stage["x"] + stage["width"] * 0.30, stage["y"] + stage["height"] * 0.40)
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] * 0.45, stage["y"] + stage["height"] * 0.47, steps=5)
    page.mouse.move(stage["x"] + stage["width"] * 0.60, stage["y"] + stage["height"] * 0.55, steps=5)
    page.mouse.up()
    after = mask_json(page)
    assert len(after["masks"]) == len(before["masks"]) + 1
    new = after["masks"][-1]
    assert new["page"] == 1
    assert new["box"] == pytest.approx([0.30, 0.40, 0.60, 0.55], abs=0.004)
    focused = page.locator(".mask-rect:focus")
    assert focused.count() == 1 and "kind-page" in focused.get_attribute("class")
    assert "Добавлена Маска 4, только страница 1" in page.locator("#masks-status").inner_text()

    # moved with the keyboard: 4 × 0.5 % right, 2 × 0.5 % down, then 2 × 0.5 % taller
    for key in ["ArrowRight"] * 4 + ["ArrowDown"] * 2 + ["Shift+ArrowDown"] * 2:
        page.keyboard.press(key)
    box = mask_json(page)["masks"][-1]["box"]
    assert box == pytest.approx([new["box"][0] + 0.02, new["box"][1] + 0.01, new["box"][2] + 0.02,
                                 new["box"][3] + 0.02], abs=0.0002)
    assert "по ширине" in page.locator("#masks-status").inner_text()
    assert page.locator(".mask-rect:focus").count() == 1  # the focus ring stays on it
    screenshot(page, "masks-keyboard")

    # the participant code box: added, its digits set, kept on the title page
    page.click("#add-identity")
    assert "Добавлена Поле кода участника (5 цифр)" in page.locator("#masks-status").inner_text()
    page.fill("#mask-digits", "6")
    page.locator("#mask-digits").dispatch_event("change")
    identity = mask_json(page)["identity"]
    assert identity["digits"] == 6 and identity["page"] == 1
    assert page.locator(".mask-rect.kind-identity").count() == 1 and page.is_hidden("#add-identity")

    # the server's preview: the pipeline's masked render
    page.click("#preview-button")
    page.wait_for_function("() => !document.getElementById('preview-image').hidden "
                           "&& document.getElementById('preview-image').complete "
                           "&& document.getElementById('preview-image').naturalWidth > 0")
    assert "Так эксперт увидит страницу 1" in page.locator("#preview-note").inner_text()
    src = page.get_attribute("#preview-image", "src")
    body = page.request.get(src if src.startswith("http") else live_server + src).body()
    with Image.open(io.BytesIO(body)) as shown:
        assert shown.size == (W, H)
        grey = shown.convert("L")
        x0, y0, x1, y1 = box
        inside = [(int(W * (x0 + (x1 - x0) * fx)), int(H * (y0 + (y1 - y0) * fy)))
                  for fx in (0.05, 0.5, 0.95) for fy in (0.05, 0.5, 0.95)]
        assert all(grey.getpixel(p) < 16 for p in inside), [grey.getpixel(p) for p in inside]
        assert grey.getpixel((int(W * 0.2), int(H * 0.35))) > 200  # outside every mask: the page
        assert grey.getpixel((900, 100)) < 16  # the code box: masked on every page
    screenshot(page, "masks-preview")

    page.click("#save-masks")
    page.wait_for_url(f"{live_server}/organiser/templates/vpr-math-5/#masks")
    assert "Маски шаблона «vpr-math-5» сохранены" in page.content()
    rows = page.locator("#template-masks tr.mask-row:not(.identity-row)")
    assert rows.count() == len(before["masks"]) + 1
    last = rows.nth(rows.count() - 1).inner_text()
    assert "страница 1" in last and "Маска 4" in last
    assert "Код участника (6 цифр)" in page.locator("#template-masks").inner_text()
    screenshot(page, "masks-saved")
    template = db.scalar(select(PaperTemplate).where(PaperTemplate.name == "vpr-math-5"))
    db.refresh(template)
    assert [list(m.box) for m in stored_spec(template).masks][-1] == pytest.approx(box, abs=1e-4)
