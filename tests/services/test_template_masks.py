"""Masks and the identity box drawn on a real page (issue 15), the service half: saving them
(the template updated in place while nothing is rendered, refused once pages are, a new template
instead), validation naming the key, the editor's uploaded pages and the pipeline-made preview."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from crosscheck.domain.template import TemplateError
from crosscheck.models import AuditEvent, BatchStatus, PaperTemplate, ScanBatch
from crosscheck.services.campaigns.masks import MasksRefused, save_masks
from crosscheck.services.campaigns.store import CampaignError, stored_spec
from crosscheck.services.scans import mask_pages

NEW_MASKS = [{"page": "*", "box": [0.6, 0.0, 1.0, 0.08]}, {"page": 1, "box": [0.05, 0.8, 0.95, 0.97]}]
NEW_IDENTITY = {"page": 1, "box": [0.65, 0.02, 0.97, 0.1], "digits": 6}


def title_page(width=600, height=848) -> Image.Image:
    """A title page: a code-box grid top right and a score table at the bottom."""
    img = Image.new("L", (width, height), 250)
    d = ImageDraw.Draw(img)
    for i in range(6):
        x = int(width * 0.66) + i * int(width * 0.05)
        d.rectangle([x, int(height * 0.03), x + int(width * 0.045), int(height * 0.08)], outline=0, width=2)
        d.text((x + 8, int(height * 0.04)), str(i + 3), fill=0)
    for i in range(10):
        x = int(width * 0.08) + i * int(width * 0.085)
        d.rectangle([x, int(height * 0.85), x + int(width * 0.08), int(height * 0.93)], outline=0, width=2)
    d.text((int(width * 0.1), int(height * 0.3)), "VPR 5", fill=0)
    return img


def jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92)
    return buf.getvalue()


@pytest.fixture
def campaign(factory):
    c = factory.campaign("c1")
    factory.commit()
    return c


def test_masks_and_identity_saved_in_place_while_nothing_is_rendered(db, campaign):
    template = campaign.template
    saved = save_masks(db, template, NEW_MASKS, NEW_IDENTITY)
    db.commit()
    assert saved.changed and not saved.created and saved.template.id == template.id
    stored = db.scalar(select(PaperTemplate).where(PaperTemplate.id == template.id))
    spec = stored_spec(stored)
    assert [m.box for m in spec.masks] == [(0.6, 0.0, 1.0, 0.08), (0.05, 0.8, 0.95, 0.97)]
    assert spec.identity.digits == 6 and spec.identity.box == (0.65, 0.02, 0.97, 0.1)
    # what the pipeline renders: the masks and the identity box
    assert stored.masks == NEW_MASKS + [{"page": 1, "box": [0.65, 0.02, 0.97, 0.1]}]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "template.masks"))
    assert event.entity_id == template.id and event.after["identity"]["digits"] == 6
    assert event.before["masks"] != event.after["masks"]


def test_unchanged_masks_are_no_change(db, campaign):
    doc = stored_spec(campaign.template).to_document()
    saved = save_masks(db, campaign.template, doc["masks"], doc.get("identity"))
    assert not saved.changed
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "template.masks")) == 0


def test_identity_removed(db, campaign):
    save_masks(db, campaign.template, NEW_MASKS, NEW_IDENTITY)
    save_masks(db, campaign.template, NEW_MASKS, None)
    assert stored_spec(campaign.template).identity is None
    assert campaign.template.masks == NEW_MASKS


def test_invalid_masks_are_refused_by_key(db, campaign):
    before = campaign.template.source
    with pytest.raises(TemplateError) as err:
        save_masks(db, campaign.template, [{"page": 1, "box": [0.5, 0.2, 0.4, 0.3]}],
                   {"page": 1, "box": [0, 0, 1.2, 0.1], "digits": 11})
    assert any(e.startswith("masks[1].box") for e in err.value.errors)
    assert any(e.startswith("identity.digits") for e in err.value.errors)
    assert campaign.template.source == before


def test_rendered_pages_refuse_the_update_and_keep_the_old_masks(db, factory, campaign, data_dir):
    paper = factory.paper(campaign)
    factory.page(paper, 1, data_dir)
    factory.commit()
    old_masks, old_source = list(campaign.template.masks), campaign.template.source
    with pytest.raises(MasksRefused) as err:
        save_masks(db, campaign.template, NEW_MASKS, NEW_IDENTITY)
    assert "«c1» (замаскировано страниц: 1)" in str(err.value) and "новый шаблон" in str(err.value)
    db.rollback()
    template = db.get(PaperTemplate, campaign.template_id)
    assert template.masks == old_masks and template.source == old_source


def test_a_scan_being_processed_refuses_the_update(db, factory, campaign):
    db.add(ScanBatch(campaign_id=campaign.id, filename="s.pdf", sha256="a" * 64, stored_path="x.pdf",
                     status=BatchStatus.RUNNING))
    db.flush()
    with pytest.raises(MasksRefused, match="обрабатывается файлов сканов: 1"):
        save_masks(db, campaign.template, NEW_MASKS, NEW_IDENTITY)


def test_rendered_pages_new_masks_go_to_a_new_template(db, factory, campaign, data_dir):
    paper = factory.paper(campaign)
    factory.page(paper, 1, data_dir)
    factory.commit()
    saved = save_masks(db, campaign.template, NEW_MASKS, NEW_IDENTITY, new_name="vpr-math-5-m2")
    db.commit()
    assert saved.created and saved.template.name == "vpr-math-5-m2"
    new = stored_spec(saved.template)
    old = stored_spec(campaign.template)
    assert new.identity.digits == 6 and [t.label for t in new.tasks] == [t.label for t in old.tasks]
    assert campaign.template.name == "vpr-math-5" and old.masks != new.masks  # the old campaign is untouched
    with pytest.raises(CampaignError, match="уже есть"):
        save_masks(db, campaign.template, NEW_MASKS, None, new_name="vpr-math-5-m2")


# --- the editor's pages and the preview ----------------------------------------------------

def test_uploaded_page_is_previewed_with_the_pipelines_masking(db, campaign, data_dir):
    t = campaign.template
    page = mask_pages.store_page(data_dir, 7, t.id, "title", "title.jpg", jpeg(title_page()), 1)
    assert (page.width, page.height) == (600, 848)
    assert mask_pages.page_file(data_dir, 7, t.id, "title").is_file()
    assert mask_pages.page_file(data_dir, 8, t.id, "title") is None  # another organiser's session
    from crosscheck.services.campaigns.masks import spec_with_masks

    spec = spec_with_masks(t, [{"page": 1, "box": [0.05, 0.8, 0.95, 0.97]}], NEW_IDENTITY)
    shown = mask_pages.preview(data_dir, 7, t.id, "title", spec)
    with Image.open(shown.path) as img:
        assert img.size == (600, 848)
        grey = img.convert("L")
        for x, y in ((300, 760), (500, 20), (580, 80)):  # inside the masks and the identity box: fill 0
            assert grey.getpixel((x, y)) < 20, (x, y)
        assert grey.getpixel((100, 400)) > 200  # outside: the page
    assert shown.turn == 0 and shown.doubt == ""
    assert mask_pages.preview_file(data_dir, 7, t.id, shown.path.stem) == shown.path
    again = mask_pages.preview(data_dir, 7, t.id, "title", spec_with_masks(t, NEW_MASKS, None))
    assert again.path != shown.path and not shown.path.exists()  # one preview a page is kept
    assert mask_pages.page_file(data_dir, 7, t.id, "title").is_file()
    mask_pages.discard(data_dir, 7, t.id)
    assert mask_pages.page_file(data_dir, 7, t.id, "title") is None


def test_preview_says_when_the_pipeline_would_turn_the_page(db, campaign, data_dir):
    """A lone mask over an empty corner whose upside-down twin is the inked code grid: the
    pipeline would turn such a page by 180° — the preview shows it and says so."""
    t = campaign.template
    mask_pages.store_page(data_dir, 7, t.id, "title", "title.jpg", jpeg(title_page()), 1)
    from crosscheck.services.campaigns.masks import spec_with_masks

    shown = mask_pages.preview(data_dir, 7, t.id, "title",
                               spec_with_masks(t, [{"page": 1, "box": [0.0, 0.94, 0.3, 0.99]}], None))
    assert shown.turn == 180 and shown.doubt == ""


def test_pdf_first_page_is_read(db, campaign, data_dir):
    buf = io.BytesIO()
    title_page().convert("RGB").save(buf, "PDF", resolution=72)
    page = mask_pages.store_page(data_dir, 7, campaign.template.id, "title", "t.pdf", buf.getvalue(), 1)
    assert page.width == 600


@pytest.mark.parametrize("data, message", [
    (b"", "файл пустой"),
    (b"hello, not an image", "это не изображение"),
    (jpeg(title_page())[:200], "это не изображение"),
])
def test_bad_files_are_refused_in_russian(db, campaign, data_dir, data, message):
    with pytest.raises(mask_pages.MaskPageError, match=message):
        mask_pages.store_page(data_dir, 7, campaign.template.id, "title", "x.jpg", data, 1)


def test_old_sessions_are_swept(data_dir):
    import os
    import time

    root = mask_pages.editor_root(data_dir)
    for i in range(mask_pages.MAX_SESSIONS + 3):
        d = root / f"u{i}-t1"
        d.mkdir(parents=True)
        os.utime(d, (time.time() - i, time.time() - i))
    old = root / "u99-t1"
    old.mkdir()
    os.utime(old, (time.time() - mask_pages.MAX_AGE_S - 10,) * 2)
    mask_pages.sweep(data_dir)
    left = sorted(d.name for d in root.iterdir())
    assert len(left) == mask_pages.MAX_SESSIONS and "u99-t1" not in left and "u0-t1" in left
    json.dumps(left)
