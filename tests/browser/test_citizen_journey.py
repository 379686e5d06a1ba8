"""The issue's "Done when", in Chromium: a citizen searches, opens the service, presses Start now (logged, and sent
only to the service's registered address), says whether the page was useful; in English and in Arabic. And the
screenshots of home, results and service pages that people look at to judge the layout."""

from __future__ import annotations

import re

import pytest

from finder import catalogue, search
from tests.browser.conftest import LANGUAGES, QUERIES, SCREENSHOTS, WIDTHS

pytestmark = pytest.mark.browser

JOURNEYS = {
    # language: (what the citizen comments, how the thank-you reads)
    "en": ("Clear and quick", re.compile(r"thank", re.IGNORECASE)),
    "ar": ("واضحة وسريعة", re.compile("شكر")),
}


def expected_service(live_server, text: str, language: str):
    """The top result that search itself gives for the text: the first relevant service the page must list."""
    with live_server.app.extensions["finder.db"].sessions() as session:
        results = search.search(session, search.SearchRequest(text=text, language=language))
        assert results.hits, f"the demo catalogue has no result for {text!r}"
        service = catalogue.published_service(session, results.hits[0].service_id)
        online = [c.value for c in service.channels if c.kind is catalogue.ChannelKind.ONLINE]
        return service, online[0]


# Each language with script on (as most browsers), and English with script off: every page must work without it.
JOURNEY_BROWSERS = [pytest.param(lang, True, id=lang) for lang in LANGUAGES] + [
    pytest.param("en", False, id="en-no-script")
]


@pytest.mark.parametrize(("language", "javascript"), JOURNEY_BROWSERS)
def test_citizen_searches_opens_service_starts_and_gives_feedback(new_page, live_server, language, javascript):
    text = QUERIES[language]
    comment, thanks = JOURNEYS[language]
    service, registered_url = expected_service(live_server, text, language)
    page = new_page(language=language, javascript=javascript)

    page.goto(f"/{language}/")
    box = page.locator("input[name=q]")
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/{language}/search\?"))

    first = page.locator("main a[href*='/services/']").first
    assert first.get_attribute("href").rstrip("/").endswith(f"/services/{service.slug}")
    first.click()
    page.wait_for_url(f"**/{language}/services/{service.slug}")
    service_url = page.url

    # The registered address is outside; the browser is answered here instead, so nothing leaves the machine.
    arrived = []

    def agency_site(route):
        arrived.append(route.request.url)
        route.fulfill(body="<title>The agency's site</title>", content_type="text/html")

    page.route(registered_url, agency_site)
    clicks_before = live_server.usage_count("click_out", service.id)
    with page.expect_response(lambda r: "/go/" in r.url) as went:
        page.locator("main a[href*='/go/']").first.click()
    redirect = went.value
    assert redirect.status == 302
    assert redirect.headers["location"] == registered_url
    page.wait_for_url(registered_url)
    assert arrived == [registered_url]
    assert live_server.usage_count("click_out", service.id) == clicks_before + 1

    page.goto(service_url)
    form = page.locator("form:has(button[name=useful])")
    form.locator("[name=comment]").fill(comment)
    form.locator("button[name=useful][value=yes]").click()
    page.wait_for_url(lambda url: url != service_url)
    assert thanks.search(page.locator("main").inner_text()), f"no thank-you on {page.url}"
    feedback = live_server.usage_events("feedback", service.id)
    assert feedback and feedback[-1].useful is True and feedback[-1].comment == comment
    assert feedback[-1].language == language


SCREENSHOT_PAGES = ("home", "results", "service")


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", SCREENSHOT_PAGES)
def test_screenshot(new_page, audit_paths, page_type, language, width):
    page = new_page(WIDTHS[width], language=language)
    response = page.goto(audit_paths[page_type][language])
    assert response.status == 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{page_type}-{language}-{width}.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 0
