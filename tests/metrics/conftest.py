"""A small catalogue of two agencies, and known traffic through the API and the logging interface."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from flask_login.utils import _create_identifier

from finder import agency, metrics
from finder.agency import Role, passwords
from finder.catalogue import import_path
from finder.catalogue.models import derived_id
from finder.metrics import EventKind, UsageEvent
from finder.privacy import pseudonym

PASSPORT = derived_id("service", "renew-passport")
BIRTH = derived_id("service", "register-birth")
TRAVEL_AGENCY = derived_id("agency", "travel-office")
CIVIL_AGENCY = derived_id("agency", "civil-registry")
PASSWORD = "Tangerine-Lighthouse-907"
CELL = re.compile(r'data-cell="([^"]+)">([^<]*)<')


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """The production argon2 cost takes a second a hash on a busy machine; these tests check pages, not hashing."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def people(app, db, catalogue) -> dict[str, str]:
    """Session ids (as Flask-Login stores them) of a coordinator and of people of the two agencies."""
    with app.app_context(), db.transaction() as session:
        users = {"coordinator": agency.create_coordinator(session, "coord@gov.example", PASSWORD)}
        for name, role, agency_id in (
            ("travel_admin", Role.AGENCY_ADMIN, TRAVEL_AGENCY),
            ("travel_editor", Role.AGENCY_EDITOR, TRAVEL_AGENCY),
            ("civil_editor", Role.AGENCY_EDITOR, CIVIL_AGENCY),
        ):
            users[name] = agency.create_user(session, f"{name}@gov.example", PASSWORD, role, agency_id)
        return {name: user.get_id() for name, user in users.items()}


def sign_in(app, client, session_id: str | None) -> None:
    """Sign in as the agency pages would (their sign-in page is built elsewhere): the session Flask-Login reads."""
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()  # "strong" session protection ties a session to address and browser
    with client.session_transaction() as session:
        session.clear()
        if session_id is not None:
            session.update({"_user_id": session_id, "_id": identifier, "_fresh": True})


def cells(page: str) -> dict[str, str]:
    """The numbers a page shows, by their data-cell name."""
    return {name: html.unescape(text).strip() for name, text in CELL.findall(page)}


@pytest.fixture
def catalogue(db, tmp_path):
    document = {
        "format": "service-finder/1",
        "agencies": [{"slug": "travel-office", "name": "Travel Office"}, {"slug": "civil-registry", "name": "Civil"}],
        "services": [
            {
                "slug": "renew-passport",
                "agency": "travel-office",
                "name": "Renew your passport",
                "summary": "Renew an adult passport before it expires.",
                "status": "published",
            },
            {
                "slug": "register-birth",
                "agency": "civil-registry",
                "name": "Register a birth",
                "summary": "Register your baby's birth within 42 days.",
                "status": "published",
            },
        ],
    }
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document))
    with db.transaction() as session:
        import_path(session, path, max_bytes=10**6, default_language="en")
    assert (derived_id("service", "renew-passport"), derived_id("service", "register-birth")) == (PASSPORT, BIRTH)


@dataclass(frozen=True)
class Traffic:
    """What `drive_traffic` sent, for the assertions."""

    phone: str = "+44 7700 900123"
    email: str = "jo.bloggs@example.org"
    ip: str = "203.0.113.77"


def drive_traffic(app, client, when: dt.datetime | None = None) -> Traffic:
    """37 searches (5 found nothing), 12 service views, 4 click-outs, 9 SMS conversations, 4 feedback answers.

    API: 20 searches for a passport, 5 that find nothing; web: 8 searches, 12 views, 4 click-outs, feedback
    (3 useful, 1 not, with contact details in its comment); SMS: 9 conversations (one message in, one reply of
    2 segments), 4 of which searched.
    """
    traffic = Traffic()
    for _ in range(20):
        response = client.get("/api/v1/services?search=passport", environ_base={"REMOTE_ADDR": traffic.ip})
        assert response.status_code == 200 and response.get_json()["contents"][0]["id"] == PASSPORT
    for _ in range(5):
        response = client.get("/api/v1/services?search=Qqqzzx+", environ_base={"REMOTE_ADDR": traffic.ip})
        assert response.status_code == 200 and response.get_json()["total_items"] == 0
    at = {} if when is None else {"occurred_at": when}
    web = [
        *(
            UsageEvent(
                EventKind.SEARCH,
                "web",
                "fr",
                visitor=f"w{i % 2}",
                query="naissance",
                result_count=1,
                top_service_id=BIRTH,
                **at,
            )
            for i in range(8)
        ),
        *(UsageEvent(EventKind.SERVICE_VIEW, "web", "en", visitor="w0", service_id=PASSPORT, **at) for _ in range(8)),
        *(UsageEvent(EventKind.SERVICE_VIEW, "web", "fr", visitor="w1", service_id=BIRTH, **at) for _ in range(4)),
        *(UsageEvent(EventKind.CLICK_OUT, "web", "en", visitor="w0", service_id=PASSPORT, **at) for _ in range(4)),
        *(
            UsageEvent(EventKind.FEEDBACK, "web", "en", visitor="w0", service_id=PASSPORT, useful=True, **at)
            for _ in range(3)
        ),
        UsageEvent(
            EventKind.FEEDBACK,
            "web",
            "fr",
            visitor="w1",
            service_id=BIRTH,
            useful=False,
            comment=f"Useless, call me on {traffic.phone} or write to {traffic.email}",
            **at,
        ),
    ]
    sms = []
    for i in range(9):
        sender = pseudonym(f"+4477009001{i:02d}", app.config["FINDER"].secret_key)
        sms.append(UsageEvent(EventKind.MESSAGE_IN, "sms", "en", visitor=sender, **at))
        if i < 4:
            sms.append(
                UsageEvent(
                    EventKind.SEARCH,
                    "sms",
                    "en",
                    visitor=sender,
                    query="passport",
                    result_count=1,
                    top_service_id=PASSPORT,
                    **at,
                )
            )
        sms.append(UsageEvent(EventKind.MESSAGE_OUT, "sms", "en", visitor=sender, segments=2, encoding="GSM-7", **at))
    with app.app_context():
        metrics.record(*web)
        metrics.record(*sms)
    assert app.extensions["finder.usage_log"].flush()
    return traffic
