"""Issue 19, finding 5: a scanner's JPEG comment (and EXIF/XMP) never leaves the server.

A school's scanner writes what was typed into it into every page: here «Иванов 77702» in
the JPEG comment (COM), in EXIF and in XMP. The scan goes in through the organiser's
upload; then every image anyone is served - the expert's masked pages full size and as
screen renders, the organiser's originals - is fetched and searched for it.
"""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import update

from crosscheck.models import Page
from tests.conftest import csrf_from, login
from tests.scans.conftest import build_scan, upload_scan

SECRET = "Иванов 77702"
TRACES = [SECRET.encode("utf-8"), SECRET.encode("utf-16-le"), SECRET.encode("utf-16-be"), b"77702",
          "Иванов".encode("cp1251")]
METADATA = {0xFE, *range(0xE1, 0xF0)}  # COM and APP1..APP15


def scanner_jpeg(img: Image.Image) -> bytes:
    """A page as a talkative scanner writes it: COM, EXIF (description and XPComment), XMP."""
    exif = Image.Exif()
    exif[0x010E] = SECRET            # ImageDescription
    exif[0x9C9C] = SECRET.encode("utf-16-le")  # XPComment
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80, comment=SECRET.encode(), exif=exif.tobytes(),
             xmp=f"<x:xmpmeta><dc:creator>{SECRET}</dc:creator></x:xmpmeta>".encode())
    return out.getvalue()


def header_markers(data: bytes) -> list[int]:
    """The markers of the segments before the first scan (where metadata lives)."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:
        marker = data[pos + 1]
        markers.append(marker)
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return markers


def assert_clean(data: bytes, what: str) -> None:
    assert data[:2] == b"\xff\xd8", what
    assert not METADATA & set(header_markers(data)), (what, [hex(m) for m in header_markers(data)])
    assert b"\xff\xfe" not in data, what  # no COM segment anywhere, between scans or after the end
    for trace in TRACES:
        assert trace not in data, (what, trace)
    Image.open(io.BytesIO(data)).load()  # still a good image


@pytest.fixture
def imported(factory, client, db, tmp_path):
    factory.user("org", role="organiser")
    expert = factory.user("exp01", school=factory.school("500102"))
    campaign = factory.campaign("vpr-math-5-2026", name="Весна 2026")
    school = factory.school("500101")
    papers = [factory.paper(campaign, school, code=f"1000{i}") for i in (1, 2)]
    factory.commit()
    scan = build_scan(tmp_path / "scan.pdf", campaign, school, papers, pages_per_paper=4, upside_down=[papers[1]],
                      encode=scanner_jpeg)
    assert SECRET.encode() in scan.read_bytes()  # the attack is really in the file
    assert login(client, "org").status_code == 302
    response = upload_scan(client, campaign.slug, scan.read_bytes(), "scan.pdf")
    assert "обработан" in response.get_data(as_text=True)
    # Pages whose masks the pipeline doubts are held back until an organiser confirms them;
    # here every page is taken as confirmed, so that all of them are served.
    db.execute(update(Page).values(doubt=""))
    assignments = [factory.assignment(paper, expert) for paper in papers]
    factory.commit()
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/account/password").get_data(as_text=True))})
    return campaign, assignments


def test_no_served_page_carries_the_scanners_comment_or_exif(imported, login_as, app):
    campaign, assignments = imported
    expert = login_as("exp01")
    served = 0
    for assignment in assignments:
        html = expert.get(f"/marking/{assignment.id}").get_data(as_text=True)
        pages = {u.split("?")[0] for u in re.findall(r'src="(/api/v1/assignments/[^"]+)"', html)}
        assert len(pages) == 4
        for url in sorted(pages):  # the thumbnail, the screen render and the full page, one zoom away
            for query in ("?w=800", "?w=1200", ""):
                response = expert.get(url + query)
                assert response.status_code == 200, url + query
                assert_clean(response.data, url + query)
                served += 1
    assert served >= 2 * 4 * 3

    # Behind nginx the full page goes by X-Accel-Redirect: only files that are clean as stored.
    app.config["CROSSCHECK"].accel_pages_prefix = "/_pages"
    response = expert.get(f"/api/v1/assignments/{assignments[0].id}/pages/1")
    assert response.status_code == 200
    if not response.headers.get("X-Accel-Redirect"):
        assert_clean(response.data, "accel fallback")


def test_originals_shown_to_the_organiser_carry_no_metadata_either(imported, login_as, db):
    organiser = login_as("org")
    pages = db.query(Page).all()
    assert pages
    for page in pages:
        for query in ("", "?w=800", "?w=1200"):
            url = f"/organiser/campaigns/pages/{page.id}/original{query}"
            response = organiser.get(url)
            assert response.status_code == 200, url
            assert_clean(response.data, url)


def test_an_old_page_stored_with_a_comment_is_stripped_on_the_way_out(factory, data_dir, login_as, db):
    """Pages imported before the fix still have the comment in their stored render."""
    from scanner_import.store import ContentStore

    campaign = factory.campaign()
    expert = factory.user("exp01", school=factory.school("500102"))
    paper = factory.paper(campaign, factory.school("500101"))
    assignment = factory.assignment(paper, expert)
    page = factory.page(paper, 1, data_dir)
    dirty = scanner_jpeg(Image.new("L", (1600, 2200), 220))
    page.masked_sha256 = ContentStore(data_dir / "pages").put(dirty)[0].sha256
    factory.commit()
    client = login_as("exp01")
    for query in ("", "?w=800", "?w=1200"):
        response = client.get(f"/api/v1/assignments/{assignment.id}/pages/1{query}")
        assert response.status_code == 200
        assert_clean(response.data, query)
