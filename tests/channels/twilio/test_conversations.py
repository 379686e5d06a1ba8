"""Whole conversations through the signed webhook, in English, French, Spanish and Arabic, on the demo catalogue."""

from __future__ import annotations

import pytest
from babel import Locale
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from channels.conversation.keywords import Command, keyword
from channels.twilio.segments import encode
from finder.catalogue import LifeEvent, Service, localised
from tests.channels.twilio.conftest import usage_events

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

# (first message, a word the top results must contain, the language to switch to afterwards)
CONVERSATIONS = {
    "en": ("lost passport", "passport", "fr"),
    "fr": ("j'ai perdu mon passeport", "passeport", "es"),
    "es": ("renovar mi pasaporte", "pasaporte", "ar"),
    "ar": ("فقدت جواز سفري", "جواز", "en"),
}


def _listing(reply: str) -> list[str]:
    """The names of a numbered list, in order."""
    return [line.split(". ", 1)[1] for line in reply.splitlines() if line[:1].isdigit() and ". " in line]


def _service_names(app, language: str) -> dict[str, str]:
    """slug -> name in `language`, read from the database the webhook reads."""
    with app.extensions["finder.db"].transaction() as session:
        # As sent by SMS: in GSM-7, without the accents it lacks.
        return {
            s.slug: encode(localised(s, "name", language, "en").value).text for s in session.scalars(select(Service))
        }


@pytest.mark.parametrize("language", list(CONVERSATIONS))
def test_a_whole_conversation(sms_app, phone, language):
    first, word, switch_to = CONVERSATIONS[language]
    replies = []

    def text(body: str) -> str:
        reply = phone.text(body)
        assert reply, f"no reply to {body!r}"
        assert encode(reply).segments <= 2, reply
        replies.append(reply)
        return reply

    # A first message in this language is answered in it, unasked: the footer offers MORE in its own words.
    results = text(first)
    names = _listing(results)
    assert names and any(word in name.lower() for name in names), results
    assert encode(keyword(Command.MORE, language)).text in results

    # A number picks a service: its details, with a link to its page in the conversation's language.
    details = text("#1" if language == "fr" else "1")
    slug = details.split(f"/{language}/services/", 1)[1].split()[0]
    assert _service_names(sms_app, language)[slug] == names[0]

    # MORE pages on through what the reply had no room for, and then says there is no more.
    rest = text(keyword(Command.MORE, language))
    assert rest != details
    for _round in range(10):
        if keyword(Command.MORE, language) not in rest.splitlines()[-1]:
            break
        rest = text(keyword(Command.MORE, language))

    # The life-events menu, in the conversation's language, numbered; a number lists that event's services.
    menu = text(keyword(Command.MENU, language).lower())
    with sms_app.extensions["finder.db"].transaction() as session:
        events = session.scalars(select(LifeEvent).order_by(LifeEvent.position, LifeEvent.name)).all()
        first_event = localised(events[0], "name", language, "en").value
    assert _listing(menu)[0] == first_event
    event_services = text("1.")
    assert event_services.splitlines()[0] == f"{first_event}:" and _listing(event_services)

    # HELP in the conversation's language names its own keywords.
    help_text = text(keyword(Command.HELP, language))
    assert encode(keyword(Command.MENU, language)).text in help_text

    # Switching language: the next replies come in the new one.
    switched = text(f"{keyword(Command.LANGUAGE, language)} {switch_to}")
    with sms_app.test_request_context(), force_locale(switch_to):
        expected = _("Language: %(language)s.", language=Locale.parse(switch_to).get_display_name(switch_to))
    assert switched.splitlines()[0] == encode(expected).text  # as sent: GSM-7 drops the accents it lacks
    again = text(CONVERSATIONS[switch_to][0])
    assert encode(keyword(Command.MORE, switch_to)).text in again

    # Every message in and out went to the usage log once, with the reply's segments and encoding.
    events = usage_events(sms_app, phone.sender)
    kinds = [e.kind for e in events]
    assert kinds.count("message_in") == len(replies) and kinds.count("message_out") == len(replies)
    assert all(e.channel == "sms" for e in events)
    searches = [e for e in events if e.kind == "search"]
    assert searches[0].query == first and searches[0].result_count >= len(names)
    assert searches[0].language == language and searches[-1].language == switch_to
    outgoing = [e for e in events if e.kind == "message_out"]
    assert [(e.segments, e.encoding) for e in outgoing] == [(encode(r).segments, encode(r).encoding) for r in replies]
    assert "service_view" in kinds


def test_zero_results_offer_the_menu_and_the_helpline(sms_app, phone):
    reply = phone.text("xylophone quartz zeppelin")
    settings = sms_app.config["FINDER"]
    assert settings.helpline in reply and "MENU" in reply
    events = usage_events(sms_app, phone.sender)
    assert [e.kind for e in events if e.kind in ("search", "unmet_demand")] == ["search", "unmet_demand"]
    assert events[1].result_count == 0


def test_a_misspelling_gets_a_did_you_mean(phone):
    reply = phone.text("pasport")
    # Either the typo is corrected in the search itself, or the reply suggests the right word.
    assert "passport" in reply.lower()


def test_a_number_outside_the_list_is_explained(phone):
    assert "no number 7" in phone.text("7")
    phone.text("lost passport")
    assert "no number 9" in phone.text("9")
