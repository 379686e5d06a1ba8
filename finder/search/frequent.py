"""Broad queries answered from memory: the words found in many documents, kept per index version, per process.

A broad query ("apply", "renew register") matches most of the catalogue. The engine scores every match, and the
call then moved each into Python to keep the best hundred and count the total and the facets: most of a broad
query's time. For the words in many documents each process keeps, per index version, every document's score for
the word as the engine computes it inside a query (anywhere in the document, and in its titles) and the bitmaps of
the documents holding it. A query of simple words, one of them frequent and no filters, is then answered by
combining those: the same matches, the same scores to the last bit, so the same results as the engine's. Its rare
words are asked of the engine one at a time (their postings are short). A changed index changes the version that
every search reads first, so nothing older is ever combined.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from finder.search import cache, query
from finder.search.facets import FacetIndex

if TYPE_CHECKING:
    from finder.search.backends import Backend

# A word is frequent when it is in at least this share of the documents of the commonest word.
FREQUENT_SHARE = 0.1
# Postings kept per process, in documents (a few tens of MB at most); the least recently used go first.
POSTINGS_KEPT = 500_000


@dataclass(frozen=True)
class Matches:
    """A query's matches as the search call needs them: the `limit` best, ordered, and the bitmap of all."""

    best: list[tuple[str, float]]
    bits: int


@dataclass(frozen=True)
class Postings:
    """One word's documents (by service id) with its score in each, anywhere and in the titles, as the engine
    computes them within a query; the titles' service ids best first; bitmaps in the facet index's positions."""

    anywhere: dict[str, float]
    titles: dict[str, float]
    by_title_score: list[str]
    anywhere_bits: int
    titles_bits: int

    @classmethod
    def of(cls, anywhere: dict[str, float], titles: dict[str, float], facets: FacetIndex) -> Postings:
        return cls(
            anywhere,
            titles,
            sorted(titles, key=lambda sid: (-titles[sid], sid)),
            facets.bitmap(anywhere.keys()),
            facets.bitmap(titles.keys()),
        )


def best(matches: list[tuple[str, float]], limit: int) -> list[tuple[str, float]]:
    """The `limit` best matches, ties broken by service id. Scores are compared alone first (cheap for the
    thousands of matches of a broad query), then the few at or above the cut-off are ordered exactly."""
    if len(matches) <= limit:
        return sorted(matches, key=lambda match: (-match[1], match[0]))
    cut_off = heapq.nlargest(limit, matches, key=itemgetter(1))[-1][1]
    return sorted((m for m in matches if m[1] >= cut_off), key=lambda match: (-match[1], match[0]))[:limit]


class FrequentTerms:
    def __init__(self) -> None:
        self._kept: cache.ResultCache[Postings] = cache.ResultCache(POSTINGS_KEPT)

    def matches(
        self,
        session: Session,
        backend: Backend,
        plan: query.QueryPlan,
        weights: list[float],
        most_documents: int,
        language: str,
        index_version: str,
        facets: FacetIndex,
        limit: int,
    ) -> Matches | None:
        """The plan's matches combined from the words' postings, or None when the engine should be asked: a
        word that is not a plain word (a phrase, synonyms, an unfinished last word), fewer words required than
        typed, or no frequent word (then the engine's own work is small); None too when nothing matches, for the
        caller to loosen the query as it does with the engine's answer."""
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
        url = session.get_bind().url.render_as_string(hide_password=True)
        postings = []
        for stem, is_frequent in zip(stems, frequent, strict=True):
            key = (url, language, stem, index_version)
            found = self._kept.get(key) if is_frequent else None
            if found is None:
                anywhere, titles = backend.term_scores(session, stem, language, index_version)
                found = Postings.of(anywhere, titles, facets)
                if is_frequent:
                    self._kept.put(key, found, len(anywhere) + len(titles))
            postings.append(found)

        if len(postings) == 1:
            return _one_word(backend, postings[0], weights[0], limit) if postings[0].titles else None
        anywhere = sorted((p.anywhere for p in postings), key=len)
        titles = [p.titles for p in postings]
        candidates = [
            sid
            for sid in anywhere[0]
            if all(sid in other for other in anywhere[1:]) and any(sid in title for title in titles)
        ]
        if not candidates:
            return None
        bits = 0
        for p in postings:
            bits |= p.titles_bits
        for p in postings:
            bits &= p.anywhere_bits
        return Matches(best(backend.combined_scores(candidates, postings, weights), limit), bits)

    def clear(self) -> None:
        self._kept.clear()


def _one_word(backend: Backend, postings: Postings, weight: float, limit: int) -> Matches:
    """One word: its title matches, already ordered by their score in the titles; the query's score is that one
    times a factor (or itself), which keeps the order, except that two close scores may become one: those ties
    are ordered again, by service id."""
    ordered = postings.by_title_score
    score = backend.one_word_score(weight)
    titles = postings.titles
    if len(ordered) <= limit:
        chosen = ordered
    else:
        cut_off = score(titles[ordered[limit - 1]])
        end = limit
        while end < len(ordered) and score(titles[ordered[end]]) == cut_off:
            end += 1
        chosen = ordered[:end]
    ranked = sorted(((sid, score(titles[sid])) for sid in chosen), key=lambda match: (-match[1], match[0]))
    return Matches(ranked[:limit], postings.titles_bits)
