"""Helpers to talk to the webhook exactly as Twilio does: every request signed with twilio's RequestValidator."""

from __future__ import annotations

import itertools
import random
import uuid
from xml.etree import ElementTree

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from finder.metrics.models import UsageEventRow
from finder.privacy import pseudonym
from tests.conftest import make_app

TOKEN = "test-auth-token"
WEBHOOK = "/channels/twilio/sms"


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


_numbers = itertools.count(random.randrange(10**6))


def new_sender() -> str:
    """A number of its own per test, so tests sharing the demo database never share a conversation."""
    return f"+4470{next(_numbers) % 10**8:08d}"


class Phone:
    """One citizen's phone texting the finder through the webhook."""

    def __init__(self, client, sender: str | None = None, base_url: str = "http://localhost") -> None:
        self.client = client
        self.sender = sender or new_sender()
        self.base_url = base_url

    def post(self, body: str | None = None, *, sid: str | None = None, query: str = "", signed_url=None, **fields):
        params = {
            "MessageSid": sid or new_sid(),
            "AccountSid": "AC" + "1" * 32,
            "From": self.sender,
            "To": "+12025550142",
            "NumMedia": "0",
            **fields,
        }
        if body is not None:
            params["Body"] = body
        path = WEBHOOK + (f"?{query}" if query else "")
        url = signed_url or self.base_url + path
        signature = RequestValidator(TOKEN).compute_signature(url, params)
        return self.client.post(path, data=params, headers={"X-Twilio-Signature": signature}, base_url=self.base_url)

    def text(self, body: str, **fields) -> str | None:
        """Send a message; the reply's text (None for an empty <Response/>)."""
        response = self.post(body, **fields)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        return reply_text(response)


def reply_text(response) -> str | None:
    message = ElementTree.fromstring(response.get_data(as_text=True)).find("Message")
    return message.text if message is not None else None


def usage_events(app, sender: str) -> list[UsageEventRow]:
    """The usage events logged for a sender, read through the database once requests are done."""
    log = app.extensions["finder.usage_log"]
    if hasattr(log, "flush"):
        log.flush()
    visitor = pseudonym(sender.removeprefix("whatsapp:"), "test-secret")
    whatsapp = pseudonym(sender, "test-secret")
    with app.extensions["finder.db"].transaction() as session:
        rows = session.scalars(
            select(UsageEventRow).where(UsageEventRow.visitor.in_([visitor, whatsapp])).order_by(UsageEventRow.id)
        )
        return list(rows)


@pytest.fixture
def sms_app(demo_url):
    app = make_app(demo_url, twilio_auth_token=TOKEN)
    yield app
    app.extensions["finder.db"].dispose()


@pytest.fixture
def phone(sms_app):
    return Phone(sms_app.test_client())
