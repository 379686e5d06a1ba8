"""Fixtures: an app per test on SQLite (a fresh file) and on PostgreSQL (a database made for this run).

The PostgreSQL server is the one named by FINDER_TEST_POSTGRES_URL (default: the local server's `test`
database, used only to create and drop this run's own database). Set FINDER_TEST_POSTGRES=skip to run without it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from finder import create_app, demo, migrations
from finder.catalogue.models import Base
from finder.db import Database

HSDS_EXAMPLES = Path(__file__).parent / "fixtures" / "hsds-3.0" / "examples"
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


def make_app(database_url: str, **overrides):
    return create_app({"env": "test", "database_url": database_url, "secret_key": "test-secret", **overrides})


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
def demo_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database holding the demo catalogue, shared read-only by the tests of a session."""
    return _demo_database(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")


@pytest.fixture(scope="session")
def demo_postgresql_url(request: pytest.FixtureRequest, postgres_url: str) -> str:
    """The same on PostgreSQL, in a database of its own beside the run's."""
    name = make_url(postgres_url).database + "_demo"
    url = _create_database(name)
    request.addfinalizer(lambda: _drop_database(name))
    return _demo_database(url)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"demo_{request.param}_url")


@pytest.fixture
def demo_app(demo_url: str):
    app = make_app(demo_url)
    yield app
    app.extensions["finder.usage_log"].close()
    app.extensions["finder.db"].dispose()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()
