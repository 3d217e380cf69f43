"""Every state-changing route refuses a request without a CSRF token (session auth)."""
from __future__ import annotations

import pytest

from tests.conftest import login
from tests.web.test_authorization_sweep import world  # noqa: F401  (the same small world)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("role", ["organiser", "expert"])
def test_no_token_no_change(app, world, role):  # noqa: F811
    client = app.test_client()
    assert login(client, role).status_code == 302
    checked = 0
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & STATE_CHANGING):
            url = rule.build({k: world[k] for k in rule.arguments})[1]
            response = client.open(url, method=method, data={"x": "1"})
            assert response.status_code in (400, 403), (method, url, response.status_code)
            checked += 1
    assert checked >= 8


def test_oversized_upload_is_refused(app, client, factory, login_as):
    factory.user("org", role="organiser")
    factory.campaign("c1")
    factory.commit()
    login_as("org")
    app.config["CROSSCHECK"].max_table_upload_mb = 1  # the route's own limit (web.limits)
    response = client.post("/organiser/campaigns/c1/marks", data=b"x" * (1024 * 1024 + 1),
                           headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 413
