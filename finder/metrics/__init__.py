"""Usage metrics: every channel reports what citizens do through `record`; rollups and reports are built on it.

metrics.record(UsageEvent(EventKind.SEARCH, channel="sms", language="fr", query="passeport", result_count=3))
"""

from __future__ import annotations

from flask import current_app

from finder.metrics.events import CHANNELS, EventKind, UsageEvent, UsageLog


def init_app(app, log: UsageLog) -> None:
    app.extensions["finder.usage_log"] = log


def record(*events: UsageEvent) -> None:
    """Log usage events for the current application."""
    current_app.extensions["finder.usage_log"].record(*events)


__all__ = ["CHANNELS", "EventKind", "UsageEvent", "UsageLog", "init_app", "record"]
