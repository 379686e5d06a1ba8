import threading

import pytest
from sqlalchemy import select

from finder import metrics
from finder.metrics import EventKind, UsageEvent
from finder.metrics.models import UsageEventRow


def test_recorded_events_are_written_with_their_fields(app, db):
    with app.app_context():
        metrics.record(
            UsageEvent(
                EventKind.SEARCH,
                channel="sms",
                language="fr",
                visitor="abc",
                query="  perdu   passeport ",
                result_count=3,
                top_service_id="s1",
            ),
            UsageEvent(
                "feedback",
                channel="web",
                language="en",
                service_id="s1",
                useful=False,
                comment="Call me on +44 20 7946 0958 or mail jo@example.org please",
            ),
        )
    assert app.extensions["finder.usage_log"].flush()
    with db.transaction() as session:
        rows = session.scalars(select(UsageEventRow).order_by(UsageEventRow.id)).all()
    assert [(r.kind, r.channel, r.language) for r in rows] == [("search", "sms", "fr"), ("feedback", "web", "en")]
    assert rows[0].query == "perdu passeport" and rows[0].result_count == 3 and rows[0].visitor == "abc"
    assert rows[0].query_key == "perdu passeport"
    assert rows[1].comment == "Call me on [phone] or mail [email] please"
    assert rows[1].useful is False and rows[1].occurred_at is not None


def test_an_unknown_channel_or_kind_is_refused():
    with pytest.raises(ValueError, match="channel"):
        UsageEvent(EventKind.SEARCH, channel="fax", language="en")
    with pytest.raises(ValueError):
        UsageEvent("teleport", channel="web", language="en")


def test_a_failing_write_does_not_fail_the_caller_and_keeps_the_batch(app, db, caplog):
    usage_log = app.extensions["finder.usage_log"]
    working = usage_log.database
    usage_log.database = type(db)("sqlite:////nonexistent/dir/x.db")
    with app.app_context():
        metrics.record(UsageEvent(EventKind.SEARCH, channel="web", language="en", query="secret words"))
    assert not usage_log.flush(timeout=0.5)
    assert "could not write 1 usage events" in caplog.text
    assert "secret words" not in caplog.text
    # The database is back: the same batch is written on a retry, nothing lost.
    usage_log.database.dispose()
    usage_log.database = working
    assert usage_log.flush(timeout=10)
    with db.transaction() as session:
        assert session.scalars(select(UsageEventRow.query)).all() == ["secret words"]


def test_events_from_many_threads_through_a_small_queue_are_all_written_once(app, db):
    from finder.metrics import UsageLog

    # A queue of 50 makes the recording threads wait for room: back-pressure, not loss.
    usage_log = UsageLog(db, capacity=50)
    app.extensions["finder.usage_log"] = usage_log

    def send(thread: int) -> None:
        with app.app_context():
            for n in range(300):
                metrics.record(UsageEvent(EventKind.SEARCH, channel="web", language="en", query=f"{thread} {n}"))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert usage_log.flush()
    with db.transaction() as session:
        queries = session.scalars(select(UsageEventRow.query)).all()
    assert sorted(queries) == sorted(f"{t} {n}" for t in range(4) for n in range(300))
    usage_log.close()


def test_a_closed_log_writes_what_it_held_and_starts_again_on_the_next_event(app, db):
    usage_log = app.extensions["finder.usage_log"]
    with app.app_context():
        metrics.record(UsageEvent(EventKind.SERVICE_VIEW, channel="web", language="en", service_id="a"))
        assert usage_log.close()
        metrics.record(UsageEvent(EventKind.SERVICE_VIEW, channel="web", language="en", service_id="b"))
    assert usage_log.flush()
    with db.transaction() as session:
        assert sorted(session.scalars(select(UsageEventRow.service_id))) == ["a", "b"]


def test_api_searches_are_logged_once_per_search_not_per_page(app, client):
    assert client.get("/api/v1/services?search=Lost+%20Passport&lang=fr").status_code == 200
    assert client.get("/api/v1/services?search=lost+passport&page=2").status_code == 200
    assert client.get("/api/v1/services").status_code == 200
    assert app.extensions["finder.usage_log"].flush()
    with app.extensions["finder.db"].transaction() as session:
        rows = session.scalars(select(UsageEventRow)).all()
    assert [(r.kind, r.channel, r.language, r.query, r.query_key, r.result_count, r.visitor) for r in rows] == [
        ("search", "api", "fr", "Lost Passport", "lost passport", 0, None)
    ]


def test_an_event_the_database_refuses_is_dropped_alone(app, db, caplog):
    with app.app_context():
        metrics.record(
            UsageEvent(EventKind.SEARCH, channel="web", language="en", query="before"),
            # No language: refused by the NOT NULL constraint, on every retry.
            UsageEvent(EventKind.SEARCH, channel="web", language=None, query="refused"),
            UsageEvent(EventKind.SEARCH, channel="web", language="en", query="after"),
        )
    assert app.extensions["finder.usage_log"].flush(timeout=10)
    with db.transaction() as session:
        assert sorted(session.scalars(select(UsageEventRow.query))) == ["after", "before"]
    assert "dropped a usage event that the database refuses (" in caplog.text
    assert "refused" not in caplog.text.replace("database refuses", "")
