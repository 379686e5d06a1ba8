"""The webhook's guarantees: signatures, idempotency, opt-out, abuse limits, odd messages, privacy, TwiML."""

from __future__ import annotations

import collections
import threading

import pytest
import redis
from sqlalchemy import event, select
from twilio.request_validator import RequestValidator

from finder.messaging.models import ConversationState, OptOut, ProcessedMessage
from finder.metrics.models import UsageEventRow
from finder.privacy import pseudonym
from tests.channels.twilio.conftest import TOKEN, WEBHOOK, Phone, new_sender, new_sid, reply_text, usage_events
from tests.conftest import make_app

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo


def test_a_wrong_or_missing_signature_is_refused(sms_app, phone):
    params = {"MessageSid": new_sid(), "From": phone.sender, "Body": "lost passport"}
    client = sms_app.test_client()
    assert client.post(WEBHOOK, data=params).status_code == 403
    forged = RequestValidator("not-the-token").compute_signature("http://localhost" + WEBHOOK, params)
    assert client.post(WEBHOOK, data=params, headers={"X-Twilio-Signature": forged}).status_code == 403
    # Signed for other fields: a changed body breaks the signature.
    good = RequestValidator(TOKEN).compute_signature("http://localhost" + WEBHOOK, params)
    tampered = {**params, "Body": "something else"}
    assert client.post(WEBHOOK, data=tampered, headers={"X-Twilio-Signature": good}).status_code == 403
    assert usage_events(sms_app, phone.sender) == []


def test_no_auth_token_means_every_request_is_refused(demo_url):
    app = make_app(demo_url)
    assert Phone(app.test_client()).post("lost passport").status_code == 403


def test_the_signature_covers_the_raw_encoded_query_string(phone):
    # Twilio signs the URL as configured, percent-encoding and all; Flask's request.url would decode it.
    query = "tag=caf%C3%A9%20%26%20more&x=a%2Fb"
    response = phone.post("lost passport", query=query)
    assert response.status_code == 200 and reply_text(response)
    decoded = f"http://localhost{WEBHOOK}?tag=café & more&x=a/b"
    assert phone.post("lost passport", query=query, signed_url=decoded).status_code == 403


def test_behind_a_proxy_the_forwarded_scheme_and_host_are_signed(demo_url):
    app = make_app(demo_url, twilio_auth_token=TOKEN, proxy_fix=1)
    phone = Phone(app.test_client())
    public = "https://finder.gov.example" + WEBHOOK
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "finder.gov.example"}
    params = {"MessageSid": new_sid(), "From": phone.sender, "Body": "lost passport"}
    signature = RequestValidator(TOKEN).compute_signature(public, params)
    response = phone.client.post(WEBHOOK, data=params, headers={**headers, "X-Twilio-Signature": signature})
    assert response.status_code == 200
    # The links in replies point at the public address too.
    details = Phone(phone.client, phone.sender).client.post(
        WEBHOOK,
        data={**params, "MessageSid": (sid := new_sid()), "Body": "1"},
        headers={
            **headers,
            "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(
                public, {**params, "MessageSid": sid, "Body": "1"}
            ),
        },
    )
    assert "https://finder.gov.example/en/services/" in reply_text(details)
    # Without the proxy headers the same signature is for another URL.
    assert phone.client.post(WEBHOOK, data=params, headers={"X-Twilio-Signature": signature}).status_code == 403


def test_a_configured_public_url_is_what_is_signed(demo_url):
    app = make_app(demo_url, twilio_auth_token=TOKEN, public_url="https://sf.example.org/")
    phone = Phone(app.test_client())
    assert phone.post("lost passport").status_code == 403
    assert phone.post("lost passport", signed_url="https://sf.example.org" + WEBHOOK).status_code == 200


def test_validation_can_be_turned_off_for_development_only(demo_url):
    app = make_app(demo_url, twilio_validate=False)
    params = {"MessageSid": new_sid(), "From": "+447000000001", "Body": "HELP"}
    assert app.test_client().post(WEBHOOK, data=params).status_code == 200


def test_the_reply_is_twiml(phone):
    response = phone.post("lost passport")
    assert response.content_type.startswith("text/xml")
    assert response.get_data(as_text=True).startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')


