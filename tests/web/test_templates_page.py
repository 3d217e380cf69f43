"""The organiser's «Шаблоны» page (issue 13, the web half): the stored templates and the
conversion scales, a scales file imported in the browser, a new template drafted from a
school's results form, edited, saved, downloaded as YAML, and a campaign created from it."""
from __future__ import annotations

import io
import re

import pytest
import yaml
from sqlalchemy import select

from crosscheck.domain.template import parse_template
from crosscheck.models import AuditEvent, Campaign, PaperTemplate
from tests.conftest import csrf_from
from tests.test_scales_cli import HEADER, HISTORY_8, MATH_5
from tests.test_template_from_form import RUSSIAN_4, results_form

INDEX = "/organiser/templates/"


@pytest.fixture
def organiser(factory, login_as):
    factory.user("org", role="organiser")
    factory.commit()
    return login_as("org")


def token(client, url: str = INDEX) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def form_bytes(tmp_path, name="rus4.xlsx", part1=RUSSIAN_4[0], part2=RUSSIAN_4[1]) -> bytes:
    return (tmp_path / name).read_bytes() if (tmp_path / name).exists() else \
        open(results_form(tmp_path / name, part1, part2), "rb").read()


def upload_form(client, data: bytes, filename="rus4.xlsx", *, subject="Русский язык", grade="4", year="2026"):
    return client.post("/organiser/templates/from-form", data={
        "csrf_token": token(client), "file": (io.BytesIO(data), filename), "subject": subject, "grade": grade,
        "year": year}, content_type="multipart/form-data")


def upload_scales(client, text: str | bytes, filename="scales.csv", follow=True):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/organiser/templates/scales", data={"csrf_token": token(client),
                                                            "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", follow_redirects=follow)


