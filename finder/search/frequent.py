"""Broad queries answered from memory: the words found in many documents, kept per index version, per process.

A broad query ("apply", "renew register") matches most of the catalogue. The engine scores every match, and the
call then moved each into Python to keep the best hundred and count the total and the facets: most of a broad
query's time. For the words in many documents each process keeps, per index version, every document's score for
the word as the engine computes it inside a query (anywhere in the document, and in its titles) and the bitmaps of
the documents holding it. A query of simple words, one of them frequent and no filters, is then answered by
combining those: the same matches, the same scores to the last bit, so the same results as the engine's. Its rare
words are asked of the engine one at a time (their postings are short). A changed index changes the version that
every search reads first, so nothing older is ever combined.

The postings are loaded ahead, in a thread of their own, when a search first sees an index version: reading a
frequent word's postings is two full reads of its matches (tens of milliseconds at 25,000 documents, more on
PostgreSQL), which no search should pay for. A search that needs a word not loaded yet loads it itself.
"""

from __future__ import annotations

import heapq
import logging
import threading
from dataclasses import dataclass
from itertools import takewhile
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from finder.catalogue import version
from finder.search import cache, query
from finder.search.facets import FacetIndex
from finder.search.text import stem as stem_of
from finder.search.vocabulary import INDEX, Vocabulary

if TYPE_CHECKING:
    from finder.search.backends import Backend

# A word is frequent when it is in at least this share of the documents of the commonest word.
FREQUENT_SHARE = 0.1
# Postings kept per process, in bytes; the least recently used go first. Enough for the frequent words (about 85
# stems) of a 100,000-service catalogue, 1.6 MB each; a 25,000-service one needs a quarter of it.
POSTINGS_KEPT = 160_000_000
# Loaded ahead only once the commonest word is in this many documents: below that the engine answers a broad query
# in a millisecond or two itself.
PRELOAD_FROM = 500

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Matches:
    """A query's matches as the search call needs them: the `limit` best, ordered, and the bitmap of all."""

    best: list[tuple[str, float]]
    bits: int


@dataclass(frozen=True, eq=False)
class Postings:
    """One word's score in each document, anywhere and in its titles, as the engine computes it within a query:
    arrays of doubles over the facet index's positions (0 where the word is not), with the bitmaps of the
    documents holding it and the positions of its title matches best first. Dense arrays, because a frequent word
    is in a good share of the documents: 8 bytes a document, and combining them is a few whole-array operations
    (numpy, the same IEEE double additions and products as the engine's) rather than a step per match."""

    anywhere: np.ndarray
    titles: np.ndarray
    by_title_score: np.ndarray
    anywhere_bits: int
    titles_bits: int

    @classmethod
    def of(cls, anywhere: dict[str, float], titles: dict[str, float], facets: FacetIndex) -> Postings:
        dense = []
        for scores in (anywhere, titles):
            values = np.zeros(len(facets.service_ids))
            positions = np.fromiter((facets.positions[sid] for sid in scores), dtype=np.intp, count=len(scores))
            values[positions] = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
            dense.append(values)
        held = np.fromiter((facets.positions[sid] for sid in titles), dtype=np.intp, count=len(titles))
        ordered = held[np.lexsort((held, -dense[1][held]))]
        return cls(dense[0], dense[1], ordered, facets.bitmap(anywhere), facets.bitmap(titles))

    @property
    def weight(self) -> int:
        """Its size in bytes, roughly."""
        return self.anywhere.nbytes + self.titles.nbytes + self.by_title_score.nbytes


def best(matches: list[tuple[str, float]], limit: int) -> list[tuple[str, float]]:
    """The `limit` best matches, ties broken by service id. Scores are compared alone first (cheap for the
    thousands of matches of a broad query), then the few at or above the cut-off are ordered exactly."""
    if len(matches) <= limit:
        return sorted(matches, key=lambda match: (-match[1], match[0]))
    cut_off = heapq.nlargest(limit, matches, key=itemgetter(1))[-1][1]
    return sorted((m for m in matches if m[1] >= cut_off), key=lambda match: (-match[1], match[0]))[:limit]


