"""Every GET route × every role: allowed, or refused the way the table says.

A new route without a line in ACCESS fails this test on purpose: someone has to decide
who may see it.
"""
from __future__ import annotations

import pytest

from crosscheck.models import ProblemKind, ProblemReport
from tests.conftest import login

ROLES = ("anonymous", "organiser", "expert", "reviewer", "observer")
ALL = set(ROLES)
SIGNED_IN = ALL - {"anonymous"}
MARKERS = {"expert", "reviewer"}
READERS = {"organiser", "observer", "reviewer"}

# endpoint -> roles that may GET it
ACCESS = {
    "static": ALL,
    "auth.login": ALL,
    "auth.password": SIGNED_IN,  # one's own password only
    "home.healthz": ALL,
    "home.favicon": ALL,
    "home.readyz": ALL,
    "home.index": SIGNED_IN,
    "home.organiser": {"organiser"},
    "home.expert": {"expert"},
    "home.reviewer": {"reviewer"},
    "home.observer": {"observer"},
    "organiser.campaign": {"organiser"},
    "organiser.marks_upload": {"organiser"},
    "templates_admin.index": {"organiser"},  # templates and conversion scales
    "templates_admin.template": {"organiser"},
    "templates_admin.masks_editor": {"organiser"},  # the mask editor (issue 15)
    "templates_admin.masks_page_image": {"organiser"},  # an organiser's own uploaded page, unmasked
    "templates_admin.masks_preview_image": {"organiser"},
    "wizard.start": {"organiser"},  # «Новая кампания» (issue 15)
    "wizard.campaign_settings": {"organiser"},  # a campaign's settings page
    "console.assign_preview": {"organiser"},
    "console.papers": {"organiser"},
    "console.experts": {"organiser"},
    "console.withdraw": {"organiser"},
    "sampling.sample_page": {"organiser"},
    "observer.campaign": {"organiser", "observer"},
    "scans.covers": {"organiser"},
    "scans.progress": {"organiser", "observer"},
    "scans.unidentified": {"organiser"},
    "scans.discard_page": {"organiser"},
    "scans.original": {"organiser"},  # original scans: never experts, reviewers or observers
    "scans.masked": {"organiser"},  # a page as the organiser checks it (served to markers only via the API)
    "scans.doubts": {"organiser"},
    "scans.doubt_paper": {"organiser"},
    "scans.titles": {"organiser"},  # the title-page queue (scans without covers)
    "scans.title_crop": {"organiser"},  # the crop of a handwritten code: from the original scan
    "problems.index": {"organiser"},  # experts' problem reports: organisers only
    "problems.reassign": {"organiser"},
    "audit.index": {"organiser", "observer"},
    "audit.export": {"organiser", "observer"},
    "expert.next_paper": MARKERS,
    "expert.score": {"expert"},  # the assignment in the URL is the expert's
    "api.me": SIGNED_IN,
    "api.assignments": MARKERS,
    "api.assignment": {"expert"},
    "api.page_image": {"expert"},
    # analytics: reviewers only for campaigns of their subject (the sweep's campaign is theirs)
    "analytics.index": READERS,
    "analytics.campaign": READERS,
    "analytics.school": READERS,
    "analytics.history": READERS,
    "analytics.experts": READERS,  # other experts' statistics: never an expert (403)
    "analytics.expert": READERS,  # one expert's statistics and per-task tables: as analytics.experts
    "analytics.report_run": READERS,
    "analytics.report_download": READERS,
    # calibration papers (issue 18): keys and deviations for organisers and the subject's
    # reviewers; never experts (which of their papers is a copy) nor observers
    "calibration.overview": {"organiser", "reviewer"},
    "calibration.choose": {"organiser", "reviewer"},
    "calibration.key": {"organiser", "reviewer"},
    "calibration.expert": {"organiser", "reviewer"},
    # the paper viewer: organisers any paper, reviewers only finished papers never in their queue
    # (the sweep's paper is not done: a 404 for them); observers read progress only, experts never
    "papers.paper": {"organiser", "reviewer"},
    "papers.page_image": {"organiser", "reviewer"},
    "screening.campaign": READERS,  # who reads a campaign's analytics reads its screening
    "screening.school": READERS,
    # «Люди»: organisers only; experts and reviewers declare their own conflicts
    "people.index": {"organiser"},
    "people.new": {"organiser"},
    "people.person": {"organiser"},
    "account.conflicts": MARKERS,
    # a campaign's lifecycle (issue 15): closing and reopening are the organiser's; the archive list is every reader's
    "lifecycle.close": {"organiser"},
    "lifecycle.reopen": {"organiser"},
    "lifecycle.archive_list": READERS,
}


@pytest.fixture
def world(factory, data_dir):
    school_a, school_b = factory.school("500101"), factory.school("500102")
    factory.user("organiser", role="organiser")
    factory.user("observer", role="observer")
    expert = factory.user("expert", school=school_b)
    factory.user("reviewer", role="reviewer", school=school_b)
    campaign = factory.campaign("c1")
    paper = factory.paper(campaign, school_a)
    assignment = factory.assignment(paper, expert)
    assignment.problem = ProblemKind.UNREADABLE  # an open problem report: the organiser's pages about it answer
    factory.s.add(ProblemReport(assignment_id=assignment.id))
    page = factory.page(paper, 1, data_dir)
    factory.commit()
    return {"slug": "c1", "assignment_id": assignment.id, "position": 1, "cipher": paper.cipher,
            "login": "expert", "filename": "app.css", "school_code": "500101", "batch_id": 1, "run_id": 1,
            "upload_id": 1, "page_id": page.id, "item_id": 1, "template_name": "vpr-math-5",
            "slot": "title", "sha256": "0" * 64, "user_id": expert.id, "token": "t" * 24, "conflict_id": 1}


def get_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.endpoint)


def test_every_get_route_is_in_the_table(app):
    missing = {r.endpoint for r in get_rules(app)} - set(ACCESS)
    assert not missing, f"decide who may see: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_role_sweep(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        assert login(client, role).status_code == 302
    table = []
    for rule in get_rules(app):
        url = rule.build({k: world[k] for k in rule.arguments})[1]
        status = client.get(url).status_code
        table.append((rule.endpoint, url, status))
    for endpoint, url, status in table:
        if role in ACCESS[endpoint]:
            assert status not in (401, 403), (role, url, status)
            assert status < 500, (role, url, status)
        elif role == "anonymous":
            assert status in (302, 401), (role, url, status)
        else:
            assert status in (403, 404), (role, url, status)
