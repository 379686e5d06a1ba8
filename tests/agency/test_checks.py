"""Checks on services: E.164 phone numbers on every save, likely duplicates in other agencies, plain language,
what is untranslated."""

from __future__ import annotations

import pytest

from finder import agency

from .conftest import service


def _record(**overrides):
    return {"slug": "hotline", "agency": "health", "name": "Health hotline", "summary": "Call us.", **overrides}


def test_phone_numbers_are_stored_in_e164(app, db, world):
    channels = [{"kind": "phone", "value": "+44 20 7946 0430"}, {"kind": "sms", "value": "+44 (0)7700 900430"}]
    with app.app_context(), db.transaction() as session:
        saved = agency.save_service(session, world.health_admin, _record(channels=channels), create=True)
        assert [c.value for c in saved.service.channels] == ["+442079460430", "+447700900430"]


def test_numbers_that_are_not_phone_numbers_are_refused_by_field(app, db, world):
    channels = [
        {"kind": "online", "value": "https://health.example"},
        {"kind": "phone", "value": "020 7946 0430"},
        {"kind": "sms", "value": "+44 12"},
    ]
    # The refusal leaves the transaction, which rolls back: nothing is written.
    with pytest.raises(agency.InvalidInput) as bad, app.app_context(), db.transaction() as session:
        agency.save_service(session, world.health_admin, _record(channels=channels), create=True)
    assert list(bad.value.errors) == ["/channels/1/value", "/channels/2/value"]
    with db.sessions() as session:
        assert service(session, "hotline") is None


def test_a_service_another_agency_publishes_is_flagged(app, db, world):
    with app.app_context(), db.transaction() as session:
        saved = agency.save_service(
            session, world.lands_admin, {**_record(), "agency": "lands", "name": "Vaccinations"}
        )
        findings = agency.check_service(session, saved.service)
        assert [(f.pointer, f.kind) for f in findings] == [("/name", "warning")]
        assert "Ministry of Health already publishes 'Vaccination'" in findings[0].message
        # Its own agency's services are not duplicates: that is just the same record.
        assert agency.similar_services(session, service(session, "vaccination")) == []


def test_plain_language_hints():
    long = " ".join(["word"] * 30) + "."
    hints = agency.plain_language_hints("/description", f"You must commence the process prior to the deadline. {long}")
    assert [h.message for h in hints] == [
        "a sentence of 30 words: try to keep under 25",
        "'commence': say 'start'",
        "'prior to': say 'before'",
    ]
    assert agency.plain_language_hints("/summary", "Get a new passport if yours is lost.") == []


def test_untranslated_fields_per_language(app, db, world):
    with app.app_context(), db.transaction() as session:
        saved = agency.save_service(
            session,
            world.health_admin,
            _record(
                description="Free advice.",
                translations={"fr": {"name": "Ligne santé", "summary": "Appelez-nous."}},
                documents=[{"name": "Health card", "translations": {"fr": {"name": "Carte santé"}}}],
                costs=[{"label": "Call charge", "amount": "0.10"}],
                channels=[{"kind": "phone", "value": "+44 20 7946 0430"}],
            ),
        )
        missing = agency.untranslated(saved.service, ("en", "fr", "ar"), "en")
        assert missing == {
            "fr": ["/description", "/costs/0/label"],
            "ar": ["/name", "/summary", "/description", "/documents/0/name", "/costs/0/label"],
        }


def test_messages_are_read_in_the_language_of_whoever_is_shown_them(app):
    hint = agency.plain_language_hints("/summary", "We will commence soon.")[0].message
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        french = str(hint)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = str(hint)
    assert english == "'commence': say 'start'"
    assert french != english and "commence" in french
    refused = agency.InvalidInput({"/name": hint})
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert str(refused) == f"/name: {french}"
