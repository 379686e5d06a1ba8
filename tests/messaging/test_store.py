"""Message channels' storage: claims, opt-outs and conversation state (database and Redis)."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
import uuid

import pytest
import redis

from finder import messaging
from finder.catalogue.models import utcnow
from finder.messaging import DatabaseStates, MessageLog, RedisStates
from tests.conftest import make_app

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_a_message_id_is_claimed_once_and_its_reply_kept(db):
    log = MessageLog(db)
    with db.transaction() as session:
        assert log.claim("SM1", session) is True
        log.finish("SM1", "<Response/>", session)
    with db.transaction() as session:
        assert log.claim("SM1", session) is False
        assert log.reply_to("SM1", session) == "<Response/>"


def test_a_claim_rolled_back_can_be_claimed_again(db):
    log = MessageLog(db)
    with pytest.raises(RuntimeError), db.transaction() as session:
        assert log.claim("SM2", session)
        raise RuntimeError("the processing failed")
    with db.transaction() as session:
        assert log.claim("SM2", session)


@pytest.mark.parametrize("first_commits", [True, False])
def test_a_copy_claiming_meanwhile_waits_for_the_first_transaction(db, first_commits):
    log = MessageLog(db)
    claimed, seen = threading.Event(), []

    def copy():
        claimed.wait()
        with db.transaction() as session:
            seen.append((log.claim("SM3", session), log.reply_to("SM3", session)))

    thread = threading.Thread(target=copy)
    thread.start()
    with contextlib.suppress(RuntimeError), db.transaction() as session:
        assert log.claim("SM3", session)
        log.finish("SM3", "<Response>first</Response>", session)
        claimed.set()
        time.sleep(0.3)
        assert not seen, "the copy waits on the claim until the first delivery's transaction ends"
        if not first_commits:
            raise RuntimeError("the first delivery failed")
    thread.join(20)
    # Committed: the copy gets the first one's reply. Rolled back: the copy processes the message itself.
    assert seen == ([(False, "<Response>first</Response>")] if first_commits else [(True, None)])


def claim(db, message_id: str) -> bool:
    with db.transaction() as session:
        return MessageLog(db).claim(message_id, session)


def test_opt_out_and_back_in(db):
    log = MessageLog(db)
    assert not log.is_opted_out("p1")
    log.opt_out("p1")
    log.opt_out("p1")
    assert log.is_opted_out("p1") and not log.is_opted_out("p2")
    log.opt_in("p1")
    assert not log.is_opted_out("p1")


def test_database_state_expires(db):
    states = DatabaseStates(db, ttl_seconds=60)
    assert states.load("p1") is None
    states.save("p1", {"lang": "fr", "more": {"offset": 3}})
    states.save("p1", {"lang": "ar"})
    assert states.load("p1") == {"lang": "ar"}
    expired = DatabaseStates(db, ttl_seconds=-1)
    expired.save("p2", {"lang": "es"})
    assert expired.load("p2") is None


def test_purge_forgets_old_ids_and_expired_states(db):
    log = MessageLog(db)
    claim(db, "SM-old")
    DatabaseStates(db, ttl_seconds=-1).save("gone", {})
    DatabaseStates(db, ttl_seconds=3600).save("kept", {"lang": "en"})
    assert log.purge() == 1  # the expired state only: the message id is recent
    assert DatabaseStates(db, 3600).load("kept") == {"lang": "en"} and not claim(db, "SM-old")
    assert log.purge(utcnow() + dt.timedelta(days=8)) == 2
    assert claim(db, "SM-old")


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return REDIS_URL


def test_redis_state_is_shared_and_expires(redis_url):
    prefix = f"test:{uuid.uuid4().hex}:"
    one, two = RedisStates(redis_url, 60, prefix), RedisStates(redis_url, 60, prefix)
    one.save("p1", {"lang": "zh", "numbers": {"ids": ["a"]}})
    assert two.load("p1") == {"lang": "zh", "numbers": {"ids": ["a"]}}
    assert 0 < one.client.ttl(prefix + "p1") <= 60
    one.client.delete(prefix + "p1")


def test_the_app_uses_redis_when_configured(database_url, redis_url):
    app = make_app(database_url, redis_url=redis_url)
    with app.app_context():
        assert isinstance(messaging.conversation_states(), RedisStates)
    app = make_app(database_url)
    with app.app_context():
        assert isinstance(messaging.conversation_states(), DatabaseStates)


def test_redis_state_saved_in_a_transaction_is_written_only_if_it_commits(db, redis_url):
    prefix = f"test:{uuid.uuid4().hex}:"
    states = RedisStates(redis_url, 60, prefix)
    states.save("p1", {"step": 1})

    with contextlib.suppress(RuntimeError), db.transaction() as session:
        states.save("p1", {"step": 2}, session)
        assert states.load("p1") == {"step": 1}, "not before the commit"
        raise RuntimeError("the message's transaction fails")
    assert states.load("p1") == {"step": 1}, "a failed message leaves the conversation where it was"

    with db.transaction() as session:
        states.save("p1", {"step": 2}, session)
    assert states.load("p1") == {"step": 2}
    states.client.delete(prefix + "p1")
