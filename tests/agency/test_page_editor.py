"""The service editor's behaviour: translations side by side, what is untranslated, the back end's checks per
field, "add another" rows, the preview of the citizen page, workflow buttons, history with diff and restore, and
the dashboard's one-click "still correct"."""

from __future__ import annotations

import datetime as dt
import re

from finder import agency

from .conftest import service
from .pages import post, sign_in

BASE = {"slug": "clinic-permit", "text-en-name": "Clinic permit", "text-en-summary": "Open a clinic."}


def editing(client, world, who: str = "health-editor@gov.example") -> str:
    """`who` signed in on `client`; the address of the clinic permit's editor."""
    sign_in(client, who)
    return f"/agency/services/{world.service_id('clinic-permit')}"


def test_translations_are_saved_side_by_side_and_the_missing_ones_listed(app, db, client, world):
    url = editing(client, world)
    form = {
        **BASE,
        "text-fr-name": "Permis de clinique",
        "text-fr-summary": "Ouvrir une clinique.",
        "text-ar-name": "ترخيص عيادة",
        "text-en-keywords": "clinic\nhealth centre",
    }
    assert post(client, url, form).status_code == 302
    with db.sessions() as session:
        saved = service(session, "clinic-permit")
        assert saved.translated("name", "fr") == "Permis de clinique"
        assert saved.translated("name", "ar") == "ترخيص عيادة"
        assert saved.keywords == ["clinic", "health centre"]
    page = client.get(url).get_data(as_text=True)
    assert 'id="text-ar-name"' in page and 'lang="ar"' in page and 'dir="rtl"' in page
    untranslated = re.search(r'<h2 id="untranslated">.*?</section>', page, re.S).group(0)
    assert (
        '<span lang="ar">العربية</span>: <a href="#text-ar-summary">Summary</a>, '
        '<a href="#text-ar-keywords">Keywords (one a line)</a></li>'
    ) in untranslated
    assert '<span lang="fr">Français</span>: <a href="#text-fr-keywords">Keywords (one a line)</a></li>' in untranslated
    assert (
        '<span lang="es">Español</span>: <a href="#text-es-name">Name</a>, <a href="#text-es-summary">' in untranslated
    )


def test_checks_are_shown_beside_their_fields(app, db, client, world):
    url = editing(client, world, "health-admin@gov.example")
    summary = "You must utilise the form prior to opening."
    post(client, url, {**BASE, "text-en-name": "Land title", "text-en-summary": summary})
    page = client.get(url).get_data(as_text=True)
    name_notes = re.search(r'<ul class="notes" id="text-en-name-notes">(.*?)</ul>', page, re.S).group(1)
    assert "Lands Office already publishes" in name_notes
    summary_notes = re.search(r'<ul class="notes" id="text-en-summary-notes">(.*?)</ul>', page, re.S).group(1)
    assert "say &#39;use&#39;" in summary_notes and "say &#39;before&#39;" in summary_notes
    field = re.search(r'<textarea[^>]*\bid="text-en-summary"[^>]*>', page).group(0)
    assert 'aria-describedby="text-en-summary-notes"' in field


def test_add_another_row_rerenders_without_saving(app, db, client, world):
    url = editing(client, world)
    assert 'id="documents-1-name"' not in client.get(url).get_data(as_text=True)
    again = post(client, url, {**BASE, "text-en-name": "Unsaved", "documents-0-name": "Passport", "more": "documents"})
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and 'id="documents-1-name"' in page and 'value="Passport"' in page
    with db.sessions() as session:
        assert service(session, "clinic-permit").name == "Clinic permit"


def test_phone_numbers_are_stored_in_e164_and_sub_records_kept(app, db, client, world):
    url = editing(client, world)
    form = {
        **BASE,
        "channels-0-kind": "phone",
        "channels-0-value": "+44 20 7946 0430",
        "channels-1-kind": "online",
        "channels-1-value": "https://health.example/permit",
        "documents-0-name": "Floor plan",
        "costs-0-label": "Fee",
        "costs-0-amount": "120",
        "costs-0-currency": "EUR",
    }
    assert post(client, url, form).status_code == 302
    with db.sessions() as session:
        saved = service(session, "clinic-permit")
        assert [(c.kind.value, c.value) for c in saved.channels] == [
            ("phone", "+442079460430"),
            ("online", "https://health.example/permit"),
        ]
        assert [d.name for d in saved.documents] == ["Floor plan"]
        assert [(c.label, str(c.amount), c.currency) for c in saved.costs] == [("Fee", "120.0000", "EUR")]


