"""The native format: full fidelity, idempotent, a fixed point through export and import."""

from __future__ import annotations

import json

from sqlalchemy import select

from finder import demo
from finder.catalogue import export_catalogue, import_path
from finder.catalogue.models import Service

LIMIT = 20 * 1024 * 1024


def _export(db):
    with db.sessions() as session:
        return export_catalogue(session, "native", default_language="en")


def _load_demo(db):
    with db.transaction() as session:
        demo.load(session, default_language="en", max_bytes=LIMIT, languages=("en", "fr", "es", "ar", "zh", "ru"))


def test_loading_the_demo_twice_changes_nothing(db):
    _load_demo(db)
    with db.sessions() as session:
        stamps = dict(session.execute(select(Service.id, Service.updated_at)).all())
    first = _export(db)
    _load_demo(db)
    with db.sessions() as session:
        assert dict(session.execute(select(Service.id, Service.updated_at)).all()) == stamps
    assert _export(db) == first


def test_native_export_imports_back_to_the_same_catalogue(db, tmp_path, app):
    from tests.conftest import make_app

    _load_demo(db)
    exported = _export(db)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(exported, ensure_ascii=False))

    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    other = make_app(other_url)
    other_db = other.extensions["finder.db"]
    from finder import migrations

    migrations.upgrade(other_db.engine)
    with other_db.transaction() as session:
        import_path(session, path, max_bytes=LIMIT, default_language="en")
    assert _export(other_db) == exported
    other_db.dispose()


def test_an_edited_record_is_updated_and_marked_changed(db, tmp_path):
    _load_demo(db)
    document = _export(db)
    service = document["services"][0]
    service["summary"] = "A new summary."
    service["translations"]["fr"]["summary"] = "Un nouveau résumé."
    path = tmp_path / "edit.json"
    path.write_text(json.dumps({**document, "services": [service]}, ensure_ascii=False))
    with db.sessions() as session:
        before = session.get(Service, service["id"]).updated_at
    with db.transaction() as session:
        import_path(session, path, max_bytes=LIMIT, default_language="en")
    with db.sessions() as session:
        row = session.get(Service, service["id"])
        assert row.summary == "A new summary."
        assert row.translated("summary", "fr") == "Un nouveau résumé."
        assert row.updated_at > before
