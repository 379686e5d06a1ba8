"""When the database goes away, turns read-only or Redis stops: clear answers on every channel, recovery by itself.

Each test breaks a database of its own only: a SQLite file in its tmp_path, or a PostgreSQL database it created.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text

from finder import agency, migrations
from finder.agency import Actor
from finder.catalogue import Service
from finder.catalogue.models import derived_id
from finder.messaging import RedisStates
from finder.ratelimit import RateLimits
from tests.agency.conftest import load_catalogue
from tests.channels.twilio.conftest import TOKEN, Phone, reply_text
from tests.conftest import _admin, _create_database, _drop_database, make_app

SHORTLY = "try again shortly"
ALL_OK = {"web": 200, "api": 200, "health": 200, "sms": 200}


@dataclass
class Breakable:
    """A migrated database of the test's own and the means to take it away, make it read-only and bring it back."""

    url: str
    backend: str
    path: Path | None = None
    name: str | None = None

    def _admin(self, *statements: str) -> None:
        with psycopg.connect(_admin(), autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def _terminate(self) -> str:
        return f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.name}'"

    def go_away(self, app) -> None:
        if self.backend == "sqlite":
            # A directory where the file was: SQLite cannot open it. The app's open connections would still see
            # the moved file, so they are closed, as they are when a disk or host really goes.
            self.path.rename(self.path.with_suffix(".away"))
            self.path.mkdir()
            app.extensions["finder.db"].dispose()
        else:
            self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false', self._terminate())

    def come_back(self) -> None:
        if self.backend == "sqlite":
            self.path.rmdir()
            self.path.with_suffix(".away").rename(self.path)
        else:
            self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def read_only(self, app) -> None:
        if self.backend == "sqlite":
            # The app reopens the same file read-only (as on a read-only mount).
            database = app.extensions["finder.db"]
            database.dispose()
            database.__init__(f"sqlite:///file:{self.path}?mode=ro&uri=true", database.sessions.kw["info"])
        else:
            self._admin(f'ALTER DATABASE "{self.name}" SET default_transaction_read_only = on', self._terminate())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def breakable(request, tmp_path: Path) -> Iterator[Breakable]:
    if request.param == "sqlite":
        path = tmp_path / "finder.db"
        target = Breakable(f"sqlite:///{path}", "sqlite", path=path)
    else:
        request.getfixturevalue("postgres_url")  # skipped with FINDER_TEST_POSTGRES=skip
        name = f"finder_fault_{uuid.uuid4().hex[:12]}"
        target = Breakable(_create_database(name), "postgresql", name=name)
        request.addfinalizer(lambda: _drop_database(name))
    app = make_app(target.url)
    migrations.upgrade(app.extensions["finder.db"].engine)
    app.extensions["finder.db"].dispose()
    yield target


@pytest.fixture
def fault_app(breakable):
    app = make_app(breakable.url, twilio_auth_token=TOKEN)
    yield app
    app.extensions["finder.usage_log"].close(timeout=5)
    app.extensions["finder.db"].dispose()


def _answers(client, phone) -> dict[str, object]:
    return {
        "web": client.get("/en/search?q=passport"),
        "api": client.get("/api/v1/services?search=passport"),
        "health": client.get("/healthz"),
        "sms": phone.post("passport"),
    }


def test_the_database_goes_away_and_comes_back(breakable, fault_app, caplog):
    client = fault_app.test_client()
    phone = Phone(client)
    assert {name: r.status_code for name, r in _answers(client, phone).items()} == ALL_OK

    breakable.go_away(fault_app)
    with caplog.at_level(logging.ERROR):
        down = _answers(client, phone)
    assert down["web"].status_code == 503 and down["web"].headers["Retry-After"] == "30"
    assert "not available for a moment" in down["web"].get_data(as_text=True)
    assert down["api"].status_code == 503 and down["api"].mimetype == "application/problem+json"
    assert down["api"].get_json()["status"] == 503
    assert down["health"].status_code == 503
    assert down["sms"].status_code == 200 and SHORTLY in reply_text(down["sms"])
    assert "database unavailable" in caplog.text

    # No restart, no dispose: the next requests find the database again.
    breakable.come_back()
    up = _answers(client, phone)
    assert {name: r.status_code for name, r in up.items()} == ALL_OK
    assert SHORTLY not in (reply_text(up["sms"]) or "")
    assert fault_app.extensions["finder.usage_log"].flush(timeout=30)


def test_a_read_only_database_refuses_writes_clearly_and_keeps_its_data(breakable, fault_app, world_token):
    client = fault_app.test_client()
    database = fault_app.extensions["finder.db"]
    with database.sessions() as session:
        services = session.scalar(select(func.count()).select_from(Service))
    breakable.read_only(fault_app)

    # Reads still work.
    assert client.get("/en/search?q=passport").status_code == 200
    # Writes are refused with the channel's clear answer, not a 500.
    sms = Phone(client).post("passport")
    assert sms.status_code == 200 and SHORTLY in reply_text(sms)
    record = {
        "id": "7d7f5a2e-0000-4000-8000-00000000000a",
        "name": "Maternity grant",
        "description": "Money for a new baby.",
        "status": "active",
        "organization_id": world_token.agency,
    }
    api = client.post("/api/v1/services", json=record, headers={"Authorization": f"Bearer {world_token.token}"})
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Service)) == services
        if breakable.backend == "sqlite":
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_redis_down_degrades_rate_limits_to_memory_and_states_to_the_database(fault_app, caplog):
    # Nothing listens on port 1: every Redis call is refused at once.
    limits = RateLimits("redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING):
        assert limits.allow("sms:someone", "2/minute") and limits.allow("sms:someone", "2/minute")
        assert not limits.allow("sms:someone", "2/minute")
    assert "Redis" in caplog.text
    states = RedisStates("redis://127.0.0.1:1/0", 60, fallback=fault_app.extensions["finder.conversation_states"])
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        states.save("someone", {"lang": "fr"})
        assert states.load("someone") == {"lang": "fr"}
    assert "Redis" in caplog.text


@dataclass
class Token:
    agency: str
    token: str


@pytest.fixture
def world_token(fault_app) -> Token:
    """The agency test catalogue and an API token, made before the database turns read-only."""
    database = fault_app.extensions["finder.db"]
    load_catalogue(database)
    health = derived_id("agency", "health")
    with fault_app.app_context(), database.transaction() as session:
        _, token = agency.create_token(session, Actor.system(), health, "sync")
    return Token(health, token)
