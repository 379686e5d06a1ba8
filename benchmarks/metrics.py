"""Usage metrics at scale, on SQLite and PostgreSQL: ingest rate, rollup time, report (dashboard) query time.

    .venv/bin/python benchmarks/metrics.py [--events 10000000] [--ingest 200000] [--backends sqlite,postgresql]

For each backend, in a database of its own (a temporary SQLite file; a PostgreSQL database made and dropped here):
- ingest: `--ingest` events through the logging interface (`finder.metrics.record`, buffered, written in batches
  by the background writer): the median and p99 of one `record` call, and events/s until all are written;
- rollup: `--events` synthetic events over the past year (200 services of 20 agencies, 6 languages, 4 channels,
  Zipf-like queries and services), bulk-loaded straight into the table (COPY on PostgreSQL), then the first
  `finder metrics rollup` over all of them, and an incremental one over 10,000 new events;
- report: `usage_report` (every query a dashboard makes: counts by channel, rates, visitors, top zero-result
  queries, per-service table) over the whole year, for all agencies and for one agency: the whole report's
  median, and the median and p95 of its slowest query (the target is per dashboard query);
- the coordinator's page over the last 30 days: its first render and the median of the next ones (the nearest
  agencies of the failed queries, several searches each, are remembered between renders).
The default is the issue's 10 million events; on this machine (2 shared cores, loaded) that took about 9 minutes
on PostgreSQL alone, mostly generating and loading the events and the first rollup. Figures are medians of what the machine does while other
work shares it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from flask_login.utils import _create_identifier
from sqlalchemy import event, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.databases import database_url  # noqa: E402
from finder import agency, create_app, metrics, migrations  # noqa: E402
from finder.catalogue.models import Agency, Service, ServiceStatus, derived_id  # noqa: E402
from finder.metrics import UsageEvent  # noqa: E402
from finder.metrics import events as usage_log  # noqa: E402

AGENCIES, SERVICES, VISITORS, QUERIES = 20, 200, 300_000, 5_000
KINDS = {
    "search": 40,
    "service_view": 25,
    "click_out": 5,
    "message_in": 10,
    "message_out": 12,
    "feedback": 3,
    "unmet_demand": 1,
}
CHANNEL_WEIGHTS = {"web": 60, "sms": 20, "whatsapp": 8, "api": 12}
LANGUAGES = {"en": 50, "fr": 20, "es": 10, "ar": 10, "zh": 5, "ru": 5}
COLUMNS = usage_log.COLUMNS


def build_catalogue(database) -> list[str]:
    agencies = [
        {
            "id": derived_id("agency", str(i)),
            "slug": f"agency-{i}",
            "name": f"Agency {i}",
            "extra": {},
            "translations": {},
        }
        for i in range(AGENCIES)
    ]
    services = [
        {
            "id": derived_id("service", str(i)),
            "slug": f"service-{i}",
            "agency_id": agencies[i % AGENCIES]["id"],
            "status": ServiceStatus.PUBLISHED,
            "name": f"Service {i}",
            "summary": "A service.",
            "keywords": [],
            "alternate_names": [],
            "extra": {},
            "translations": {},
        }
        for i in range(SERVICES)
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(Agency), agencies)
        connection.execute(insert(Service), services)
    return [s["id"] for s in services]


class Synthetic:
    """Events drawn with fixed weights; services and queries Zipf-like (weight 1/rank)."""

    def __init__(self, services: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.services = services
        self.service_weights = [1 / (r + 1) for r in range(len(services))]
        self.queries = [f"query {i}" for i in range(QUERIES)]
        self.query_weights = [1 / (r + 1) for r in range(QUERIES)]
        self.visitors = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(VISITORS)]

    def events(self, count: int, first: dt.datetime, seconds: float) -> list[tuple]:
        rng = self.rng
        kinds = rng.choices(list(KINDS), list(KINDS.values()), k=count)
        channels = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()), k=count)
        languages = rng.choices(list(LANGUAGES), list(LANGUAGES.values()), k=count)
        services = rng.choices(self.services, self.service_weights, k=count)
        queries = rng.choices(self.queries, self.query_weights, k=count)
        visitors = rng.choices(self.visitors, k=count)
        rows = []
        for i in range(count):
            kind, service = kinds[i], services[i]
            when = first + dt.timedelta(seconds=rng.random() * seconds)
            found = None if kind != "search" else (0 if rng.random() < 0.08 else rng.randint(1, 40))
            rows.append(
                (
                    when,
                    kind,
                    channels[i],
                    languages[i],
                    None if rng.random() < 0.1 else visitors[i],
                    queries[i] if kind == "search" else None,
                    queries[i] if kind == "search" else None,
                    found,
                    service if kind in ("service_view", "click_out", "feedback") else None,
                    service if found else None,
                    (rng.random() < 0.8) if kind == "feedback" else None,
                    None,
                    rng.randint(1, 3) if kind == "message_out" else None,
                    "GSM-7" if kind == "message_out" else None,
                    "{}",
                )
            )
        return rows


def bulk_load(database, rows: list[tuple]) -> None:
    """The log's own fast path (COPY, executemany), in big transactions."""
    with database.engine.begin() as connection:
        usage_log.insert_rows(connection, rows)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure_ingest(app, synthetic: Synthetic, count: int) -> dict[str, float]:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    events = []
    # In time order, as a server records them (the log's time index then grows at one end).
    for row in sorted(synthetic.events(count, now - dt.timedelta(days=1), 86_400), key=lambda row: row[0]):
        fields = dict(zip(COLUMNS, row, strict=True))
        del fields["query_key"]  # derived by the log itself
        events.append(UsageEvent(**fields | {"detail": {}}))
    usage_log = app.extensions["finder.usage_log"]
    calls = []
    with app.app_context():
        start = time.perf_counter()
        for event in events:
            before = time.perf_counter()
            metrics.record(event)
            calls.append(time.perf_counter() - before)
        assert usage_log.flush(timeout=600)
        elapsed = time.perf_counter() - start
    return {
        "record_p50_us": statistics.median(calls) * 1e6,
        "record_p99_us": percentile(calls, 0.99) * 1e6,
        "events_per_s": count / elapsed,
    }


