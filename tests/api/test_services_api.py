"""The HSDS 3.0 read API over the demo catalogue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finder.catalogue.models import Agency, Category, Service, ServiceCategory, ServiceStatus

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

ENVELOPE = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


def _problem(response, status, *fragments):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    for fragment in fragments:
        assert fragment in body["detail"], body
    return body


def test_index_names_version_profile_and_openapi(demo_client):
    body = demo_client.get("/api/v1/").get_json()
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"].endswith("/api/v1/openapi.json")
    openapi = demo_client.get("/api/v1/openapi.json").get_json()
    assert openapi["openapi"] == "3.1.0"
    assert {"/services", "/services/{id}", "/organizations", "/organizations/{id}"} <= set(openapi["paths"])


def test_services_page_envelope(demo_client, demo_app):
    response = demo_client.get("/api/v1/services?per_page=1")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == ENVELOPE
    with demo_app.extensions["finder.db"].sessions() as session:
        published = session.query(Service).filter(Service.status == ServiceStatus.PUBLISHED).count()
    assert body["total_items"] == published
    assert body["total_pages"] == published
    assert (body["page_number"], body["size"], body["first_page"], body["last_page"], body["empty"]) == (
        1,
        1,
        True,
        False,
        False,
    )
    record = body["contents"][0]
    assert {"id", "name", "status", "organization"} <= set(record)


def test_pages_walk_through_every_service_once(demo_client):
    seen, page = [], 1
    while True:
        body = demo_client.get(f"/api/v1/services?per_page=40&page={page}").get_json()
        seen += [s["id"] for s in body["contents"]]
        if body["last_page"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == body["total_items"]


def test_page_past_the_end_is_empty(demo_client):
    body = demo_client.get("/api/v1/services?page=9999").get_json()
    assert body["empty"] is True and body["contents"] == [] and body["page_number"] == 9999


@pytest.mark.parametrize(
    ("query", "fragments"),
    [
        ("per_page=0", ["per_page: must be from 1 to 100, not 0"]),
        ("per_page=1000", ["per_page: must be from 1 to 100, not 1000"]),
        ("page=-1", ["page: must be a whole number, not '-1'"]),
        ("page=abc&per_page=x", ["page: must be a whole number", "per_page: must be a whole number"]),
        ("modified_after=yesterday", ["modified_after: must be an ISO 8601 date"]),
        ("lang=<script>", ["lang: must be a language tag"]),
    ],
)
def test_bad_parameters_get_a_problem(demo_client, query, fragments):
    body = _problem(demo_client.get(f"/api/v1/services?{query}"), 400, *fragments)
    assert body["errors"][0]["parameter"] in query


def test_filter_by_organization(demo_client, demo_app):
    with demo_app.extensions["finder.db"].sessions() as session:
        agency = session.scalars(select(Agency).where(Agency.slug == "passport-and-immigration-department")).one()
    body = demo_client.get(f"/api/v1/services?organization_id={agency.id}&per_page=100").get_json()
    assert body["total_items"] >= 5
    assert {s["organization"]["id"] for s in body["contents"]} == {agency.id}


def test_filter_by_taxonomy_term(demo_client, demo_app):
    with demo_app.extensions["finder.db"].sessions() as session:
        category = session.scalars(select(Category).where(Category.slug == "passports")).one()
        expected = set(
            session.scalars(
                select(ServiceCategory.service_id)
                .join(Service)
                .where(ServiceCategory.category_id == category.id, Service.status == ServiceStatus.PUBLISHED)
            )
        )
    body = demo_client.get(f"/api/v1/services?taxonomy_term_id={category.id}&per_page=100").get_json()
    assert {s["id"] for s in body["contents"]} == expected
    assert expected


def test_filter_by_modified_after(demo_client):
    assert demo_client.get("/api/v1/services?modified_after=2000-01-01").get_json()["total_items"] > 0
    assert demo_client.get("/api/v1/services?modified_after=2999-01-01T00:00:00Z").get_json()["total_items"] == 0


def test_one_service_fully_nested_and_translated(demo_client, demo_app):
    with demo_app.extensions["finder.db"].sessions() as session:
        service = session.scalars(
            select(Service).where(Service.status == ServiceStatus.PUBLISHED).order_by(Service.slug)
        ).first()
        french_name = service.translated("name", "fr")
    english = demo_client.get(f"/api/v1/services/{service.id}")
    assert english.status_code == 200
    assert english.get_json()["name"] == service.name
    french = demo_client.get(f"/api/v1/services/{service.id}?lang=fr")
    assert french.headers["Content-Language"] == "fr"
    assert french.get_json()["name"] == french_name
    # A regional tag falls back to its language, and an unknown language to the default.
    assert demo_client.get(f"/api/v1/services/{service.id}?lang=fr-CA").get_json()["name"] == french_name
    assert demo_client.get(f"/api/v1/services/{service.id}?lang=de").get_json()["name"] == service.name


def test_unknown_service_is_a_404_problem(demo_client):
    _problem(demo_client.get("/api/v1/services/does-not-exist"), 404, "does-not-exist")


def test_organizations(demo_client):
    body = demo_client.get("/api/v1/organizations?per_page=100").get_json()
    assert body["total_items"] >= 15
    first = body["contents"][0]
    assert {"id", "name", "description"} <= set(first)
    one = demo_client.get(f"/api/v1/organizations/{first['id']}?lang=ar").get_json()
    assert one["id"] == first["id"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in one["name"])
    _problem(demo_client.get("/api/v1/organizations/nope"), 404, "nope")


def test_unknown_api_path_is_a_problem(demo_client):
    assert demo_client.get("/api/v1/nothing-here").mimetype == "application/problem+json"


def test_lists_carry_one_to_one_fields_and_the_full_record_everything(demo_client):
    listed = demo_client.get("/api/v1/services?per_page=100").get_json()["contents"]
    assert all(not isinstance(v, list) for record in listed for v in record.values())
    assert all(not isinstance(v, list) for record in listed for v in record["organization"].values())
    full = demo_client.get(f"/api/v1/services/{listed[0]['id']}").get_json()
    assert full["name"] == listed[0]["name"]
    assert any(isinstance(full.get(key), list) for key in ("phones", "required_documents", "cost_options"))
