"""Answering one inbound message: idempotency, opt-out, abuse limits, the conversation and the usage log."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from limits import parse as parse_limit
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse

from channels.conversation import Conversation, FinderCatalogue, Reply
from channels.twilio.inbound import OPT_IN, OPT_OUT, TWILIO_HELP, InboundMessage
from channels.twilio.segments import encode, sms_budget, whatsapp_budget
from finder import messaging, metrics
from finder.config import Settings
from finder.db import database
from finder.metrics import EventKind, UsageEvent
from finder.privacy import pseudonym, scrub
from finder.ratelimit import rate_limits

# More than the usage log keeps of a query (200 characters).
LOGGED_TEXT = 400


def twiml(text: str | None) -> str:
    """TwiML with one message, or an empty <Response/> when no reply is due."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


def answer(message: InboundMessage, settings: Settings, link_base: str) -> str:
    """The TwiML for a message, processed once per MessageSid however many copies Twilio delivers.

    One transaction: the claim first (a copy arriving meanwhile waits on it, then reads this reply), the reads,
    then the conversation's new state and the reply. An error rolls it all back, the claim too, so that Twilio's
    retry is processed afresh; the usage events are logged only once it is committed."""
    log = messaging.message_log()
    sender = pseudonym(message.address, settings.secret_key)
    with database().transaction() as session:
        if not log.claim(message.sid, session):
            return log.reply_to(message.sid, session) or twiml(None)
        logged, state = _process(message, sender, session, settings, link_base)
        if state is not None:
            messaging.conversation_states().save(sender, state, session)
        log.finish(message.sid, logged.twiml, session)
    metrics.record(*logged.events)
    return logged.twiml


def _process(
    message: InboundMessage, sender: str, session: Session, settings: Settings, link_base: str
) -> tuple[_Logged, dict[str, Any] | None]:
    """The reply and its usage events, and the conversation's state to keep (None: keep it as it was)."""
    log = messaging.message_log()
    state = messaging.conversation_states().load(sender, session)
    word = message.single_word
    logged = _Logged(message, sender, (state or {}).get("lang", settings.default_language))

    if message.opt_out_type == "STOP" or (message.opt_out_type is None and word in OPT_OUT):
        log.opt_out(sender, session)
        return logged.silence("opt_out"), None
    if message.opt_out_type == "START" or (message.opt_out_type is None and word in OPT_IN):
        # Twilio confirms an opt-in itself; a second message from us would only cost the citizen.
        log.opt_in(sender, session)
        return logged.silence("opt_in"), None
    if log.is_opted_out(sender, session):
        return logged.silence("opted_out"), None

    conversation = Conversation(
        FinderCatalogue(session, settings.default_language),
        languages=settings.languages,
        default_language=settings.default_language,
        link_base=link_base,
        helpline=settings.helpline,
    )
    budget = (
        whatsapp_budget(settings.whatsapp_chars) if message.channel == "whatsapp" else sms_budget(settings.sms_segments)
    )
    limits = rate_limits()
    asks_help = message.opt_out_type == "HELP" or word in TWILIO_HELP
    if not limits.allow(f"sms:{sender}", settings.sms_rate_limit):
        # One polite notice per window, then silence: a flood must not turn into a flood of replies.
        window = parse_limit(settings.sms_rate_limit).get_expiry()
        if not limits.allow(f"sms-notice:{sender}", f"1/{window} seconds"):
            return logged.silence("rate_limited"), None
        reply = conversation.notice(state, lambda: _("You have sent many messages. Please wait a few minutes."))
    elif asks_help and settings.twilio_advanced_opt_out:
        # Twilio's Advanced Opt-Out has answered HELP with the text configured in the console.
        return logged.silence("help_by_twilio"), None
    elif asks_help:
        reply = conversation.help(state, budget)
    elif len(message.body) > settings.sms_max_body:
        reply = conversation.notice(state, lambda: _("Your message is too long. Please send a few words."))
    elif not message.body.strip():
        # Empty, or a picture or voice note only: say what the service understands.
        reply = conversation.help(state, budget)
    else:
        reply = conversation.reply(state, message.body, budget)
    return logged.replied(reply), reply.state


class _Logged:
    """The TwiML answer to one inbound message and its usage events, logged together once the outcome is kept."""

    def __init__(self, message: InboundMessage, sender: str, language: str) -> None:
        self.message, self.sender, self.language = message, sender, language
        self.twiml = ""
        self.events: list[UsageEvent] = []

    def _event(self, kind: EventKind | str, language: str, **fields: Any) -> UsageEvent:
        if fields.get("query"):
            # Citizens put phone numbers and emails in messages; the log keeps the words only. It keeps only the
            # start of a query anyway, and scrubbing no more than that keeps a very long body cheap.
            fields["query"] = scrub(" ".join(fields["query"].split())[:LOGGED_TEXT])
        return UsageEvent(kind, channel=self.message.channel, language=language, visitor=self.sender, **fields)

    def _inbound(self, language: str, outcome: str) -> UsageEvent:
        detail = {"outcome": outcome, "media": self.message.media_count}
        return self._event(EventKind.MESSAGE_IN, language, query=self.message.body or None, detail=detail)

    def silence(self, outcome: str) -> _Logged:
        self.events = [self._inbound(self.language, outcome)]
        self.twiml = twiml(None)
        return self

    def replied(self, reply: Reply) -> _Logged:
        if self.message.channel == "whatsapp":
            text, segments, encoding = reply.text, None, None
        else:
            encoded = encode(reply.text)
            text, segments, encoding = encoded.text, encoded.segments, encoded.encoding
        self.events = [
            self._inbound(reply.language, "answered"),
            *(self._event(event.pop("kind"), reply.language, **event) for event in map(dict, reply.events)),
            self._event(EventKind.MESSAGE_OUT, reply.language, segments=segments, encoding=encoding),
        ]
        self.twiml = twiml(text)
        return self
