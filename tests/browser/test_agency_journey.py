"""Issue 6's "Done when", in Chromium: an agency applies, the coordinator approves, the admin (through the
invitation link) sets a password and invites an editor, the editor drafts a service in two languages and submits
it, the admin publishes it, and a citizen finds it by search on the web. And axe-core on the agency pages (sign
in, dashboard, editor) in English and Arabic."""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from finder import agency
from finder.agency import Role, passwords
from finder.catalogue.models import Agency, Service
from tests.browser import axe
from tests.browser.conftest import LANGUAGES
from tests.browser.test_accessibility import HEADING_LEVELS
from tests.channels.twilio.conftest import TOKEN, Phone
from tests.conftest import make_app

pytestmark = pytest.mark.browser

PASSWORD = "Quartz-Meadow-Lantern-58"
COORDINATOR = "coordinator@journey.example"
AUDITOR = "auditor-admin@journey.example"  # an admin of a demo agency, for the audits


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """argon2 at production cost takes a second a hash on a busy test machine; these tests check pages."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="module")
def accounts(live_server) -> dict[str, str]:
    """A coordinator, and an admin of the first demo agency, in the live server's database."""
    app = live_server.app
    with app.app_context(), app.extensions["finder.db"].transaction() as session:
        first = session.scalars(select(Agency).order_by(Agency.slug)).first()
        for email, role, agency_id in ((COORDINATOR, Role.COORDINATOR, None), (AUDITOR, Role.AGENCY_ADMIN, first.id)):
            if agency.user_by_email(session, email) is None:
                agency.create_user(session, email, PASSWORD, role, agency_id)
        return {"agency_id": first.id}


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/agency/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/agency/(agencies|review)"))


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def finds_by_sms(live_server, text: str, name: str, browser_database_url: str) -> None:
    """A citizen texts the words to the SMS webhook (signed as Twilio signs) and gets the service in the list."""
    app = make_app(browser_database_url, twilio_auth_token=TOKEN)
    try:
        reply = Phone(app.test_client()).text(text)
    finally:
        app.extensions["finder.usage_log"].close()
        app.extensions["finder.db"].dispose()
    assert reply and any(line.endswith(f". {name}") for line in reply.splitlines()), reply


