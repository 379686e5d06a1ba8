"""Page weight for the digital divide, measured without a browser: each page type's HTML at most 30 KB, and with
everything it loads (stylesheets, scripts, images; uncompressed) at most 60 KB. (The browser suite measures the same
in Chromium; this one runs everywhere, fast.)"""

from __future__ import annotations

import re

import pytest

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

HTML_BUDGET = 30 * 1024
TOTAL_BUDGET = 60 * 1024
PAGES = {
    "home": "/{lang}/",
    "results": "/{lang}/search?q={query}",
    "zero-results": "/{lang}/search?q=xqzzyv",
    "service": "/{lang}/services/apply-for-first-adult-passport",
    "agency": "/{lang}/agencies/passport-and-immigration-department",
    "life-event": "/{lang}/life-events/having-a-baby",
    "category": "/{lang}/categories/passports",
    "a-z": "/{lang}/a-z",
    "agencies": "/{lang}/agencies/",
}
QUERIES = {"en": "lost passport", "ar": "جواز سفر"}
# What a page makes the browser fetch: stylesheets, scripts and images (data: URLs are inside the HTML already).
ASSETS = re.compile(r'<(?:link rel="stylesheet"|script|img)[^>]*?(?:href|src)="(/[^"]+)"')


def weight(client, path: str) -> tuple[int, int]:
    response = client.get(path)
    assert response.status_code == 200, path
    html = len(response.data)
    assets = 0
    for url in set(ASSETS.findall(response.get_data(as_text=True))):
        asset = client.get(url.replace("&amp;", "&"))
        assert asset.status_code == 200, url
        assets += len(asset.data)
    return html, html + assets


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("page_type", sorted(PAGES))
def test_page_weight_is_within_budget(demo_client, page_type, language):
    html, total = weight(demo_client, PAGES[page_type].format(lang=language, query=QUERIES[language]))
    assert html <= HTML_BUDGET, f"{page_type} ({language}): HTML {html} B"
    assert total <= TOTAL_BUDGET, f"{page_type} ({language}): {total} B in all"


def test_the_budget_counts_the_stylesheet(demo_client):
    html, total = weight(demo_client, "/en/")
    assert total - html == len(demo_client.get("/static/site.css").data)
