"""The demo catalogue is what everyone sees first: check it is complete, not just present."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from finder.catalogue.models import Agency, ChannelKind, LifeEvent, Office, Service, ServiceStatus

REQUIRED_LANGUAGES = ("fr", "es", "ar")
REQUIRED_FIELDS = ("name", "summary", "description", "how_to_apply")


@pytest.fixture
def session(demo_app):
    db = demo_app.extensions["finder.db"]
    with db.sessions() as session:
        yield session


def _services(session):
    return session.scalars(
        select(Service).options(
            selectinload(Service.channels), selectinload(Service.offices), selectinload(Service.life_events)
        )
    ).all()


def test_at_least_150_published_services_from_15_agencies(session):
    published = [s for s in _services(session) if s.status is ServiceStatus.PUBLISHED]
    assert len(published) >= 150
    assert len({s.agency_id for s in published}) >= 15
    assert session.query(Agency).count() >= 15


def test_every_life_event_has_services(session):
    covered = Counter(link.life_event.slug for s in _services(session) for link in s.life_events)
    events = session.scalars(select(LifeEvent)).all()
    assert len(events) >= 12
    assert [e.slug for e in events if covered[e.slug] == 0] == []


def test_every_channel_type_is_used(session):
    kinds = {c.kind for s in _services(session) for c in s.channels}
    assert kinds == set(ChannelKind)
    assert any(s.offices for s in _services(session))
    offices = session.scalars(select(Office)).all()
    assert all(o.hours for o in offices), [o.slug for o in offices if not o.hours]


def test_every_service_is_translated_into_french_spanish_and_arabic(session):
    missing = [
        (s.slug, language, field)
        for s in _services(session)
        for language in REQUIRED_LANGUAGES
        for field in REQUIRED_FIELDS
        if not s.translated(field, language)
    ]
    assert missing == []


def test_arabic_text_is_in_arabic_script(session):
    for service in _services(session):
        name = service.translated("name", "ar")
        assert any("\u0600" <= ch <= "\u06ff" for ch in name), service.slug


def test_summaries_are_short_enough_for_sms(session):
    too_long = [
        (s.slug, language)
        for s in _services(session)
        for language, text in [("en", s.summary)]
        + [(lang, s.translated("summary", lang)) for lang in REQUIRED_LANGUAGES]
        if len(text) > 120
    ]
    assert too_long == []


def test_some_content_is_stale_for_the_review_report(session):
    import datetime as dt

    cutoff = dt.date(2026, 11, 26) - dt.timedelta(days=365)
    reviewed = [s.last_reviewed for s in _services(session)]
    assert all(reviewed)
    assert any(d < cutoff for d in reviewed)
