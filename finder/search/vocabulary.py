"""What the search knows beyond the documents: synonyms, life-event phrasing, best bets and the dictionary of
words for typo correction. Kept in the database (editable, effective at once), seeded from the data files in
vocabulary/, cached per process and reloaded when its version token (finder.catalogue.version) moves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.catalogue import version
from finder.catalogue.models import LifeEvent, Service
from finder.search.cache import PerVersion, database_of
from finder.search.models import BestBet, LifeEventPhrase, SearchWord, SynonymRule
from finder.search.text import is_stop_word, language_of, stem, terms, words

Stems = tuple[str, ...]
log = logging.getLogger(__name__)

# The names of the search's version tokens: what a cached search result, vocabulary or posting was read at.
INDEX = "index"
VOCABULARY = "vocabulary"


class RuleError(ValueError):
    """A synonym rule that cannot be parsed; the message says why."""


def parse_rule(rule: str, language: str) -> list[tuple[Stems, list[Stems]]]:
    """A Solr-style rule as (terms matched, alternatives added) pairs, each term as its stems."""
    if "=>" in rule:
        left, _, right = rule.partition("=>")
        sources, targets = _terms(left, language), _terms(right, language)
        if not sources or not targets:
            raise RuleError("both sides of '=>' need at least one term")
        return [(source, [t for t in targets if t != source]) for source in sources]
    group = _terms(rule, language)
    if len(group) < 2:
        raise RuleError("an equivalence needs at least two terms separated by commas")
    return [(term, [t for t in group if t != term]) for term in group]


def _terms(side: str, language: str) -> list[Stems]:
    found = []
    for term in side.split(","):
        stems = tuple(terms(term, language))
        if stems and stems not in found:
            found.append(stems)
    return found


@dataclass
class Vocabulary:
    """One language's search vocabulary, as one process holds it."""

    language: str
    known: dict[str, int] = field(default_factory=dict)
    by_frequency: list[str] = field(default_factory=list)
    synonyms: dict[Stems, list[Stems]] = field(default_factory=dict)
    phrases: list[tuple[frozenset[str], str]] = field(default_factory=list)
    best_bets: dict[str, list[str]] = field(default_factory=dict)
    # Each life event's description ("Register the death, arrange the funeral..."): its key steps.
    event_steps: dict[str, frozenset[str]] = field(default_factory=dict)
    # Derived once per load (see finish()) rather than on every search.
    sorted_known: list[str] = field(default_factory=list)
    # For typo correction (query.correct): the known words ordered by length, then as in by_frequency; each one's
    # length, place in by_frequency and letters counted (letter_counts), in arrays of the same order.
    by_length: list[str] = field(default_factory=list)
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    places: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    letters: np.ndarray = field(default_factory=lambda: letter_counts([]))
    most_documents: int = 1
    # Typo corrections already worked out against this vocabulary: a query's words repeat far more than the
    # vocabulary changes.
    corrections: dict[str, str | None] = field(default_factory=dict)

    def add_known(self, text: str) -> None:
        for word in words(text):
            self.known.setdefault(word, 0)

    def finish(self) -> None:
        """Derive what searches read from the words known."""
        self.by_frequency = sorted(self.known, key=lambda w: (-self.known[w], w))
        self.sorted_known = sorted(self.known)
        order = sorted(range(len(self.by_frequency)), key=lambda place: (len(self.by_frequency[place]), place))
        self.by_length = [self.by_frequency[place] for place in order]
        self.lengths = np.array([len(word) for word in self.by_length], dtype=np.int64)
        self.places = np.array(order, dtype=np.int64)
        self.letters = letter_counts(self.by_length)
        self.most_documents = max(self.known.values(), default=1)


# Characters are counted in this many classes (a code point's remainder by it): see letter_counts.
LETTER_CLASSES = 32


def letter_counts(words: list[str]) -> np.ndarray:
    """The words' characters counted by class: a row per class, a column per word. One edit changes a word's counts
    by at most two in all (a substitution takes one from a class and adds one to another), so words whose counts
    differ by more than twice an edit budget are beyond it; characters sharing a class only make the difference
    smaller, so no word within the budget is missed."""
    counts = np.zeros((LETTER_CLASSES, len(words)), dtype=np.int16)
    columns = np.repeat(np.arange(len(words)), [len(word) for word in words])
    classes = np.fromiter((ord(c) % LETTER_CLASSES for word in words for c in word), dtype=np.int64, count=len(columns))
    np.add.at(counts, (classes, columns), 1)
    return counts


