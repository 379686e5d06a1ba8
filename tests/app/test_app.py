"""The application factory, settings, health check and database set-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from finder import migrations
from finder.catalogue.models import Base
from finder.config import ConfigError, load_settings
from finder.db import Database
from tests.conftest import make_app


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = make_app("postgresql+psycopg://127.0.0.1:1/nowhere?connect_timeout=1")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_the_front_door_sends_visitors_to_the_home_page_in_their_language(demo_client):
    response = demo_client.get("/", headers={"Accept-Language": "fr"})
    assert response.status_code == 302 and response.headers["Location"] == "/fr/"
    assert demo_client.get("/fr/").status_code == 200


def test_development_secret_is_generated_once_and_kept(tmp_path: Path):
    first = load_settings(tmp_path, {})
    second = load_settings(tmp_path, {})
    assert first.secret_key == second.secret_key and len(first.secret_key) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path):
    assert load_settings(tmp_path, {}).database_url == f"sqlite:///{tmp_path / 'finder.db'}"


def test_production_refuses_to_start_without_a_secret(tmp_path: Path):
    with pytest.raises(ConfigError, match="FINDER_SECRET_KEY"):
        load_settings(tmp_path, {"FINDER_ENV": "production"})
    assert not (tmp_path / "secret_key").exists()


def test_unknown_environment_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="FINDER_ENV"):
        load_settings(tmp_path, {"FINDER_ENV": "staging"})


def test_environment_settings_are_read(tmp_path: Path):
    settings = load_settings(
        tmp_path,
        {"FINDER_DATABASE_URL": "postgresql://db/finder", "FINDER_SECRET_KEY": "s", "FINDER_PUBLIC_URL": "https://x"},
    )
    assert (settings.database_url, settings.secret_key, settings.public_url) == (
        "postgresql://db/finder",
        "s",
        "https://x",
    )


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
    database.dispose()


def test_migrations_build_the_models_schema_and_go_back_down(database_url):
    database = Database(database_url)
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    migrations.downgrade(database.engine, "base")
    assert set(inspect(database.engine).get_table_names()) & set(Base.metadata.tables) == set()
    migrations.upgrade(database.engine)
    assert set(Base.metadata.tables) <= set(inspect(database.engine).get_table_names())
    database.dispose()


def test_migrations_match_the_models(database_url):
    """A model change without a migration would show up here as a difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    database = Database(database_url)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": migrations.include_object}
        )
        assert compare_metadata(context, Base.metadata) == []
    database.dispose()


def test_migration_0013_moves_the_search_tokens_and_keeps_them(database_url):
    """The search's version tokens move into content_versions as they are (processes keep what they cached), and
    back into search_state on the way down."""
    database = Database(database_url)
    migrations.downgrade(database.engine, "0012")
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM search_state"))
        connection.execute(text("INSERT INTO search_state VALUES ('index', 'i1'), ('vocabulary', 'v1')"))
        connection.execute(text("DELETE FROM content_versions"))
        connection.execute(text("INSERT INTO content_versions VALUES ('catalogue', 'c1')"))
    everything = {"catalogue": "c1", "index": "i1", "vocabulary": "v1"}
    migrations.upgrade(database.engine)
    assert "search_state" not in inspect(database.engine).get_table_names()
    with database.engine.connect() as connection:
        assert dict(connection.execute(text("SELECT name, version FROM content_versions")).all()) == everything
    migrations.downgrade(database.engine, "0012")
    with database.engine.connect() as connection:
        search_tokens = {"index": "i1", "vocabulary": "v1"}
        assert dict(connection.execute(text("SELECT name, version FROM search_state")).all()) == search_tokens
        assert dict(connection.execute(text("SELECT name, version FROM content_versions")).all()) == {"catalogue": "c1"}
    migrations.upgrade(database.engine)
    database.dispose()
