"""WCAG 2.1 AA on the metrics pages: axe-core on the public performance page, the coordinator's dashboard and a
service's transactions page (with its form's errors shown), in English and Arabic, at phone and desktop widths, with
rolled-up traffic so that every table and chart is drawn."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_login.utils import _create_identifier
from sqlalchemy import select

from finder import agency, metrics
from finder.agency import User
from finder.catalogue.models import Service
from finder.metrics import EventKind, UsageEvent
from tests.browser import axe
from tests.browser.conftest import LANGUAGES, WIDTHS

pytestmark = pytest.mark.browser
COORDINATOR = "metrics-coordinator@gov.example"


@pytest.fixture(scope="module")
def traffic(live_server):
    """Searches that found something and nothing, and views, rolled up; and a coordinator to see them."""
    app = live_server.app
    with app.app_context():
        metrics.record(
            *(
                UsageEvent(EventKind.SEARCH, "web", "en", visitor=f"v{i}", query="passport", result_count=3)
                for i in range(12)
            ),
            *(
                UsageEvent(EventKind.SEARCH, "sms", "ar", visitor=f"s{i}", query="qqqzzx", result_count=0)
                for i in range(11)
            ),
        )
        app.extensions["finder.usage_log"].flush()
        metrics.rollup(app.extensions["finder.db"], app.config["FINDER"].metrics_retention_days)
        with app.extensions["finder.db"].transaction() as session:
            user = session.scalar(select(User).where(User.email == COORDINATOR))
            if user is None:
                user = agency.create_coordinator(session, COORDINATOR, "Tangerine-Lighthouse-907")
            return user.get_id()


def signed_in(page, live_server, session_id: str) -> None:
    """Give the browser the session cookie the agency sign-in would set (that page is built elsewhere)."""
    app = live_server.app
    user_agent = page.evaluate("navigator.userAgent")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": user_agent}):
        identifier = _create_identifier()
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": session_id, "_id": identifier, "_fresh": True}
    )
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live_server.url}])


@pytest.fixture(scope="module")
def service_id(live_server) -> str:
    with live_server.app.extensions["finder.db"].sessions() as session:
        return session.scalars(select(Service.id).order_by(Service.slug)).first()


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", ("performance", "coordinator", "transactions"))
def test_axe_finds_no_wcag_violation_on_the_metrics_pages(
    new_page, live_server, traffic, service_id, page_type, language, width
):
    page = new_page(WIDTHS[width], language=language, bypass_csp=True)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    if page_type == "performance":
        path = f"/{language}/performance?to={today}"
    else:
        signed_in(page, live_server, traffic)
        page.context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
        path = f"/coordinator/metrics?to={today}"
        if page_type == "transactions":
            path = f"/agency/services/{service_id}/transactions"
    response = page.goto(path)
    assert response.status == 200, f"{page.url}: HTTP {response.status}"
    if page_type == "transactions":
        # Sent with a bad month and a bad count: the error summary and the fields' errors are checked too.
        page.fill("#month", "2026-13")
        page.fill("#online", "-3")
        page.click("main form button[type=submit]")
        assert page.locator(".error-summary li").count() >= 2
    else:
        assert page.locator("svg[role=img] desc").count() >= 2
    assert page.locator("html").get_attribute("lang") == language
    found = axe.violations(page)
    assert not found, f"{page.url} at {width} px:\n{axe.report(found)}"
