"""Passwords, resets and the session set-up the agency pages will rely on."""

from __future__ import annotations

import pytest
from flask_login import current_user, login_user
from sqlalchemy import select

from finder import agency
from finder.agency import User
from tests.conftest import make_app

from .conftest import PASSWORD


def _user(db, email: str) -> User:
    with db.sessions() as session:
        return session.scalar(select(User).where(User.email == email))


def test_change_password_needs_the_current_one(app, db, world):
    with app.app_context(), db.transaction() as session:
        user = session.scalar(select(User).where(User.email == "health-editor@gov.example"))
        with pytest.raises(agency.InvalidInput) as wrong:
            agency.change_password(session, user, "not it at all", "Blue-Otter-Saxophone-88")
        assert list(wrong.value.errors) == ["/current_password"]
        with pytest.raises(agency.InvalidInput) as weak:
            agency.change_password(session, user, PASSWORD, "password1234")
        assert list(weak.value.errors) == ["/new_password"]
        agency.change_password(session, user, PASSWORD, "Blue-Otter-Saxophone-88")
    with app.test_request_context():
        assert agency.authenticate("health-editor@gov.example", "Blue-Otter-Saxophone-88").id == user.id
        with pytest.raises(agency.LoginFailed):
            agency.authenticate("health-editor@gov.example", PASSWORD)


def test_a_reset_link_works_once(app, db, world):
    with app.app_context(), db.transaction() as session:
        assert agency.request_password_reset(session, "nobody@gov.example") is None
        link = agency.request_password_reset(session, "Health-Admin@gov.example")
    token = link.rsplit("/", 1)[1]
    with app.app_context(), db.transaction() as session:
        with pytest.raises(agency.TokenInvalid):
            agency.reset_password(session, token[:-2] + "xx", "Blue-Otter-Saxophone-88")
        agency.reset_password(session, token, "Blue-Otter-Saxophone-88")
    with app.app_context(), db.transaction() as session, pytest.raises(agency.TokenInvalid):
        agency.reset_password(session, token, "Another-Fine-Password-77")
    with app.test_request_context():
        assert (
            agency.authenticate("health-admin@gov.example", "Blue-Otter-Saxophone-88").email
            == "health-admin@gov.example"
        )


def test_the_session_loads_the_user_and_cookies_are_safe(app, db, world, database_url):
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # test/development run on plain http
    production = make_app(database_url, env="production")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    production.extensions["finder.db"].dispose()

    @app.get("/whoami")
    def whoami():
        return current_user.email if current_user.is_authenticated else "nobody"

    @app.get("/login-test")
    def login_test():
        login_user(_user(db, "lands-admin@gov.example"))
        return "ok"

    client = app.test_client()
    assert client.get("/whoami").get_data(as_text=True) == "nobody"
    client.get("/login-test")
    assert client.get("/whoami").get_data(as_text=True) == "lands-admin@gov.example"
    with app.app_context(), db.transaction() as session:
        user = session.scalar(select(User).where(User.email == "lands-admin@gov.example"))
        agency.change_password(session, user, PASSWORD, "Blue-Otter-Saxophone-88")
    assert client.get("/whoami").get_data(as_text=True) == "nobody"  # a new password ends every session
    client.get("/login-test")
    assert client.get("/whoami").get_data(as_text=True) == "lands-admin@gov.example"
    with db.transaction() as session:
        session.scalar(select(User).where(User.email == "lands-admin@gov.example")).active = False
    assert client.get("/whoami").get_data(as_text=True) == "nobody"


def test_bad_application_fields_are_named(app, db):
    with pytest.raises(agency.InvalidInput) as bad, app.app_context(), db.transaction() as session:
        agency.apply_for_account(session, agency_name="X", contact_name="", email="not-an-email")
    assert sorted(bad.value.errors) == ["/agency_name", "/contact_name", "/email"]
    with db.sessions() as session:
        assert session.scalar(select(agency.AgencyApplication)) is None


def test_agency_settings_from_the_environment(tmp_path):
    from finder.config import ConfigError, load_settings

    settings = load_settings(
        tmp_path,
        {
            "FINDER_STALE_MONTHS": "6",
            "FINDER_LOCKOUT_THRESHOLD": "3",
            "FINDER_SMTP_URL": "smtp://mailer.example:587",
            "FINDER_SESSION_COOKIE_SECURE": "false",
        },
    )
    assert (settings.stale_months, settings.lockout_threshold, settings.lockout_minutes) == (6, 3, 15)
    assert settings.smtp_url == "smtp://mailer.example:587" and settings.session_cookie_secure is False
    with pytest.raises(ConfigError, match="FINDER_LOCKOUT_MINUTES"):
        load_settings(tmp_path, {"FINDER_LOCKOUT_MINUTES": "soon"})
    with pytest.raises(ConfigError, match="FINDER_SESSION_COOKIE_SECURE"):
        load_settings(tmp_path, {"FINDER_SESSION_COOKIE_SECURE": "maybe"})


def test_smtp_mailer_logs_in_and_sends(monkeypatch):
    from finder.agency import mail

    seen = {}

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            seen["server"] = (host, port)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def has_extn(self, name):
            return name == "starttls"

        def starttls(self):
            seen["tls"] = True

        def login(self, user, password):
            seen["login"] = (user, password)

        def send_message(self, message):
            seen["message"] = message

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    mail.SmtpMailer("smtp://finder%40gov.example:s%3Acret@mail.gov.example:2525", "finder@gov.example").send(
        "ed@gov.example", "Join", "Your link: https://finder.example/agency/invitations/abc"
    )
    assert seen["server"] == ("mail.gov.example", 2525) and seen["tls"]
    assert seen["login"] == ("finder@gov.example", "s:cret")
    assert seen["message"]["To"] == "ed@gov.example" and "invitations/abc" in seen["message"].get_content()
