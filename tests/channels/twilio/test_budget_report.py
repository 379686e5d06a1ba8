"""Every detail message the demo catalogue can produce, in four languages, within the SMS segment budget.

The report (segments and encoding of each reply) is printed and written to test-artifacts/sms-budget.txt. It runs
on SQLite only: the messages depend on the catalogue's content, which is the same on both databases.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from channels.conversation import Conversation, FinderCatalogue
from channels.twilio.segments import encode, sms_budget
from finder.catalogue import Service, ServiceStatus
from tests.conftest import make_app

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
LANGUAGES = ("en", "fr", "es", "ar")
# A public address as long as a real government one, since the link is in every detail message.
PUBLIC_URL = "https://services.gov.example"


def test_every_detail_message_fits_the_budget(demo_sqlite_url):
    demo_app = make_app(demo_sqlite_url)
    settings = demo_app.config["FINDER"]
    budget = sms_budget(settings.sms_segments)
    lines, over = [], []
    with demo_app.app_context(), demo_app.extensions["finder.db"].transaction() as session:
        conversation = Conversation(
            FinderCatalogue(session, "en"),
            languages=settings.languages,
            default_language="en",
            link_base=PUBLIC_URL,
            helpline=settings.helpline,
        )
        services = session.scalars(
            select(Service).where(Service.status == ServiceStatus.PUBLISHED).order_by(Service.slug)
        )
        for service_id, slug in [(s.id, s.slug) for s in services]:
            for language in LANGUAGES:
                state = {"lang": language, "numbers": {"kind": "services", "ids": [service_id]}}
                reply = conversation.reply(state, "1", budget)
                parts = [reply.text]
                while "more" in reply.state and len(parts) < 20:
                    reply = conversation.reply(reply.state, "MORE", budget)
                    parts.append(reply.text)
                for number, text in enumerate(parts, 1):
                    encoded = encode(text)
                    lines.append(
                        f"{slug} {language} part {number}: {encoded.segments} segments, {encoded.encoding}, "
                        f"{encoded.units} units"
                    )
                    if encoded.segments > settings.sms_segments or len(encoded.text) > 1600:
                        over.append(lines[-1])
                assert f"{PUBLIC_URL}/{language}/services/{slug}" in "\n".join(parts)
    demo_app.extensions["finder.db"].dispose()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sms-budget.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    assert len(lines) >= len(LANGUAGES) * 150
    assert over == []
