"""From what a person typed to what the index is asked: words, typo corrections, synonyms, life events, best bets.

A query becomes a list of concepts; a concept is one thing the person asked about, with the alternative ways of
saying it (the words typed, a corrected spelling, synonyms). A service matches when it has enough of the concepts.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np
from rapidfuzz.distance import OSA

from finder.search.text import MAX_QUERY_WORDS, is_stop_word, language_of, stem, words
from finder.search.vocabulary import Stems, Vocabulary, letter_counts

# How much a word's commonness counts against one edit when choosing a correction (per factor of ten).
FREQUENCY_WEIGHT = 0.75
QUOTE = re.compile(r'"')
QUOTED = re.compile(r'"([^"]+)"')
# More concepts than this and the "enough of them" combinations grow too fast; the rest are dropped.
MAX_CONCEPTS = 7


@dataclass(frozen=True)
class Alternative:
    """One way of saying a concept: its stems, all present (`phrase`: next to each other); `prefix` on the last."""

    stems: Stems
    phrase: bool = False
    prefix: bool = False


@dataclass
class Concept:
    words: list[str]
    alternatives: list[Alternative]
    # Whether the index, the synonyms or the corrections know it: an unknown word can match nothing.
    known: bool = True
    # How many documents hold its rarest word: the fewer, the more the word says about what is wanted.
    documents: int = 0


@dataclass
class QueryPlan:
    text: str
    language: str
    concepts: list[Concept] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    suggestion: str | None = None
    life_events: list[str] = field(default_factory=list)
    best_bets: list[str] = field(default_factory=list)
    key: str = ""
    # A looser plan's own count of concepts required (see relaxations()).
    at_least: int | None = None
    # The words typed, folded, with corrections applied.
    words: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.concepts and not self.life_events and not self.best_bets

    def required(self) -> int:
        """How many concepts a service must match: all of up to three, then all but one, then 70%."""
        if self.at_least is not None:
            return self.at_least
        n = len(self.concepts)
        return n if n <= 3 else n - 1 if n <= 6 else math.ceil(n * 0.7)

    def clauses(self) -> list[list[Concept]]:
        """The alternatives for "enough concepts": every combination of the required size."""
        if not self.concepts:
            return []
        return [list(c) for c in combinations(self.concepts, self.required())]

    def relaxations(self) -> list[QueryPlan]:
        """Looser plans to try, in order, when this one finds nothing: first without the words nothing knows,
        then with one concept fewer required. Each must be matched in names, keywords and summaries (the caller
        asks for that), and each still needs two concepts, so that one common word left over ("delivery" of
        "pizza delivery") does not match everything. Corrected words are guesses and are not relied on."""
        certain = [c for c in self.concepts if c.known]
        if len(certain) < 2:
            return []
        looser = []
        if len(certain) < len(self.concepts):
            looser.append(QueryPlan(self.text, self.language, concepts=certain, key=self.key))
        if len(certain) >= 3:
            base = QueryPlan(self.text, self.language, concepts=certain, key=self.key)
            looser.append(replace(base, at_least=base.required() - 1))
            # A situation told in a sentence ("I can't pay the rent") has one word that carries it and several
            # everyday ones ("can't", "pay") that no service title shares: last, the rarest word on its own.
            rarest = min(certain, key=lambda c: (c.documents, -len(c.alternatives), certain.index(c)))
            looser.append(QueryPlan(self.text, self.language, concepts=[rarest], key=self.key))
        return looser


def max_edits(length: int) -> int:
    """The edits allowed between a word and its correction, by the longer one's length."""
    return 0 if length < 4 else 1 if length < 8 else 2


# Corrections remembered per vocabulary; past this many the memory starts again.
MAX_REMEMBERED_CORRECTIONS = 20_000


def correct(word: str, vocabulary: Vocabulary) -> str | None:
    """The likeliest known word within the edit budget, or None.

    The budget follows the longer of the two words: "pasport" (7) may become "passeport" (9) with two edits.
    Likeliest as in a noisy-channel speller: fewer edits, but a much more common word may win over a rare one an
    edit closer (a French "pasport" is the common "passeport", not an English "passport" quoted once).
    """
    if len(word) < 4 or not vocabulary.by_frequency:
        return None
    if word in vocabulary.corrections:
        return vocabulary.corrections[word]
    # A word within k edits is at most k letters longer or shorter, and its letters counted differ from the word's
    # by at most 2k (vocabulary.letter_counts): only the known words passing both are compared, each with its own
    # budget. The counts differ by len(a) + len(b) - 2 * (what they have in common), so only the classes of the
    # word's own letters are read.
    length = len(word)
    start = int(np.searchsorted(vocabulary.lengths, length - 2, side="left"))
    end = int(np.searchsorted(vocabulary.lengths, length + 2, side="right"))
    lengths = vocabulary.lengths[start:end]
    budgets = np.array([max_edits(n) for n in range(length, length + 3)])[np.maximum(lengths, length) - length]
    own = letter_counts([word])[:, 0]
    common = np.zeros(end - start, dtype=np.int64)
    for letter_class in np.flatnonzero(own).tolist():
        common += np.minimum(vocabulary.letters[letter_class, start:end], own[letter_class])
    near = np.flatnonzero((np.abs(lengths - length) <= budgets) & (lengths + length - 2 * common <= 2 * budgets))
    found = []
    for index, budget in zip((near + start).tolist(), budgets[near].tolist(), strict=True):
        w = vocabulary.by_length[index]
        distance = OSA.distance(word, w, score_cutoff=budget)
        if distance <= budget:
            weight = distance - FREQUENCY_WEIGHT * math.log10(1 + vocabulary.known.get(w, 0))
            found.append((weight, int(vocabulary.places[index]), w))
    fixed = min(found)[2] if found else None
    if len(vocabulary.corrections) >= MAX_REMEMBERED_CORRECTIONS:
        vocabulary.corrections.clear()
    vocabulary.corrections[word] = fixed
    return fixed


