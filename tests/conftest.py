"""Fixtures: an app per test on SQLite (a fresh file) and on PostgreSQL (a database made for this run).

The PostgreSQL server is the one named by FINDER_TEST_POSTGRES_URL (default: the local server's `test`
database, used only to create and drop this run's own database). Set FINDER_TEST_POSTGRES=skip to run without it.

The demo catalogue is loaded once per backend and shared by the modules that only read it (`demo_url`,
`demo_app`); a module whose tests write (a page view logs a usage event, an SMS leaves a conversation) is marked
`pytestmark = pytest.mark.writes_demo` and gets a copy of its own, so that no test sees another module's rows.
A module that writes into the shared database unmarked fails at its end, by the row counts of every table.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import make_url

from finder import create_app, demo, migrations
from finder.catalogue.models import Base
from finder.db import Database

HSDS_EXAMPLES = Path(__file__).parent / "fixtures" / "hsds-3.0" / "examples"
SESSION = "the session"
ADMIN_URL = os.environ.get("FINDER_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this run's own, migrated once, dropped at the end."""
    if os.environ.get("FINDER_TEST_POSTGRES") == "skip":
        pytest.skip("FINDER_TEST_POSTGRES=skip")
    name = f"finder_test_{uuid.uuid4().hex[:12]}"
    url = _create_database(name)
    try:
        yield url
    finally:
        _drop_database(name)


def _admin() -> str:
    return make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)


def _create_database(name: str) -> str:
    """A new PostgreSQL database beside the admin one; its SQLAlchemy URL."""
    with psycopg.connect(_admin(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def _drop_database(name: str) -> None:
    with psycopg.connect(_admin(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> str:
    database = Database(postgres_url)
    migrations.upgrade(database.engine)
    database.dispose()
    return postgres_url


def _empty_postgres(url: str) -> None:
    database = Database(url)
    with database.engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'finder.db'}"
        database = Database(url)
        migrations.upgrade(database.engine)
        database.dispose()
        return url
    url = request.getfixturevalue("migrated_postgres")
    _empty_postgres(url)
    return url


@contextmanager
def executed(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """Every statement the engine runs in the block, each with its connection's transaction status after it
    (PostgreSQL's TransactionStatus; None on SQLite)."""
    seen: list[tuple[str, object]] = []

    def after(_connection, cursor, statement, *_args) -> None:
        info = getattr(cursor.connection, "info", None)
        seen.append((statement, getattr(info, "transaction_status", None)))

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)


def make_app(database_url: str, **overrides):
    app = create_app({"env": "test", "database_url": database_url, "secret_key": "test-secret", **overrides})
    if database_url in _apps_on_copies:
        _apps_on_copies[database_url].append(app)
    return app


# The apps made on each copy of the demo database, closed before it goes: a test that leaves its app open would
# leave its usage events to be written into a database no longer there.
_apps_on_copies: dict[str, list] = {}


@pytest.fixture
def app(database_url: str):
    app = make_app(database_url)
    yield app
    # Written before the database goes: a buffered event must not land in the next test's database.
    app.extensions["finder.usage_log"].close()
    app.extensions["finder.db"].dispose()


@pytest.fixture
def db(app) -> Database:
    return app.extensions["finder.db"]


@pytest.fixture
def client(app):
    return app.test_client()


def _demo_database(url: str) -> str:
    app = make_app(url)
    database = app.extensions["finder.db"]
    migrations.upgrade(database.engine)
    settings = app.config["FINDER"]
    with database.transaction() as session:
        demo.load(session, default_language="en", max_bytes=20 * 1024 * 1024, languages=settings.languages)
    database.dispose()
    return url


@pytest.fixture(scope="session")
def demo_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite database holding the demo catalogue, shared read-only by the tests of a session."""
    url = _demo_database(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    with _kept_read_only(url, SESSION):
        yield url


@pytest.fixture(scope="session")
def demo_postgresql_url(postgres_url: str) -> Iterator[str]:
    """The same on PostgreSQL, in a database of its own beside the run's."""
    name = make_url(postgres_url).database + "_demo"
    url = _demo_database(_create_database(name))
    try:
        with _kept_read_only(url, SESSION):
            yield url
    finally:
        _drop_database(name)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_demo_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"demo_{request.param}_url")


@pytest.fixture(scope="module")
def demo_url(request: pytest.FixtureRequest, shared_demo_url: str) -> Iterator[str]:
    """The demo database on each backend: the shared one, or for a module marked `writes_demo` (its tests leave
    usage events, feedback, conversations...) a copy of its own, so that no test sees another module's rows."""
    if request.node.get_closest_marker("writes_demo"):
        with demo_copy(shared_demo_url) as url:
            yield url
    else:
        with _kept_read_only(shared_demo_url, request.node.nodeid):
            yield shared_demo_url


@pytest.fixture(scope="module")
def demo_postgresql_copy_url(demo_postgresql_url: str) -> Iterator[str]:
    """A copy of the demo database on PostgreSQL for a module's tests that write (servers of their own)."""
    with demo_copy(demo_postgresql_url) as url:
        yield url


@contextmanager
def demo_copy(url: str) -> Iterator[str]:
    """A copy of a demo database, dropped afterwards: SQLite's file copied, PostgreSQL's made from it as template."""
    if url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="demo-copy-") as folder:
            copy = Path(folder) / "demo.db"
            with sqlite3.connect(make_url(url).database) as source, sqlite3.connect(copy) as target:
                source.backup(target)
            with _closing_apps_on(f"sqlite:///{copy}") as copy_url:
                yield copy_url
        return
    template, name = make_url(url).database, f"{make_url(url).database}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin(), autocommit=True) as connection:
        try:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        except psycopg.errors.ObjectInUse:
            # A template must have no other connection: one left open by a test's engine that was not disposed.
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (template,),
            )
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        with _closing_apps_on(make_url(url).set(database=name).render_as_string(hide_password=False)) as copy_url:
            yield copy_url
    finally:
        _drop_database(name)


@contextmanager
def _closing_apps_on(url: str) -> Iterator[str]:
    _apps_on_copies[url] = []
    try:
        yield url
    finally:
        for app in _apps_on_copies.pop(url):
            app.extensions["finder.usage_log"].close()
            app.extensions["finder.db"].dispose()


# The shared demo databases a module was already failed for writing into: the session's own check stays quiet.
_written: set[str] = set()


@contextmanager
def _kept_read_only(url: str, users: str) -> Iterator[None]:
    """Fails `users` (a module, or the session) if they left the shared demo database with other row counts: their
    tests write, and need a copy (mark the module `writes_demo`). One statement before and after."""
    before = _row_counts(url)
    yield
    after = _row_counts(url)
    changed = {table: (before[table], after[table]) for table in before if before[table] != after[table]}
    if changed and not (users == SESSION and url in _written):
        _written.add(url)
        pytest.fail(
            f"{users} wrote into the shared demo database (rows before, after: {changed}); "
            "mark the module pytest.mark.writes_demo to give it a copy of its own"
        )


def _row_counts(url: str) -> dict[str, int]:
    database = Database(url)
    counts = [select(func.count()).select_from(table).scalar_subquery() for table in Base.metadata.sorted_tables]
    with database.engine.connect() as connection:
        row = connection.execute(select(*counts)).one()
    database.dispose()
    return dict(zip([table.name for table in Base.metadata.sorted_tables], row, strict=True))


@pytest.fixture
def demo_app(demo_url: str):
    app = make_app(demo_url)
    yield app
    app.extensions["finder.usage_log"].close()
    app.extensions["finder.db"].dispose()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()
