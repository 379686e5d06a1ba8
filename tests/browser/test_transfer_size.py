"""Page weight for the digital divide, as Chromium fetches it with an empty cache: every page type's HTML at most
30 KB and all it loads (HTML, CSS, JS, images, uncompressed) at most 60 KB, all of it from the site itself."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LANGUAGES, PHONE
from tests.browser.test_accessibility import PAGE_TYPES

pytestmark = pytest.mark.browser

HTML_BUDGET = 30 * 1024
TOTAL_BUDGET = 60 * 1024


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_weight_within_budget(new_page, live_server, audit_paths, page_type, language):
    page = new_page(PHONE, language=language)
    requests, responses = [], []
    page.on("request", requests.append)
    page.on("response", responses.append)
    page.goto(audit_paths[page_type].format(lang=language))
    page.wait_for_load_state("networkidle")
    sizes = {r.url: len(r.body()) for r in responses if r.ok and r.request.method == "GET"}
    outside = [r.url for r in requests if not r.url.startswith(live_server.url)]
    assert not outside, f"{page.url} loads from outside the site: {outside}"
    html = sizes[page.url]
    total = sum(sizes.values())
    listing = ", ".join(f"{url.removeprefix(live_server.url)} {size} B" for url, size in sizes.items())
    assert html <= HTML_BUDGET, f"{page.url}: HTML is {html} B, over {HTML_BUDGET} B"
    assert total <= TOTAL_BUDGET, f"{page.url}: {total} B in all, over {TOTAL_BUDGET} B ({listing})"