# Arabic letters written joined to the next word: "and", "so", "with", "for", "like", and the colloquial future
# and present markers ("ه" / "ح" / "ب" + verb).
ARABIC_PROCLITICS = ("و", "ف", "ب", "ل", "ك", "ه", "ح")


# Pronouns written joined to the end of a word: "my", "your", "his", "her", "our", "their".
ARABIC_ENCLITICS = ("ي", "ك", "ه", "ها", "نا", "هم", "كم")


def _without_clitics(word: str, vocabulary: Vocabulary) -> str | None:
    """An unknown Arabic word that is a known one with letters joined to it: "ومحتاج" -> "محتاج" (and I need),
    "بنتي" -> "بنت" (my daughter)."""
    heads = [word[1:]] if len(word) > 3 and word[0] in ARABIC_PROCLITICS else []
    for stem_candidate in [word, *heads]:
        if stem_candidate != word and stem_candidate in vocabulary.known:
            return stem_candidate
        for ending in ARABIC_ENCLITICS:
            rest = stem_candidate[: -len(ending)]
            if stem_candidate.endswith(ending) and len(rest) >= 2 and rest in vocabulary.known:
                return rest
    return None


def _is_prefix(word: str, sorted_known: list[str]) -> bool:
    index = bisect.bisect_left(sorted_known, word)
    return index < len(sorted_known) and sorted_known[index].startswith(word)


def normal_form(text: str) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """All of a query's text that its plan depends on: its quoted phrases' words and the other words typed,
    folded. Two texts with the same normal form ("Passport!", " passport") get the same plan and results."""
    # "Quoted words" must appear together, in that order; the rest of the query is planned as usual.
    quoted = tuple(tuple(q) for q in (words(q) for q in QUOTED.findall(text)) if len(q) > 1)
    if quoted:
        text = QUOTED.sub(" ", text)
    return quoted, tuple(words(text)[: MAX_QUERY_WORDS * 2])


def plan(text: str, language: str, vocabulary: Vocabulary) -> QueryPlan:
    """Work out what to ask the index for a query typed in a language."""
    language = language_of(language)
    quoted, typed_words = normal_form(text)
    phrases = [[stem(w, language) for w in q if not is_stop_word(w, language)] for q in quoted]
    typed = list(typed_words)
    kept = [w for w in typed if not is_stop_word(w, language)][:MAX_QUERY_WORDS]
    # Numbers beside words are details ("iphone 15", "form 2"), rarely what identifies a service; they still
    # count for recognising a life event ("turning 65").
    numbers = {w for w in kept if w.isdigit()}
    if len(numbers) < len(kept):
        kept = [w for w in kept if w not in numbers]
    result = QueryPlan(text=text, language=language)
    result.key = " ".join(kept)

    bets = vocabulary.best_bets.get(result.key)
    if bets:
        result.best_bets = list(bets)

    final: list[str] = []
    known: set[str] = set()
    prefix_last = False
    for index, word in enumerate(kept):
        is_last = index == len(kept) - 1
        if word in vocabulary.known or word.isdigit():
            final.append(word)
            known.add(word)
            continue
        # The last word may be unfinished (search as you type): a known word's beginning is taken as a prefix.
        if is_last and len(word) >= 2 and _is_prefix(word, vocabulary.sorted_known):
            final.append(word)
            known.add(word)
            prefix_last = True
            continue
        fixed = _without_clitics(word, vocabulary) if language == "ar" else None
        if fixed is not None:
            final.append(fixed)
            known.add(fixed)
            continue
        fixed = correct(word, vocabulary)
        if fixed is not None:
            result.corrections[word] = fixed
            final.append(fixed)
            known.add(fixed)
        else:
            final.append(word)
    if result.corrections:
        result.suggestion = " ".join(result.corrections.get(w, w) for w in typed if w)

    stems = [stem(w, language) for w in final]
    result.concepts = _concepts(final, stems, vocabulary, prefix_last)
    for concept in result.concepts:
        concept.known = len(concept.alternatives) > 1 or all(
            w in known and w not in result.corrections.values() for w in concept.words
        )
        concept.documents = min(vocabulary.known.get(w, 0) for w in concept.words)
    result.concepts = [
        *(Concept(list(p), [Alternative(tuple(p), phrase=True)]) for p in phrases if p),
        *result.concepts,
    ][:MAX_CONCEPTS]
    # Life events are recognised on the words as typed too: a correction may have turned a real word into another.
    stem_set = set(stems) | numbers | {stem(w, language) for w in kept}
    matched = [(phrase, event) for phrase, event in vocabulary.phrases if phrase <= stem_set]
    # A life event is only what the query is about when it explains every word nothing else knows:
    # "flights" in "cheap flights" alone does not make "cheap" a trip abroad.
    explained = set().union(*(phrase for phrase, _ in matched)) if matched else set()
    unexplained = [c for c in result.concepts if not c.known and not set(c.alternatives[0].stems) <= explained]
    if len(unexplained) <= len(result.concepts) // 2:
        result.life_events = sorted({event for _, event in matched})
    result.words = [result.corrections.get(w, w) for w in typed]
    return result


