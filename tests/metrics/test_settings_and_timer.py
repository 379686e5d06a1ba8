"""The metrics settings, the server's rollup timer, and SIGTERM under the `finder` command."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finder import metrics, migrations
from finder.config import ConfigError, load_settings
from finder.db import Database
from finder.metrics import EventKind, UsageEvent
from finder.metrics.models import UsageDaily, UsageEventRow
from tests.conftest import make_app


def test_metrics_settings_come_from_the_environment(tmp_path):
    settings = load_settings(tmp_path, {"FINDER_METRICS_RETENTION_DAYS": "30", "FINDER_METRICS_ROLLUP_SECONDS": "60"})
    assert (settings.metrics_retention_days, settings.metrics_rollup_seconds) == (30, 60)
    defaults = load_settings(tmp_path, {})
    assert (defaults.metrics_retention_days, defaults.metrics_rollup_seconds) == (90, None)
    for bad in ("0", "-5", "ninety", "1.5"):
        with pytest.raises(ConfigError, match="FINDER_METRICS_RETENTION_DAYS"):
            load_settings(tmp_path, {"FINDER_METRICS_RETENTION_DAYS": bad})


def test_the_server_rolls_up_on_a_timer_when_configured(database_url):
    app = make_app(database_url, metrics_rollup_seconds=1)
    try:
        with app.app_context():
            metrics.record(*(UsageEvent(EventKind.SERVICE_VIEW, "web", "en", service_id="s") for _ in range(3)))
        app.test_client().get("/healthz")  # the first request starts the timer
        database = app.extensions["finder.db"]
        deadline = time.monotonic() + 15
        total = None
        while total != 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            with database.engine.connect() as connection:
                total = connection.scalar(select(func.sum(UsageDaily.events)))
        assert total == 3
    finally:
        app.extensions["finder.rollup_timer"].stop()
        app.extensions["finder.usage_log"].close()
        app.extensions["finder.db"].dispose()


def test_sigterm_under_the_finder_command_writes_the_buffered_events(tmp_path):
    url = f"sqlite:///{tmp_path / 'finder.db'}"
    database = Database(url)
    migrations.upgrade(database.engine)
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from finder import metrics
        from finder.metrics import EventKind, UsageEvent
        from tests.conftest import make_app
        metrics.install_sigterm_handler()
        app = make_app({url!r})
        with app.app_context():
            metrics.record(*(UsageEvent(EventKind.SEARCH, "web", "en", query="q") for _ in range(7)))
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(UsageEventRow)) == 7
    database.dispose()
