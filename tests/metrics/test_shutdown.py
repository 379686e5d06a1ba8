"""Lossless logging: a gunicorn server stopped with SIGTERM in the middle of a load writes every event it logged."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from finder import migrations
from finder.db import Database
from finder.metrics.models import UsageEventRow

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> int | None:
    """The status, or None when the server did not answer (refused, reset: it is stopping)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def test_sigterm_during_load_loses_no_event(tmp_path):
    url = f"sqlite:///{tmp_path / 'finder.db'}"
    database = Database(url)
    migrations.upgrade(database.engine)
    port = free_port()
    env = {
        **os.environ,
        "FINDER_DATABASE_URL": url,
        "FINDER_SECRET_KEY": "test-secret",
        "FINDER_ENV": "test",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "10", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while get(port, "/healthz") != 200:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)

        answered: list[int] = []
        lock = threading.Lock()

        def load(client: int) -> None:
            # Each search logs exactly one event; keep going until the server stops answering.
            for n in range(10_000):
                status = get(port, f"/api/v1/services?search=passport+{client}+{n}")
                if status is None:
                    return
                with lock:
                    answered.append(status)

        clients = [threading.Thread(target=load, args=(i,)) for i in range(4)]
        for client in clients:
            client.start()
        while len(answered) < 150:
            assert time.monotonic() < deadline + 20, "the load did not get going"
            time.sleep(0.01)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0, server.stderr.read().decode()
        for client in clients:
            client.join(20)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    assert set(answered) == {200}
    with database.engine.connect() as connection:
        written = connection.scalar(
            select(func.count()).select_from(UsageEventRow).where(UsageEventRow.channel == "api")
        )
    database.dispose()
    assert written == len(answered) >= 150
