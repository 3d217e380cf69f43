"""Every role reaches its own home page and nobody else's."""
from __future__ import annotations

import pytest

HOMES = {"organiser": "/organiser/", "expert": "/expert/", "reviewer": "/reviewer/", "observer": "/observer/"}
TITLES = {"organiser": "Кампании перепроверки", "expert": "Мои работы",
          "reviewer": "Кампании по вашим предметам", "observer": "Ход перепроверки"}


@pytest.fixture
def everyone(factory):
    for role in HOMES:
        factory.user(role, role=role)
    factory.commit()


@pytest.mark.parametrize("role", HOMES)
def test_root_sends_each_role_home(client, everyone, login_as, role):
    login_as(role)
    response = client.get("/")
    assert response.headers["Location"] == HOMES[role]
    assert TITLES[role] in client.get(HOMES[role]).get_data(as_text=True)


@pytest.mark.parametrize("role", HOMES)
@pytest.mark.parametrize("page", HOMES)
def test_role_matrix(client, everyone, login_as, role, page):
    login_as(role)
    response = client.get(HOMES[page])
    if page == role:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Недостаточно прав" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", list(HOMES.values()) + ["/"])
def test_anonymous_is_sent_to_login(client, page):
    response = client.get(page)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Страница не найдена" in response.get_data(as_text=True)


def test_friendly_500(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500 and "Внутренняя ошибка" in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly(client, factory):
    factory.user("exp01")
    factory.commit()
    from tests.conftest import login

    response = login(client, "exp01")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_organiser_sees_campaigns_with_status(client, factory, login_as):
    factory.user("org", role="organiser")
    factory.campaign("vpr-math-5-2026", name="Весна 2026")
    factory.commit()
    login_as("org")
    html = client.get("/organiser/").get_data(as_text=True)
    assert "Весна 2026" in html and "Подготовка" in html and "Математика, 5 класс" in html


def test_reviewer_sees_only_campaigns_of_their_subject(client, factory, login_as):
    factory.user("mo", role="reviewer", subjects=("Русский язык",))
    factory.campaign("vpr-math-5-2026", name="Математика весна")
    factory.commit()
    login_as("mo")
    html = client.get("/reviewer/").get_data(as_text=True)
    assert "Математика весна" not in html and "По вашим предметам кампаний пока нет" in html
