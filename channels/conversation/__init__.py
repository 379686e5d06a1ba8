"""The channel-neutral conversation engine: what to answer a citizen's message on any text channel.

    conversation = Conversation(FinderCatalogue(session, "en"), languages=..., default_language="en",
                                link_base="https://finder.gov.example", helpline="+1 202 555 0100")
    reply = conversation.reply(saved_state, "lost passport", budget=lambda text: len(text) <= 306)
    reply.text, reply.state, reply.events

No gateway, no Flask request in here: an adapter (channels/twilio) verifies and parses its input, loads and saves
the state, turns the budget into its own units (segments, characters) and delivers the text.
"""

from channels.conversation.catalogue import Catalogue, FinderCatalogue, ServiceCard
from channels.conversation.dialogue import Budget, Conversation, Reply
from channels.conversation.keywords import KEYWORDS, Command, parse
from channels.conversation.language import detect_language

__all__ = [
    "KEYWORDS",
    "Budget",
    "Catalogue",
    "Command",
    "Conversation",
    "FinderCatalogue",
    "Reply",
    "ServiceCard",
    "detect_language",
    "parse",
]
