"""SIGTERM while gunicorn is busy: the requests it accepted finish, and every answered request's usage event is
written before the workers exit.

Client threads send page requests (each on a connection of its own, as browsers behind a load balancer do) while
two SMS webhooks are in flight for certain: each is a second copy of a message whose first copy is "still being
processed" (its claim is written in a transaction not yet committed), so it waits on that claim. SIGTERM comes
mid-traffic; then the first copies' replies are committed, and the waiting requests must still get them.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from twilio.request_validator import RequestValidator

from finder.catalogue.models import utcnow
from finder.db import Database
from finder.messaging.models import ProcessedMessage
from finder.metrics.models import UsageEventRow
from tests.channels.twilio.conftest import TOKEN, WEBHOOK
from tests.prod.servers import PUBLIC_URL, ROOT, free_port

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

PAGES = ["/en/search?q=lost+passport", "/fr/search?q=pension", "/en/services/apply-for-first-adult-passport"]
CLIENTS = 4
TRAFFIC_SECONDS = 1.5
# A request sent this long before SIGTERM has certainly been accepted by a worker (they accept within
# milliseconds): it must be answered. One sent later may have been waiting in the listen queue when it closed.
ACCEPTED_BEFORE = 0.2
STORED_REPLY = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Stored reply</Message></Response>'


@dataclass
class Outcome:
    path: str
    sent: float
    status: int | None = None
    error: str | None = None


def get(port: int, path: str, visitor: str) -> Outcome:
    outcome = Outcome(path, time.monotonic())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers={"Cookie": f"fv={visitor}", "Connection": "close"})
        response = connection.getresponse()
        response.read()  # IncompleteRead if the body were cut short
        outcome.status = response.status
    except (OSError, http.client.HTTPException) as error:
        outcome.error = type(error).__name__
    finally:
        connection.close()
    return outcome


def post_duplicate(port: int, sid: str) -> tuple[int, str]:
    params = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": "+447700900123", "To": "+12025550142"}
    params |= {"NumMedia": "0", "Body": "lost passport"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + WEBHOOK, params)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=25)
    try:
        connection.request(
            "POST",
            WEBHOOK,
            body=urllib.parse.urlencode(params),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_sigterm_mid_traffic_finishes_accepted_requests_and_writes_their_events(demo_url, tmp_path):
    database = Database(demo_url)
    sids = ["SM" + uuid.uuid4().hex for _ in range(2)]

    port = free_port()
    environ = {name: value for name, value in os.environ.items() if not name.startswith("FINDER_")}
    environ |= {
        # Production settings; SQLite runs as development since production requires PostgreSQL.
        "FINDER_ENV": "production" if demo_url.startswith("postgresql") else "development",
        "FINDER_DATABASE_URL": demo_url,
        "FINDER_SECRET_KEY": "sigterm-secret",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "FINDER_PUBLIC_URL": PUBLIC_URL,
        "WEB_CONCURRENCY": "2",
        "FINDER_BIND": f"127.0.0.1:{port}",
    }
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        deadline = time.monotonic() + 30
        while get(port, "/healthz", "warming-up-visitor-0").status != 200:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)

        visitor = secrets.token_urlsafe(16)
        outcomes: list[Outcome] = []
        stopped = threading.Event()

        def browse(offset: int) -> None:
            for n in range(offset, 10**6):
                outcome = get(port, PAGES[n % len(PAGES)], visitor)
                outcomes.append(outcome)
                if outcome.error in ("ConnectionRefusedError",) or stopped.is_set():
                    return

        waiting: dict[str, tuple[int, str]] = {}

        def wait_for_reply(sid: str) -> None:
            waiting[sid] = post_duplicate(port, sid)

        slow = [threading.Thread(target=wait_for_reply, args=(sid,)) for sid in sids]
        clients = [threading.Thread(target=browse, args=(i,)) for i in range(CLIENTS)]
        with database.transaction() as first_copies:
            first_copies.add_all(ProcessedMessage(message_id=sid, received_at=utcnow(), reply=None) for sid in sids)
            first_copies.flush()
            for thread in slow + clients:
                thread.start()
            time.sleep(TRAFFIC_SECONDS)
            assert not waiting, "the webhooks are in flight when SIGTERM comes"
            sigterm = time.monotonic()
            server.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            first_copies.execute(
                update(ProcessedMessage).where(ProcessedMessage.message_id.in_(sids)).values(reply=STORED_REPLY)
            )
        for thread in slow:
            thread.join(timeout=20)
        stopped.set()
        for thread in clients:
            thread.join(timeout=20)
        assert server.wait(timeout=20) == 0, log.read_text()[-2000:]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    # The requests in flight at SIGTERM finished, and with the reply stored after it.
    assert waiting == {sid: (200, STORED_REPLY) for sid in sids}
    answered = [o for o in outcomes if o.status is not None]
    assert answered and all(o.status == 200 for o in answered)
    accepted = [o for o in outcomes if o.sent < sigterm - ACCEPTED_BEFORE]
    assert accepted and all(o.status == 200 for o in accepted), [o for o in accepted if o.status != 200]
    # Nothing was answered half: every failure is a connection the server no longer took.
    assert {o.error for o in outcomes if o.status is None} <= {
        "ConnectionRefusedError",
        "ConnectionResetError",
        "RemoteDisconnected",
    }

    # Every answered page's usage event was written (the workers flushed their buffers on the way out).
    with database.sessions() as session:
        written = session.scalar(
            select(func.count()).select_from(UsageEventRow).where(UsageEventRow.visitor == visitor)
        )
        session.execute(ProcessedMessage.__table__.delete().where(ProcessedMessage.message_id.in_(sids)))
        session.commit()
    database.dispose()
    assert written == len(answered)
