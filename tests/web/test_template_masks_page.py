"""The mask editor's routes (issue 15): organisers only, CSRF, body limits, an uploaded page,
its preview by the pipeline, a bad file answered in Russian, and saving (in place, refused with
pages rendered, then a new template)."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlalchemy import select

from crosscheck.models import AuditEvent, PaperTemplate
from crosscheck.services.campaigns.store import stored_spec
from tests.conftest import csrf_from
from tests.services.test_template_masks import NEW_IDENTITY, NEW_MASKS, jpeg, title_page

BASE = "/organiser/templates/vpr-math-5"


@pytest.fixture
def organiser(factory, login_as):
    factory.user("org", role="organiser")
    factory.campaign("c1")
    factory.commit()
    return login_as("org")


def token(client, url=f"{BASE}/") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def upload(client, data: bytes, name="title.jpg", content: bytes | None = None):
    form = {"csrf_token": token(client), "title_page": (io.BytesIO(data), name), "content_position": "2"}
    if content is not None:
        form["content_page"] = (io.BytesIO(content), "p2.png")
    return client.post(f"{BASE}/masks/pages", data=form, content_type="multipart/form-data")


def masks_json(masks=NEW_MASKS, identity=NEW_IDENTITY) -> str:
    return json.dumps({"masks": masks, "identity": identity})


def test_template_page_lists_the_masks_and_offers_the_upload(organiser):
    html = organiser.get(f"{BASE}/").get_data(as_text=True)
    assert "Маски на странице" in html and 'id="template-masks"' in html
    assert "на всех страницах" in html and "62–99" in html  # the demo template's header mask, in per cent
    assert 'action="/organiser/templates/vpr-math-5/masks/pages"' in html


def test_upload_opens_the_editor_with_the_page(organiser, data_dir):
    png = io.BytesIO()
    title_page().save(png, "PNG")
    response = upload(organiser, jpeg(title_page()), content=png.getvalue())
    assert response.status_code == 302 and response.location.endswith(f"{BASE}/masks")
    html = organiser.get(f"{BASE}/masks").get_data(as_text=True)
    data = json.loads(html.split('id="masks-data">')[1].split("</script>")[0])
    assert data["images"]["title"]["position"] == 1 and data["images"]["content"]["position"] == 2
    assert data["masks"][0]["page"] == "*" and data["identity"] is None
    assert '<script src="/static/masks.js"></script>' in html and "style=" not in html
    image = organiser.get(data["images"]["title"]["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Cache-Control"] == "no-store"


def test_a_bad_file_is_answered_in_russian(organiser):
    response = upload(organiser, b"%%not a scan at all", name="scan.jpg")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "scan.jpg: это не изображение; нужен скан страницы в JPEG, PNG или PDF" in html
    response = upload(organiser, b"", name="empty.png")
    assert response.status_code == 400 and "empty.png: файл пустой" in response.get_data(as_text=True)
    response = organiser.post(f"{BASE}/masks/pages", data={"csrf_token": token(organiser), "content_position": "2"},
                              content_type="multipart/form-data")
    assert response.status_code == 400 and "Выберите скан" in response.get_data(as_text=True)


def test_preview_is_the_pipelines_masked_render(organiser):
    upload(organiser, jpeg(title_page()))
    csrf = token(organiser, f"{BASE}/masks")
    response = organiser.post(f"{BASE}/masks/preview", data={"csrf_token": csrf, "masks_json": masks_json(),
                                                             "slot": "title"})
    assert response.status_code == 200, response.get_data(as_text=True)
    image = organiser.get(response.json["url"])
    assert image.status_code == 200
    with Image.open(io.BytesIO(image.data)) as img:
        grey = img.convert("L")
        assert grey.getpixel((300, 760)) < 20 and grey.getpixel((500, 20)) < 20 and grey.getpixel((100, 400)) > 200
    bad = organiser.post(f"{BASE}/masks/preview", data={
        "csrf_token": csrf, "slot": "title",
        "masks_json": masks_json([{"page": 1, "box": [0.5, 0.1, 0.4, 0.2]}], None)})
    assert bad.status_code == 400 and bad.json["errors"] == ["Маска 1, координаты: нужно x0 < x1 и y0 < y1"]


def test_save_updates_the_template_and_is_audited(organiser, db):
    csrf = token(organiser, f"{BASE}/masks")
    response = organiser.post(f"{BASE}/masks", data={"csrf_token": csrf, "masks_json": masks_json()})
    assert response.status_code == 302 and response.location.endswith(f"{BASE}/#masks")
    template = db.scalar(select(PaperTemplate).where(PaperTemplate.name == "vpr-math-5"))
    db.refresh(template)
    assert stored_spec(template).identity.digits == 6
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "template.masks")) is not None
    html = organiser.get(f"{BASE}/").get_data(as_text=True)
    assert "Маски шаблона «vpr-math-5» сохранены" in html and "Код участника (6 цифр)" in html
    assert "5–95" in html  # the new score-table mask


def test_invalid_masks_are_named_in_russian(organiser, db):
    csrf = token(organiser, f"{BASE}/masks")
    response = organiser.post(f"{BASE}/masks", data={
        "csrf_token": csrf, "masks_json": masks_json(NEW_MASKS, {"page": 9, "box": [0, 0, 1, 0.1], "digits": 5})})
    assert response.status_code == 400
    assert "Поле кода участника, страница: номер страницы от 1 до 4" in response.get_data(as_text=True)
    response = organiser.post(f"{BASE}/masks", data={"csrf_token": csrf, "masks_json": "{nonsense"})
    assert response.status_code == 400 and "Маски не получены" in response.get_data(as_text=True)


def test_rendered_pages_refuse_then_a_new_template(organiser, factory, db, data_dir):
    campaign = factory.campaign("c2")  # the same template
    factory.page(factory.paper(campaign), 1, data_dir)
    factory.commit()
    editor = organiser.get(f"{BASE}/masks").get_data(as_text=True)
    assert 'id="mask-rendered"' in editor and "кампания «c2»: 1 стр." in editor  # said before anything is drawn
    assert 'id="new-name"' in editor
    csrf = csrf_from(editor)
    response = organiser.post(f"{BASE}/masks", data={"csrf_token": csrf, "masks_json": masks_json()})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "не изменены: по нему уже есть сканы" in html and "«c2» (замаскировано страниц: 1)" in html
    assert 'id="new-name"' in html and 'value="vpr-math-5-m2"' in html and "Сохранить как новый шаблон" in html
    response = organiser.post(f"{BASE}/masks", data={"csrf_token": csrf, "masks_json": masks_json(),
                                                     "new_name": "vpr-math-5-m2"})
    assert response.status_code == 302 and response.location.endswith("/organiser/templates/vpr-math-5-m2/#masks")
    assert stored_spec(db.scalar(select(PaperTemplate).where(PaperTemplate.name == "vpr-math-5-m2"))).identity
    assert stored_spec(db.scalar(select(PaperTemplate).where(PaperTemplate.name == "vpr-math-5"))).identity is None


@pytest.mark.parametrize("role", ["expert", "reviewer", "observer"])
def test_other_roles_are_refused(factory, login_as, role):
    factory.user("someone", role=role)
    factory.campaign("c1")
    factory.commit()
    client = login_as("someone")
    csrf = csrf_from(client.get("/password").get_data(as_text=True))
    for url in (f"{BASE}/masks", f"{BASE}/masks/pages/title.jpg", f"{BASE}/masks/preview/{'0' * 64}.jpg"):
        assert client.get(url).status_code == 403, url
    for url, data in [(f"{BASE}/masks/pages", {"title_page": (io.BytesIO(jpeg(title_page())), "t.jpg")}),
                      (f"{BASE}/masks/preview", {"masks_json": masks_json(), "slot": "title"}),
                      (f"{BASE}/masks", {"masks_json": masks_json()})]:
        response = client.post(url, data={"csrf_token": csrf, **data}, content_type="multipart/form-data")
        assert response.status_code == 403, url


def test_posts_without_a_csrf_token_are_refused(organiser, db):
    for url, data in [(f"{BASE}/masks/pages", {"title_page": (io.BytesIO(jpeg(title_page())), "t.jpg")}),
                      (f"{BASE}/masks/preview", {"masks_json": masks_json(), "slot": "title"}),
                      (f"{BASE}/masks", {"masks_json": masks_json()})]:
        assert organiser.post(url, data=data, content_type="multipart/form-data").status_code == 400, url
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "template.masks")) is None


def test_an_oversized_upload_is_refused_before_it_is_read(app, organiser):
    app.config["CROSSCHECK"].max_table_upload_mb = 1
    response = organiser.post(f"{BASE}/masks/pages", data=b"x" * (1024 * 1024 + 1),
                              headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 413
    response = organiser.post(f"{BASE}/masks", data=b"x" * (1100 * 1024),
                              headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 413  # the ordinary form limit


def test_another_organisers_page_is_not_served(organiser, factory, app):
    upload(organiser, jpeg(title_page()))
    factory.user("org2", role="organiser")
    factory.commit()
    from tests.conftest import login

    other = app.test_client()
    login(other, "org2")
    assert other.get(f"{BASE}/masks/pages/title.jpg").status_code == 404
    assert organiser.get(f"{BASE}/masks/pages/title.jpg").status_code == 200
