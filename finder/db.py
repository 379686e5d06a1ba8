"""Engine and session set-up for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from flask import current_app, g
from sqlalchemy import Engine, Executable, Row, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InternalError, InvalidatePoolError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
# The execution option that marks a transaction as one that will write.
WRITES = "finder_writes"
# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out (see _ping_when_idle).
IDLE_BEFORE_PING = 10.0


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # Plain postgresql:// means psycopg 3 here, the driver the project installs.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(parsed)
        _ping_when_idle(engine)
        return engine

    engine = create_engine(parsed, connect_args={"timeout": 15})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if parsed.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        # A transaction that writes takes the write lock when it begins, waiting its turn (busy_timeout). In WAL mode
        # one that reads first and writes later fails at once, without waiting, if another connection wrote meanwhile.
        writes = connection.get_execution_options().get(WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only if it sat idle a while (SQLAlchemy's pool_pre_ping pings on every
    checkout: a round trip that doubled the cost of a cached page). A connection in steady use is known to be alive;
    one that broke while in use makes SQLAlchemy invalidate the whole pool, so the app recovers on its own either way.
    """

    @event.listens_for(engine.pool, "checkin")
    def _idle_from_now(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # Most likely the server restarted and every idle connection is gone: the pool drops them all and hands
            # out a new one.
            raise InvalidatePoolError(f"an idle connection was closed: {type(error).__name__}") from error


def read_once(engine: Engine, statement: Executable) -> Sequence[Row]:
    """The rows of one read statement run outside any transaction (on PostgreSQL in autocommit: no BEGIN and
    ROLLBACK round trips; SQLite's connections are in-process and keep the handling set up in make_engine).

    Every page asks such a read first, so it also absorbs a server restart: a pooled connection that turns out to
    have been closed makes SQLAlchemy drop the whole pool, and the read, safe to repeat, is tried once more on a
    new connection."""
    try:
        return _read_outside_transaction(engine, statement)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return _read_outside_transaction(engine, statement)


def _read_outside_transaction(engine: Engine, statement: Executable) -> Sequence[Row]:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection.execute(statement).all()


class Database:
    """The primary's engine and session factory, owned by an application; and a read replica's, if one is set."""

    def __init__(self, url: str, session_info: dict | None = None, replica_url: str | None = None) -> None:
        self.engine = make_engine(url)
        # Every session starts with a copy of this info (the search index uses it to follow changes).
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=session_info or {})
        # Sessions that only read. On PostgreSQL their statements run in autocommit: no BEGIN and ROLLBACK round
        # trips around them, and nothing lost, since at READ COMMITTED a transaction's statements share no snapshot
        # either. SQLite's connections are in-process and keep the handling set up in make_engine.
        reading = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        self.read_sessions = sessionmaker(reading, expire_on_commit=False, info=session_info or {})
        # Only for reads that can tell whether the replica has caught up (see finder.web.cache): it may lag.
        self.replica_engine = make_engine(replica_url) if replica_url else None
        self.replica_sessions = (
            sessionmaker(self.replica_engine, expire_on_commit=False, info=session_info or {})
            if self.replica_engine is not None
            else None
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error (on SQLite it holds the write
        lock from the start, so it never fails half-way for another writer)."""
        with self.sessions() as session, session.begin():
            session.connection(execution_options={WRITES: True})
            yield session

    def is_reachable(self) -> bool:
        try:
            read_once(self.engine, text("SELECT 1"))
        except SQLAlchemyError as error:
            log.warning("database unreachable: %s", type(error).__name__)
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replica_engine is not None:
            self.replica_engine.dispose()


# PostgreSQL's read_only_sql_transaction: a standby, or default_transaction_read_only set for maintenance.
READ_ONLY_SQLSTATE = "25006"


def is_unavailable(error: SQLAlchemyError) -> bool:
    """True for the database being away, refusing connections, read-only or out of space: not a bug in a query.

    OperationalError covers the connection and server side on both engines (SQLite's "unable to open",
    "readonly database", "disk is full"; PostgreSQL's refused or terminated connections, disk full).
    """
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, InternalError) and getattr(error.orig, "sqlstate", None) == READ_ONLY_SQLSTATE


def database() -> Database:
    """The current application's database."""
    return current_app.extensions["finder.db"]


def request_session() -> Session:
    """The session of the current request (or CLI command), closed when its app context ends."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def read_request_session() -> Session:
    """The current request's session for reads only (see Database.read_sessions), closed with the request."""
    if "db_read_session" not in g:
        g.db_read_session = database().read_sessions()
    return g.db_read_session


def replica_request_session() -> Session:
    """The current request's session on the read replica (on the primary when none is set), closed with the
    request. Reads only; the caller makes sure the replica has what it needs (finder.web.cache does)."""
    replica = database().replica_sessions
    if replica is None:
        return request_session()
    if "db_replica_session" not in g:
        g.db_replica_session = replica()
    return g.db_replica_session


def close_request_session(_exc: BaseException | None = None) -> None:
    for name in ("db_session", "db_read_session", "db_replica_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()
