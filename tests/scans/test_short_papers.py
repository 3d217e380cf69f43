"""Issue 16 item 9: a paper short of a page is never imported silently. The batch lists the
warning, «Работы» filters such papers, and the paper's own page says how many pages it has."""
from __future__ import annotations

from tests.scans.conftest import build_scan, upload_scan


def test_a_paper_short_of_a_page_is_warned_of_on_the_batch_the_list_and_the_paper(organiser, school_papers,
                                                                                 tmp_path):
    client, campaign, school, _ = organiser
    _, _, papers = school_papers
    whole = build_scan(tmp_path / "whole.pdf", campaign, school, papers[:2], pages_per_paper=4)
    short = build_scan(tmp_path / "short.pdf", campaign, school, papers[2:], pages_per_paper=3)
    upload_scan(client, campaign.slug, whole.read_bytes(), "whole.pdf")
    html = upload_scan(client, campaign.slug, short.read_bytes(), "short.pdf").get_data(as_text=True)
    page = client.get(f"/organiser/campaigns/{campaign.slug}/").get_data(as_text=True)
    assert "предупреждений: 1" in page and f"В работе {papers[2].cipher} страниц: 3" in page

    listing = f"/organiser/campaigns/{campaign.slug}/papers"
    shown = client.get(f"{listing}?pages=short").get_data(as_text=True)
    assert papers[2].cipher in shown and papers[0].cipher not in shown and papers[1].cipher not in shown
    held = client.get(f"{listing}?pages=held").get_data(as_text=True)
    assert papers[2].cipher in held  # held back until the organiser has checked its pages
    assert papers[0].cipher not in client.get(f"{listing}?pages=extra").get_data(as_text=True)
    none = client.get(f"{listing}?pages=none").get_data(as_text=True)
    assert papers[0].cipher not in none
    assert client.get(f"{listing}?pages=bogus").status_code == 200

    viewer = client.get(f"/campaigns/{campaign.slug}/papers/{papers[2].cipher}").get_data(as_text=True)
    assert "В работе страниц: 3, а по шаблону — 4" in viewer
    whole_view = client.get(f"/campaigns/{campaign.slug}/papers/{papers[0].cipher}").get_data(as_text=True)
    assert 'id="page-count-warning"' not in whole_view

