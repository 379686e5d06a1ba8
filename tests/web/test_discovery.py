"""What search engines and browsers read: sitemap with hreflang alternates, robots.txt, OpenSearch, canonical links."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def test_the_sitemap_lists_every_page_in_every_language_with_alternates(demo_app):
    response = demo_app.test_client().get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    urls = root.findall(f"{SITEMAP}url")
    locations = {u.find(f"{SITEMAP}loc").text for u in urls}
    languages = demo_app.config["FINDER"].languages
    for code in languages:
        assert f"http://localhost/{code}/services/apply-for-first-adult-passport" in locations
        assert f"http://localhost/{code}/life-events/having-a-baby" in locations
    services = [loc for loc in locations if "/en/services/" in loc]
    assert len(services) == 187
    first = urls[0]
    alternates = {a.get("hreflang"): a.get("href") for a in first.findall(f"{XHTML}link")}
    assert set(alternates) == set(languages)


def test_robots_points_to_the_sitemap_and_keeps_out_of_click_outs(demo_client):
    text = demo_client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text and "Disallow: /go/" in text


def test_opensearch_describes_the_search_in_the_visitors_language(demo_client):
    response = demo_client.get("/opensearch.xml", headers={"Accept-Language": "fr"})
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ElementTree.fromstring(response.data)
    url = root.find("{http://a9.com/-/spec/opensearch/1.1/}Url")
    assert url.get("template") == "http://localhost/fr/search?q={searchTerms}"
    html = demo_client.get("/fr/").get_data(as_text=True)
    assert 'rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml"' in html


def test_pages_name_their_canonical_address_and_language_alternates(demo_client):
    html = demo_client.get("/ar/services/apply-for-first-adult-passport?utm=x").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/ar/services/apply-for-first-adult-passport">' in html
    assert re.search(
        r'<link rel="alternate" hreflang="fr" href="http://localhost/fr/services/apply-for-first-adult-passport', html
    )


def test_links_that_leave_the_app_use_the_public_address(demo_url):
    from tests.conftest import make_app

    app = make_app(demo_url, public_url="https://finder.example")
    try:
        client = app.test_client()
        response = client.get("/en/services/apply-for-first-adult-passport")
        html = response.get_data(as_text=True)
        assert '<link rel="canonical" href="https://finder.example/en/services/apply-for-first-adult-passport">' in html
        assert '"url":"https://finder.example/en/services/apply-for-first-adult-passport"' in html
        assert "Sitemap: https://finder.example/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)
        session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "Secure" in session_cookie and "SameSite=Lax" in session_cookie
    finally:
        app.extensions["finder.db"].dispose()


def test_the_front_door_varies_by_language_preferences(demo_client):
    vary = demo_client.get("/").headers["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary
