"""A retired service's address answers 410 Gone with a page pointing to the service that replaced it."""

from __future__ import annotations

import json
import re

import pytest

from finder.catalogue.import_export import import_path


def service(slug: str, name: str, status: str, **more) -> dict:
    return {"slug": slug, "agency": "roads", "name": name, "summary": f"{name}.", "status": status, **more}


@pytest.fixture
def retired(db, tmp_path):
    document = {
        "format": "service-finder/1",
        "agencies": [{"slug": "roads", "name": "Roads Office", "translations": {"ar": {"name": "مكتب الطرق"}}}],
        "services": [
            service("paper-road-tax", "Road tax on paper", "retired", replaced_by="road-tax-online"),
            service("road-tax-online", "Pay road tax online", "published"),
            service("old-permit", "Old parking permit", "retired"),
            # Replaced by a service that was itself retired later, which points on to a published one.
            service("first-licence", "First licence", "retired", replaced_by="second-licence"),
            service("second-licence", "Second licence", "retired", replaced_by="road-tax-online"),
            service("draft-plan", "A plan not yet published", "draft"),
            service("replaced-by-draft", "Replaced by a draft", "retired", replaced_by="draft-plan"),
        ],
    }
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document))
    with db.transaction() as session:
        import_path(session, path, max_bytes=10**6, default_language="en")


def test_a_retired_service_points_to_its_replacement(client, retired):
    response = client.get("/en/services/paper-road-tax")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "Road tax on paper" in page and "no longer offered" in page
    assert 'href="/en/services/road-tax-online"' in page
    assert 'href="/en/agencies/roads"' in page


def test_a_chain_of_replacements_is_followed_to_a_published_service(client, retired):
    page = client.get("/en/services/first-licence").get_data(as_text=True)
    assert 'href="/en/services/road-tax-online"' in page


@pytest.mark.parametrize("slug", ["old-permit", "replaced-by-draft"])
def test_without_a_published_replacement_the_page_offers_search(client, retired, slug):
    response = client.get(f"/en/services/{slug}")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    # The only service addresses on the page are its own (the language switcher's).
    assert set(re.findall(r'href="/\w\w/services/([^"]+)"', page)) == {slug}
    assert 'role="search"' in page and "draft-plan" not in page


def test_the_page_is_translated_and_start_now_answers_the_same(client, retired):
    page = client.get("/ar/services/paper-road-tax").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in page and "مكتب الطرق" in page
    assert "no longer offered" not in page
    assert client.get("/go/paper-road-tax").status_code == 410
    # Nothing to rate on a retired service: the page has no "Is this page useful?" form.
    assert "/feedback" not in page


def test_unpublished_services_stay_unknown(client, retired):
    assert client.get("/en/services/draft-plan").status_code == 404
    assert client.get("/en/services/nothing-here").status_code == 404
