"""Signing in and out through the pages: where sign-in leads, no open redirect, the lockout said plainly, and a
sign-out that ends the session."""

from __future__ import annotations

from .conftest import PASSWORD
from .pages import post, sign_in


def test_sign_in_goes_to_the_page_asked_for_but_never_off_the_site(app, db, client, world):
    dashboard = f"/agency/agencies/{world.health}/"
    asked = client.get(dashboard)
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/agency/login?next=")
    data = {"email": "health-editor@gov.example", "password": PASSWORD}
    back = post(client, f"/agency/login?next={dashboard}", data)
    assert back.headers["Location"] == dashboard
    for outside in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        other = app.test_client()
        response = post(other, f"/agency/login?next={outside}", data)
        assert response.headers["Location"] in (dashboard, "/agency/review"), outside


def test_the_coordinator_lands_on_the_review_queue(app, db, client, world):
    response = post(client, "/agency/login", {"email": "coord@gov.example", "password": PASSWORD})
    assert response.headers["Location"] == "/agency/review"


def test_a_locked_account_is_told_so(app, db, client, world):
    threshold = app.config["FINDER"].lockout_threshold
    for _ in range(threshold):
        post(client, "/agency/login", {"email": "health-editor@gov.example", "password": "Wrong-Password-000"})
    locked = post(client, "/agency/login", {"email": "health-editor@gov.example", "password": PASSWORD})
    assert locked.status_code == 400 and "locked" in locked.get_data(as_text=True)


def test_sign_out_ends_the_session_and_needs_the_csrf_token(app, db, client, world):
    sign_in(client, "health-admin@gov.example")
    dashboard = f"/agency/agencies/{world.health}/"
    assert client.post("/agency/logout").status_code == 400  # without a token: refused
    assert client.get(dashboard).status_code == 200
    post(client, "/agency/logout", token_from=dashboard)
    assert client.get(dashboard).status_code == 302


def test_pages_speak_the_chosen_language_and_remember_it(app, db, client, world):
    arabic = client.get("/agency/login?lang=ar")
    assert 'lang="ar" dir="rtl"' in arabic.get_data(as_text=True) and "تسجيل الدخول" in arabic.get_data(as_text=True)
    assert 'lang="ar"' in client.get("/agency/apply").get_data(as_text=True)  # kept in the cookie
    assert client.get("/agency/login?lang=xx").status_code == 200  # an unknown language is ignored
    assert client.get("/agency/login").headers["Cache-Control"] == "no-store"