def time_report(database, start: dt.date, end: dt.date, agency_id: str | None, repeats: int = 21):
    """Times of the whole report, and of each of its queries (what one dashboard panel waits for)."""
    queries: dict[str, list[float]] = {}

    def before(connection, _cursor, _statement, *_args):
        connection.info["started"] = time.perf_counter()

    def after(connection, _cursor, statement, *_args):
        key = " ".join(statement.split())
        if key.startswith("SELECT"):
            queries.setdefault(key, []).append(time.perf_counter() - connection.info["started"])

    event.listen(database.engine, "before_cursor_execute", before)
    event.listen(database.engine, "after_cursor_execute", after)
    reports = []
    try:
        for _ in range(repeats):
            started = time.perf_counter()
            with database.engine.connect() as connection:
                metrics.usage_report(connection, start, end, agency_id)
            reports.append(time.perf_counter() - started)
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
        event.remove(database.engine, "after_cursor_execute", after)
    return reports, queries


def time_coordinator_page(app, today: dt.date, repeats: int = 11) -> tuple[float, list[float]]:
    """The coordinator's dashboard through the test client, signed in: its first render and the next ones."""
    with app.app_context(), app.extensions["finder.db"].transaction() as session:
        session_id = agency.create_coordinator(session, "bench@gov.example", "Tangerine-Lighthouse-907").get_id()
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()  # "strong" session protection ties the session to address and browser
    with client.session_transaction() as cookie:
        cookie.update({"_user_id": session_id, "_id": identifier, "_fresh": True})
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        response = client.get(f"/coordinator/metrics?to={today.isoformat()}")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times[0], times[1:]


def run(backend: str, events: int, ingest: int, folder: Path) -> None:
    rng = random.Random(7)
    url, drop = database_url(backend, folder, "metrics")
    try:
        app = create_app({"database_url": url, "env": "test", "secret_key": "bench"})
        database = app.extensions["finder.db"]
        migrations.upgrade(database.engine)
        services = build_catalogue(database)
        synthetic = Synthetic(services, rng)

        figures = measure_ingest(app, synthetic, ingest)
        print(
            f"[{backend}] ingest {ingest:,} events through record(): {figures['events_per_s']:,.0f} events/s "
            f"written; one record() call p50 {figures['record_p50_us']:.1f} µs, p99 {figures['record_p99_us']:.1f} µs",
            flush=True,
        )
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM usage_events")

        today = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        year_ago = today - dt.timedelta(days=365)
        started = time.perf_counter()
        chunk = 500_000
        for offset in range(0, events, chunk):
            bulk_load(database, synthetic.events(min(chunk, events - offset), year_ago, 365 * 86_400 - 3_600))
        if backend == "postgresql":
            with database.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE usage_events")
        print(
            f"[{backend}] generated and loaded {events:,} events in {time.perf_counter() - started:.0f} s", flush=True
        )

        # Retention longer than the year: this times the rollup alone, not the deletion of raw events.
        started = time.perf_counter()
        result = metrics.rollup(database, retention_days=400, now=today)
        rollup_s = time.perf_counter() - started
        print(f"[{backend}] first rollup of {result.events:,} events: {rollup_s:.1f} s", flush=True)
        bulk_load(database, synthetic.events(10_000, today - dt.timedelta(minutes=10), 600))
        started = time.perf_counter()
        result = metrics.rollup(database, retention_days=400, now=today)
        print(
            f"[{backend}] incremental rollup of {result.events:,} new events: {time.perf_counter() - started:.2f} s",
            flush=True,
        )

        agency = derived_id("agency", "0")
        for label, agency_id in (("all agencies", None), ("one agency", agency)):
            reports, queries = time_report(database, year_ago.date(), today.date(), agency_id)
            slowest = max(queries, key=lambda q: statistics.median(queries[q]))
            print(
                f"[{backend}] report over a year, {label}: whole report median "
                f"{statistics.median(reports) * 1000:.0f} ms; slowest of its {len(queries)} queries median "
                f"{statistics.median(queries[slowest]) * 1000:.0f} ms, p95 "
                f"{percentile(queries[slowest], 0.95) * 1000:.0f} ms ({slowest[:60]}...)",
                flush=True,
            )
        first, repeats = time_coordinator_page(app, today.date())
        print(
            f"[{backend}] coordinator page, last 30 days: first render {first * 1000:.0f} ms, then median "
            f"{statistics.median(repeats) * 1000:.0f} ms (nearest agencies of the failed queries remembered)",
            flush=True,
        )
        app.extensions["finder.usage_log"].close()
        database.dispose()
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--ingest", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            run(backend, args.events, args.ingest, Path(folder))


if __name__ == "__main__":
    main()
