"""Security headers, escaping, the JSON-LD data block, compression and static caching."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from finder.catalogue import Agency, Service, ServiceStatus

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

TEMPLATES = Path(__file__).resolve().parents[2] / "finder" / "web" / "templates"
SERVICE = "/en/services/apply-for-first-adult-passport"


def test_every_response_carries_the_security_headers(demo_client):
    for path in ("/en/", SERVICE, "/en/nowhere", "/sitemap.xml", "/api/v1/"):
        headers = demo_client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer")


def test_templates_have_no_inline_script_or_style():
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text()
        assert not re.search(r"\sstyle=|<style|\son\w+=", source), template.name
        for tag in re.findall(r"<script[^>]*>", source):
            assert 'type="application/ld+json"' in tag, f"{template.name}: {tag}"


def test_what_visitors_type_is_escaped(demo_client):
    html = demo_client.get("/en/search", query_string={"q": '<script>alert("x")</script>'}).get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_json_ld_is_valid_and_content_cannot_close_its_script(app, client):
    with app.extensions["finder.db"].transaction() as session:
        session.add(Agency(id="a1", slug="agency", name="Agency"))
        session.add(
            Service(
                id="s1",
                slug="tricky",
                agency_id="a1",
                name="Tricky </script><script>alert(1)</script>",
                summary="Summary & more",
                status=ServiceStatus.PUBLISHED,
            )
        )
    html = client.get("/en/services/tricky").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "GovernmentService" and data["name"].startswith("Tricky </script>")
    assert "<script>alert" not in html


def test_pages_are_compressed(demo_client):
    response = demo_client.get(SERVICE, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"<h1" in gzip.decompress(response.data)
    # Static files are streamed, which Flask-Compress does with brotli (what browsers offer over https), not gzip.
    css = demo_client.get("/static/site.css", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert css.headers["Content-Encoding"] == "br"


def test_static_files_have_an_etag_and_long_caching_behind_a_versioned_url(demo_client):
    html = demo_client.get("/en/").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="(/static/site\.css\?v=\w+)">', html).group(1)
    response = demo_client.get(href)
    assert response.status_code == 200 and response.headers["ETag"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    again = demo_client.get(href, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_no_external_resources(demo_client):
    for path in ("/en/", SERVICE, "/en/search?q=passport"):
        html = demo_client.get(path).get_data(as_text=True)
        for url in re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', html):
            assert url.startswith("/") or url.startswith("data:") or url.startswith("http://localhost/"), url
