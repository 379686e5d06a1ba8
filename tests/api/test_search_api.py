"""Search through the HSDS API: ranked results, facets, suggestion; no text ever breaks it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.pq import TransactionStatus
from sqlalchemy import event, update

from finder import catalogue
from finder.api import listings
from finder.catalogue.models import Service
from finder.search.models import SearchDocument
from tests.conftest import executed

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo


def test_search_returns_ranked_results_with_facets_and_suggestion(demo_client):
    body = demo_client.get("/api/v1/services?search=pasport+renewel&per_page=3").get_json()
    assert body["suggestion"] == "passport renewal"
    assert body["contents"][0]["name"] == "Renew your passport"
    assert body["total_items"] >= 1 and body["size"] == len(body["contents"]) <= 3
    assert {"agency", "category", "channel", "language"} <= set(body["facets"])
    first_agency = body["facets"]["agency"][0]
    assert {"id", "slug", "name", "count"} <= set(first_agency)


def test_search_in_arabic_returns_arabic_text(demo_client):
    body = demo_client.get("/api/v1/services?search=جواز+سفر&lang=ar").get_json()
    assert body["total_items"] > 0
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["contents"][0]["name"])


def test_search_filters_by_life_event_and_channel(demo_client):
    body = demo_client.get("/api/v1/services?life_event=having-a-baby&channel=online&per_page=100").get_json()
    assert body["total_items"] == len(body["contents"]) > 0
    assert all("url" in s for s in body["contents"])


def test_unknown_life_event_is_a_400(demo_client):
    response = demo_client.get("/api/v1/services?search=x&life_event=time-travel")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["parameter"] == "life_event"


def test_existing_parameters_keep_working_with_search(demo_client):
    everything = demo_client.get("/api/v1/services?search=certificate&per_page=100").get_json()
    agency = everything["facets"]["agency"][0]
    only = demo_client.get(f"/api/v1/services?search=certificate&organization_id={agency['id']}").get_json()
    assert only["total_items"] == agency["count"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), lang=st.sampled_from(["en", "fr", "es", "ar", "zh", "ru", "pt"]))
def test_arbitrary_text_never_breaks_the_api(demo_client, text, lang):
    response = demo_client.get("/api/v1/services", query_string={"search": text, "lang": lang})
    assert response.status_code < 500
    if response.status_code == 200:
        assert response.get_json()["total_items"] >= 0


def test_listings_and_facet_names_follow_an_edit_at_once(demo_app, demo_client):
    def asked() -> tuple[dict, dict[str, str]]:
        body = demo_client.get("/api/v1/services?search=renew+passport&per_page=1").get_json()
        return body["contents"][0], {item["id"]: item["name"] for item in body["facets"]["agency"]}

    listing, agency_names = asked()
    assert asked() == (listing, agency_names), "asked again: the same page, now from what the process keeps"
    with demo_app.extensions["finder.db"].transaction() as session:
        service = session.get(Service, listing["id"])
        service.processing_time = "Ten working days"
        service.agency.name = "Passport Office (renamed)"
        agency_id = service.agency_id

    listing, agency_names = asked()
    assert listing["wait_time"] == "Ten working days"
    assert listing["organization"]["name"] == agency_names[agency_id] == "Passport Office (renamed)"


def _exported(demo_app, service_ids: list[str], language: str) -> list[dict]:
    """The services' HSDS listings as the catalogue exports them."""
    with demo_app.extensions["finder.db"].sessions() as session:
        exporter = catalogue.HsdsExporter(language)
        return [exporter.service_listing(s) for s in catalogue.published_services_by_id(session, service_ids)]


def test_a_page_of_results_is_listed_from_the_index(demo_app, demo_client, monkeypatch):
    """Each result's listing is read with its search document, not rebuilt from the service, its agency and its
    channels; it is the listing the catalogue exports, in the language asked."""
    paths = ["/api/v1/services?search=register+a+birth&per_page=5", "/api/v1/services?search=naissance&lang=fr"]
    expected = []
    for path in paths:
        ids = [item["id"] for item in demo_client.get(path).get_json()["contents"]]
        expected.append(_exported(demo_app, ids, "fr" if "lang=fr" in path else "en"))
    assert all(expected)
    demo_app.extensions["finder.api.listings"] = listings.Listings()

    def refused(*_args):
        raise AssertionError("a service was loaded from the catalogue to list it")

    monkeypatch.setattr(catalogue, "published_services_by_id", refused)
    assert [demo_client.get(path).get_json()["contents"] for path in paths] == expected


def test_a_listing_the_index_does_not_keep_comes_from_the_catalogue(demo_app, demo_client):
    """Documents indexed before listings were kept (migration 0014) hold none, and a language tag the index does
    not know ("fr-CA") has none: those pages are listed from the catalogue, the same as ever."""
    with demo_app.extensions["finder.db"].transaction() as session:
        session.execute(update(SearchDocument).values(listing=None))
    for language in ("en", "fr-CA"):
        contents = demo_client.get(f"/api/v1/services?search=passport&lang={language}").get_json()["contents"]
        assert contents
        assert contents == _exported(demo_app, [item["id"] for item in contents], language)


def test_a_search_asked_again_reads_only_the_version_tokens(demo_app, demo_client):
    path = "/api/v1/services?search=birth+certificate&per_page=5"
    demo_client.get(path)
    statements = []
    event.listen(
        demo_app.extensions["finder.db"].engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    assert demo_client.get(path).status_code == 200
    # SQLite's transactions begin with a statement of ours (finder.db); PostgreSQL reads the tokens in autocommit.
    reads = [statement for statement in statements if statement != "BEGIN"]
    assert len(reads) == 1, "the result, its listings and the facets' names are kept until the catalogue changes"


def test_a_search_reads_outside_any_transaction_on_postgresql(demo_app, demo_client):
    """On PostgreSQL every statement of an API search (the tokens, the search, the listings) runs in autocommit: no
    BEGIN and ROLLBACK round trips around them (finder.db: read sessions)."""
    engine = demo_app.extensions["finder.db"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's connections are in the process: a transaction costs no round trip")
    with executed(engine) as statements:
        body = demo_client.get("/api/v1/services?search=register+a+marriage&per_page=7").get_json()
    assert body["contents"], "a search that lists services"
    assert len(statements) >= 3, "the tokens, the search and the listings were read"
    assert [s for _, s in statements if s is not TransactionStatus.IDLE] == [], statements
