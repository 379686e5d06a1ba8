"""Deploy operations of docs/deploy.md: backup and restore (back up, change, restore, compare), `finder db upgrade`.

Each backend uses a database of the test's own (a SQLite file in tmp_path, a PostgreSQL database it creates).
"""

from __future__ import annotations

import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.engine import make_url

from finder import migrations
from finder.catalogue import Service
from finder.catalogue.models import Base
from finder.db import Database
from tests.agency.conftest import load_catalogue
from tests.conftest import _create_database, _drop_database


def _snapshot(database: Database) -> dict[str, list]:
    """Every row of every table, in a stable order: equal snapshots mean equal databases."""
    with database.sessions() as session:
        return {
            table.name: sorted(map(repr, session.execute(select(table)).all())) for table in Base.metadata.sorted_tables
        }


def _change(database: Database) -> None:
    with database.transaction() as session:
        session.execute(update(Service).values(name="Overwritten by mistake"))
        session.execute(delete(Service).where(Service.slug.like("%a%")))


def _prepared(url: str) -> Database:
    database = Database(url)
    migrations.upgrade(database.engine)
    load_catalogue(database)
    return database


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def test_sqlite_backup_and_restore(tmp_path):
    path, backup = tmp_path / "finder.db", tmp_path / "finder-backup.db"
    database = _prepared(f"sqlite:///{path}")
    before = _snapshot(database)
    assert before["services"]
    # Online backup: consistent even while the app writes (docs/deploy.md).
    _run("sqlite3", str(path), f".backup '{backup}'")
    _change(database)
    assert _snapshot(database) != before
    database.dispose()
    _run("sqlite3", str(path), f".restore '{backup}'")
    restored = Database(f"sqlite:///{path}")
    assert _snapshot(restored) == before
    restored.dispose()


@pytest.mark.postgres
def test_postgresql_backup_and_restore(postgres_url, tmp_path):
    name = f"finder_backup_{uuid.uuid4().hex[:12]}"
    url = _create_database(name)
    try:
        database = _prepared(url)
        before = _snapshot(database)
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        dump = tmp_path / "finder.dump"
        _run("pg_dump", "--format=custom", f"--file={dump}", libpq)
        _change(database)
        assert _snapshot(database) != before
        database.dispose()
        _run(
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={libpq}", str(dump)
        )
        restored = Database(url)
        assert _snapshot(restored) == before
        restored.dispose()
    finally:
        _drop_database(name)


@pytest.mark.postgres
def test_servers_upgrading_at_once_take_turns(postgres_url):
    name = f"finder_upgrade_{uuid.uuid4().hex[:12]}"
    url = _create_database(name)
    try:
        databases = [Database(url) for _ in range(3)]
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda database: migrations.upgrade(database.engine), databases))
        assert len({migrations.current_revision(database.engine) for database in databases}) == 1
        assert migrations.current_revision(databases[0].engine) is not None
        for database in databases:
            database.dispose()
    finally:
        _drop_database(name)
