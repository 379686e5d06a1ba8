"""Offices with their opening hours, edited by their agency's people through the same matrix as services."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from finder.catalogue.models import Office

from .pages import post, sign_in
from .test_page_forms import assert_field_error

OFFICE = {
    "name": "Harbour clinic",
    "slug": "harbour-clinic",
    "street": "1 Quay Street",
    "city": "Port Meridia",
    "country": "gb",
    "phone": "+44 20 7946 0999",
    "hours-0-days": ["mo", "tu"],
    "hours-0-opens": "09:00",
    "hours-0-closes": "17:30",
}


def _offices(db) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Office))


def test_an_editor_adds_an_office_with_hours_and_links_it_to_a_service(app, db, client, world):
    sign_in(client, "health-editor@gov.example")
    made = post(client, f"/agency/agencies/{world.health}/offices/new", OFFICE)
    assert made.status_code == 302, made.get_data(as_text=True)[:3000]
    with db.sessions() as session:
        office = session.scalar(select(Office).where(Office.slug == "harbour-clinic"))
        assert (office.agency_id, office.country, office.phone) == (world.health, "GB", "+442079460999")
        assert [(h.days, h.opens, h.closes) for h in office.hours] == [(["mo", "tu"], dt.time(9), dt.time(17, 30))]
        office_id = office.id
    edit = f"/agency/offices/{office_id}"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="09:00"' in page and 'id="hours-1-opens"' in page  # the saved row and a blank one
    changed = post(
        client,
        edit,
        {
            **OFFICE,
            "hours-0-closes": "16:00",
            "hours-1-days": ["sa"],
            "hours-1-opens": "10:00",
            "hours-1-closes": "12:00",
        },
    )
    assert changed.status_code == 302
    with db.sessions() as session:
        assert [h.closes for h in session.get(Office, office_id).hours] == [dt.time(16), dt.time(12)]
    service = f"/agency/services/{world.service_id('clinic-permit')}"
    saved = post(
        client,
        service,
        {
            "slug": "clinic-permit",
            "text-en-name": "Clinic permit",
            "text-en-summary": "Open a clinic.",
            "offices-0-office": "harbour-clinic",
        },
    )
    assert saved.status_code == 302
    assert "Harbour clinic" in client.get(f"{service}/preview").get_data(as_text=True)


def test_bad_office_input_is_named_field_by_field(app, db, client, world):
    sign_in(client, "health-admin@gov.example")
    url = f"/agency/agencies/{world.health}/offices/new"
    before = _offices(db)
    for change, field in (
        ({"name": ""}, "name"),
        ({"country": "Great Britain"}, "country"),
        ({"phone": "ring the bell"}, "phone"),
        ({"hours-0-opens": "9am"}, "hours-0-opens"),
        ({"hours-0-closes": "08:00"}, "hours-0-closes"),  # before it opens: the importer's rule
        ({"slug": "Harbour Clinic"}, "slug"),
    ):
        assert_field_error(post(client, url, {**OFFICE, **change}), field)
    assert _offices(db) == before


def test_only_the_agencys_people_and_the_coordinator_edit_its_offices(app, db, client, world):
    sign_in(client, "health-admin@gov.example")
    post(client, f"/agency/agencies/{world.health}/offices/new", OFFICE)
    with db.sessions() as session:
        office_id = session.scalar(select(Office.id).where(Office.slug == "harbour-clinic"))
    other = app.test_client()
    sign_in(other, "lands-admin@gov.example")
    assert other.get(f"/agency/offices/{office_id}").status_code == 403
    assert other.get(f"/agency/agencies/{world.health}/offices").status_code == 403
    assert post(other, f"/agency/agencies/{world.health}/offices/new", {**OFFICE, "slug": "x"}).status_code == 403
    # Taking another office's address would overwrite it: refused.
    own = post(other, f"/agency/agencies/{world.lands}/offices/new", OFFICE)
    assert_field_error(own, "slug", "another office")
    coordinator = app.test_client()
    sign_in(coordinator, "coord@gov.example")
    assert coordinator.get(f"/agency/offices/{office_id}").status_code == 200
    assert app.test_client().get(f"/agency/offices/{office_id}").status_code == 302  # anonymous: sign in


def test_an_office_has_a_description_a_position_and_translations(app, db, client, world):
    sign_in(client, "health-editor@gov.example")
    form = {
        **OFFICE,
        "description": "The clinic by the harbour.",
        "tr-fr-name": "Clinique du port",
        "tr-ar-description": "العيادة بجانب الميناء",
        "latitude": "51.5034",
        "longitude": "-0.1276",
        "accessibility": "Step-free entrance.",
        "tr-es-accessibility": "Entrada sin escalones.",
        "hours-0-description": "By appointment",
        "hours-0-tr-fr-description": "Sur rendez-vous",
    }
    assert post(client, f"/agency/agencies/{world.health}/offices/new", form).status_code == 302
    with db.sessions() as session:
        office = session.scalar(select(Office).where(Office.slug == "harbour-clinic"))
        assert (office.description, office.latitude, office.longitude) == (
            "The clinic by the harbour.",
            51.5034,
            -0.1276,
        )
        assert office.translations == {
            "fr": {"name": "Clinique du port"},
            "ar": {"description": "العيادة بجانب الميناء"},
            "es": {"accessibility": "Entrada sin escalones."},
        }
        assert office.hours[0].description == "By appointment"
        assert office.hours[0].translated("description", "fr") == "Sur rendez-vous"
        office_id = office.id
    page = client.get(f"/agency/offices/{office_id}").get_data(as_text=True)
    field = re.search(r'<textarea[^>]*\bid="tr-ar-description"[^>]*>', page).group(0)
    assert 'lang="ar"' in field and 'dir="rtl"' in field
    assert 'value="51.5034"' in page and 'value="Sur rendez-vous"' in page
    # Clearing the position and a translation removes them.
    assert post(client, f"/agency/offices/{office_id}", {**form, "latitude": "", "longitude": "", "tr-fr-name": ""})
    with db.sessions() as session:
        office = session.get(Office, office_id)
        assert (office.latitude, office.longitude) == (None, None) and "fr" not in office.translations


def test_bad_positions_and_lone_translations_are_refused(app, db, client, world):
    sign_in(client, "health-admin@gov.example")
    url = f"/agency/agencies/{world.health}/offices/new"
    before = _offices(db)
    for change, field, words in (
        ({"latitude": "north", "longitude": "0"}, "latitude", "from -90 to 90"),
        ({"latitude": "91", "longitude": "0"}, "latitude", "from -90 to 90"),
        ({"latitude": "51.5", "longitude": "-181"}, "longitude", "from -180 to 180"),
        ({"latitude": "51.5"}, "longitude", "both"),
        ({"longitude": "-0.12"}, "latitude", "both"),
        ({"tr-fr-description": "Une clinique"}, "description", "first"),
        ({"hours-0-tr-fr-description": "Sur rendez-vous"}, "hours-0-description", "first"),
    ):
        assert_field_error(post(client, url, {**OFFICE, **change}), field, words)
    assert _offices(db) == before


def test_the_office_page_lists_what_is_still_untranslated(app, db, client, world):
    sign_in(client, "health-editor@gov.example")
    form = {
        **OFFICE,
        "description": "By the harbour.",
        "tr-fr-name": "Clinique du port",
        "hours-0-description": "Lunch",
    }
    post(client, f"/agency/agencies/{world.health}/offices/new", form)
    with db.sessions() as session:
        office_id = session.scalar(select(Office.id).where(Office.slug == "harbour-clinic"))
    page = client.get(f"/agency/offices/{office_id}").get_data(as_text=True)
    untranslated = re.search(r'<h2 id="untranslated">.*?</section>', page, re.S).group(0)
    french = re.search(r'<li><span lang="fr">.*?</li>', untranslated).group(0)
    assert '<a href="#tr-fr-description">Description</a>' in french and "#tr-fr-name" not in french
    assert '<a href="#hours-0-tr-fr-description">Opening hours 1: Note (such as: by appointment only)</a>' in french
    assert 'href="#tr-ar-name"' in untranslated