def test_a_retried_message_gets_the_same_reply_and_is_processed_once(sms_app, phone):
    sid = new_sid()
    first = phone.post("lost passport", sid=sid)
    # The retry's state would give another answer ("1" -> details) if it were processed again.
    phone.text("MENU")
    again = phone.post("lost passport", sid=sid)
    assert again.get_data() == first.get_data()
    searches = [e for e in usage_events(sms_app, phone.sender) if e.kind == "search"]
    assert len(searches) == 1


def test_two_copies_arriving_together_are_processed_once(sms_app, phone):
    sid = new_sid()
    start = threading.Barrier(2)
    responses = []

    def deliver():
        client = sms_app.test_client()
        start.wait()
        responses.append(Phone(client, phone.sender).post("lost passport", sid=sid))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].get_data() == responses[1].get_data() and reply_text(responses[0])
    kinds = [e.kind for e in usage_events(sms_app, phone.sender)]
    assert kinds.count("message_in") == 1 and kinds.count("message_out") == 1
    with sms_app.extensions["finder.db"].transaction() as session:
        assert session.scalar(select(ProcessedMessage.reply).where(ProcessedMessage.message_id == sid))


@pytest.mark.parametrize("stop", ["STOP", "stop", "Unsubscribe", "QUIT", "optout", "REVOKE"])
def test_stop_then_start(sms_app, phone, stop):
    assert phone.text(stop) is None
    assert phone.text("lost passport") is None
    assert phone.text("HELP") is None
    assert phone.text("START") is None
    assert phone.text("lost passport")
    kinds = [e.kind for e in usage_events(sms_app, phone.sender)]
    assert kinds.count("message_in") == 5 and kinds.count("message_out") == 1


def test_stop_inside_a_sentence_is_a_search_not_an_opt_out(phone):
    assert phone.text("bus stop permit")
    assert phone.text("lost passport")


def test_twilio_opt_out_type_is_honoured(sms_app, phone):
    assert phone.text("Arrêtez", OptOutType="STOP") is None
    assert phone.text("lost passport") is None
    assert phone.text("Go", OptOutType="START") is None
    assert phone.text("lost passport")


def test_help_is_ours_unless_twilio_advanced_opt_out_answers_it(demo_url):
    ours = Phone(make_app(demo_url, twilio_auth_token=TOKEN).test_client())
    assert "MENU" in ours.text("HELP")
    assert "MENU" in ours.text("help", OptOutType="HELP")
    assert "MENU" in ours.text("INFO")
    # Twilio's word for it decides: a HELP keyword it knows in another language gets our help text.
    assert "MENU" in ours.text("hilfe", OptOutType="HELP")
    advanced = Phone(make_app(demo_url, twilio_auth_token=TOKEN, twilio_advanced_opt_out=True).test_client())
    assert advanced.text("HELP") is None
    assert advanced.text("whatever", OptOutType="HELP") is None
    # Our other keywords still work: AIDE is not one of Twilio's.
    assert "MENU" in advanced.text("AIDE")


def test_the_rate_limit_answers_once_then_stays_silent(demo_url):
    app = make_app(demo_url, twilio_auth_token=TOKEN, sms_rate_limit="3/10 minutes")
    phone = Phone(app.test_client())
    replies = [phone.text("lost passport") for _ in range(6)]
    assert all(replies[:3])
    assert "many messages" in replies[3]
    assert replies[4:] == [None, None]
    # STOP is still honoured when over the limit.
    assert phone.text("STOP") is None
    with app.extensions["finder.db"].transaction() as session:
        assert session.get(OptOut, pseudonym(phone.sender, "test-secret")) is not None
    # Another sender is not affected.
    assert Phone(app.test_client()).text("lost passport")


def test_empty_and_media_only_messages_get_the_help_text(sms_app, phone):
    assert "MENU" in phone.text("")
    assert "MENU" in phone.text(None, NumMedia="1", MediaUrl0="https://api.twilio.com/media/x")
    assert "MENU" in phone.text("   ")


def test_a_5000_character_body_gets_a_short_answer(sms_app, phone):
    reply = phone.text("passport " * 555)
    assert "too long" in reply
    events = usage_events(sms_app, phone.sender)
    assert not [e for e in events if e.kind == "search"]
    assert len(events[0].query) <= 200


def test_a_huge_body_is_answered_without_scanning_all_of_it(sms_app, phone):
    # Twilio never sends more than 1,600 characters, but the webhook must not depend on it.
    assert "too long" in phone.text("x" * 300_000)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"MessageSid": "nope"}, "MessageSid"),
        ({"From": ""}, "From"),
        ({"From": "+1" * 200}, "From"),
        ({"NumMedia": "lots"}, "NumMedia"),
    ],
)
def test_bad_fields_get_a_clear_400(phone, fields, error):
    response = phone.post("lost passport", **fields)
    assert response.status_code == 400 and error in response.get_data(as_text=True)


