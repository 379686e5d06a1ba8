"""Real gunicorn app servers in production mode, and texting one as Twilio does: for the multi-server tests."""

from __future__ import annotations

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
from twilio.request_validator import RequestValidator

from tests.channels.twilio.conftest import TOKEN, WEBHOOK

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "two-servers-secret"
# The public address app servers are told (FINDER_PUBLIC_URL), as behind a proxy: Twilio signs for it.
PUBLIC_URL = "https://finder.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")


class AppServer:
    """`gunicorn wsgi:app` with the project's gunicorn.conf.py, one worker, on a free port of 127.0.0.1."""

    def __init__(self, database_url: str, log: Path, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {name: value for name, value in os.environ.items() if not name.startswith("FINDER_")}
        environ |= {
            "FINDER_ENV": "production",
            "FINDER_DATABASE_URL": database_url,
            "FINDER_SECRET_KEY": SECRET,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "FINDER_REDIS_URL": REDIS_URL,
            "WEB_CONCURRENCY": "1",
            "FINDER_BIND": f"127.0.0.1:{self.port}",
            **settings,
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
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer: {self.log.read_text()[-2000:]}")

    def stop(self) -> int:
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def text(url: str, public_url: str, sender: str, body: str, *, opener=urllib.request.urlopen, **headers) -> str:
    """Post an inbound SMS to the webhook at `url`, signed as Twilio signs it for `public_url`; the reply's text."""
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "1" * 32, "From": sender}
    params |= {"To": "+12025550142", "NumMedia": "0", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(public_url + WEBHOOK, params)
    request = urllib.request.Request(
        url + WEBHOOK,
        data=urllib.parse.urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature, **headers},
    )
    with opener(request, timeout=30) as response:
        return ElementTree.fromstring(response.read()).find("Message").text
