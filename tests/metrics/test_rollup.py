"""Rollups: exact, incremental, idempotent, one at a time; retention deletes raw events and keeps the aggregates."""

from __future__ import annotations

import datetime as dt
import random
import threading
from importlib import import_module

import pytest
from sqlalchemy import delete, func, select

from finder import metrics
from finder.metrics import EventKind, UsageEvent
from finder.metrics.models import (
    RollupState,
    UsageDaily,
    UsageDailyAgency,
    UsageDailyQuery,
    UsageDailyService,
    UsageDailyVisitors,
    UsageEventRow,
    UsageMonthlyQuery,
    UsageMonthlyService,
)
from tests.metrics.conftest import BIRTH, CIVIL_AGENCY, PASSPORT, TRAVEL_AGENCY

DAY1 = dt.datetime(2026, 11, 20, 9, 30)
DAY2 = dt.datetime(2026, 11, 21, 23, 59, 59)
NOW = dt.datetime(2026, 11, 26, 12, 0)


def record(app, *events):
    with app.app_context():
        metrics.record(*events)
    assert app.extensions["finder.usage_log"].flush()


def search(when, channel="web", language="en", query="Passport", found=1, top=PASSPORT, visitor="v1"):
    return UsageEvent(
        EventKind.SEARCH,
        channel,
        language,
        visitor=visitor,
        query=query,
        result_count=found,
        top_service_id=top if found else None,
        occurred_at=when,
    )


def view(when, service=PASSPORT, channel="web", visitor="v1"):
    return UsageEvent(EventKind.SERVICE_VIEW, channel, "en", visitor=visitor, service_id=service, occurred_at=when)


ROLLUPS = (
    UsageDaily,
    UsageDailyAgency,
    UsageDailyService,
    UsageDailyQuery,
    UsageMonthlyQuery,
    UsageMonthlyService,
    UsageDailyVisitors,
)


def tables(db):
    """Every rollup table as sorted tuples (no ids)."""
    out = {}
    with db.engine.connect() as connection:
        for model in ROLLUPS:
            table = model.__table__
            columns = [c for c in table.columns if c.name != "id"]
            out[model.__tablename__] = sorted(tuple(map(str, row)) for row in connection.execute(select(*columns)))
    return out


def test_rollup_is_exact_incremental_and_idempotent(app, db, catalogue):
    record(
        app,
        search(DAY1),
        search(DAY1, query="passport ", visitor="v2"),
        search(DAY1, channel="sms", language="fr", query="Passeport perdu", found=0, visitor="s1"),
        view(DAY1),
        view(DAY2, service=BIRTH, visitor="v3"),
        UsageEvent(EventKind.MESSAGE_OUT, "sms", "fr", visitor="s1", segments=3, occurred_at=DAY1),
        UsageEvent(EventKind.FEEDBACK, "web", "en", service_id=PASSPORT, useful=True, occurred_at=DAY2),
    )
    first = metrics.rollup(db, 90, now=NOW)
    assert first.events == 7 and first.deleted == 0
    after_first = tables(db)
    assert after_first["usage_daily"] == sorted(
        [
            ("2026-11-20", "search", "web", "en", "2", "0", "0", "0", "0"),
            ("2026-11-20", "search", "sms", "fr", "1", "1", "0", "0", "0"),
            ("2026-11-20", "service_view", "web", "en", "1", "0", "0", "0", "0"),
            ("2026-11-20", "message_out", "sms", "fr", "1", "0", "0", "0", "3"),
            ("2026-11-21", "service_view", "web", "en", "1", "0", "0", "0", "0"),
            ("2026-11-21", "feedback", "web", "en", "1", "0", "1", "0", "0"),
        ]
    )
    assert after_first["usage_daily_queries"] == sorted(
        [("2026-11-20", "passport", "2", "0"), ("2026-11-20", "passeport perdu", "1", "1")]
    )
    assert after_first["usage_daily_agencies"] == sorted(
        [
            (TRAVEL_AGENCY, "2026-11-20", "search", "web", "2", "0", "0", "0", "0"),
            (TRAVEL_AGENCY, "2026-11-20", "service_view", "web", "1", "0", "0", "0", "0"),
            (CIVIL_AGENCY, "2026-11-21", "service_view", "web", "1", "0", "0", "0", "0"),
            (TRAVEL_AGENCY, "2026-11-21", "feedback", "web", "1", "0", "1", "0", "0"),
        ]
    )
    assert ("2026-11-21", "service_view", BIRTH, CIVIL_AGENCY, "1", "0", "0", "0", "0") in after_first[
        "usage_daily_services"
    ]
    assert after_first["usage_daily_visitors"] == sorted(
        [("2026-11-20", "web", "en", "2"), ("2026-11-20", "sms", "fr", "1"), ("2026-11-21", "web", "en", "1")]
    )

    # Again with nothing new: nothing changes.
    assert metrics.rollup(db, 90, now=NOW).events == 0
    assert tables(db) == after_first

    # New events on a day already rolled up: added to it; the day's visitors recounted, not summed.
    record(app, search(DAY1, visitor="v1"), search(DAY1, visitor="v9", query="PASSPORT"))
    assert metrics.rollup(db, 90, now=NOW).events == 2
    after_second = tables(db)
    assert ("2026-11-20", "search", "web", "en", "4", "0", "0", "0", "0") in after_second["usage_daily"]
    assert ("2026-11-20", "passport", "4", "0") in after_second["usage_daily_queries"]
    assert ("2026-11-20", "web", "en", "3") in after_second["usage_daily_visitors"]
    assert metrics.rollup(db, 90, now=NOW).events == 0
    assert tables(db) == after_second


