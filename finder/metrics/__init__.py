"""Usage metrics: every channel reports what citizens do through `record`; rollups and reports are built on it.

metrics.record(UsageEvent(EventKind.SEARCH, channel="sms", language="fr", query="passeport", result_count=3))

Events are buffered and written in batches by a background thread; tests call
`app.extensions["finder.usage_log"].flush()` before reading the usage_events table. `rollup` turns them into
daily counts (docs/metrics.md) and `usage_report` reads those.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from flask import Flask, current_app

from finder.db import Database
from finder.metrics.events import CHANNELS, EventKind, UsageEvent, UsageLog, flush_all
from finder.metrics.report import report_csv, report_text, usage_report
from finder.metrics.rollup import RollupResult, rollup
from finder.metrics.transactions import MAX_COUNT as MAX_TRANSACTIONS
from finder.metrics.transactions import (
    TRANSACTION_CHANNELS,
    InvalidTransactions,
    digital_take_up,
    parse_month,
    record_transactions,
)

log = logging.getLogger(__name__)


def init_app(app: Flask, usage_log: UsageLog) -> None:
    """Give the application its usage log and the metrics pages, and the rollup timer when
    FINDER_METRICS_ROLLUP_SECONDS is set."""
    # Imported here: the pages use the agency and web packages, which themselves log usage through this one.
    from finder.metrics import entry, views
    from finder.metrics.dashboards import NearestAgencies

    app.extensions["finder.usage_log"] = usage_log
    app.extensions["finder.metrics.nearest_agencies"] = NearestAgencies()
    app.register_blueprint(views.blueprint)
    app.register_blueprint(entry.blueprint)
    settings = app.config["FINDER"]
    if settings.metrics_rollup_seconds:
        timer = _RollupTimer(usage_log.database, settings.metrics_rollup_seconds, settings.metrics_retention_days)
        app.extensions["finder.rollup_timer"] = timer
        # Started by the first request, so that only serving processes run it (not `finder db upgrade`).
        app.before_request(timer.ensure_running)


def record(*events: UsageEvent) -> None:
    """Log usage events for the current application (queued: this takes microseconds)."""
    current_app.extensions["finder.usage_log"].record(*events)


def install_sigterm_handler() -> None:
    """Make SIGTERM a normal exit (so atexit flushes the usage logs) where nothing else handles it.

    For the `finder` command, and so the development server (`finder run`); gunicorn has its own handlers and
    flushes in its worker_exit hook (gunicorn.conf.py).
    """
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


class _RollupTimer:
    """Runs the rollup every few seconds in a server process; the rollup's own lock keeps runs one at a time."""

    def __init__(self, database: Database, seconds: int, retention_days: int) -> None:
        self.database, self.seconds, self.retention_days = database, seconds, retention_days
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                threading.Thread(target=self._run, name="finder-metrics-rollup", daemon=True).start()
                self._pid = os.getpid()

    def stop(self) -> None:
        """End the timer's runs (after the one in progress, if any)."""
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self.seconds):
            try:
                rollup(self.database, self.retention_days)
            except Exception:
                log.exception("the metrics rollup failed; the next run will try again")


def _exit_on_sigterm(signum: int, _frame) -> None:
    raise SystemExit(128 + signum)


__all__ = [
    "CHANNELS",
    "MAX_TRANSACTIONS",
    "TRANSACTION_CHANNELS",
    "EventKind",
    "InvalidTransactions",
    "RollupResult",
    "UsageEvent",
    "UsageLog",
    "digital_take_up",
    "flush_all",
    "init_app",
    "install_sigterm_handler",
    "parse_month",
    "record",
    "record_transactions",
    "report_csv",
    "report_text",
    "rollup",
    "usage_report",
]
