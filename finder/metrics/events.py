"""Usage events: what the channels report, checked and cleaned, then written in batches off the request path.

`UsageLog.record` only puts events on a bounded in-process queue (microseconds); a background writer thread takes
them off in batches and inserts each batch in one transaction. Nothing is dropped:
- a failed write keeps its batch and retries it, backing off up to `RETRY_CAP` seconds, logging the error (never
  the events' contents);
- a full queue makes `record` wait for room (back-pressure) rather than drop: the queue holds `capacity` events,
  minutes of peak traffic, so it only fills when the database has been failing that long, and then every request
  that reads the catalogue is failing too;
- `flush()` writes everything recorded before it; it runs at interpreter exit (atexit), on a gunicorn worker's exit
  (gunicorn.conf.py) and on SIGTERM under the `finder` command (`install_sigterm_handler`).
"""

from __future__ import annotations

import atexit
import datetime as dt
import enum
import json
import logging
import os
import queue
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlalchemy.exc
from sqlalchemy import Connection

from finder.catalogue.models import utcnow
from finder.db import Database
from finder.privacy import scrub
from finder.search.text import fold

log = logging.getLogger(__name__)

CHANNELS = ("web", "sms", "whatsapp", "api")
MAX_QUERY = 200
MAX_COMMENT = 500
# A batch is written when it has this many events, or this long after its first event arrived.
BATCH_SIZE = 500
BATCH_SECONDS = 0.2
RETRY_CAP = 5.0
# Errors that writing the same event again cannot cure (raised wrapped by SQLAlchemy, or by psycopg's COPY).
REFUSED = (sqlalchemy.exc.DataError, sqlalchemy.exc.IntegrityError, psycopg.DataError, psycopg.IntegrityError)


class EventKind(enum.StrEnum):
    SEARCH = "search"
    SERVICE_VIEW = "service_view"
    CLICK_OUT = "click_out"
    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    FEEDBACK = "feedback"
    UNMET_DEMAND = "unmet_demand"


@dataclass(frozen=True)
class UsageEvent:
    """One thing a citizen did. Free text (query, comment) is trimmed, and comments are scrubbed of contact details."""

    kind: EventKind
    channel: str
    language: str
    visitor: str | None = None
    query: str | None = None
    result_count: int | None = None
    service_id: str | None = None
    top_service_id: str | None = None
    useful: bool | None = None
    comment: str | None = None
    segments: int | None = None
    encoding: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    occurred_at: dt.datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {self.channel!r}")
        object.__setattr__(self, "kind", EventKind(self.kind))
        if self.query is not None:
            object.__setattr__(self, "query", " ".join(self.query.split())[:MAX_QUERY])
        if self.comment is not None:
            object.__setattr__(self, "comment", scrub(" ".join(self.comment.split()))[:MAX_COMMENT] or None)


def query_key(query: str | None) -> str | None:
    """The form queries are counted under: case, accents and spacing folded, so "Passeport " and "passeport" match."""
    if query is None:
        return None
    return " ".join(fold(query).split())[:MAX_QUERY] or None


# The usage_events columns the writer fills, in the order of `_row`.
COLUMNS = [
    "occurred_at",
    "kind",
    "channel",
    "language",
    "visitor",
    "query",
    "query_key",
    "result_count",
    "service_id",
    "top_service_id",
    "useful",
    "comment",
    "segments",
    "encoding",
    "detail",
]
_SQLITE_INSERT = f"INSERT INTO usage_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
_POSTGRES_COPY = f"COPY usage_events ({', '.join(COLUMNS)}) FROM STDIN"


def _row(event: UsageEvent) -> tuple:
    return (
        event.occurred_at,
        event.kind.value,
        event.channel,
        event.language,
        event.visitor,
        event.query,
        query_key(event.query),
        event.result_count,
        event.service_id,
        event.top_service_id,
        event.useful,
        event.comment,
        event.segments,
        event.encoding,
        json.dumps(event.detail, ensure_ascii=False),
    )


