"""Two real gunicorn servers (two ports) on one PostgreSQL and one Redis hold one SMS conversation between them.

As behind a load balancer: each message of the conversation goes to the other server. Also checks what the
production configuration logs (JSON lines with request ids, no query strings) and that SIGTERM writes the
buffered usage events before the workers exit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from xml.etree import ElementTree

import pytest
import redis
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from finder.db import Database
from finder.metrics.models import UsageEventRow
from finder.privacy import pseudonym
from tests.channels.twilio.conftest import TOKEN, WEBHOOK, new_sender

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "two-servers-secret"
# Both servers sit behind one public address, as they would behind nginx: Twilio signs for that address.
PUBLIC_URL = "https://finder.example"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, database_url: str, log: Path) -> None:
        self.port = _free_port()
        environ = {name: value for name, value in os.environ.items() if not name.startswith("FINDER_")}
        environ |= {
            "FINDER_ENV": "production",
            "FINDER_DATABASE_URL": database_url,
            "FINDER_SECRET_KEY": SECRET,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "FINDER_REDIS_URL": REDIS_URL,
            "FINDER_PUBLIC_URL": PUBLIC_URL,
            "WEB_CONCURRENCY": "1",
            "FINDER_BIND": f"127.0.0.1:{self.port}",
        }
        self.log = log
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app"],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )

    def wait_until_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer: {self.log.read_text()[-2000:]}")

    def text(self, sender: str, body: str) -> str:
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "1" * 32, "From": sender}
        params |= {"To": "+12025550142", "NumMedia": "0", "Body": body}
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + WEBHOOK, params)
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{WEBHOOK}",
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return ElementTree.fromstring(response.read()).find("Message").text

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.fixture
def servers(demo_postgresql_url, tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    pair = [Server(demo_postgresql_url, tmp_path / f"server{i}.log") for i in (1, 2)]
    try:
        for server in pair:
            server.wait_until_healthy()
        yield pair
    finally:
        for server in pair:
            if server.process.poll() is None:
                server.stop()


@pytest.mark.postgres
def test_two_gunicorn_servers_hold_one_sms_conversation(servers, demo_postgresql_url):
    first, second = servers
    sender = new_sender()
    listing = first.text(sender, "lost passport")
    details = second.text(sender, "1")
    assert details.splitlines()[0] == listing.splitlines()[0].removeprefix("1. ")
    # Back on the first server, the conversation goes on from where the second left it.
    assert first.text(sender, "MENU") != listing
    languages = second.text(sender, "FR passeport perdu")
    assert languages and languages != listing

    # SIGTERM: each server finishes, writes its buffered usage events, and exits cleanly.
    assert [server.stop() for server in servers] == [0, 0]
    database = Database(demo_postgresql_url)
    with database.sessions() as session:
        inbound = session.scalar(
            select(func.count())
            .select_from(UsageEventRow)
            .where(UsageEventRow.visitor == pseudonym(sender, SECRET), UsageEventRow.kind == "message_in")
        )
    database.dispose()
    assert inbound == 4
    redis.Redis.from_url(REDIS_URL).delete("finder:conversation:" + pseudonym(sender, SECRET))

    # Production logs are JSON lines; access lines carry the request id and never the query string or address.
    lines = [json.loads(line) for server in servers for line in server.log.read_text().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert {line["path"] for line in access} >= {"/healthz", WEBHOOK}
    assert all(len(line["request_id"]) == 32 and "127.0.0.1" not in json.dumps(line) for line in access)
