"""Pages kept per process (finder/web/cache.py): what every visitor shares is cached, what is theirs is not, and
a change to the catalogue shows at once, in this process and in any other."""

from __future__ import annotations

import datetime as dt

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import select

from finder import search
from finder.catalogue import Agency, ChannelKind, Office, Service, ServiceStatus, version
from finder.catalogue.models import WEEKDAYS, DeliveryChannel, OpeningHours, ServiceOffice
from finder.web.cache import PageCache
from tests.conftest import executed, make_app
from tests.web.helpers import TOKEN, events
from tests.web.test_replica import statements


@pytest.fixture
def catalogue(app):
    with app.extensions["finder.db"].transaction() as session:
        session.add(Agency(id="a1", slug="passports", name="Passport Office"))
        session.add(Office(id="o1", slug="central", agency_id="a1", name="Central office", city="Capital"))
        for sid, slug, name in (("s1", "passport", "Renew a passport"), ("s2", "visa", "Apply for a passport visa")):
            session.add(
                Service(
                    id=sid,
                    slug=slug,
                    agency_id="a1",
                    name=name,
                    summary=f"{name} online.",
                    status=ServiceStatus.PUBLISHED,
                    channels=[DeliveryChannel(id=f"c-{sid}", kind=ChannelKind.ONLINE, value=f"https://{slug}.example")],
                    offices=[ServiceOffice(id=f"so-{sid}", office_id="o1")],
                )
            )
    return app


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def cached_pages(app) -> int:
    return len(app.extensions["finder.web.pages"]._pages)


def test_a_page_is_rendered_once_and_every_view_is_still_logged(catalogue, client):
    first = page(client, "/en/services/passport")
    assert cached_pages(catalogue) == 1
    again = page(client, "/en/services/passport")
    assert cached_pages(catalogue) == 1
    assert TOKEN.sub("", first) == TOKEN.sub("", again)
    page(client, "/fr/services/passport")
    assert cached_pages(catalogue) == 2, "each language is a page of its own"
    assert [e.kind for e in events(catalogue, kind="service_view")] == ["service_view"] * 3


def test_each_visitor_gets_their_own_form_token_and_the_form_works(catalogue):
    tokens = set()
    for _ in range(2):
        visitor = catalogue.test_client()
        token = TOKEN.search(page(visitor, "/en/services/passport")).group(1)
        tokens.add(token)
        response = visitor.post("/en/services/passport/feedback", data={"csrf_token": token, "useful": "yes"})
        assert response.status_code == 200
    assert len(tokens) == 2
    assert len(events(catalogue, kind="feedback")) == 2


def test_searches_are_cached_per_query_and_each_is_logged(catalogue, client):
    html = page(client, "/en/search?q=passport")
    assert page(client, "/en/search?q=passport") == html
    assert "Renew a passport" in page(client, "/en/search?q=renew")
    searches = events(catalogue, kind="search")
    assert [(e.query, e.result_count) for e in searches] == [("passport", 2), ("passport", 2), ("renew", 1)]
    assert searches[0].top_service_id == searches[1].top_service_id


def test_a_publication_shows_at_once_in_every_process(catalogue, database_url, client):
    other = make_app(database_url).test_client()
    for visitor in (client, other):
        assert "Renew a passport" in page(visitor, "/en/services/passport")
        assert "Renew a passport" in page(visitor, "/en/search?q=passport")
    with catalogue.extensions["finder.db"].transaction() as session:
        session.get(Service, "s1").name = "Renew your passport"
    for visitor in (client, other):
        assert "Renew your passport" in page(visitor, "/en/services/passport")
        assert "Renew your passport" in page(visitor, "/en/search?q=passport")
    with catalogue.extensions["finder.db"].transaction() as session:
        session.get(Service, "s1").status = ServiceStatus.DRAFT
    for visitor in (client, other):
        assert visitor.get("/en/services/passport").status_code == 404
        assert visitor.get("/go/passport").status_code == 404
        assert "Renew your passport" not in page(visitor, "/en/search?q=passport")


def test_what_hangs_off_a_service_changes_its_pages_too(catalogue, client):
    today = dt.date.today().weekday()
    assert "Closed today" in page(client, "/en/services/passport")
    assert client.get("/go/passport").headers["Location"] == "https://passport.example"
    with catalogue.extensions["finder.db"].transaction() as session:
        # An office's hours are not part of the search index: the catalogue's version follows them all the same.
        session.add(OpeningHours(id="h1", office_id="o1", days=[WEEKDAYS[today]], opens=dt.time(8), closes=dt.time(16)))
        session.get(DeliveryChannel, "c-s1").value = "https://new.passport.example"
    assert "Closed today" not in page(client, "/en/services/passport")
    assert client.get("/go/passport").headers["Location"] == "https://new.passport.example"


def test_best_bets_change_the_results(catalogue, client):
    html = page(client, "/en/search?q=passport")
    assert html.index("Renew a passport") < html.index("Apply for a passport visa")
    with catalogue.extensions["finder.db"].transaction() as session:
        search.set_best_bets(session, "en", "passport", ["s2"])
    html = page(client, "/en/search?q=passport")
    assert html.index("Apply for a passport visa") < html.index("Renew a passport")


def test_the_version_changes_with_the_catalogue_only_and_not_on_rollback(catalogue):
    database = catalogue.extensions["finder.db"]

    def current() -> str:
        return version.current(database.engine)[version.CATALOGUE]

    before = current()
    assert before
    with database.transaction() as session:
        session.scalar(select(Service.id))
    assert current() == before, "reading changes nothing"
    with pytest.raises(RuntimeError), database.transaction() as session:
        session.get(Service, "s1").name = "Never published"
        session.flush()
        raise RuntimeError
    assert current() == before
    with database.transaction() as session:
        session.get(Agency, "a1").name = "Passports and Visas"
    assert current() != before


def test_a_results_page_reads_every_version_token_in_one_statement(catalogue, client, monkeypatch):
    """The page's token (the catalogue's) and the search's (index, vocabulary) come in one round trip: the search
    is handed the tokens the page read."""
    on_primary = statements(catalogue.extensions["finder.db"].engine)
    monkeypatch.setattr(version, "of", lambda _session: pytest.fail("the search read the tokens again"))
    assert "Renew a passport" in page(client, "/en/search?q=passport")
    assert sum("content_versions" in s for s in on_primary) == 1
    assert any("search_documents" in s for s in on_primary), "the search ran, with the tokens it was given"


def test_pages_read_the_catalogue_outside_any_transaction_on_postgresql(catalogue, client):
    """On PostgreSQL a results page and a service page read in autocommit (finder.db.read_request_session): no BEGIN
    and ROLLBACK round trips around their reads."""
    engine = catalogue.extensions["finder.db"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's connections are in the process: a transaction costs no round trip")
    with executed(engine) as statements:
        assert "Renew a passport" in page(client, "/en/search?q=passport")
        assert "Renew a passport" in page(client, "/en/services/passport")
    assert any("search_documents" in s for s, _ in statements) and any("FROM services" in s for s, _ in statements)
    assert [s for s in statements if s[1] is not TransactionStatus.IDLE] == []


def test_the_cache_keeps_only_so_many_pages(catalogue, client):
    catalogue.extensions["finder.web.pages"] = PageCache(max_pages=2)
    for query in ("passport", "renew", "visa"):
        page(client, f"/en/search?q={query}")
    assert cached_pages(catalogue) == 2
