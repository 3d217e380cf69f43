"""Stacks of VPR papers scanned with no cover sheets: handwritten codes on title pages.

The title pages come from ``tests/scanner_import/identity_scans.py`` (the identity tests'
handwriting, a hand the shipped classifier was not trained on)."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scanner_import"))
import identity_scans as ids  # noqa: E402

from scanner_import import CoverEntry, CoverSheetSet  # noqa: E402
from scanner_import.synthetic import blank_back, content_page, cover_page, write_scan_pdf  # noqa: E402

SLUG = "vpr-math-5-codes"


def identity_campaign(factory, slug: str = SLUG):
    """The demo template (4 pages) with SPEC §1's identity box where the title pages have it."""
    from crosscheck.demo import TEMPLATE_FILE
    from crosscheck.domain.template import IdentitySpec
    from crosscheck.services.campaigns.store import create_campaign, load_template_file

    spec = dataclasses.replace(load_template_file(TEMPLATE_FILE), identity=IdentitySpec(1, ids.BOX, 5))
    return create_campaign(factory.s, slug, spec, "Весна 2026, без обложек")


def uncovered(code: str, seed: int, *, smudged: dict | None = None, backs: bool = True, pages: int = 4) -> list:
    """One paper as the school scans it with no cover: its title page with ``code`` written in
    the boxes, then its other pages, with duplex blank backs."""
    out = [ids.title_page(code, seed, smudged=smudged)]
    if backs:
        out.append(blank_back(seed))
    for k in range(1, pages):
        out.append(content_page(seed * 10 + k))
        if backs and k % 2 == 0:
            out.append(blank_back(seed * 10 + k))
    return out


def covered(campaign, school, paper, seed: int, pages: int = 4) -> list:
    sheets = CoverSheetSet(campaign.slug, campaign.name, school.code, school.name,
                           [CoverEntry(paper.participant_code, paper.cipher)])
    return [cover_page(sheets, sheets.entries[0], seed=seed)] + \
        [content_page(seed * 10 + k) for k in range(pages)]


def write(path, papers: list[list]) -> tuple[Path, list[int]]:
    """The stack as a PDF and each paper's first page number (1-based) in it."""
    starts, images = [], []
    for paper in papers:
        starts.append(len(images) + 1)
        images += paper
    write_scan_pdf(path, images)
    return path, starts
