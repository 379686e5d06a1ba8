"""FINDER_DATABASE_REPLICA_URL: the pages' catalogue reads go to the read replica, writes and the version check to
the primary, and the primary's version wins over a replica that lags behind it.

The replica here is the same database under a second URL (so a second engine, whose statements are counted
apart), or on SQLite a copy of the database taken before a change: a replica that has not caught up yet."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event

from finder.catalogue import Agency, ChannelKind, Service, ServiceStatus
from finder.catalogue.models import DeliveryChannel
from finder.config import ConfigError, load_settings
from tests.conftest import make_app
from tests.web.helpers import events

WRITES = ("INSERT", "UPDATE", "DELETE")


def statements(engine) -> list[str]:
    """Every statement the engine runs from now on (its SQL on one line)."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_connection, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    return seen


def publish(app, name: str = "Renew a passport") -> None:
    with app.extensions["finder.db"].transaction() as session:
        if session.get(Agency, "a1") is None:
            session.add(Agency(id="a1", slug="passports", name="Passport Office"))
            session.add(
                Service(
                    id="s1",
                    slug="passport",
                    agency_id="a1",
                    name=name,
                    summary="Renew it online.",
                    status=ServiceStatus.PUBLISHED,
                    channels=[DeliveryChannel(id="c1", kind=ChannelKind.ONLINE, value="https://passport.example")],
                )
            )
        else:
            session.get(Service, "s1").name = name


@pytest.fixture
def replicated(database_url):
    app = make_app(database_url, replica_database_url=database_url)
    publish(app)
    yield app
    app.extensions["finder.usage_log"].close()
    app.extensions["finder.db"].dispose()


def test_catalogue_reads_go_to_the_replica_and_writes_to_the_primary(replicated):
    database = replicated.extensions["finder.db"]
    assert database.replica_engine is not None and database.replica_engine is not database.engine
    on_primary, on_replica = statements(database.engine), statements(database.replica_engine)
    client = replicated.test_client()
    assert "Renew a passport" in client.get("/en/search?q=passport").get_data(as_text=True)
    assert "Renew a passport" in client.get("/en/services/passport").get_data(as_text=True)
    replicated.extensions["finder.usage_log"].flush()

    assert any("search_documents" in s for s in on_replica), "the search ran on the replica"
    assert any(s.startswith("SELECT") and "FROM services" in s for s in on_replica), "so did the service page"
    assert not any(s.startswith(WRITES) for s in on_replica)
    assert not any("search_documents" in s or "FROM services" in s for s in on_primary)
    assert any("content_versions" in s for s in on_primary), "the version is the primary's"
    # The usage log wrote both views (on PostgreSQL with COPY, which no cursor event sees), not on the replica.
    assert len(events(replicated, kind="search")) == 1 and len(events(replicated, kind="service_view")) == 1


def test_an_edit_is_written_to_the_primary_and_shown_at_once(replicated):
    database = replicated.extensions["finder.db"]
    client = replicated.test_client()
    client.get("/en/services/passport")
    on_primary, on_replica = statements(database.engine), statements(database.replica_engine)
    publish(replicated, "Renew your passport")
    assert any(s.startswith("UPDATE services") for s in on_primary)
    assert not any(s.startswith(WRITES) for s in on_replica)
    assert "Renew your passport" in client.get("/en/services/passport").get_data(as_text=True)


def copy_sqlite(source: str, target: Path) -> str:
    with sqlite3.connect(source.removeprefix("sqlite:///")) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_lagging_replica_is_not_read_until_it_catches_up(database_url, tmp_path):
    bootstrap = make_app(database_url)
    publish(bootstrap)
    bootstrap.extensions["finder.db"].dispose()
    replica_url = copy_sqlite(database_url, tmp_path / "replica.db")
    app = make_app(database_url, replica_database_url=replica_url)
    database = app.extensions["finder.db"]
    client = app.test_client()
    try:
        # The replica has caught up: it serves the page.
        on_replica = statements(database.replica_engine)
        assert "Renew a passport" in client.get("/en/services/passport").get_data(as_text=True)
        assert any("FROM services" in s for s in on_replica)

        # An edit on the primary the replica has not received: the primary serves, with the edit.
        publish(app, "Renew your passport")
        on_replica.clear()
        assert "Renew your passport" in client.get("/en/services/passport").get_data(as_text=True)
        assert "Renew your passport" in client.get("/en/search?q=passport").get_data(as_text=True)
        asked = [s for s in on_replica if s != "BEGIN"]
        assert asked and all("content_versions" in s for s in asked), "only asked how far it is"

        # Replication catches up: the replica serves again.
        database.replica_engine.dispose()
        copy_sqlite(database_url, tmp_path / "replica.db")
        on_replica.clear()
        assert "Renew your passport" in client.get("/fr/services/passport").get_data(as_text=True)
        assert any("FROM services" in s for s in on_replica)
    finally:
        app.extensions["finder.usage_log"].close()
        database.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreachable_replica_falls_back_to_the_primary(database_url, tmp_path, caplog):
    app = make_app(database_url, replica_database_url=f"sqlite:///{tmp_path / 'missing' / 'replica.db'}")
    publish(app)
    try:
        assert "Renew a passport" in app.test_client().get("/en/services/passport").get_data(as_text=True)
        assert "read replica unreachable" in caplog.text
    finally:
        app.extensions["finder.usage_log"].close()
        app.extensions["finder.db"].dispose()


def test_the_setting_is_read_and_production_wants_postgresql(tmp_path):
    environ = {"FINDER_DATABASE_REPLICA_URL": "postgresql://replica.internal/finder"}
    assert load_settings(tmp_path, environ).replica_database_url == "postgresql://replica.internal/finder"
    assert load_settings(tmp_path, {}).replica_database_url is None
    production = {
        "FINDER_ENV": "production",
        "FINDER_SECRET_KEY": "s",
        "TWILIO_AUTH_TOKEN": "t",
        "FINDER_DATABASE_URL": "postgresql://primary.internal/finder",
    }
    assert load_settings(tmp_path, production | environ).replica_database_url.startswith("postgresql://")
    with pytest.raises(ConfigError, match="FINDER_DATABASE_REPLICA_URL"):
        load_settings(tmp_path, production | {"FINDER_DATABASE_REPLICA_URL": "sqlite:///replica.db"})
