"""Browser tests: the real app on a copy of the demo catalogue, served on a local port, driven in Debian's Chromium.

Chromium is /usr/bin/chromium, installed by bin/setup-tests; Playwright drives it through `executable_path` (its own
browser downloads are never used). FINDER_TEST_BROWSER=skip skips these tests. One browser per session, a new
context (fresh cookies and cache) per page; every request that is not for the local server is refused, so nothing
leaves the machine.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from finder import catalogue, search
from finder.metrics.models import UsageEventRow
from tests.conftest import make_app

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {375: PHONE, 1280: DESKTOP}
LANGUAGES = ("en", "ar")
# The scenario query in each language; the English one's top result gives the service, agency and
# life-event pages to audit.
QUERIES = {"en": "lost passport", "ar": "جواز سفر"}


@dataclass(frozen=True)
class LiveServer:
    app: Flask
    url: str

    def _flush_usage_log(self) -> None:
        log = self.app.extensions["finder.usage_log"]
        if hasattr(log, "flush"):  # a buffering log writes its events now
            log.flush()

    def usage_count(self, kind: str, service_id: str | None = None) -> int:
        """Usage events of a kind (for a service) in the server's log."""
        self._flush_usage_log()
        query = select(func.count()).select_from(UsageEventRow).where(UsageEventRow.kind == kind)
        if service_id is not None:
            query = query.where(UsageEventRow.service_id == service_id)
        with self.app.extensions["finder.db"].sessions() as session:
            return session.scalar(query)

    def usage_events(self, kind: str, service_id: str) -> list[UsageEventRow]:
        """A service's usage events of a kind, oldest first."""
        self._flush_usage_log()
        query = select(UsageEventRow).where(UsageEventRow.kind == kind, UsageEventRow.service_id == service_id)
        with self.app.extensions["finder.db"].sessions() as session:
            return list(session.scalars(query.order_by(UsageEventRow.id)))


def _skip_unless_wanted() -> None:
    if os.environ.get("FINDER_TEST_BROWSER") == "skip":
        pytest.skip("FINDER_TEST_BROWSER=skip")


@pytest.fixture(scope="session")
def browser_database_url(demo_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the demo database of our own: the scenario writes usage events, which other tests must not see."""
    _skip_unless_wanted()
    copy = tmp_path_factory.mktemp("browser") / "demo.db"
    with sqlite3.connect(make_url(demo_sqlite_url).database) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="session")
def live_server(browser_database_url: str) -> Iterator[LiveServer]:
    """The app served by werkzeug in a background thread on a free local port."""
    app = make_app(browser_database_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["finder.db"].dispose()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    _skip_unless_wanted()
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: run bin/setup-tests (it installs Debian's chromium), or set FINDER_TEST_BROWSER=skip"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server: LiveServer) -> Iterator[Callable[..., object]]:
    """Opens pages, each in a fresh context (no cookies, no cache) at the given viewport, closed after the test.

    `bypass_csp=True` is for the accessibility audit only: axe-core is injected as a script, which the app's
    Content-Security-Policy rightly refuses.
    """
    contexts = []

    def open_page(
        viewport: dict[str, int] = DESKTOP, *, bypass_csp: bool = False, language: str = "en", javascript: bool = True
    ):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            bypass_csp=bypass_csp,
            locale=language,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        # Nothing leaves the machine; a test that expects an outside address routes it on its page first.
        context.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def audit_paths(live_server: LiveServer) -> dict[str, dict[str, str]]:
    """The path of each page type to audit, by language, from the demo catalogue.

    Results are for the scenario's query in the page's language (an English query on an Arabic page finds nothing,
    which is the zero-result page's case); the service is the top result for the English query, the agency that
    service's, the life event the one search relates to the query (or else the first).
    """
    with live_server.app.extensions["finder.db"].sessions() as session:
        results = search.search(session, search.SearchRequest(text=QUERIES["en"], language="en"))
        service = catalogue.published_service(session, results.hits[0].service_id)
        events = catalogue.life_events(session)
        related = [e for e in events if e.id in set(results.life_events)]
        event = (related or events)[0]
        templates = {
            "home": "/{lang}/",
            "results": "/{lang}/search?q={query}",
            "zero-results": "/{lang}/search?q=xqzzyv",
            "service": f"/{{lang}}/services/{service.slug}",
            "agency": f"/{{lang}}/agencies/{service.agency.slug}",
            "life-event": f"/{{lang}}/life-events/{event.slug}",
        }
    return {
        page_type: {lang: template.format(lang=lang, query=quote_plus(QUERIES[lang])) for lang in LANGUAGES}
        for page_type, template in templates.items()
    }