def draft_fields(html: str) -> dict[str, str]:
    """The edit page's fields as the browser would send them back."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name and 'type="file"' not in tag:
            value = re.search(r'value="([^"]*)"', tag)
            fields[name.group(1)] = _unescape(value.group(1)) if value else ""
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', html, re.S):
        fields[name] = _unescape(value)
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


# --- the page ------------------------------------------------------------------------------

def test_organiser_sees_no_templates_yet_and_the_shipped_scales(organiser):
    page = organiser.get(INDEX)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Шаблонов пока нет" in html
    assert "russian" in html and "встроена" in html and "vpr-ege.ru" in html
    assert 'href="/organiser/templates/"' in organiser.get("/organiser/").get_data(as_text=True)


def test_stored_templates_are_listed_with_their_campaigns(organiser, factory):
    factory.campaign("vesna-2026", name="Весна")
    factory.commit()
    html = organiser.get(INDEX).get_data(as_text=True)
    assert "vpr-math-5" in html and "vesna-2026" in html and "Шаблонов пока нет" not in html
    detail = organiser.get("/organiser/templates/vpr-math-5/")
    assert detail.status_code == 200 and "Создать кампанию по этому шаблону" in detail.get_data(as_text=True)
    assert organiser.get("/organiser/templates/no-such/").status_code == 404


@pytest.mark.parametrize("role", ["expert", "reviewer", "observer"])
def test_other_roles_are_refused(factory, login_as, role, tmp_path):
    factory.user("someone", role=role)
    factory.campaign("c1")
    factory.commit()
    client = login_as("someone")
    assert client.get(INDEX).status_code == 403
    assert client.get("/organiser/templates/vpr-math-5/").status_code == 403
    csrf = csrf_from(client.get("/password").get_data(as_text=True))
    for url, data in [("/organiser/templates/scales", {"file": (io.BytesIO(b"x"), "s.csv")}),
                      ("/organiser/templates/from-form", {"file": (io.BytesIO(b"x"), "f.csv"), "subject": "x",
                                                          "grade": "4"}),
                      ("/organiser/templates/draft", {"name": "x"}),
                      ("/organiser/templates/vpr-math-5/campaign", {"slug": "x", "name": "x", "per_paper": "1"})]:
        response = client.post(url, data={"csrf_token": csrf, **data}, content_type="multipart/form-data")
        assert response.status_code == 403, url


def test_posts_without_a_csrf_token_are_refused(organiser, tmp_path, db):
    data = form_bytes(tmp_path)
    response = organiser.post("/organiser/templates/from-form", data={
        "file": (io.BytesIO(data), "rus4.xlsx"), "subject": "Русский язык", "grade": "4", "year": "2026"},
        content_type="multipart/form-data")
    assert response.status_code == 400
    response = organiser.post("/organiser/templates/scales", data={"file": (io.BytesIO(b"x"), "s.csv")},
                              content_type="multipart/form-data")
    assert response.status_code == 400


def test_an_oversized_upload_is_refused_before_it_is_read(app, organiser):
    app.config["CROSSCHECK"].max_table_upload_mb = 1
    for url in ("/organiser/templates/from-form", "/organiser/templates/scales"):
        response = organiser.post(url, data=b"x" * (1024 * 1024 + 1),
                                  headers={"Content-Type": "application/octet-stream"})
        assert response.status_code == 413


# --- conversion scales ---------------------------------------------------------------------

def test_scales_file_is_imported_then_a_replacement_shows_old_and_new(organiser, data_dir, db):
    page = upload_scales(organiser, HEADER + MATH_5 + HISTORY_8)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "добавлено 2, заменено 0, без изменений 0" in html
    assert "example.org/vpr-2027-math-5" in html and "загружена" in html  # listed as imported
    assert (data_dir / "scales.csv").exists()
    changed = MATH_5.replace("3-4,5-5,6-7", "2-3,4-5,6-7").replace("vpr-2027-math-5", "vpr-2027-math-5-v2")
    html = upload_scales(organiser, HEADER + changed + HISTORY_8).get_data(as_text=True)
    assert "добавлено 0, заменено 1, без изменений 1" in html
    assert ("Заменена шкала math, 5 класс, 2027 год: 3/4/5 3/5/6 из 7 (https://example.org/vpr-2027-math-5) → "
            "3/4/5 2/4/6 из 7 (https://example.org/vpr-2027-math-5-v2)") in html
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "scales.import")).all()
    assert len(events) == 2 and events[0].actor_label == "org"
    assert events[1].after["replaced"] == {"math-5-2027": "3/4/5 2/4/6 из 7 (https://example.org/vpr-2027-math-5-v2)"}


def test_a_bad_scales_file_lists_every_error_and_writes_nothing(organiser, data_dir):
    bad = HEADER + MATH_5 + "астрономия,12,pre-2025,x,0-5,6-10,5-15,16-20,maybe,\n"
    page = upload_scales(organiser, bad, "bad.csv")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Файл «bad.csv» не загружен" in html and "ничего не записано" in html
    for where in ('row 3, column &#34;subject&#34;', 'row 3, column &#34;grade&#34;', 'row 3, column &#34;source&#34;'):
        assert where in html
    assert not (data_dir / "scales.csv").exists()


@pytest.mark.parametrize("payload, filename, words", [
    (b"PK\x03\x04rest-of-a-zip", "scales.xlsx", "это файл XLSX"),
    ("subject;grade\nmath;5\n".encode("cp1251"), "scales.csv", "нет столбца"),
    ("предмет,класс\n".encode("cp1251"), "scales.csv", "не в кодировке UTF-8"),
])
def test_a_scales_file_of_another_kind_is_refused_in_russian(organiser, data_dir, payload, filename, words):
    page = upload_scales(organiser, payload, filename)
    assert page.status_code == 400
    assert words in page.get_data(as_text=True)
    assert not (data_dir / "scales.csv").exists()


# --- a template from a results form --------------------------------------------------------

def test_form_upload_prefills_the_tasks_and_the_known_scale(organiser, tmp_path):
    page = upload_form(organiser, form_bytes(tmp_path))
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:2000]
    fields = draft_fields(html)
    labels = [fields[f"tasks-{i}-label"] for i in range(12)]
    assert labels == [str(n) for n in range(1, 13)]
    assert fields["tasks-3-max"] == "3" and "tasks-12-label" not in fields
    assert fields["name"] == "vpr-russian-4-2026" and fields["title"] == "ВПР. Русский язык. 4 класс"
    assert (fields["grade3"], fields["grade4"], fields["grade5"]) == ("10", "16", "21")
    assert "шкала перевода 2026 года" in html and "vpr-ege.ru" in html
    assert "максимальный первичный балл 24" in html


def test_without_a_known_scale_the_thresholds_are_left_empty_never_guessed(organiser, tmp_path):
    html = upload_form(organiser, form_bytes(tmp_path), year="2025").get_data(as_text=True)
    fields = draft_fields(html)
    assert (fields["grade3"], fields["grade4"], fields["grade5"]) == ("", "", "")
    assert "Шкала перевода не найдена" in html and "укажите пороги" in html
    small = upload_form(organiser, form_bytes(tmp_path, "small.xlsx", ["1 (1б)", "2 (1б)"], ()))
    html = small.get_data(as_text=True)
    assert "рассчитана на 24" in html and "--grades" not in html
    assert draft_fields(html)["grade3"] == ""


@pytest.mark.parametrize("make, filename, words", [
    (lambda p: b"name,score\nIvan,5\n", "list.csv", "не найдена строка заголовков"),
    (lambda p: form_bytes(p, "notasks.xlsx", ["Задание 1", "Задание 2"], ()), "notasks.xlsx",
     "нет столбцов заданий"),
    (lambda p: "Код;1 (1б);2 (2б)\n40001;1;2\n".encode(), "form.xlsx", "это не файл XLSX"),
    (lambda p: b"", "empty.csv", "файл пуст"),
    (lambda p: b"\xd0\xcf\x11\xe0old-xls", "old.xls", "старого формата XLS"),
])
def test_a_file_that_is_not_a_results_form_is_refused_in_russian(organiser, tmp_path, db, make, filename, words):
    page = upload_form(organiser, make(tmp_path), filename)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Шаблон не составлен" in html and words in html
    assert db.scalar(select(PaperTemplate.id)) is None


def test_edited_draft_is_saved_and_a_campaign_created_from_it(organiser, tmp_path, db):
    fields = draft_fields(upload_form(organiser, form_bytes(tmp_path)).get_data(as_text=True))
    fields["tasks-0-criteria"] = "2 балла — без ошибок.\n1 балл — одна ошибка."
    saved = organiser.post("/organiser/templates/draft", data=fields | {"action": "save"})
    assert saved.status_code == 302 and saved.location.endswith("/organiser/templates/vpr-russian-4-2026/")
    template = db.scalar(select(PaperTemplate).where(PaperTemplate.name == "vpr-russian-4-2026"))
    assert [t.label for t in template.tasks][:3] == ["1", "2", "3"] and template.max_total == 24
    assert template.tasks[0].criteria == "2 балла — без ошибок.\n1 балл — одна ошибка."
    assert (template.grade3_min, template.grade4_min, template.grade5_min) == (10, 16, 21)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "template.create")).entity_id == template.id
    detail = organiser.get(saved.location).get_data(as_text=True)
    assert "сохранён" in detail and "Создать кампанию по этому шаблону" in detail
    created = organiser.post("/organiser/templates/vpr-russian-4-2026/campaign", data={
        "csrf_token": csrf_from(detail), "slug": "rus4-2026", "name": "ВПР 4 класс, весна", "per_paper": "2"})
    assert created.status_code == 302 and created.location.endswith("/organiser/campaigns/rus4-2026/")
    campaign = db.scalar(select(Campaign).where(Campaign.slug == "rus4-2026"))
    assert campaign.template_id == template.id and campaign.per_paper == 2
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.create"))
    assert event.actor_label == "org"
    again = organiser.post("/organiser/templates/vpr-russian-4-2026/campaign", data={
        "csrf_token": csrf_from(detail), "slug": "rus4-2026", "name": "ещё", "per_paper": "1"})
    assert again.status_code == 400 and "уже существует" in again.get_data(as_text=True)
    bad = organiser.post("/organiser/templates/vpr-russian-4-2026/campaign", data={
        "csrf_token": csrf_from(detail), "slug": "Весна 2026", "name": "x", "per_paper": "1"})
    assert bad.status_code == 400 and "Код кампании «Весна 2026»" in bad.get_data(as_text=True)


def test_invalid_edits_are_named_by_field_and_nothing_is_stored(organiser, tmp_path, db):
    fields = draft_fields(upload_form(organiser, form_bytes(tmp_path), year="2025").get_data(as_text=True))
    fields |= {"name": "Русский 4", "grade3": "10", "grade4": "16", "grade5": "30", "pages": "ноль"}
    page = organiser.post("/organiser/templates/draft", data=fields | {"action": "save"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'data-key="name"' in html and "name: только строчные латинские буквы" in html
    assert 'data-key="grades.5"' in html and "больше максимального первичного балла 24" in html
    assert 'data-key="pages"' in html
    assert draft_fields(html)["tasks-5-label"] == "6"  # the draft survives the round trip
    assert db.scalar(select(PaperTemplate.id)) is None
    empty = fields | {"name": "vpr-rus-4", "pages": "4", "grade3": "", "grade4": "", "grade5": ""}
    html = organiser.post("/organiser/templates/draft", data=empty | {"action": "save"}).get_data(as_text=True)
    assert "grades.3: обязательный порог отсутствует" in html


def test_a_name_taken_by_another_template_is_refused_next_to_the_name(organiser, tmp_path, factory, db):
    factory.campaign("c1")
    factory.commit()
    fields = draft_fields(upload_form(organiser, form_bytes(tmp_path)).get_data(as_text=True))
    page = organiser.post("/organiser/templates/draft", data=fields | {"name": "vpr-math-5", "action": "save"})
    assert page.status_code == 400
    assert 'data-key="name"' in page.get_data(as_text=True) and "уже есть" in page.get_data(as_text=True)


def test_the_draft_downloads_as_the_yaml_the_cli_writes(organiser, tmp_path, run, db):
    fields = draft_fields(upload_form(organiser, form_bytes(tmp_path)).get_data(as_text=True))
    fields["tasks-1-criteria"] = "1 балл — верно."
    response = organiser.post("/organiser/templates/draft", data=fields | {"action": "yaml"})
    assert response.status_code == 200
    assert 'filename="vpr-russian-4-2026.yaml"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("# Шаблон составлен по форме сбора результатов rus4.xlsx")
    assert "# Пороги отметок: шкала перевода 2026 года (" in text
    doc = yaml.safe_load(text)
    assert parse_template(doc).tasks[1].criteria == "1 балл — верно."
    out = tmp_path / "cli.yaml"
    assert run("template", "from-form", str(tmp_path / "rus4.xlsx"), "--subject", "Русский язык", "--grade", "4",
               "--year", "2026", "-o", str(out)).exit_code == 0
    cli_doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert list(doc) == list(cli_doc) and doc["grades"] == cli_doc["grades"] and doc["masks"] == cli_doc["masks"]
    assert db.scalar(select(PaperTemplate.id)) is None  # a download stores nothing


def test_long_criteria_for_every_task_fit_in_one_save(organiser, tmp_path, db):
    """The edit page posts multipart: each criteria field is bounded on its own, not the whole
    form by the url-encoded limit (a paper's criteria are pages of text)."""
    fields = draft_fields(upload_form(organiser, form_bytes(tmp_path)).get_data(as_text=True))
    long = "Критерий оценивания, подробно. " * 500  # 15 000 characters
    fields |= {f"tasks-{i}-criteria": long for i in range(12)}
    saved = organiser.post("/organiser/templates/draft", data=fields | {"action": "save"},
                           content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    template = db.scalar(select(PaperTemplate).where(PaperTemplate.name == "vpr-russian-4-2026"))
    assert all(len(t.criteria) == len(long.strip()) for t in template.tasks)