def _load(session: Session, language: str, default_language: str) -> Vocabulary:
    vocabulary = Vocabulary(language)
    for word, documents in session.execute(
        select(SearchWord.word, SearchWord.documents).where(SearchWord.language == language)
    ):
        vocabulary.known[word] = documents
    for (rule,) in session.execute(select(SynonymRule.rule).where(SynonymRule.language == language)):
        vocabulary.add_known(rule.replace("=>", ","))
        try:
            pairs = parse_rule(rule, language)
        except RuleError:
            continue  # refused when it was saved; an old bad row must not stop searching
        for source, alternatives in pairs:
            vocabulary.synonyms.setdefault(source, [])
            vocabulary.synonyms[source] += [a for a in alternatives if a not in vocabulary.synonyms[source]]
    for event_id, phrase in session.execute(
        select(LifeEventPhrase.life_event_id, LifeEventPhrase.phrase).where(LifeEventPhrase.language == language)
    ):
        vocabulary.add_known(phrase)
        stems = frozenset(terms(phrase, language))
        if stems:
            vocabulary.phrases.append((stems, event_id))
    for event in session.scalars(select(LifeEvent)):
        name = event.translated("name", language) or (event.name if language == default_language else None)
        if name:
            stems = frozenset(terms(name, language))
            if stems:
                vocabulary.phrases.append((stems, event.id))
        steps = event.translated("description", language) or event.description
        if steps:
            text_language = language if event.translated("description", language) else default_language
            vocabulary.event_steps[event.id] = frozenset(terms(steps, text_language))
    for query, service_id in session.execute(
        select(BestBet.query, BestBet.service_id)
        .where(BestBet.language == language)
        .order_by(BestBet.query, BestBet.position, BestBet.id)
    ):
        vocabulary.best_bets.setdefault(query, []).append(service_id)
        vocabulary.add_known(query)
    vocabulary.finish()
    return vocabulary


class VocabularyCache(PerVersion[Vocabulary]):
    """Per-process cache of each language's vocabulary, checked against the database's version tokens."""

    def get(self, session: Session, language: str, default_language: str, versions: tuple[str, str]) -> Vocabulary:
        """The language's vocabulary as of `versions` (the index's and vocabulary's tokens), loaded again when
        they move."""
        return self.kept((database_of(session), language), versions, lambda: _load(session, language, default_language))


# Editing -----------------------------------------------------------------------------------------------------


def add_synonym_rule(session: Session, language: str, rule: str) -> SynonymRule:
    """Save a synonym rule (checked first); it applies to the next search."""
    language = language_of(language)
    rule = " ".join(rule.split())
    parse_rule(rule, language)
    row = SynonymRule(language=language, rule=rule)
    session.add(row)
    version.bump(session, VOCABULARY)
    return row


def set_best_bets(session: Session, language: str, query: str, service_ids: list[str]) -> None:
    """Pin services, in order, to the top of the results for a query (an empty list removes the pin)."""
    language = language_of(language)
    key = query_key(query, language)
    for row in session.scalars(select(BestBet).where(BestBet.language == language, BestBet.query == key)):
        session.delete(row)
    session.flush()
    for position, service_id in enumerate(service_ids):
        session.add(BestBet(language=language, query=key, service_id=service_id, position=position))
    version.bump(session, VOCABULARY)


def query_key(query: str, language: str) -> str:
    """A query as best bets are keyed: folded words, without stop words."""
    return " ".join(w for w in words(query) if not is_stop_word(w, language_of(language)))


# Seeding from the data files ---------------------------------------------------------------------------------


def _data_lines(kind: str, language: str) -> list[str]:
    file = resources.files("finder.search").joinpath(f"vocabulary/{kind}/{language}.txt")
    if not file.is_file():
        return []
    lines = (line.strip() for line in file.read_text("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def seed(session: Session, languages: list[str]) -> dict[str, int]:
    """Add the rules of the data files that the database does not have yet (idempotent; edits are kept)."""
    added = {"synonyms": 0, "life_event_phrases": 0, "best_bets": 0}
    events = {e.slug: e.id for e in session.scalars(select(LifeEvent))}
    services = dict(session.execute(select(Service.slug, Service.id)).all())
    for language in languages:
        have = set(session.scalars(select(SynonymRule.rule).where(SynonymRule.language == language)))
        for line in _data_lines("synonyms", language):
            rule = " ".join(line.split())
            if rule not in have:
                try:
                    parse_rule(rule, language)
                except RuleError as error:
                    # Spelling variants that the analysis already makes equal ("enrol, enroll") need no rule.
                    log.info("synonym rule not seeded (%s): %s: %s", language, rule, error)
                    continue
                session.add(SynonymRule(language=language, rule=rule))
                have.add(rule)
                added["synonyms"] += 1
        have_phrases = set(
            session.execute(
                select(LifeEventPhrase.life_event_id, LifeEventPhrase.phrase).where(
                    LifeEventPhrase.language == language
                )
            ).all()
        )
        for line in _data_lines("life_events", language):
            slug, _, phrases = line.partition(":")
            event_id = events.get(slug.strip())
            if event_id is None:
                continue  # a catalogue without this life event
            for phrase in (p.strip() for p in phrases.split(",")):
                if phrase and (event_id, phrase) not in have_phrases:
                    session.add(LifeEventPhrase(language=language, life_event_id=event_id, phrase=phrase))
                    have_phrases.add((event_id, phrase))
                    added["life_event_phrases"] += 1
        have_bets = set(session.scalars(select(BestBet.query).where(BestBet.language == language)))
        for line in _data_lines("best_bets", language):
            query, _, slugs = line.partition("=>")
            key = query_key(query, language)
            ids = [services[s.strip()] for s in slugs.split(",") if s.strip() in services]
            if key and ids and key not in have_bets:
                for position, service_id in enumerate(ids):
                    session.add(BestBet(language=language, query=key, service_id=service_id, position=position))
                have_bets.add(key)
                added["best_bets"] += 1
    version.bump(session, VOCABULARY)
    return added


__all__ = ["RuleError", "Vocabulary", "VocabularyCache", "add_synonym_rule", "seed", "set_best_bets", "stem"]