def test_runs_in_pieces_give_the_rollups_of_one_run_over_everything(app, db, catalogue):
    """A first run into empty tables (plain inserts), then runs adding to days and months already there (upserts)
    and to new ones: the same rollups, to the row, as one run over all the events."""
    rng = random.Random(11)
    start = dt.datetime(2026, 1, 27)  # three month ends within the 70 days

    def some_events(count):
        events = []
        for _ in range(count):
            when = start + dt.timedelta(minutes=rng.randrange(70 * 24 * 60))
            channel, language = rng.choice(["web", "sms"]), rng.choice(["en", "fr", "es"])
            visitor = rng.choice([None, "v1", "v2", "v3", "v4"])
            service = rng.choice([PASSPORT, BIRTH, "retired-service"])
            if rng.random() < 0.5:
                found = rng.choice([0, 2])
                query = rng.choice(["passport", "Birth", "fishing"])
                events.append(search(when, channel, language, query, found, service, visitor))
            else:
                events.append(view(when, service, channel, visitor))
        return events

    for count in (150, 1, 60, 90):
        record(app, *some_events(count))
        metrics.rollup(db, retention_days=400, now=NOW)
    in_pieces = tables(db)
    with db.engine.begin() as connection:
        for model in (*ROLLUPS, RollupState):
            connection.execute(delete(model))
    assert metrics.rollup(db, retention_days=400, now=NOW).events == 301
    assert tables(db) == in_pieces
    assert sum(int(row[4]) for row in in_pieces["usage_daily"]) == 301


def test_retention_deletes_old_raw_events_and_keeps_their_aggregates(app, db, catalogue):
    old = NOW - dt.timedelta(days=91)
    record(app, search(old), view(old), search(NOW - dt.timedelta(days=89)), view(NOW))
    result = metrics.rollup(db, 90, now=NOW)
    assert result.events == 4 and result.deleted == 2
    with db.engine.connect() as connection:
        left = connection.execute(select(UsageEventRow.occurred_at).order_by(UsageEventRow.occurred_at)).scalars()
        assert list(left) == [NOW - dt.timedelta(days=89), NOW]
        old_day = connection.execute(
            select(UsageDaily.kind, UsageDaily.events).where(UsageDaily.day == old.date()).order_by(UsageDaily.kind)
        ).all()
    assert old_day == [("search", 1), ("service_view", 1)]
    # The aggregates survive further runs; the old day's visitors are not recounted from nothing.
    record(app, view(old + dt.timedelta(hours=1), visitor="late"))
    metrics.rollup(db, 90, now=NOW)
    with db.engine.connect() as connection:
        assert connection.scalar(select(UsageDailyVisitors.visitors).where(UsageDailyVisitors.day == old.date())) == 1
        views = select(UsageDaily.events).where(UsageDaily.day == old.date(), UsageDaily.kind == "service_view")
        assert connection.scalar(views) == 2


def test_a_failed_rollup_changes_nothing_and_deletes_nothing(app, db, catalogue, monkeypatch):
    old = NOW - dt.timedelta(days=200)
    record(app, view(old), search(old))

    def fail(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_module("finder.metrics.rollup"), "_add_queries", fail)
    with pytest.raises(RuntimeError):
        metrics.rollup(db, 90, now=NOW)
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(UsageEventRow)) == 2
        assert connection.scalar(select(func.count()).select_from(UsageDaily)) == 0
    monkeypatch.undo()
    result = metrics.rollup(db, 90, now=NOW)
    assert (result.events, result.deleted) == (2, 2)


