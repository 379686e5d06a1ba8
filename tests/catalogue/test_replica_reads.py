"""FINDER_DATABASE_REPLICA_URL beyond the pages: the API's search and the SMS channel's catalogue reads go to the
read replica once it has caught up with the primary, under the pages' rule (tests/web/test_replica.py), and nothing
is asked of a replica when none is set: the
version tokens are read once, by the search.

The replica is the same database under a second URL (a second engine, whose statements are counted apart), or on
SQLite a copy of the database taken before a change: a replica that has not caught up yet."""

from __future__ import annotations

import pytest

from tests.channels.twilio.conftest import TOKEN, Phone
from tests.conftest import make_app
from tests.web.test_replica import WRITES, copy_sqlite, publish, statements

CATALOGUE_READS = ("search_documents", "FROM services", "FROM life_events")


def reads_catalogue(statement: str) -> bool:
    return any(table in statement for table in CATALOGUE_READS)


def closed(app) -> None:
    app.extensions["finder.usage_log"].close()
    app.extensions["finder.db"].dispose()


@pytest.fixture
def replicated(database_url):
    app = make_app(database_url, replica_database_url=database_url, twilio_auth_token=TOKEN)
    publish(app)
    yield app
    closed(app)


def test_the_api_search_reads_from_the_replica(replicated):
    database = replicated.extensions["finder.db"]
    on_primary, on_replica = statements(database.engine), statements(database.replica_engine)
    response = replicated.test_client().get("/api/v1/services?search=passport")
    assert response.status_code == 200
    assert [s["name"] for s in response.get_json()["contents"]] == ["Renew a passport"]
    assert any("search_documents" in s for s in on_replica) and any("FROM services" in s for s in on_replica)
    assert not any(s.startswith(WRITES) for s in on_replica)
    assert not any(reads_catalogue(s) for s in on_primary)
    assert any("content_versions" in s for s in on_primary), "the version is the primary's"


def test_the_sms_channel_reads_the_catalogue_from_the_replica_and_writes_to_the_primary(replicated):
    database = replicated.extensions["finder.db"]
    on_primary, on_replica = statements(database.engine), statements(database.replica_engine)
    phone = Phone(replicated.test_client())
    assert phone.text("passport").startswith("1. Renew a passport")
    assert phone.text("1").startswith("Renew a passport")
    assert any("search_documents" in s for s in on_replica) and any("FROM services" in s for s in on_replica)
    assert not any(s.startswith(WRITES) for s in on_replica)
    assert not any(reads_catalogue(s) for s in on_primary)
    assert any(s.startswith("INSERT INTO processed_messages") for s in on_primary), "the claim is the primary's"
    assert any("content_versions" in s for s in on_primary)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_lagging_replica_is_not_read_by_the_api_or_sms(database_url, tmp_path):
    bootstrap = make_app(database_url)
    publish(bootstrap)
    closed(bootstrap)
    replica_url = copy_sqlite(database_url, tmp_path / "replica.db")
    app = make_app(database_url, replica_database_url=replica_url, twilio_auth_token=TOKEN)
    database = app.extensions["finder.db"]
    client, phone = app.test_client(), Phone(app.test_client())
    try:
        assert phone.text("passport").startswith("1. Renew a passport")
        assert phone.text("1").startswith("Renew a passport")

        # An edit the replica has not received: the primary answers, with the edit (no card kept from before).
        publish(app, "Renew your passport")
        on_replica = statements(database.replica_engine)
        assert phone.text("1").startswith("Renew your passport")
        api = client.get("/api/v1/services?search=passport").get_json()
        assert [s["name"] for s in api["contents"]] == ["Renew your passport"]
        asked = [s for s in on_replica if s != "BEGIN"]
        assert asked and all("content_versions" in s for s in asked), "only asked how far it is"
    finally:
        closed(app)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreachable_replica_is_logged_and_skipped(database_url, tmp_path, caplog):
    missing = f"sqlite:///{tmp_path / 'missing' / 'replica.db'}"
    app = make_app(database_url, replica_database_url=missing, twilio_auth_token=TOKEN)
    publish(app)
    try:
        response = app.test_client().get("/api/v1/services?search=passport")
        assert [s["name"] for s in response.get_json()["contents"]] == ["Renew a passport"]
        assert Phone(app.test_client()).text("passport").startswith("1. Renew a passport")
        assert caplog.text.count("read replica unreachable") == 2
    finally:
        closed(app)


def test_without_a_replica_a_search_reads_the_versions_once(database_url):
    """Nothing is asked for the replica's sake: the version tokens are read once, by the search itself."""
    app = make_app(database_url, twilio_auth_token=TOKEN)
    publish(app)
    on_primary = statements(app.extensions["finder.db"].engine)
    try:
        assert app.test_client().get("/api/v1/services?search=passport").status_code == 200
        assert any("search_documents" in s for s in on_primary)
        assert sum("content_versions" in s for s in on_primary) == 1
        on_primary.clear()
        # The same words by SMS: what the search keeps per index version since the API's search may answer it
        # without reading the documents again, but the tokens are read, once.
        assert Phone(app.test_client()).text("passport").startswith("1. Renew a passport")
        assert sum("content_versions" in s for s in on_primary) == 1
    finally:
        closed(app)
