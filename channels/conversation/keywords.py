"""The dialogue's keywords in every language: data, matched on a message's first word.

Matching folds case and accents (finder.search.text.fold), so MAS, más and Más are one keyword. A keyword is
recognised whatever the conversation's language, because people mix them ("LANG ES" from an English speaker).
"""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

from finder.search.text import fold


class Command(enum.StrEnum):
    MORE = "more"
    MENU = "menu"
    HELP = "help"
    LANGUAGE = "language"
    PICK = "pick"
    SEARCH = "search"


KEYWORDS: dict[Command, dict[str, tuple[str, ...]]] = {
    Command.MORE: {
        "en": ("MORE", "NEXT"),
        "fr": ("PLUS", "SUITE"),
        "es": ("MÁS", "SIGUIENTE"),
        "ar": ("المزيد", "التالي"),
        "zh": ("更多", "下一页"),
        "ru": ("ЕЩЁ", "ДАЛЕЕ"),
    },
    Command.MENU: {
        "en": ("MENU", "EVENTS"),
        "fr": ("MENU", "ÉVÉNEMENTS"),
        "es": ("MENÚ", "EVENTOS"),
        "ar": ("القائمة", "مناسبات"),
        "zh": ("菜单", "事件"),
        "ru": ("МЕНЮ", "СОБЫТИЯ"),
    },
    Command.HELP: {
        "en": ("HELP", "?"),
        "fr": ("AIDE",),
        "es": ("AYUDA",),
        "ar": ("مساعدة",),
        "zh": ("帮助",),
        "ru": ("ПОМОЩЬ",),
    },
    Command.LANGUAGE: {
        "en": ("LANG", "LANGUAGE"),
        "fr": ("LANGUE",),
        "es": ("IDIOMA",),
        "ar": ("لغة", "اللغة"),
        "zh": ("语言",),
        "ru": ("ЯЗЫК",),
    },
}

# What may follow LANG: a code or the language's name in English or in itself.
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("EN", "ENGLISH", "ANGLAIS", "INGLÉS"),
    "fr": ("FR", "FRENCH", "FRANÇAIS", "FRANCAIS", "FRANCÉS"),
    "es": ("ES", "SPANISH", "ESPAÑOL", "ESPAGNOL", "CASTELLANO"),
    "ar": ("AR", "ARABIC", "العربية", "عربي", "ARABE"),
    "zh": ("ZH", "CHINESE", "中文", "汉语", "CHINOIS"),
    "ru": ("RU", "RUSSIAN", "РУССКИЙ", "RUSSE", "RUSO"),
}

_BY_WORD = {
    fold(word): command
    for command, per_language in KEYWORDS.items()
    for words in per_language.values()
    for word in words
}
_LANGUAGE_BY_WORD = {fold(word): code for code, words in LANGUAGE_NAMES.items() for word in words}
# "2", "2.", "#2", "2)" and the same in Arabic-Indic digits (\d matches every script's digits).
_NUMBER = re.compile(r"#?\s*(\d{1,3})\s*[.)]?")
# Trailing punctuation people add to a keyword ("Help!", "more.") or that marks a question in another script.
_TRAILING = ".,!;:¡¿؟。！"


class Parsed(NamedTuple):
    command: Command
    argument: str
    number: int | None = None


def parse(text: str) -> Parsed:
    """What a message asks: a keyword (on its first word), a number from a list, or else a search."""
    text = " ".join(text.split())
    number = _NUMBER.fullmatch(text)
    if number:
        return Parsed(Command.PICK, "", int(number.group(1)))
    first, _, rest = text.partition(" ")
    key = fold(first).strip(_TRAILING)
    command = _BY_WORD.get(key)
    if command is None:
        return Parsed(Command.SEARCH, text)
    return Parsed(command, rest.strip())


def language_named(text: str) -> str | None:
    """The language code a LANG argument names ("FR", "français", "العربية"), or None."""
    word = text.split()[0] if text.split() else ""
    return _LANGUAGE_BY_WORD.get(fold(word).strip(_TRAILING))


def keyword(command: Command, language: str) -> str:
    """The keyword to show a reader of `language` (the first listed), e.g. PLUS for MORE in French."""
    words = KEYWORDS[command]
    return (words.get(language) or words["en"])[0]
