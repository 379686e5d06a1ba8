"""Guessing the language of a citizen's first message, cheaply: by script, then by telltale words and letters."""

from __future__ import annotations

import re

from finder.search.text import fold

_SCRIPTS = (
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")),
    ("zh", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
# Letters that occur in one of the Latin-script languages and not the others.
_LETTERS = {"fr": set("èêëçàâîïôûùœ"), "es": set("ñ¿¡áíóú")}
# Short, frequent words (folded) that give a language away in a few-word message; none belongs to two of them.
_WORDS = {
    "en": set(
        [
            "the",
            "my",
            "i",
            "an",
            "to",
            "of",
            "for",
            "how",
            "get",
            "need",
            "lost",
            "new",
            "my",
            "is",
            "and",
            "with",
            "where",
            "what",
            "can",
            "do",
            "want",
            "apply",
            "help",
            "stolen",
            "birth",
            "death",
            "child",
            "baby",
            "job",
            "money",
            "certificate",
        ]
    ),
    "fr": set(
        [
            "le",
            "les",
            "un",
            "une",
            "des",
            "du",
            "mon",
            "ma",
            "mes",
            "pour",
            "comment",
            "obtenir",
            "perdu",
            "perdue",
            "vole",
            "besoin",
            "je",
            "j",
            "ai",
            "et",
            "avec",
            "ou",
            "est",
            "carte",
            "naissance",
            "deces",
            "enfant",
            "voiture",
            "travail",
            "argent",
            "demande",
            "permis",
            "papiers",
        ]
    ),
    "es": set(
        [
            "el",
            "los",
            "las",
            "una",
            "unos",
            "del",
            "mi",
            "mis",
            "para",
            "como",
            "obtener",
            "perdi",
            "perdido",
            "robado",
            "necesito",
            "yo",
            "y",
            "con",
            "donde",
            "tarjeta",
            "nacimiento",
            "defuncion",
            "hijo",
            "coche",
            "trabajo",
            "dinero",
            "solicitud",
            "licencia",
        ]
    ),
}
_WORD = re.compile(r"\w+")


def detect_language(text: str, languages: tuple[str, ...]) -> str | None:
    """The language of a short message among `languages`, or None when there is no clear sign of one."""
    for code, script in _SCRIPTS:
        if script.search(text):
            return code if code in languages else None
    lowered = text.lower()
    scores = {code: 2 * sum(ch in letters for ch in lowered) for code, letters in _LETTERS.items()}
    words = _WORD.findall(fold(text))
    for code, vocabulary in _WORDS.items():
        scores[code] = scores.get(code, 0) + sum(word in vocabulary for word in words)
    ranked = sorted(((score, code) for code, score in scores.items() if code in languages), reverse=True)
    if not ranked or ranked[0][0] == 0 or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]