def insert_rows(connection: Connection, rows: list[tuple]) -> None:
    """Insert `_row` tuples through the driver itself: COPY on PostgreSQL, executemany on SQLite.

    Several times faster than SQLAlchemy's insert(), whose per-row type processing would otherwise cap the log
    below its throughput target; the values are the ones SQLAlchemy would bind.
    """
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(_POSTGRES_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        return
    # SQLAlchemy's SQLite DateTime format (fixed width, so that text comparison orders it).
    connection.exec_driver_sql(_SQLITE_INSERT, [(row[0].strftime("%Y-%m-%d %H:%M:%S.%f"), *row[1:]) for row in rows])


class _Flush:
    """A marker on the queue: set once every event queued before it is written."""

    def __init__(self) -> None:
        self.done = threading.Event()


# Every log with a running writer in this process, for flush_all (atexit, gunicorn's worker_exit, SIGTERM).
_running: weakref.WeakSet[UsageLog] = weakref.WeakSet()


class UsageLog:
    """Buffers usage events and writes them in batches from a background thread, losing none."""

    def __init__(self, database: Database, capacity: int = 100_000) -> None:
        self.database = database
        self.capacity = capacity
        self._pid: int | None = None
        self._start_lock = threading.Lock()

    def record(self, *events: UsageEvent) -> None:
        """Queue the events for writing; waits only if the queue is full (the database has been failing for long)."""
        if self._pid != os.getpid():
            self._start()
        put = self._queue.put
        for event in events:
            put(event)

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Write every event recorded so far; True once written, False if `timeout` seconds passed first.

        Tests call `app.extensions["finder.usage_log"].flush()` before reading the usage_events table.
        """
        if self._pid != os.getpid():
            return True
        marker = _Flush()
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = 30.0) -> bool:
        """Flush, then stop the writer thread (it starts again on the next `record`)."""
        if self._pid != os.getpid():
            return True
        written = self.flush(timeout)
        self._stop.set()
        self._queue.put(_Flush())
        self._thread.join(timeout)
        self._pid = None
        _running.discard(self)
        return written

    def _start(self) -> None:
        # Started on first use and again in a forked child (gunicorn --preload): threads do not survive a fork.
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._queue: queue.Queue[UsageEvent | _Flush] = queue.Queue(self.capacity)
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._write_forever, name="finder-usage-log", daemon=True)
            self._thread.start()
            self._pid = os.getpid()
            _running.add(self)

    def _write_forever(self) -> None:
        while not self._stop.is_set():
            events, markers = self._next_batch()
            if events:
                self._write([_row(event) for event in events])
            for marker in markers:
                marker.done.set()

    def _next_batch(self) -> tuple[list[UsageEvent], list[_Flush]]:
        """Events up to BATCH_SIZE or BATCH_SECONDS after the first; a flush marker ends the batch at once."""
        events: list[UsageEvent] = []
        markers: list[_Flush] = []
        item = self._queue.get()
        deadline = time.monotonic() + BATCH_SECONDS
        while True:
            if isinstance(item, _Flush):
                markers.append(item)
                return events, markers
            events.append(item)
            if len(events) >= BATCH_SIZE:
                return events, markers
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return events, markers
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                return events, markers

    def _write(self, rows: list[tuple]) -> None:
        """Insert the batch in one transaction, retrying until it is written (or the log is stopping).

        An event the database refuses (a value too long, a missing field) would fail every retry and hold back
        everything queued behind it: the batch is then written one event at a time, and only those refused dropped.
        """
        delay = BATCH_SECONDS
        while True:
            try:
                with self.database.engine.begin() as connection:
                    insert_rows(connection, rows)
                return
            except REFUSED as error:
                if len(rows) > 1:
                    for row in rows:
                        self._write([row])
                    return
                log.error("dropped a usage event that the database refuses (%s)", type(error).__name__)
                return
            except Exception as error:
                # The error's class only: its message can quote the statement's parameters, i.e. what citizens typed.
                log.error(
                    "could not write %d usage events (%s); retrying in %.1fs", len(rows), type(error).__name__, delay
                )
                if self._stop.wait(delay):
                    log.error("gave up writing %d usage events at shutdown", len(rows))
                    return
                delay = min(delay * 2, RETRY_CAP)


def flush_all(timeout: float = 30.0) -> None:
    """Flush every usage log of this process; for shutdown hooks."""
    for usage_log in list(_running):
        if not usage_log.flush(timeout):
            # The database has been failing for the whole timeout: say how much is lost, never what.
            log.error("%d usage events were not written at shutdown", usage_log._queue.qsize())


atexit.register(flush_all)
