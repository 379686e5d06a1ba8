"""Bad input on every agency form: a 400 page with an error summary linking each bad field, the message beside
the field (aria-describedby), and nothing written. CSRF is on throughout; a form without its token is refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from finder import agency
from finder.agency import AgencyApplication, ApiToken, AuditEvent, Invitation, ServiceVersion, User
from finder.catalogue.models import Service
from finder.search.models import BestBet, SynonymRule

from .conftest import PASSWORD, service
from .pages import post, sign_in

COUNTED = (AgencyApplication, ApiToken, Invitation, User, Service, ServiceVersion, SynonymRule, BestBet)


def _counts(db) -> dict[str, int]:
    with db.sessions() as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def assert_field_error(response, field_id: str, words: str | None = None) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:3000]
    assert f'<a href="#{field_id}">' in page, f"no summary link to {field_id}"
    tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert tag, f"no field {field_id}"
    assert f"{field_id}-error" in tag.group(0) and 'aria-invalid="true"' in tag.group(0)
    error = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    assert error and (words is None or words.lower() in error.group(1).lower()), error and error.group(1)


def test_public_forms_refuse_bad_input_field_by_field(app, db, client, world):
    before = _counts(db)
    bad = post(client, "/agency/apply", {"agency_name": "X", "contact_name": "", "email": "not-an-email"})
    for field in ("agency_name", "contact_name", "email"):
        assert_field_error(bad, field)
    assert_field_error(post(client, "/agency/password-reset", {"email": "nobody"}), "email")
    empty = post(client, "/agency/login", {"email": "", "password": ""})
    assert_field_error(empty, "email")
    assert_field_error(empty, "password")
    wrong = post(client, "/agency/login", {"email": "health-admin@gov.example", "password": "wrong-password-1"})
    assert wrong.status_code == 400 and "The email address or password is wrong." in wrong.get_data(as_text=True)
    assert _counts(db) == before


def test_an_invitation_sets_a_strong_password_or_says_why_not(app, db, client, world):
    with app.app_context(), db.transaction() as session:
        _, link = agency.invite(session, world.health_admin, world.health, "new@gov.example", agency.Role.AGENCY_EDITOR)
    path = link.split("localhost:5000", 1)[-1] if "localhost" in link else "/" + link.split("/", 3)[3]
    before = _counts(db)
    assert_field_error(post(client, path, {"password": "short", "confirm": "short"}, token_from=path), "password")
    mismatch = post(client, path, {"password": PASSWORD, "confirm": PASSWORD + "x"}, token_from=path)
    assert_field_error(mismatch, "confirm", "differ")
    weak = post(client, path, {"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}, token_from=path)
    assert_field_error(weak, "password", "less common")
    assert weak.get_data(as_text=True).count("choose a less common password") == 2  # the summary and the field
    assert _counts(db) == before
    done = post(client, path, {"password": PASSWORD, "confirm": PASSWORD}, token_from=path)
    assert done.status_code == 302
    assert client.get(f"/agency/agencies/{world.health}/").status_code == 200  # signed in as the new editor
    assert client.get(path).status_code == 400  # the link works once


def test_reset_and_change_password(app, db, client, world):
    sent = post(client, "/agency/password-reset", {"email": "health-editor@gov.example"})
    link = re.search(r'href="https?://[^/]+(/agency/password-reset/[^"]+)"', sent.get_data(as_text=True)).group(1)
    assert_field_error(post(client, link, {"password": "x", "confirm": "x"}, token_from=link), "password")
    new = "Marmalade-Harbour-314"
    assert post(client, link, {"password": new, "confirm": new}, token_from=link).status_code == 302
    sign_in(client, "health-editor@gov.example", new)
    wrong = post(client, "/agency/password", {"current_password": "nope", "password": PASSWORD, "confirm": PASSWORD})
    assert_field_error(wrong, "current_password")
    changed = post(client, "/agency/password", {"current_password": new, "password": PASSWORD, "confirm": PASSWORD})
    assert changed.status_code == 302
    sign_in(app.test_client(), "health-editor@gov.example", PASSWORD)


def test_admin_and_coordinator_forms_refuse_bad_input(app, db, client, world):
    admin = app.test_client()
    sign_in(admin, "health-admin@gov.example")
    people = f"/agency/agencies/{world.health}/people"
    before = _counts(db)
    assert_field_error(post(admin, people, {"email": "nope", "role": "agency_editor"}), "email")
    taken = post(admin, people, {"email": "health-editor@gov.example", "role": "agency_editor"})
    assert_field_error(taken, "email", "already has an account")
    assert_field_error(post(admin, people, {"email": "a@gov.example", "role": "coordinator"}), "role")
    assert_field_error(post(admin, f"/agency/agencies/{world.health}/tokens", {"name": ""}), "name")
    sign_in(client, "coord@gov.example")
    with app.app_context(), db.transaction() as session:
        application = agency.apply_for_account(session, agency_name="Water", contact_name="Ann", email="a@w.example")
    before = _counts(db)
    assert_field_error(post(client, f"/agency/applications/{application.id}/reject", {"reason": ""}), "reason")
    bad_rule = post(client, "/agency/vocabulary", {"synonym-language": "en", "synonym-rule": "=> , =>"})
    assert_field_error(bad_rule, "synonym-rule")
    unknown = post(client, "/agency/vocabulary", {"best-language": "en", "best-query": "jab", "best-services": "nope"})
    assert_field_error(unknown, "best-services", "nope")
    assert _counts(db) == before


def test_forms_without_their_csrf_token_are_refused(app, db, client, world):
    sign_in(client, "health-admin@gov.example")
    before = _counts(db)
    refused = client.post(f"/agency/agencies/{world.health}/tokens", data={"name": "sneaky"})
    assert refused.status_code == 400 and "expired" in refused.get_data(as_text=True)
    forged = client.post(
        f"/agency/services/{world.service_id('vaccination')}/status", data={"to": "retired", "csrf_token": "forged"}
    )
    assert forged.status_code == 400
    assert _counts(db) == before


EDITOR_CASES = [
    ({"slug": "Not A Slug"}, "slug", "lower-case"),
    ({"text-en-name": ""}, "text-en-name", "required"),
    ({"text-en-summary": ""}, "text-en-summary", "required"),
    ({"channels-0-kind": "phone", "channels-0-value": "call us"}, "channels-0-value", "international"),
    ({"channels-0-kind": "online", "channels-0-value": "javascript:alert(1)"}, "channels-0-value", "https://"),
    ({"channels-0-kind": "", "channels-0-value": "+44 20 7946 0430"}, "channels-0-value", "kind"),
    ({"documents-0-name": "Passport", "documents-0-url": "ftp://x"}, "documents-0-url", "https://"),
    ({"costs-0-label": "Fee", "costs-0-amount": "ten"}, "costs-0-amount", "25.00"),
    ({"costs-0-label": "Fee", "costs-0-amount": "10", "costs-0-currency": "EURO"}, "costs-0-currency", "EUR"),
    ({"costs-0-label": "Fee", "costs-0-valid_to": "1st May"}, "costs-0-valid_to", "2026-04-01"),
    ({"costs-0-label": "Fee", "costs-0-valid_to": "2026-13-45"}, "costs-0-valid_to", "2026-04-01"),
    ({"slug": "land-title"}, "slug", "another service"),  # refused by the back end
    ({"offices-0-office": "no-such-office"}, "offices-0-office", None),
    ({"documents-0-tr-fr-name": "Plan des locaux"}, "documents-0-name", "first"),
    ({"costs-0-tr-ar-description": "مرة واحدة"}, "costs-0-description", "first"),
    ({"extra": '{"accreditations": ["ISO 9001",]}'}, "extra", "line 1, column 32"),
    ({"extra": '["ISO 9001"]'}, "extra", "JSON object"),
    ({"extra": '{"rating": NaN}'}, "extra", "NaN is not a JSON value: write null"),
    ({"extra": "[" * 50_000 + "]" * 50_000}, "extra", "nested too deeply"),
]


@pytest.mark.parametrize(
    ("change", "field", "words"), EDITOR_CASES, ids=[c[1] + str(i) for i, c in enumerate(EDITOR_CASES)]
)
def test_the_editor_names_each_bad_field_and_writes_nothing(app, db, client, world, change, field, words):
    sign_in(client, "health-editor@gov.example")
    url = f"/agency/services/{world.service_id('clinic-permit')}"
    form = {"slug": "clinic-permit", "text-en-name": "Clinic permit", "text-en-summary": "Open a clinic.", **change}
    before = _counts(db)
    assert_field_error(post(client, url, form), field, words)
    assert _counts(db) == before
    with db.sessions() as session:
        assert service(session, "clinic-permit").slug == "clinic-permit"


def test_no_event_is_logged_for_refused_input(app, db, client, world):
    sign_in(client, "health-admin@gov.example")
    with db.sessions() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    post(client, f"/agency/agencies/{world.health}/people", {"email": "bad", "role": "agency_editor"})
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_reset_link_is_never_shown_on_the_page_outside_development(database_url, world):
    from tests.conftest import make_app

    production = make_app(database_url, env="production", public_url="https://finder.example")
    production.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    client = production.test_client()
    page = post(client, "/agency/password-reset", {"email": "health-editor@gov.example"}).get_data(as_text=True)
    assert "Check your email" in page and "/agency/password-reset/" not in page
    production.extensions["finder.db"].dispose()


def test_an_application_is_approved_into_an_existing_agency_or_a_new_one(app, db, client, world):
    sign_in(client, "coord@gov.example")
    with app.app_context(), db.transaction() as session:
        first = agency.apply_for_account(
            session, agency_name="Health Ministry", contact_name="Ann", email="a@h.example"
        )
        second = agency.apply_for_account(session, agency_name="Water Board", contact_name="Bo", email="b@w.example")
        ids = first.id, second.id
    page = client.get("/agency/applications").get_data(as_text=True)
    assert f'<option value="{world.health}">Ministry of Health</option>' in page
    unknown = post(client, f"/agency/applications/{ids[0]}/approve", {"agency_id": "no-such-agency"})
    assert "no agency has the id" in client.get(unknown.headers["Location"]).get_data(as_text=True)
    linked = post(client, f"/agency/applications/{ids[0]}/approve", {"agency_id": world.health})
    assert linked.status_code == 200 and "/agency/invitations/" in linked.get_data(as_text=True)
    assert post(client, f"/agency/applications/{ids[1]}/approve", {}).status_code == 200
    with db.sessions() as session:
        invitations = {i.email: i.agency_id for i in session.scalars(select(Invitation))}
        assert invitations["a@h.example"] == world.health
        assert invitations["b@w.example"] not in (None, world.health, world.lands)


def test_a_search_that_found_nothing_arrives_filled_in_on_the_vocabulary_page(client, world):
    # The metrics dashboard links each unmet query here, to become a synonym or a best bet.
    sign_in(client, "coord@gov.example")
    page = client.get("/agency/vocabulary?add=synonym&query=%20boat%20%20licence<b>").get_data(as_text=True)
    assert 'value="boat licence&lt;b&gt; =&gt; "' in page
    assert 'value="boat licence&lt;b&gt;"' in page


def test_a_refused_role_change_says_why_and_changes_nothing(app, db, client, world):
    sign_in(client, "coord@gov.example")
    with db.sessions() as session:
        coordinator = agency.user_by_email(session, "coord@gov.example")
        coordinator_id = coordinator.id
    refused = post(
        client,
        f"/agency/agencies/{world.health}/people/{coordinator_id}/role",
        {f"u{coordinator_id}-role": "agency_editor"},
        follow_redirects=True,
    )
    assert refused.status_code == 200 and "only agency members" in refused.get_data(as_text=True)
    with db.sessions() as session:
        assert agency.user_by_email(session, "coord@gov.example").role == "coordinator"


def test_deactivating_oneself_is_refused_with_a_message(app, db, client, world):
    sign_in(client, "health-admin@gov.example")
    with db.sessions() as session:
        admin_id = agency.user_by_email(session, "health-admin@gov.example").id
    refused = post(
        client, f"/agency/agencies/{world.health}/people/{admin_id}/active", {"active": "0"}, follow_redirects=True
    )
    assert refused.status_code == 200 and "You cannot deactivate your own account." in refused.get_data(as_text=True)
    with db.sessions() as session:
        assert agency.user_by_email(session, "health-admin@gov.example").active
