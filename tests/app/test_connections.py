"""How the app uses its PostgreSQL connections: a ping only for a connection that sat idle, reads outside any
transaction, and a server restart absorbed by the read every page starts with."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DataError

from finder import db
from finder.catalogue.version import ContentVersion
from finder.db import Database, read_once
from tests.conftest import _admin

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(migrated_postgres: str):
    database = Database(migrated_postgres)
    yield database
    database.dispose()


@pytest.fixture
def pings(database: Database, monkeypatch) -> list[object]:
    """The connections pinged before being handed out."""
    pinged = []
    real = database.engine.dialect.do_ping

    def counting(dbapi_connection):
        pinged.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(database.engine.dialect, "do_ping", counting)
    return pinged


def _terminate_connections(database: Database) -> None:
    with psycopg.connect(_admin(), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database.engine.url.database,),
        )


def test_a_connection_in_steady_use_is_not_pinged(database, pings):
    for _ in range(5):
        with database.sessions() as session:
            session.execute(text("SELECT 1"))
    assert pings == []


def test_a_connection_idle_for_a_while_is_pinged_and_replaced_if_closed(database, pings, monkeypatch):
    with database.sessions() as session:
        session.execute(text("SELECT 1"))
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)
    _terminate_connections(database)

    with database.sessions() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    assert len(pings) == 1, "the idle connection was pinged, found closed, and a new one used without an error"


def test_a_read_once_runs_outside_any_transaction(database):
    statuses = []

    @event.listens_for(database.engine, "after_cursor_execute")
    def _status(connection, *_):
        statuses.append(connection.connection.dbapi_connection.info.transaction_status)

    read_once(database.engine, select(ContentVersion.version))
    assert statuses == [psycopg.pq.TransactionStatus.IDLE], "no BEGIN before it, nothing to roll back after it"

    # The connection goes back to the pool as it came: the next session's work is in a transaction again.
    statuses.clear()
    with database.sessions() as session:
        session.execute(text("SELECT 1"))
    assert statuses == [psycopg.pq.TransactionStatus.INTRANS]


def test_a_read_once_absorbs_a_server_restart_but_not_other_errors(database, pings):
    assert read_once(database.engine, text("SELECT 1")) == [(1,)]
    _terminate_connections(database)  # as a restart does; the pool still holds the closed connection

    assert read_once(database.engine, text("SELECT 2")) == [(2,)]
    assert pings == [], "not idle long enough to be pinged: the read itself found the connection closed"

    tries = []
    event.listen(database.engine, "before_cursor_execute", lambda *_: tries.append(1))
    with pytest.raises(DataError):
        read_once(database.engine, text("SELECT 1 / 0"))
    assert len(tries) == 1, "an error of the statement itself is not tried again"
