"""Usage metrics: every channel reports what citizens do through `record`; rollups and reports are built on it.

metrics.record(UsageEvent(EventKind.SEARCH, channel="sms", language="fr", query="passeport", result_count=3))

Events are buffered and written in batches by a background thread; tests call
`app.extensions["finder.usage_log"].flush()` before reading the usage_events table.
"""

from __future__ import annotations

import signal
import threading

from flask import Flask, current_app

from finder.metrics.events import CHANNELS, EventKind, UsageEvent, UsageLog, flush_all


def init_app(app: Flask, log: UsageLog) -> None:
    """Give the application its usage log."""
    app.extensions["finder.usage_log"] = log


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


def _exit_on_sigterm(signum: int, _frame) -> None:
    raise SystemExit(128 + signum)


__all__ = [
    "CHANNELS",
    "EventKind",
    "UsageEvent",
    "UsageLog",
    "flush_all",
    "init_app",
    "install_sigterm_handler",
    "record",
]