def test_workflow_buttons_follow_the_matrix(app, db, client, world):
    editor = app.test_client()
    url = editing(editor, world)
    page = editor.get(url).get_data(as_text=True)
    assert 'value="submitted"' in page and 'value="published"' not in page and 'value="retired"' not in page
    sign_in(client, "health-admin@gov.example")
    page = client.get(url).get_data(as_text=True)
    assert 'value="submitted"' in page and 'value="published"' in page
    post(client, f"{url}/status", {"to": "published"})
    page = client.get(url).get_data(as_text=True)
    assert 'value="retired"' in page and 'name="replaced_by"' in page
    retired = post(client, f"{url}/status", {"to": "retired", "replaced_by": "vaccination"})
    assert retired.status_code == 302
    with db.sessions() as session:
        permit = service(session, "clinic-permit")
        assert permit.status.value == "retired" and permit.replaced_by.slug == "vaccination"
    refused = post(client, f"{url}/status", {"to": "submitted"})
    assert "cannot become submitted" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_history_diff_and_restore(app, db, client, world):
    url = editing(client, world)
    post(client, url, BASE)
    post(client, url, {**BASE, "text-en-name": "Clinic licence", "note": "renamed"})
    history = client.get(f"{url}/history").get_data(as_text=True)
    assert "renamed" in history and f'href="{url}/history/2"' in history
    diff = client.get(f"{url}/history/2").get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">name</th><td><del>Clinic permit</del></td><td><ins>Clinic licence</ins>", diff)
    assert post(client, f"{url}/history/1/restore", {}).status_code == 302
    with db.sessions() as session:
        assert service(session, "clinic-permit").name == "Clinic permit"
    assert "restored version 1" in client.get(f"{url}/history").get_data(as_text=True)


def test_preview_renders_the_citizen_page_of_a_draft(app, db, client, world):
    url = editing(client, world)
    post(client, url, {**BASE, "text-fr-name": "Permis de clinique", "text-fr-summary": "Ouvrir une clinique."})
    english = client.get(f"{url}/preview").get_data(as_text=True)
    assert "<h1>Clinic permit</h1>" in english and "Preview: citizens do not see this page" in english
    assert 'action="/en/services/clinic-permit/feedback"' not in english
    french = client.get(f"{url}/preview?lang=fr").get_data(as_text=True)
    assert 'lang="fr"' in french and "Permis de clinique" in french
    assert client.get("/en/services/clinic-permit").status_code == 404  # still a draft for citizens


def test_still_correct_is_one_click_from_the_dashboard(app, db, client, world):
    sign_in(client, "health-editor@gov.example")
    dashboard = client.get(f"/agency/agencies/{world.health}/").get_data(as_text=True)
    confirm = f"/agency/services/{world.service_id('vaccination')}/confirm"
    assert f'action="{confirm}"' in dashboard
    assert post(client, confirm, {}).status_code == 302
    with db.sessions() as session:
        assert service(session, "vaccination").last_reviewed == dt.date.today()
    assert f'action="{confirm}"' not in client.get(f"/agency/agencies/{world.health}/").get_data(as_text=True)


def test_documents_costs_channels_and_office_links_are_translated_side_by_side(app, db, client, world):
    url = editing(client, world)
    form = {
        **BASE,
        "documents-0-name": "Floor plan",
        "documents-0-tr-fr-name": "Plan des locaux",
        "documents-0-tr-ar-name": "مخطط الطابق",
        "costs-0-label": "Fee",
        "costs-0-amount": "120",
        "costs-0-description": "Paid once.",
        "costs-0-tr-fr-label": "Frais",
        "channels-0-kind": "phone",
        "channels-0-value": "+44 20 7946 0430",
        "channels-0-description": "Weekdays",
        "channels-0-tr-es-description": "Entre semana",
    }
    assert post(client, url, form).status_code == 302
    with db.sessions() as session:
        saved = service(session, "clinic-permit")
        assert saved.documents[0].translations == {"fr": {"name": "Plan des locaux"}, "ar": {"name": "مخطط الطابق"}}
        assert saved.costs[0].translated("label", "fr") == "Frais"
        assert saved.channels[0].translations == {"es": {"description": "Entre semana"}}
    page = client.get(url).get_data(as_text=True)
    field = re.search(r'<input[^>]*\bid="documents-0-tr-ar-name"[^>]*>', page).group(0)
    assert 'lang="ar"' in field and 'dir="rtl"' in field and "مخطط الطابق" in field
    legend = re.search(r'<legend>Document</legend>\s*<div class="field">\s*<label for="documents-0-name">', page)
    assert legend, "the document's name is a fieldset of its languages"
    untranslated = re.search(r'<h2 id="untranslated">.*?</section>', page, re.S).group(0)
    french = re.search(r'<li><span lang="fr">.*?</li>', untranslated).group(0)
    assert "Cost 1: Details" in french and "Document 1" not in french
    assert '<a href="#costs-0-tr-fr-description">Cost 1: Details</a>' in french and "Channel 1: Details" in french
    # Emptying a translation removes it; the others stay.
    assert post(client, url, {**form, "documents-0-tr-fr-name": ""}).status_code == 302
    with db.sessions() as session:
        assert service(session, "clinic-permit").documents[0].translations == {"ar": {"name": "مخطط الطابق"}}


