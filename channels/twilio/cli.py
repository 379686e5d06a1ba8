"""`finder sms ...`: a chat simulator that goes through the real webhook, and housekeeping."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from xml.etree import ElementTree

import click
from flask import current_app
from flask.cli import with_appcontext
from twilio.request_validator import RequestValidator

from channels.twilio.segments import encode
from finder import messaging

WEBHOOK = "/channels/twilio/sms"
# A number reserved for fiction (NANP 555-01xx), never a real person's.
SIMULATED_SENDER = "+12025550123"


@click.group("sms")
def sms_group() -> None:
    """The SMS and WhatsApp channel."""


@sms_group.command("chat")
@click.option("--script", type=click.File("r", encoding="utf-8"), help="Replay the messages in FILE, one a line.")
@click.option("--sender", default=SIMULATED_SENDER, show_default=True, help="The phone number to text from.")
@click.option("--whatsapp", is_flag=True, help="Send as a WhatsApp message.")
@with_appcontext
def chat(script, sender: str, whatsapp: bool) -> None:
    """Chat with the finder as a phone would: each message signed as Twilio signs it and posted to the webhook."""
    settings = current_app.config["FINDER"]
    if settings.twilio_validate and not settings.twilio_auth_token:
        raise click.UsageError("Set TWILIO_AUTH_TOKEN (any value will do locally) so messages can be signed.")
    address = f"whatsapp:{sender}" if whatsapp else sender
    messages: Iterable[str] = (line.rstrip("\n") for line in script if line.strip()) if script else _typed()
    client = current_app.test_client()
    base = (settings.public_url or "http://localhost").rstrip("/")
    for text in messages:
        if script:
            click.echo(f"you> {text}")
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": "AC" + "0" * 32,
            "From": address,
            "To": settings.sms_number,
            "Body": text,
            "NumMedia": "0",
        }
        signature = RequestValidator(settings.twilio_auth_token or "").compute_signature(base + WEBHOOK, params)
        response = client.post(WEBHOOK, data=params, headers={"X-Twilio-Signature": signature}, base_url=base)
        if response.status_code != 200:
            raise click.ClickException(
                f"The webhook answered {response.status_code}: {response.get_data(as_text=True)}"
            )
        click.echo(_describe(_message_text(response.get_data(as_text=True)), whatsapp))


@sms_group.command("purge")
@with_appcontext
def purge() -> None:
    """Forget processed message ids older than a week and expired conversations (run daily)."""
    click.echo(f"Removed {messaging.message_log().purge()} rows.")


def _typed() -> Iterable[str]:
    click.echo("Type a message and press Enter; Ctrl-D to leave.")
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if text.strip():
            yield text


def _message_text(twiml: str) -> str | None:
    message = ElementTree.fromstring(twiml).find("Message")
    return message.text if message is not None else None


def _describe(text: str | None, whatsapp: bool) -> str:
    if text is None:
        return "finder> (no reply)\n"
    if whatsapp:
        return f"finder> {text}\n[WhatsApp, {len(text)} characters]\n"
    encoded = encode(text)
    plural = "s" if encoded.segments > 1 else ""
    return f"finder> {text}\n[{encoded.segments} segment{plural}, {encoded.encoding}, {encoded.units} characters]\n"