class FrequentTerms:
    """The postings of the frequent words, per database, language and index version."""

    def __init__(self) -> None:
        self._kept: cache.ResultCache[Postings] = cache.ResultCache(POSTINGS_KEPT)
        self._lock = threading.Lock()
        # Per database and language, the index version whose postings were last loaded ahead, and the loading thread.
        self._preloads: dict[tuple[str, str], tuple[str, threading.Thread]] = {}

    def preload(
        self,
        session: Session,
        backend: Backend,
        vocabulary: Vocabulary,
        language: str,
        index_version: str,
        facets: FacetIndex,
    ) -> None:
        """Start loading the frequent words' postings of this index version in the background, once per version:
        the commonest words first, within half the memory bound (the rest are loaded when a search needs them)."""
        engine = session.get_bind()
        if not index_version or vocabulary.most_documents < PRELOAD_FROM or not isinstance(engine, Engine):
            return
        url = cache.database_of(session)
        key = (url, language)
        with self._lock:
            started = self._preloads.get(key)
            if started is not None and started[0] == index_version:
                return
            least = FREQUENT_SHARE * vocabulary.most_documents
            # by_frequency holds the commonest words first.
            frequent = takewhile(lambda w: vocabulary.known[w] >= least, vocabulary.by_frequency)
            stems = list(dict.fromkeys(stem_of(w, language) for w in frequent))
            thread = threading.Thread(
                target=self._load_ahead,
                args=(engine, url, backend, stems, language, index_version, facets),
                name="finder-search-postings",
                daemon=True,
            )
            self._preloads[key] = (index_version, thread)
        thread.start()

    def wait(self) -> None:
        """Wait until the postings being loaded ahead are loaded (for benchmarks and tests)."""
        with self._lock:
            threads = [thread for _, thread in self._preloads.values()]
        for thread in threads:
            thread.join()

    def _load_ahead(
        self,
        engine: Engine,
        url: str,
        backend: Backend,
        stems: list[str],
        language: str,
        index_version: str,
        facets: FacetIndex,
    ) -> None:
        room = POSTINGS_KEPT // 2
        try:
            with Session(engine) as session:
                if version.of(session).get(INDEX, "") != index_version:
                    return  # the index has changed again: the next search starts loading that version
                for word in stems:
                    key = (url, language, word, index_version)
                    if self._kept.get(key) is not None:
                        continue
                    postings = Postings.of(*backend.term_scores(session, word, language, index_version), facets)
                    room -= postings.weight
                    if room < 0:
                        break
                    self._kept.put(key, postings, postings.weight)
        except Exception:  # searches load what they need themselves; this only saves them the time
            log.warning("frequent words' postings not loaded ahead", exc_info=True)

    def matches(
        self,
        session: Session,
        backend: Backend,
        plan: query.QueryPlan,
        weights: list[tuple[query.Concept, float]],
        most_documents: int,
        language: str,
        index_version: str,
        facets: FacetIndex,
        limit: int,
        title_only: bool = False,
    ) -> Matches | None:
        """The plan's matches combined from the words' postings, or None when the engine should be asked: a
        word that is not a plain word (a phrase, synonyms, an unfinished last word), fewer words required than
        typed, or no frequent word (then the engine's own work is small). `title_only`: every word must be in
        the titles (see query.fts5_expression)."""
        concepts = plan.concepts
        if not concepts or plan.required() != len(concepts) or not index_version:
            return None
        stems = []
        for concept in concepts:
            if len(concept.alternatives) != 1:
                return None
            alternative = concept.alternatives[0]
            if alternative.phrase or alternative.prefix or len(alternative.stems) != 1:
                return None
            stems.append(alternative.stems[0])
        frequent = [c.documents >= FREQUENT_SHARE * most_documents for c in concepts]
        if not any(frequent):
            return None
        url = cache.database_of(session)
        postings = []
        for stem, is_frequent in zip(stems, frequent, strict=True):
            key = (url, language, stem, index_version)
            found = self._kept.get(key) if is_frequent else None
            if found is None:
                anywhere, titles = backend.term_scores(session, stem, language, index_version)
                found = Postings.of(anywhere, titles, facets)
                if is_frequent:
                    self._kept.put(key, found, found.weight)
            postings.append(found)

        factors = [w for _, w in weights]
        if len(postings) == 1:
            return _one_word(backend, postings[0], factors[0], facets, limit)
        if title_only:
            bits = postings[0].titles_bits
            for p in postings[1:]:
                bits &= p.titles_bits
        else:  # every word anywhere, one of them in the titles
            bits = 0
            for p in postings:
                bits |= p.titles_bits
            for p in postings:
                bits &= p.anywhere_bits
        if not bits:
            return Matches([], 0)
        size = len(facets.service_ids)
        held = np.unpackbits(np.frombuffer(bits.to_bytes(size // 8 + 1, "little"), np.uint8), bitorder="little")
        positions = np.flatnonzero(held[:size])
        matched = backend.combined_scores(postings, factors, title_only)[positions]
        if len(matched) > limit:
            # The limit-th best score, then every match at or above it (ties at the cut-off included).
            cut_off = np.partition(matched, len(matched) - limit)[len(matched) - limit]
            kept = matched >= cut_off
            positions, matched = positions[kept], matched[kept]
        # Best first, ties by position (the order of service ids).
        order = np.lexsort((positions, -matched))[:limit]
        chosen = zip(positions[order].tolist(), matched[order].tolist(), strict=True)
        return Matches([(facets.service_ids[p], score) for p, score in chosen], bits)


def _one_word(backend: Backend, postings: Postings, weight: float, facets: FacetIndex, limit: int) -> Matches:
    """One word: its title matches, already ordered by their score in the titles; the query's score is that one
    times a factor (or itself), which keeps the order, except that two close scores may become one: those ties
    are ordered again, by service id."""
    if not postings.titles_bits:
        return Matches([], 0)
    ordered = postings.by_title_score
    score = backend.one_word_score(weight)
    titles = postings.titles
    if len(ordered) <= limit:
        chosen = ordered.tolist()
    else:
        cut_off = score(float(titles[ordered[limit - 1]]))
        end = limit
        while end < len(ordered) and score(float(titles[ordered[end]])) == cut_off:
            end += 1
        chosen = ordered[:end].tolist()
    values = titles[chosen].tolist()
    ranked = sorted(((score(v), p) for v, p in zip(values, chosen, strict=True)), key=lambda m: (-m[0], m[1]))[:limit]
    return Matches([(facets.service_ids[p], s) for s, p in ranked], postings.titles_bits)
