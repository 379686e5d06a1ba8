"""Turning text into search terms, the same way for documents and queries, on every backend.

The language work (folding, Arabic normalisation, stemming, stop words, Chinese bigrams) happens here, in Python,
once: both the SQLite and the PostgreSQL index store the terms made here, so both match exactly the same services.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import Stemmer

STEMMERS = {"en": "english", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic"}

WORD = re.compile(r"\w+", re.UNICODE)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
ARABIC_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        # Persian and Urdu letter forms typed on some keyboards.
        "ی": "ي",
        "ک": "ك",
    }
)
# Longer "words" are not words (hashes, pasted junk) and exceed what an index accepts (PostgreSQL: 2 KB a lexeme).
MAX_WORD_LENGTH = 60
# Longest run of words a query is cut to: enough for any real question, bounded for hostile input.
MAX_QUERY_WORDS = 12


def language_of(tag: str) -> str:
    """The primary language of a BCP 47 tag: 'fr-CA' -> 'fr'."""
    return tag.split("-", 1)[0].lower()


def fold(text: str) -> str:
    """Case, accents, compatibility forms and Arabic spelling variants folded away."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    text = ARABIC_DIACRITICS.sub("", text).translate(ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFD", text)
    # Combining marks go (é -> e, ñ -> n, ё -> е); Arabic marks were handled above.
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded words in order; a run of Chinese characters becomes its characters' overlapping pairs."""
    result: list[str] = []
    for token in WORD.findall(fold(text)):
        if token.replace("_", "") == "" or len(token) > MAX_WORD_LENGTH:
            continue
        if CJK.search(token):
            result.extend(_cjk_grams(token))
        else:
            result.append(token)
    return result


def _cjk_grams(token: str) -> list[str]:
    parts: list[str] = []
    for run in re.findall(
        r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", token
    ):
        if not CJK.match(run) or len(run) == 1:
            parts.append(run)
        else:
            parts.extend(run[i : i + 2] for i in range(len(run) - 1))
    return parts


@cache
def stop_words(language: str) -> frozenset[str]:
    folder = resources.files("finder.search").joinpath("vocabulary/stopwords")
    file = folder.joinpath(f"{language}.txt")
    if not file.is_file():
        return frozenset()
    lines = (line for line in file.read_text("utf-8").splitlines() if not line.startswith("#"))
    return frozenset(fold(word) for line in lines for word in line.split())


@cache
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    algorithm = STEMMERS.get(language)
    return Stemmer.Stemmer(algorithm) if algorithm else None


def stem(word: str, language: str) -> str:
    """The word's stem in the language (the word itself where there is no stemmer, or for numbers)."""
    stemmer = _stemmer(language)
    if stemmer is None or word.isdigit():
        return word
    return stemmer.stemWord(word)


def is_stop_word(word: str, language: str) -> bool:
    return word in stop_words(language)


def terms(text: str, language: str) -> list[str]:
    """Index terms of a text: folded words without stop words, stemmed."""
    return terms_of(words(text), language)


def terms_of(folded_words: list[str], language: str) -> list[str]:
    """Index terms of words already folded (see words())."""
    language = language_of(language)
    stops = stop_words(language)
    stemmer = _stemmer(language)
    kept = [w for w in folded_words if w not in stops]
    if stemmer is None:
        return kept
    return [w if w.isdigit() else s for w, s in zip(kept, stemmer.stemWords(kept), strict=True)]
