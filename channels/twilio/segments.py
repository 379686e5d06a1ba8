"""How many SMS a text takes: GSM-7 when every character allows it, else UCS-2 (3GPP TS 23.038).

The GSM-7 tables are the standard's, written out here: they are short and fixed, and no maintained Python package
offers the segment arithmetic on its own.
"""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache
from typing import NamedTuple

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each of these takes two septets (an escape, then the character).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
GSM7_ALL = GSM7_BASIC | GSM7_EXTENDED
# Typographic look-alikes of GSM-7 characters that editors and translators put in Latin-script text. Replacing
# them keeps a French or English reply in GSM-7 (160 characters a segment) instead of UCS-2 (70).
LOOKALIKES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "―": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
        "\u2002": " ",
        "\u2003": " ",
        "…": "...",
        "•": "-",
        "\u200b": "",
        "\u200e": "",
        "\u200f": "",
        "\u2060": "",
        "\ufeff": "",
    }
)
# Twilio refuses a message body longer than this.
TWILIO_MAX_CHARS = 1600
GSM7, UCS2 = "GSM-7", "UCS-2"


class Encoded(NamedTuple):
    """The text as it will be sent, its encoding, its length in that encoding's units and its segment count."""

    text: str
    encoding: str
    units: int
    segments: int


@lru_cache(maxsize=4096)
def _without_accent(ch: str) -> str:
    """A letter GSM-7 lacks as the GSM-7 letter it is written on ("á" -> "a", "ç" -> "c", "ê" -> "e")."""
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base if base and GSM7_ALL.issuperset(base) else ch


def encode(text: str) -> Encoded:
    """The cheapest way to send `text` by SMS: GSM-7 if possible, else UCS-2 as is.

    For GSM-7, typographic look-alikes are replaced and, where that is all that stands in the way, the accents
    GSM-7 lacks are dropped: Spanish and French read well without the few it lacks (á, í, ó, ú, ç, ê ...; it has
    é, è, à, ñ, ü), and a reply twice as long per SMS tells a feature-phone user far more than the accents do.
    Text in other scripts (Arabic, Chinese, Russian) goes as UCS-2, unchanged."""
    # Set operations over the distinct characters, not a test per character: the dialogue asks for every candidate
    # text while it fits a page, and most replies are plain GSM-7.
    plain = text.translate(LOOKALIKES)
    missing = set(plain).difference(GSM7_ALL)
    replaced = {ch: _without_accent(ch) for ch in missing}
    if all(base != ch for ch, base in replaced.items()):
        if replaced:
            plain = plain.translate({ord(ch): base for ch, base in replaced.items()})
        units = len(plain) + sum(plain.count(ch) for ch in GSM7_EXTENDED)
        return Encoded(plain, GSM7, units, _segments(units, 160, 153))
    # UCS-2 counts UTF-16 code units: a character outside the Basic Multilingual Plane (an emoji) takes two.
    units = len(text.encode("utf-16-le")) // 2
    return Encoded(text, UCS2, units, _segments(units, 70, 67))


def _segments(units: int, single: int, part: int) -> int:
    if units <= single:
        return 1
    return math.ceil(units / part)


def sms_budget(max_segments: int):
    """A conversation budget: the text fits in `max_segments` SMS and within Twilio's length limit."""

    def fits(text: str) -> bool:
        encoded = encode(text)
        return encoded.segments <= max_segments and len(encoded.text) <= TWILIO_MAX_CHARS

    return fits


def whatsapp_budget(max_chars: int):
    """A conversation budget for WhatsApp, which has no segments: a number of characters."""

    def fits(text: str) -> bool:
        return len(text) <= min(max_chars, TWILIO_MAX_CHARS)

    return fits
