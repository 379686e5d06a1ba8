"""WCAG 2.1 AA in Chromium on the page a retired service's address leaves behind, in English and Arabic."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finder.catalogue import Service, ServiceStatus
from tests.browser import axe
from tests.browser.conftest import LANGUAGES, WIDTHS

pytestmark = pytest.mark.browser

RETIRED = "dva-change-address-on-driving-licence"
REPLACEMENT = "dva-renew-driving-licence"


@pytest.fixture(scope="module")
def retired(live_server):
    """One demo service retired in favour of another for these tests, and published again after them."""
    database = live_server.app.extensions["finder.db"]

    def set_status(status: ServiceStatus, replacement: str | None) -> None:
        with database.transaction() as session:
            service = session.scalar(select(Service).where(Service.slug == RETIRED))
            service.status = status
            service.replaced_by_id = replacement and session.scalar(
                select(Service.id).where(Service.slug == replacement)
            )

    set_status(ServiceStatus.RETIRED, REPLACEMENT)
    yield
    set_status(ServiceStatus.PUBLISHED, None)


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_wcag_violation_on_a_retired_service_page(new_page, retired, language, width):
    page = new_page(WIDTHS[width], language=language, bypass_csp=True)
    response = page.goto(f"/{language}/services/{RETIRED}")
    assert response.status == 410
    assert page.locator(f'main a[href="/{language}/services/{REPLACEMENT}"]').count() == 1
    assert page.locator("html").get_attribute("lang") == language
    found = axe.violations(page)
    assert not found, f"{page.url} at {width} px:\n{axe.report(found)}"