def test_extra_data_is_edited_as_a_json_object(app, db, client, world):
    url = editing(client, world)
    extra = '{"accreditations": ["ISO 9001"], "interpretation_services": "Arabic"}'
    assert post(client, url, {**BASE, "extra": extra}).status_code == 302
    with db.sessions() as session:
        assert service(session, "clinic-permit").extra == {
            "accreditations": ["ISO 9001"],
            "interpretation_services": "Arabic",
        }
    page = client.get(url).get_data(as_text=True)
    assert "&#34;accreditations&#34;: [" in page or "&quot;accreditations&quot;: [" in page
    assert post(client, url, {**BASE, "extra": ""}).status_code == 302
    with db.sessions() as session:
        assert service(session, "clinic-permit").extra == {}


def test_checks_run_before_saving_and_nothing_is_written(app, db, client, world):
    url = editing(client, world)
    with db.sessions() as session:
        versions = len(agency.versions(session, world.health_editor, service(session, "clinic-permit")))
    summary = "You must utilise the form prior to opening."
    checked = post(client, url, {**BASE, "text-en-name": "Land title", "text-en-summary": summary, "check": "1"})
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "nothing is saved yet" in page
    name_notes = re.search(r'<ul class="notes" id="text-en-name-notes">(.*?)</ul>', page, re.S).group(1)
    assert "Lands Office already publishes" in name_notes
    assert "say &#39;use&#39;" in re.search(r'id="text-en-summary-notes">(.*?)</ul>', page, re.S).group(1)
    assert 'value="Land title"' in page  # what was typed stays in the form
    costs = post(
        client, url, {**BASE, "costs-0-label": "Fee", "costs-0-description": "Pay prior to the visit.", "check": "1"}
    )
    assert "say &#39;before&#39;" in re.search(
        r'id="costs-0-description-notes">(.*?)</ul>', costs.get_data(as_text=True), re.S
    ).group(1)
    with db.sessions() as session:
        assert service(session, "clinic-permit").name == "Clinic permit"
        assert len(agency.versions(session, world.health_editor, service(session, "clinic-permit"))) == versions
    # A new service is checked the same way, and not created.
    new = post(
        client,
        f"/agency/agencies/{world.health}/services/new",
        {"slug": "land-titles", "text-en-name": "Land titles", "text-en-summary": "Register.", "check": "1"},
    )
    assert new.status_code == 200 and "Lands Office already publishes" in new.get_data(as_text=True)
    with db.sessions() as session:
        assert service(session, "land-titles") is None
    # Bad input is named field by field, as on saving.
    bad = post(client, url, {**BASE, "channels-0-kind": "phone", "channels-0-value": "call us", "check": "1"})
    assert bad.status_code == 400 and 'id="channels-0-value-error"' in bad.get_data(as_text=True)


def test_submitting_shows_the_warnings_again(app, db, client, world):
    url = editing(client, world)
    post(client, url, {**BASE, "text-en-name": "Land title"})
    submitted = post(client, f"{url}/status", {"to": "submitted"}, follow_redirects=True)
    page = submitted.get_data(as_text=True)
    assert "The status is now: submitted." in page
    assert page.count("Lands Office already publishes") >= 2  # the message after submitting and the field's note


def test_a_refused_replacement_is_named_on_its_field(app, db, client, world):
    sign_in(client, "health-admin@gov.example")
    url = f"/agency/services/{world.service_id('vaccination')}"
    for replacement, words in (("no-such-service", "no-such-service"), ("vaccination", "another service")):
        refused = post(client, f"{url}/status", {"to": "retired", "replaced_by": replacement})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 400 and '<a href="#replaced_by">' in page
        error = re.search(r'<p class="error" id="replaced_by-error">(.*?)</p>', page, re.S).group(1)
        assert words in error
        assert 'value="Vaccination"' in page  # the stored service, not an empty form
    with db.sessions() as session:
        assert service(session, "vaccination").status.value == "published"


def test_back_end_messages_are_shown_in_the_readers_language(app, db, client, world):
    url = editing(client, world, "health-admin@gov.example")
    post(client, url, {**BASE, "text-en-summary": "We commence soon."})
    english = client.get(f"{url}?lang=en").get_data(as_text=True)
    french = client.get(f"{url}?lang=fr").get_data(as_text=True)
    notes = re.compile(r'<ul class="notes" id="text-en-summary-notes">(.*?)</ul>', re.S)
    assert "say &#39;start&#39;" in notes.search(english).group(1)
    in_french = notes.search(french).group(1)
    assert "commence" in in_french and "say" not in in_french


def test_a_refused_save_with_fewer_rows_than_stored_is_still_a_page(app, db, client, world):
    url = editing(client, world)
    rows = {f"documents-{i}-name": f"Paper {i}" for i in range(3)}
    assert post(client, url, {**BASE, **rows}).status_code == 302
    # A hand-made post with one row and an error: the untranslated list still names the stored rows.
    refused = post(client, url, {**BASE, "text-en-name": "", "documents-0-name": "Paper 0"})
    assert refused.status_code == 400 and "Document 3: Document" in refused.get_data(as_text=True)
