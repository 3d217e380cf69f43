"""Scanned PDFs made the way a school makes them: covers printed by us, papers behind them."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from scanner_import import CoverEntry, CoverSheetSet
from scanner_import.synthetic import blank_back, content_page, cover_page, write_scan_pdf

SIZE = (827, 1169)  # A4 at 100 dpi: plenty for QR codes, quick for tests


@pytest.fixture
def school_papers(factory):
    campaign = factory.campaign("vpr-math-5-2026", name="Весна 2026")
    school = factory.school("500101")
    papers = [factory.paper(campaign, school, code=f"1000{i}") for i in range(1, 4)]
    factory.commit()
    return campaign, school, papers


@pytest.fixture
def organiser(factory, client, school_papers):
    """The organiser «org», signed in: (client, campaign, school, two of the papers)."""
    from tests.conftest import login

    factory.user("org", role="organiser")
    factory.commit()
    assert login(client, "org").status_code == 302
    campaign, school, papers = school_papers
    return client, campaign, school, papers[:2]


def build_scan(path, campaign, school, papers, *, pages_per_paper=2, stray_first=False, blank_backs=False,
               upside_down=(), foreign=False, encode=None):
    """``encode(image) -> JPEG bytes`` writes each page as the scanner would (default: plain JPEG)."""
    sheets = CoverSheetSet(campaign.slug, campaign.name, school.code, school.name,
                           [CoverEntry(p.participant_code, p.cipher) for p in papers])
    images = []
    if stray_first:
        images.append(content_page(999, size=SIZE))
    for n, paper in enumerate(papers):
        entry = CoverEntry(paper.participant_code, paper.cipher)
        images.append(cover_page(sheets, entry, n + 1, len(papers), size=SIZE, angle=0.8,
                                 upside_down=paper in upside_down, seed=n))
        for k in range(pages_per_paper):
            page = content_page(100 * n + k, size=SIZE)
            # a paper fed the wrong way round: its cover and its pages are upside down
            images.append(page.transpose(Image.Transpose.ROTATE_180) if paper in upside_down else page)
            if blank_backs:
                images.append(blank_back(100 * n + k, size=SIZE))
    if foreign:
        other = CoverSheetSet("other-campaign", "Чужая", school.code, school.name, [CoverEntry("1", "ZZZZZZZZZZ")])
        images.append(cover_page(other, CoverEntry("1", "ZZZZZZZZZZ"), size=SIZE, seed=77))
        images.append(content_page(777, size=SIZE))
    write_scan_pdf(path, [encode(img) for img in images] if encode else images, dpi=100)
    return path


def upload_scan(client, slug: str, data: bytes, name: str, follow: bool = True):
    """POST a scan through the campaign page's upload form (the client is signed in)."""
    from tests.conftest import csrf_from

    page = client.get(f"/organiser/campaigns/{slug}/").get_data(as_text=True)
    return client.post(f"/organiser/campaigns/{slug}/scans",
                       data={"csrf_token": csrf_from(page), "scan": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=follow)
