"""The dialogue on its own, through a fake catalogue: no Twilio, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from channels.conversation import Conversation, ServiceCard
from channels.conversation.catalogue import Cost, Found, Hours, LifeEventItem, Listing
from tests.conftest import make_app


class FakeCatalogue:
    def __init__(self, count: int = 7) -> None:
        self.names = [f"Service number {i}" for i in range(1, count + 1)]
        self.searches = []

    def search(self, text, language, *, life_event, offset, limit):
        self.searches.append((text, language, life_event, offset))
        names = self.names if text != "nothing" else []
        listings = [Listing(f"id-{i}", name) for i, name in enumerate(names, 1)][offset : offset + limit]
        return Found(listings, len(names), "passport" if text == "nothing" else None)

    def service(self, service_id, language):
        return ServiceCard(
            service_id=service_id,
            slug=f"slug-{service_id}",
            name=f"Name of {service_id}",
            summary="A summary of what this service is, in one sentence of ordinary length for a summary.",
            costs=[Cost("Fee", Decimal("0"), "MRD"), Cost("Express", Decimal("25.5"), "MRD")],
            documents=[f"Document {i} with quite a long descriptive name" for i in range(1, 6)],
            phone="+44 20 7946 0100",
            office="Port Alder Office",
            hours=[Hours(["mo", "tu", "we", "th", "fr"], dt.time(8), dt.time(16, 30))],
        )

    def life_events(self, language):
        return [LifeEventItem(f"e{i}", f"event-{i}", f"Life event {i}") for i in range(1, 19)]


@pytest.fixture
def app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}")
    with app.app_context():
        yield app


def conversation(catalogue=None):
    return Conversation(
        catalogue or FakeCatalogue(),
        languages=("en", "fr", "es", "ar"),
        default_language="en",
        link_base="https://sf.example/",
        helpline="+1 202 555 0100",
    )


def chars(limit: int):
    return lambda text: len(text) <= limit


def test_results_come_three_at_a_time_and_more_pages_on(app):
    talk = conversation()
    first = talk.reply(None, "anything", chars(500))
    assert first.text.splitlines()[:3] == ["1. Service number 1", "2. Service number 2", "3. Service number 3"]
    second = talk.reply(first.state, "MORE", chars(500))
    assert second.text.splitlines()[0] == "1. Service number 4"
    picked = talk.reply(second.state, "1", chars(500))
    assert picked.events == [{"kind": "service_view", "service_id": "id-4"}]
    third = talk.reply(second.state, "next", chars(500))
    assert third.text.splitlines()[0] == "1. Service number 7" and "MORE" not in third.text
    assert "No more results" in talk.reply(third.state, "more", chars(500)).text


def test_lines_that_do_not_fit_are_dropped_whole_and_offered_with_more(app):
    talk = conversation()
    reply = talk.reply(None, "anything", chars(70))
    assert reply.text == "1. Service number 1\nReply a number for details, MORE for more."
    assert reply.state["numbers"]["ids"] == ["id-1"]
    assert talk.reply(reply.state, "MORE", chars(70)).text.startswith("1. Service number 2")


def test_details_keep_the_link_and_page_the_rest(app):
    talk = conversation()
    listed = talk.reply(None, "anything", chars(1000))
    full = talk.reply(listed.state, "2", chars(1000))
    lines = full.text.splitlines()
    assert lines[0] == "Name of id-2" and "Cost: Free / MRD25.50" in lines
    assert "Details: https://sf.example/en/services/slug-id-2" in lines
    assert "Office: Port Alder Office, Mon-Fri 08:00-16:30" in lines
    assert "more" not in full.state

    short = talk.reply(listed.state, "2", chars(200))
    assert len(short.text) <= 200 and "https://sf.example/en/services/slug-id-2" in short.text
    assert short.text.endswith("Reply MORE for more.")
    shown, state = [*short.text.splitlines()[:-1]], short.state
    for _ in range(20):
        if "more" not in state:
            break
        page = talk.reply(state, "MORE", chars(200))
        assert len(page.text) <= 200
        shown += [line for line in page.text.splitlines() if line != "Reply MORE for more."]
        state = page.state
    # Every line of the full reply reaches the citizen once, whole.
    assert sorted(shown) == sorted(lines)


def test_a_line_longer_than_the_budget_is_split_between_words(app):
    catalogue = FakeCatalogue()
    talk = conversation(catalogue)
    listed = talk.reply(None, "anything", chars(1000))
    state = talk.reply(listed.state, "1", chars(90)).state
    words = []
    for _ in range(30):
        if "more" not in state:
            break
        page = talk.reply(state, "MORE", chars(90))
        assert len(page.text) <= 90
        words += " ".join(line for line in page.text.splitlines() if "MORE" not in line).split()
        state = page.state
    assert "sentence" in words and "ordinary" in words


def test_nothing_found_suggests_and_gives_the_helpline(app):
    reply = conversation().reply(None, "nothing", chars(300))
    assert "Did you mean: passport?" in reply.text and "+1 202 555 0100" in reply.text
    assert [e["kind"] for e in reply.events] == ["search", "unmet_demand"]


def test_the_menu_is_numbered_across_pages(app):
    talk = conversation()
    menu = talk.reply(None, "MENU", chars(160))
    assert menu.text.startswith("Life events:\n1. Life event 1")
    page2 = talk.reply(menu.state, "MORE", chars(160))
    shown = len([line for line in menu.text.splitlines() if line[0].isdigit()])
    assert page2.text.startswith(f"{shown + 1}. Life event {shown + 1}")
    catalogue = FakeCatalogue()
    talk = conversation(catalogue)
    listed = talk.reply(page2.state, "12", chars(300))
    assert listed.text.startswith("Life event 12:") and catalogue.searches[-1] == ("", "en", "event-12", 0)


def test_the_first_message_sets_the_language_and_lang_changes_it(app):
    talk = conversation()
    french = talk.reply(None, "j'ai perdu mon passeport", chars(500))
    assert french.language == "fr" and "PLUS" in french.text
    spanish = talk.reply(french.state, "langue espagnol", chars(500))
    assert spanish.language == "es" and spanish.text.startswith("Idioma: español.")
    unknown = talk.reply(spanish.state, "idioma klingon", chars(500))
    assert unknown.language == "es" and "EN, FR, ES, AR" in unknown.text
    # A language the deployment does not offer is refused the same way.
    assert "EN, FR, ES, AR" in talk.reply(spanish.state, "LANG ZH", chars(500)).text


def test_with_little_room_the_helpline_outlasts_the_suggestion(app):
    reply = conversation().reply(None, "nothing", chars(90))
    assert "+1 202 555 0100" in reply.text and "Did you mean" not in reply.text