def test_ids_are_not_reused_after_retention_empties_the_log(app, db, catalogue):
    record(app, view(NOW - dt.timedelta(days=200)), view(NOW - dt.timedelta(days=200)))
    assert metrics.rollup(db, 90, now=NOW).deleted == 2
    record(app, view(NOW))
    assert metrics.rollup(db, 90, now=NOW).events == 1
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.sum(UsageDaily.events))) == 3


def test_concurrent_rollups_count_every_event_once(app, db, catalogue):
    days = [NOW - dt.timedelta(days=d, minutes=m) for d in range(5) for m in range(40)]
    record(app, *(search(when, visitor=f"v{i % 7}") for i, when in enumerate(days)))
    results = []
    barrier = threading.Barrier(3)

    def run():
        barrier.wait()
        results.append(metrics.rollup(db, 90, now=NOW).events)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [0, 0, len(days)]
    with db.engine.connect() as connection:
        assert connection.scalar(select(func.sum(UsageDaily.events))) == len(days)
        assert connection.scalar(select(func.sum(UsageDailyQuery.searches))) == len(days)
        assert connection.scalar(select(func.sum(UsageDailyVisitors.visitors))) == 5 * 7


def test_the_rollup_command(app, db, catalogue):
    record(app, view(dt.datetime.now(dt.UTC).replace(tzinfo=None)))
    result = app.test_cli_runner().invoke(args=["metrics", "rollup"])
    assert result.exit_code == 0, result.output
    assert "Rolled up 1 events (up to event" in result.output and "older than 90 days" in result.output
    again = app.test_cli_runner().invoke(args=["metrics", "rollup"])
    assert "Rolled up 0 events" in again.output


# Failed searches on days around month ends: (when, query, found).
SEARCHES_OVER_MONTHS = [
    (dt.datetime(2026, 1, 31, 23, 0), "parking", 0),
    (dt.datetime(2026, 2, 1, 0, 30), "parking", 0),
    (dt.datetime(2026, 2, 14, 8, 0), "fishing", 0),
    (dt.datetime(2026, 2, 14, 9, 0), "fishing", 3),
    (dt.datetime(2026, 2, 28, 12, 0), "parking", 2),
    (dt.datetime(2026, 3, 1, 12, 0), "fishing", 0),
    (dt.datetime(2026, 3, 1, 13, 0), "fishing", 0),
    (dt.datetime(2026, 3, 31, 23, 59), "dog licence", 0),
    (dt.datetime(2026, 4, 1, 0, 0), "parking", 0),
    (dt.datetime(2026, 4, 2, 0, 0), "dog licence", 0),
]


@pytest.mark.parametrize(
    "start, end",
    [
        ("2026-01-01", "2026-04-30"),  # whole months only
        ("2026-01-31", "2026-04-01"),  # an edge day on each side
        ("2026-02-01", "2026-02-28"),  # one whole month
        ("2026-02-14", "2026-03-01"),  # no whole month
        ("2026-03-01", "2026-03-31"),
        ("2026-02-02", "2026-03-31"),  # edge days, then a whole month
        ("2026-02-01", "2026-03-30"),  # a whole month, then edge days
        ("2026-01-15", "2026-02-28"),  # edge days, then a whole month
        ("2026-04-02", "2026-04-02"),
        ("2026-05-01", "2026-06-30"),  # nothing
    ],
)
def test_queries_and_services_are_exact_whatever_the_months_the_range_cuts(app, db, catalogue, start, end):
    events = [search(when, query=query, found=found) for when, query, found in SEARCHES_OVER_MONTHS]
    views = [view(when) for when, _query, found in SEARCHES_OVER_MONTHS if found]
    record(app, *events, *views)
    metrics.rollup(db, retention_days=400, now=NOW)
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    expected: dict[str, list[int]] = {}
    for when, query, found in SEARCHES_OVER_MONTHS:
        if first <= when.date() <= last:
            counts = expected.setdefault(query, [0, 0])
            counts[0] += found == 0
            counts[1] += 1
    wanted = sorted(
        ({"query": q, "zero_result_searches": z, "searches": n} for q, (z, n) in expected.items() if z),
        key=lambda row: (-row["zero_result_searches"], row["query"]),
    )
    in_range = [when for when, _query, found in SEARCHES_OVER_MONTHS if found and first <= when.date() <= last]
    with db.engine.connect() as connection:
        report = metrics.usage_report(connection, first, last)
        agency_report = metrics.usage_report(connection, first, last, TRAVEL_AGENCY)
    assert report["top_zero_result_queries"] == wanted
    for services in (report["services"], agency_report["services"]):
        counted = {row["service_id"]: (row["top_result_searches"], row["service_views"]) for row in services}
        assert counted == ({PASSPORT: (len(in_range), len(in_range))} if in_range else {})