def test_an_agency_joins_and_publishes_a_service_a_citizen_finds(new_page, live_server, accounts, browser_database_url):
    # 1. The agency applies through the public form.
    applicant = new_page()
    applicant.goto("/agency/apply")
    applicant.fill("#agency_name", "Tidewater Harbour Authority")
    applicant.fill("#contact_name", "Mara Quill")
    applicant.fill("#email", "mara@tidewater.example")
    applicant.click("main button[type=submit]")
    assert applicant.locator("h1").inner_text() == "Application sent"

    # 2. The coordinator approves it and gets the first admin's one-time link.
    coordinator = new_page()
    sign_in(coordinator, COORDINATOR)
    coordinator.goto("/agency/applications")
    card = coordinator.locator("section.card", has_text="Tidewater Harbour Authority")
    card.get_by_role("button", name="Approve").click()
    admin_link = coordinator.locator("main p a").first.get_attribute("href")
    assert "/agency/invitations/" in admin_link

    # 3. The admin sets a password through the link, then invites an editor.
    admin = new_page()
    admin.goto(path_of(admin_link))
    admin.fill("#password", PASSWORD)
    admin.fill("#confirm", PASSWORD)
    admin.click("main button[type=submit]")
    admin.wait_for_url(re.compile(r"/agency/agencies/[^/]+/$"))
    dashboard = admin.url
    admin.get_by_role("link", name="People").click()
    admin.fill("#email", "otto@tidewater.example")
    admin.select_option("#role", "agency_editor")
    admin.click("main form:not(.inline) button[type=submit]")
    editor_link = admin.locator(".notice a").get_attribute("href")

    # 4. The editor sets a password, drafts the service in English and French, and submits it.
    editor = new_page()
    editor.goto(path_of(editor_link))
    editor.fill("#password", PASSWORD)
    editor.fill("#confirm", PASSWORD)
    editor.click("main button[type=submit]")
    editor.wait_for_url(re.compile(r"/agency/agencies/"))
    editor.get_by_role("link", name="Add a service").click()
    editor.fill("#slug", "mooring-permit")
    editor.fill("#text-en-name", "Mooring permit for small boats")
    editor.fill("#text-en-summary", "Get a permit to moor a small boat in Tidewater harbour.")
    editor.fill("#text-fr-name", "Permis d'amarrage pour petits bateaux")
    editor.fill("#text-fr-summary", "Obtenir un permis pour amarrer un petit bateau au port de Tidewater.")
    editor.select_option("#channels-0-kind", "phone")
    editor.fill("#channels-0-value", "+44 20 7946 0431")
    editor.get_by_role("button", name="Save", exact=True).click()
    editor.wait_for_url(re.compile(r"/agency/services/[^/]+$"))
    editor.get_by_role("button", name="Submit for publishing").click()
    assert "submitted" in editor.locator(".notice").inner_text()
    assert editor.get_by_role("button", name="Publish").count() == 0  # editors cannot publish

    # 5. The admin publishes it from the review queue.
    admin.goto(dashboard)
    admin.get_by_role("link", name="Review queue").click()
    row = admin.locator("tr", has_text="Mooring permit for small boats")
    row.get_by_role("button", name="Publish").click()
    assert "published" in admin.locator(".notice").inner_text()

    # 6. A citizen finds it by search on the web, in English and in French.
    citizen = new_page()
    citizen.goto("/en/search?q=mooring+permit")
    citizen.locator("main a[href$='/services/mooring-permit']").first.click()
    assert citizen.locator("h1").inner_text() == "Mooring permit for small boats"
    citizen.goto("/fr/search?q=permis+amarrage")
    assert citizen.locator("main a[href$='/services/mooring-permit']").count() >= 1
    finds_by_sms(live_server, "mooring permit", "Mooring permit for small boats", browser_database_url)


def _service_of(live_server, agency_id: str) -> str:
    with live_server.app.extensions["finder.db"].sessions() as session:
        return session.scalar(select(Service.id).where(Service.agency_id == agency_id).order_by(Service.slug))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", ["login", "dashboard", "editor", "new service", "new office"])
def test_axe_finds_no_violation_on_agency_pages(new_page, live_server, accounts, page_type, language):
    page = new_page(language=language, bypass_csp=True)
    if page_type == "login":
        page.goto("/agency/login")
    else:
        sign_in(page, AUDITOR)
        paths = {
            "dashboard": f"/agency/agencies/{accounts['agency_id']}/",
            "editor": f"/agency/services/{_service_of(live_server, accounts['agency_id'])}",
            "new service": f"/agency/agencies/{accounts['agency_id']}/services/new",
            "new office": f"/agency/agencies/{accounts['agency_id']}/offices/new",
        }
        page.goto(paths[page_type])
    assert page.locator("html").get_attribute("lang") == language
    found = axe.violations(page)
    assert not found, f"{page.url}:\n{axe.report(found)}"
    assert_headings_in_order(page)


def assert_headings_in_order(page) -> None:
    levels = page.evaluate(HEADING_LEVELS)
    assert levels.count(1) == 1 and levels[0] == 1, f"{page.url}: headings {levels}"
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), f"{page.url}: headings {levels}"


def test_axe_finds_no_violation_on_a_form_with_errors(new_page, live_server, accounts):
    page = new_page(bypass_csp=True)
    page.goto("/agency/apply")
    page.fill("#email", "not an email")
    page.click("main button[type=submit]")
    assert page.locator(".error-summary a[href='#email']").count() == 1
    found = axe.violations(page)
    assert not found, f"{page.url}:\n{axe.report(found)}"
    assert_headings_in_order(page)