def test_whatsapp_senders_get_a_longer_reply_without_segments(sms_app):
    phone = Phone(sms_app.test_client(), "whatsapp:+447000000123")
    phone.text("lost passport")
    details = phone.text("1")
    assert len(details) <= 1000 and "Documents:" in details
    out = [e for e in usage_events(sms_app, phone.sender) if e.kind == "message_out"]
    assert {e.channel for e in out} == {"whatsapp"} and out[0].segments is None


def test_a_whatsapp_sender_that_is_not_a_phone_number_is_served(sms_app):
    assert Phone(sms_app.test_client(), "whatsapp:business-4471").text("lost passport")


def test_the_sender_number_and_location_are_never_stored(sms_app, phone):
    geo = {"FromCity": "Kessington", "FromZip": "KX4 9QQ", "FromState": "Eastvale", "FromCountry": "XM"}
    phone.text("passport, call me on +44 20 7946 0958 or jo@example.org", **geo)
    with sms_app.extensions["finder.db"].transaction() as session:
        state = session.get(ConversationState, pseudonym(phone.sender, "test-secret")).state
    assert state["more"]["query"] == "passport, call me on [phone] or [email]"
    phone.text("MORE", **geo)
    phone.text("2", **geo)
    digits = phone.sender.lstrip("+")
    with sms_app.extensions["finder.db"].transaction() as session:
        # Everything the messages could have left, in this module's own copy of the demo database.
        rows = [
            *session.scalars(select(UsageEventRow)),
            *session.scalars(select(ConversationState)),
            *session.scalars(select(ProcessedMessage)),
        ]
        stored = [repr(row.__dict__) for row in rows]
    dump = "\n".join(stored)
    assert digits not in dump and "7946 0958" not in dump and "jo@example.org" not in dump
    for value in geo.values():
        assert value not in dump
    assert pseudonym(phone.sender, "test-secret") in dump


def test_the_webhook_works_when_csrf_protection_is_on(demo_url):
    # The app protects every form; Twilio cannot send a token, so the webhook must be exempt.
    app = make_app(demo_url, twilio_auth_token=TOKEN)
    assert "csrf" in app.extensions
    assert Phone(app.test_client()).text("lost passport")


def test_two_app_servers_share_a_conversation_through_redis(demo_url):
    redis_url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    first = make_app(demo_url, twilio_auth_token=TOKEN, redis_url=redis_url)
    second = make_app(demo_url, twilio_auth_token=TOKEN, redis_url=redis_url)
    sender = new_sender()
    listing = Phone(first.test_client(), sender).text("lost passport")
    details = Phone(second.test_client(), sender).text("1")
    name = listing.splitlines()[0].removeprefix("1. ")
    assert details.splitlines()[0] == name
    key = "finder:conversation:" + pseudonym(sender, "test-secret")
    client = redis.Redis.from_url(redis_url)
    assert 0 < client.ttl(key) <= 24 * 3600
    client.delete(key)


def test_a_message_is_one_transaction_on_one_connection_with_its_state_and_reply(sms_app, phone):
    """The claim, every read, the conversation's new state and the reply: one transaction, committed once, on one
    pool connection (each transaction or checkout more is a round trip more to PostgreSQL)."""
    engine = sms_app.extensions["finder.db"].engine
    seen = collections.Counter()
    me = threading.get_ident()

    # The usage log writes its batches from a thread of its own: only this thread's (the request's) count.
    def counting(name):
        def count(*_args):
            if threading.get_ident() == me:
                seen[name] += 1

        return count

    listeners = [(engine, name, counting(name)) for name in ("begin", "commit", "rollback")]
    listeners.append((engine.pool, "checkout", counting("checkout")))
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        phone.text("lost passport")  # the search's caches are warm from here on
        seen.clear()
        sid = new_sid()
        reply = reply_text(phone.post("renew passport", sid=sid))
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
    assert reply
    assert seen == {"checkout": 1, "begin": 1, "commit": 1}
    sender = pseudonym(phone.sender, "test-secret")
    with sms_app.extensions["finder.db"].sessions() as session:
        assert session.get(ProcessedMessage, sid).reply.startswith("<?xml")
        assert session.get(ConversationState, sender).state["lang"] == "en"
