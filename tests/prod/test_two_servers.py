"""Two real gunicorn servers (two ports) on one PostgreSQL and one Redis hold one SMS conversation between them.

As behind a load balancer: each message of the conversation goes to the other server. Also checks what the
production configuration logs (JSON lines with request ids, no query strings) and that SIGTERM writes the
buffered usage events before the workers exit.
"""

from __future__ import annotations

import json

import pytest
import redis
from sqlalchemy import func, select

from finder.db import Database
from finder.metrics.models import UsageEventRow
from finder.privacy import pseudonym
from tests.channels.twilio.conftest import WEBHOOK, new_sender
from tests.prod.servers import PUBLIC_URL, REDIS_URL, SECRET, AppServer, require_redis, text


@pytest.fixture
def servers(demo_postgresql_copy_url, tmp_path):
    require_redis()
    # Both behind one public address, as behind nginx: Twilio signs for that address.
    pair = [
        AppServer(demo_postgresql_copy_url, tmp_path / f"server{i}.log", FINDER_PUBLIC_URL=PUBLIC_URL) for i in (1, 2)
    ]
    try:
        for server in pair:
            server.wait_until_healthy()
        yield pair
    finally:
        for server in pair:
            server.stop()


@pytest.mark.postgres
def test_two_gunicorn_servers_hold_one_sms_conversation(servers, demo_postgresql_copy_url):
    first, second = servers
    sender = new_sender()
    listing = text(first.url, PUBLIC_URL, sender, "lost passport")
    details = text(second.url, PUBLIC_URL, sender, "1")
    assert details.splitlines()[0] == listing.splitlines()[0].removeprefix("1. ")
    # Back on the first server, the conversation goes on from where the second left it.
    assert text(first.url, PUBLIC_URL, sender, "MENU") != listing
    languages = text(second.url, PUBLIC_URL, sender, "FR passeport perdu")
    assert languages and languages != listing

    # SIGTERM: each server finishes, writes its buffered usage events, and exits cleanly.
    assert [server.stop() for server in servers] == [0, 0]
    database = Database(demo_postgresql_copy_url)
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
