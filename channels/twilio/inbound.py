"""An inbound Twilio message, read from the webhook's form: only the fields the finder uses, checked.

Everything else Twilio posts (FromCity, FromState, FromZip, FromCountry, ToCity, ...) is never read, so the
sender's location cannot end up in a log, a state or the usage events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from werkzeug.datastructures import MultiDict

from finder.search.text import fold

_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
MAX_ADDRESS = 100
WHATSAPP_PREFIX = "whatsapp:"
# Twilio's standard opt-out keywords, recognised as a whole message of one word (and OptOutType when sent).
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
TWILIO_HELP = frozenset({"HELP", "INFO"})
OPT_OUT_TYPES = frozenset({"STOP", "START", "HELP"})


class BadMessage(ValueError):
    """The webhook was posted something that is not a Twilio message; the text says which field is wrong."""


@dataclass(frozen=True)
class InboundMessage:
    sid: str
    # The sender as Twilio gives it, normalised: "+14155550100" or "whatsapp:+14155550100".
    address: str
    channel: str
    body: str
    media_count: int
    opt_out_type: str | None

    @classmethod
    def from_form(cls, form: MultiDict) -> InboundMessage:
        """Read and check the fields; BadMessage names the first wrong one."""
        sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
        if not _SID.fullmatch(sid):
            raise BadMessage("MessageSid: expected two capital letters and 32 hexadecimal digits.")
        sender = (form.get("From") or "").strip()
        if not sender or len(sender) > MAX_ADDRESS:
            raise BadMessage(f"From: expected the sender's address, up to {MAX_ADDRESS} characters.")
        media = form.get("NumMedia") or "0"
        if not (media.isascii() and media.isdigit()) or int(media) > 10:
            raise BadMessage("NumMedia: expected a whole number from 0 to 10.")
        channel = "whatsapp" if sender.lower().startswith(WHATSAPP_PREFIX) else "sms"
        opt_out_type = (form.get("OptOutType") or "").strip().upper() or None
        return cls(
            sid=sid,
            address=_normalised(sender, channel),
            channel=channel,
            body=form.get("Body") or "",
            media_count=int(media),
            # A type Twilio may add later is ignored rather than refused: the message is still answered.
            opt_out_type=opt_out_type if opt_out_type in OPT_OUT_TYPES else None,
        )

    @property
    def single_word(self) -> str:
        """The body folded to one upper-case word if it is one word (for opt-out keywords), else ""."""
        words = self.body.split()
        return fold(words[0]).upper().strip(".!") if len(words) == 1 else ""


def _normalised(sender: str, channel: str) -> str:
    """One spelling per sender, so "+1 415-555-0100" and "+14155550100" share a pseudonym, opt-out and state."""
    number = sender[len(WHATSAPP_PREFIX) :] if channel == "whatsapp" else sender
    try:
        parsed = phonenumbers.parse(number, None)
        number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        # WhatsApp senders are not always phone numbers; a short code or alphanumeric id is kept as given.
        number = number.strip()
    return WHATSAPP_PREFIX + number if channel == "whatsapp" else number
