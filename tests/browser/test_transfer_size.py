"""What Chromium really fetches for each page type, with an empty cache: nothing from outside the site (no fonts,
CDNs or trackers), and all of it (HTML, CSS, JS, images, uncompressed) within the 60 KB budget. The budget itself is
tests/web/test_budget.py, which reads the page's own asset links; this catches what only a browser would load
(assets named in the stylesheet, anything added by script)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LANGUAGES, PHONE
from tests.browser.test_accessibility import PAGE_TYPES

pytestmark = pytest.mark.browser

TOTAL_BUDGET = 60 * 1024


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_chromium_fetches_only_the_site_within_budget(new_page, live_server, audit_paths, page_type, language):
    page = new_page(PHONE, language=language)
    requests, responses = [], []
    page.on("request", lambda request: requests.append(request))
    page.on("response", lambda response: responses.append(response))
    page.goto(audit_paths[page_type][language])
    outside = [r.url for r in requests if not r.url.startswith(live_server.url)]
    assert not outside, f"{page.url} loads from outside the site: {outside}"
    sizes = {r.url: len(r.body()) for r in responses if r.ok and r.request.method == "GET"}
    assert page.url in sizes
    total = sum(sizes.values())
    listing = ", ".join(f"{url.removeprefix(live_server.url)} {size} B" for url, size in sizes.items())
    assert total <= TOTAL_BUDGET, f"{page.url}: {total} B in all, over {TOTAL_BUDGET} B ({listing})"