def _concepts(final: list[str], stems: list[str], vocabulary: Vocabulary, prefix_last: bool) -> list[Concept]:
    """Group the query's stems into concepts, longest synonym match first."""
    concepts: list[Concept] = []
    longest = max((len(source) for source in vocabulary.synonyms), default=1)
    i = 0
    while i < len(stems):
        for size in range(min(longest, len(stems) - i), 0, -1):
            source = tuple(stems[i : i + size])
            alternatives = vocabulary.synonyms.get(source)
            if alternatives or size == 1:
                last = i + size == len(stems)
                typed = Alternative(source, phrase=False, prefix=prefix_last and last and size == 1)
                extra = [Alternative(a, phrase=len(a) > 1) for a in alternatives or []]
                concepts.append(Concept(final[i : i + size], [typed, *extra]))
                i += size
                break
    # The same concept twice ("passport passport") asks for nothing more.
    unique: list[Concept] = []
    for concept in concepts:
        if all(concept.alternatives[0] != other.alternatives[0] for other in unique):
            unique.append(concept)
    return unique


def _one_concept(concepts_clauses: list[list[Concept]]) -> bool:
    """One word (or synonym group) to find: "anywhere, and in a title" is then just "in a title", and the engine
    reads its postings once instead of twice."""
    return len(concepts_clauses) == 1 and len(concepts_clauses[0]) == 1


def fts5_phrase(stem: str) -> str:
    """A stem as an FTS5 phrase, quoted so that nothing in it is an operator."""
    return f'"{QUOTE.sub("", stem)}"'


def fts5_expression(concepts_clauses: list[list[Concept]], title_only: bool = False) -> str | None:
    """The FTS5 MATCH expression for the clauses (OR of ANDs of concepts); every term quoted, so typed
    operators and punctuation are always just text. A service must also have one of the words in its name,
    keywords or summary, so a word that only turns up somewhere in a long description is not enough;
    `title_only`: every word must be there."""
    if not concepts_clauses:
        return None

    def alternative(a: Alternative) -> str:
        quoted = [fts5_phrase(s) for s in a.stems]
        if a.phrase:
            return '"' + " ".join(QUOTE.sub("", s) for s in a.stems) + '"'
        if a.prefix:
            quoted[-1] += "*"
        return quoted[0] if len(quoted) == 1 else "(" + " AND ".join(quoted) + ")"

    def concept(c: Concept) -> str:
        parts = [alternative(a) for a in c.alternatives]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    clauses = ["(" + " AND ".join(concept(c) for c in clause) + ")" for clause in concepts_clauses]
    expression = " OR ".join(clauses)
    if title_only or _one_concept(concepts_clauses):
        return f"{{name alt summary}} : ({expression})"
    every = list(dict.fromkeys(concept(c) for clause in concepts_clauses for c in clause))
    return f"({expression}) AND {{name alt summary}} : ({' OR '.join(every)})"


def tsquery_expression(concepts_clauses: list[list[Concept]]) -> str | None:
    """The clauses as a PostgreSQL tsquery literal (lexemes quoted, so nothing typed is an operator)."""
    if not concepts_clauses:
        return None

    def lexeme(s: str, prefix: bool) -> str:
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")

    def alternative(a: Alternative) -> str:
        quoted = [lexeme(s, a.prefix and i == len(a.stems) - 1) for i, s in enumerate(a.stems)]
        if len(quoted) == 1:
            return quoted[0]
        return "(" + (" <-> " if a.phrase else " & ").join(quoted) + ")"

    def concept(c: Concept) -> str:
        parts = [alternative(a) for a in c.alternatives]
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    return " | ".join("(" + " & ".join(concept(c) for c in clause) + ")" for clause in concepts_clauses)


def tsquery_expressions(concepts_clauses: list[list[Concept]], title_only: bool = False) -> tuple[str | None, str]:
    """The same requirement as fts5_expression, as two tsqueries: what the whole document must match (None when
    the second says it all) and what its titles (name, alternate names and keywords, summary) must match."""
    if title_only or _one_concept(concepts_clauses):
        return None, tsquery_expression(concepts_clauses)
    every = list({id(c): c for clause in concepts_clauses for c in clause}.values())
    return tsquery_expression(concepts_clauses), tsquery_expression([[c] for c in every])
