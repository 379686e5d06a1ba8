"""The index follows every catalogue change in the same transaction, and vocabulary edits apply at once."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from finder import search
from finder.catalogue import import_path
from finder.catalogue.models import Service, ServiceStatus
from finder.search import SearchRequest
from finder.search.models import SearchDocument

CATALOGUE = {
    "format": "service-finder/1",
    "agencies": [{"slug": "council", "name": "Harbour Council"}],
    "life_events": [{"slug": "moving-house", "name": "Moving house"}],
    "services": [
        {
            "slug": "bins",
            "agency": "council",
            "name": "Order a recycling bin",
            "summary": "Get a new or replacement one.",
            "status": "published",
            "translations": {"fr": {"name": "Commander un bac de recyclage", "summary": "Un nouveau bac."}},
        },
        {
            "slug": "parking",
            "agency": "council",
            "name": "Residents parking permit",
            "summary": "Park near your home.",
            "status": "published",
            "life_events": ["moving-house"],
        },
    ],
}


def _load(db, tmp_path, document=CATALOGUE):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document))
    with db.transaction() as session:
        import_path(session, path, max_bytes=10**6, default_language="en")


def _slugs(db, query, language="en"):
    with db.sessions() as session:
        return [h.slug for h in search.search(session, SearchRequest(text=query, language=language)).hits]


def test_imported_services_are_found_at_once(db, tmp_path):
    _load(db, tmp_path)
    assert _slugs(db, "recycling bin") == ["bins"]
    assert _slugs(db, "bac recyclage", "fr") == ["bins"]


def test_an_edit_is_searchable_and_the_old_words_are_gone(db, tmp_path):
    _load(db, tmp_path)
    with db.transaction() as session:
        service = session.scalar(select(Service).where(Service.slug == "bins"))
        service.name = "Order a compost caddy"
    assert _slugs(db, "compost caddy") == ["bins"]
    assert _slugs(db, "recycling bin") == []


def test_retired_and_draft_services_leave_the_index(db, tmp_path):
    _load(db, tmp_path)
    with db.transaction() as session:
        session.scalar(select(Service).where(Service.slug == "bins")).status = ServiceStatus.RETIRED
    assert _slugs(db, "recycling bin") == []
    with db.transaction() as session:
        session.scalar(select(Service).where(Service.slug == "bins")).status = ServiceStatus.PUBLISHED
    assert _slugs(db, "recycling bin") == ["bins"]


def test_a_deleted_service_leaves_no_trace_in_the_full_text_index(db, tmp_path):
    _load(db, tmp_path)
    with db.transaction() as session:
        session.delete(session.scalar(select(Service).where(Service.slug == "bins")))
    assert _slugs(db, "recycling bin") == []
    with db.sessions() as session:
        assert session.scalar(select(SearchDocument.id).join(Service, isouter=True).where(Service.id.is_(None))) is None
        if session.get_bind().dialect.name == "sqlite":
            orphans = session.execute(
                text("SELECT count(*) FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_documents)")
            ).scalar()
            assert orphans == 0


def test_a_rolled_back_change_leaves_the_index_alone(db, tmp_path):
    _load(db, tmp_path)
    session = db.sessions()
    with session.begin():
        session.scalar(select(Service).where(Service.slug == "bins")).name = "Something else"
        session.flush()
        session.rollback()
    session.close()
    assert _slugs(db, "recycling bin") == ["bins"]


def test_renaming_an_agency_reindexes_its_services(db, tmp_path):
    _load(db, tmp_path)
    assert _slugs(db, "harbour") != []
    from finder.catalogue.models import Agency

    with db.transaction() as session:
        session.scalar(select(Agency).where(Agency.slug == "council")).name = "Seaside Council"
    assert _slugs(db, "harbour") == []
    assert set(_slugs(db, "seaside")) == {"bins", "parking"}


def test_each_document_keeps_its_service_listing_as_edited(db, tmp_path):
    """A document's listing (what the API lists among results) is the catalogue's HSDS listing of its service in its
    language, after edits to the service, its channels and its agency."""
    from finder.catalogue import HsdsExporter
    from finder.catalogue.models import Agency, ChannelKind, DeliveryChannel

    _load(db, tmp_path)
    with db.transaction() as session:
        bins = session.scalar(select(Service).where(Service.slug == "bins"))
        bins.channels.append(
            DeliveryChannel(id="bins-online", kind=ChannelKind.ONLINE, value="https://council.example/bins")
        )
    with db.transaction() as session:
        session.scalar(select(Agency).where(Agency.slug == "council")).website = "https://council.example"
    with db.sessions() as session:
        documents = session.scalars(select(SearchDocument).order_by(SearchDocument.id)).all()
        assert {(d.service_id, d.language) for d in documents} >= {
            (s.id, language) for s in session.scalars(select(Service)) for language in ("en", "fr")
        }
        for document in documents:
            service = session.get(Service, document.service_id)
            assert document.listing == HsdsExporter(document.language).service_listing(service)
        listed = {d.language: d.listing for d in documents if d.service_id == bins.id}
    assert listed["en"]["url"] == "https://council.example/bins"
    assert listed["fr"]["name"] == "Commander un bac de recyclage"
    assert listed["en"]["organization"]["website"] == "https://council.example"


def test_a_new_synonym_changes_results_immediately(db, tmp_path):
    _load(db, tmp_path)
    assert _slugs(db, "wheelie") == []
    with db.transaction() as session:
        search.add_synonym_rule(session, "en", "wheelie, recycling bin")
    assert _slugs(db, "wheelie") == ["bins"]


def test_a_one_way_synonym_applies_one_way(db, tmp_path):
    _load(db, tmp_path)
    with db.transaction() as session:
        search.add_synonym_rule(session, "en", "car => parking")
    assert _slugs(db, "car") == ["parking"]
    assert "bins" not in _slugs(db, "parking")


def test_a_best_bet_pins_a_service_first_and_can_be_removed(db, tmp_path):
    _load(db, tmp_path)
    with db.transaction() as session:
        bins = session.scalar(select(Service.id).where(Service.slug == "bins"))
        search.set_best_bets(session, "en", "Council", [bins])
    assert _slugs(db, "council")[0] == "bins"
    assert _slugs(db, "the council")[0] == "bins"  # stop words do not change the key
    with db.transaction() as session:
        search.set_best_bets(session, "en", "council", [])
    with db.transaction() as session:
        parking = session.scalar(select(Service.id).where(Service.slug == "parking"))
        search.set_best_bets(session, "en", "council", [parking])
    assert _slugs(db, "council")[0] == "parking"


def test_a_life_event_phrase_finds_its_services(db, tmp_path):
    _load(db, tmp_path)
    assert _slugs(db, "new flat") == []
    from finder.catalogue.models import LifeEvent
    from finder.search.models import LifeEventPhrase

    with db.transaction() as session:
        event = session.scalar(select(LifeEvent).where(LifeEvent.slug == "moving-house"))
        session.add(LifeEventPhrase(language="en", life_event_id=event.id, phrase="new flat"))
    assert _slugs(db, "new flat") == ["parking"]
    assert _slugs(db, "moving house") == ["parking"]


def test_a_bad_synonym_rule_is_refused(db):
    import pytest

    with db.transaction() as session, pytest.raises(search.RuleError):
        search.add_synonym_rule(session, "en", "lonely")


def test_migrating_the_full_text_table_keeps_the_index(db, tmp_path):
    """0004 rebuilds SQLite's full-text table with service ids; going down and up again loses no document."""
    import pytest

    from finder import migrations

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the full-text table is SQLite's")
    _load(db, tmp_path)
    migrations.downgrade(db.engine, "0003")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM search_fts")).scalar() > 0
    migrations.upgrade(db.engine)
    with db.engine.connect() as connection:
        missing = connection.execute(text("SELECT count(*) FROM search_fts WHERE service_id IS NULL")).scalar()
        assert missing == 0
    assert _slugs(db, "recycling bin") == ["bins"]
    with db.transaction() as session:
        session.delete(session.scalar(select(Service).where(Service.slug == "bins")))
    with db.engine.connect() as connection:
        orphans = connection.execute(
            text("SELECT count(*) FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_documents)")
        ).scalar()
        assert orphans == 0
