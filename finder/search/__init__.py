"""Search: one interface for the web, the API and every channel, on SQLite FTS5 or PostgreSQL full-text search.

    results = search.search(session, SearchRequest(text="lost passport", language="en"))

Any text is safe to pass: it is analysed into words before the index sees it, so operators, quotes, SQL or
10,000 characters of anything give results or an empty page, never an error.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from finder.catalogue import version
from finder.catalogue.models import Agency, Category, LifeEvent, Service, ServiceLifeEvent
from finder.catalogue.translation import candidates as language_candidates
from finder.search import backends, frequent, indexing, query, vocabulary
from finder.search import facets as search_facets
from finder.search.backends import Filters
from finder.search.cache import ResultCache, database_of
from finder.search.candidates import NO_DETAILS, Candidate, CandidateCache
from finder.search.indexing import SearchSettings
from finder.search.models import SearchDocument
from finder.search.text import language_of, terms_of

CHANNELS = ("online", "phone", "sms", "email", "in_person")
MAX_PER_PAGE = 200

# How a service's final score is made up (text relevance is normalised to 0..1 within the results).
LIFE_EVENT_BOOST = 0.6
LIFE_EVENT_CENTRALITY = 0.6
EXACT_NAME_BOOST = 2.0
NAME_WEIGHT = 0.5
POPULARITY_WEIGHT = 0.1
# Enough candidates to re-rank that boosts can lift a service from well below the first page.
CANDIDATES = 100

# Results kept per process, bounded by the hits and facet counts they hold (a few tens of MB at most).
RESULTS_KEPT = 100_000
# Hits (a service's name, summary and agency in a language) kept per process: a few MB at most.
HITS_KEPT = 20_000

_cache = vocabulary.VocabularyCache()
_facet_cache = search_facets.FacetCache()
_frequent = frequent.FrequentTerms()
_candidates = CandidateCache()
_results: ResultCache[SearchResults] = ResultCache(RESULTS_KEPT)
_listed: ResultCache[SearchHit] = ResultCache(HITS_KEPT)


class UnknownFilter(ValueError):
    """A filter names a category, life event, agency or channel that does not exist."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"{name}: no such {name.replace('_', ' ')} {value!r}")
        self.name, self.value = name, value


@dataclass(frozen=True)
class SearchRequest:
    text: str
    language: str
    category: str | None = None
    life_event: str | None = None
    agency: str | None = None
    channel: str | None = None
    available_language: str | None = None
    modified_after: dt.datetime | None = None
    page: int = 1
    per_page: int = 10
    # Callers that do not show facet counts (SMS) need not have them counted.
    facets: bool = True
    # Callers that list the services their own way (the API, from the HSDS listings the index keeps) need only their
    # ids, not the hits read for them.
    hits: bool = True

    def __post_init__(self) -> None:
        # Callers validate what people send; this guards the engine against a caller's slip.
        if self.page < 1 or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"page must be 1 or more and per_page 1 to {MAX_PER_PAGE}")


@dataclass(frozen=True)
class SearchHit:
    """One result: enough to list it (name, summary, agency in the language asked, or the default)."""

    service_id: str
    slug: str
    name: str
    summary: str
    agency: str
    language: str
    score: float


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    suggestion: str | None = None
    life_events: list[str] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # The page's services, best first: those of the hits, or without hits (SearchRequest.hits) the page's ids alone.
    service_ids: list[str] = field(default_factory=list)


def search(session: Session, request: SearchRequest, versions: version.Versions | None = None) -> SearchResults:
    """Published services for a query, best first, with facet counts and a "did you mean" suggestion.

    `versions`: the version tokens (finder.catalogue.version) as the request already read them for `session`'s
    database, which saves reading them again; by default they are read in `session`."""
    settings = indexing.settings_of(session)
    language = language_of(request.language)
    if settings is not None and language not in settings.languages:
        language = settings.default_language
    default_language = settings.default_language if settings else "en"
    filters = _filters(session, request)
    tokens = version.of(session) if versions is None else versions
    searched_at = (tokens.get(vocabulary.INDEX, ""), tokens.get(vocabulary.VOCABULARY, ""))
    key = (
        database_of(session),
        query.normal_form(request.text),
        language,
        request.language,
        filters,
        request.page,
        request.per_page,
        request.facets,
        request.hits,
        searched_at,
    )
    kept = _results.get(key)
    if kept is None:
        kept = _search(session, request, language, default_language, filters, searched_at)
        _results.put(key, kept, len(kept.hits) + sum(len(values) for values in kept.facets.values()))
    # Each caller gets its own lists: what one does with them must not change what the next one is given.
    return replace(
        kept,
        hits=list(kept.hits),
        service_ids=list(kept.service_ids),
        life_events=list(kept.life_events),
        facets={name: dict(values) for name, values in kept.facets.items()},
    )


def _search(
    session: Session,
    request: SearchRequest,
    language: str,
    default_language: str,
    filters: Filters,
    versions: tuple[str, str],
) -> SearchResults:
    vocab = _cache.get(session, language, default_language, versions)
    plan = query.plan(request.text, language, vocab)
    backend = backends.for_session(session)
    has_filters = filters != Filters()
    if plan.is_empty and not has_filters:
        return SearchResults([], 0, request.page, request.per_page, suggestion=plan.suggestion)

    # No words to match, only filters: browse everything they allow.
    browse = not plan.concepts and not plan.life_events and not plan.best_bets
    limit = max(CANDIDATES, request.page * request.per_page)
    facet_index = _facet_cache.get(session, versions[0])
    _frequent.preload(session, backend, vocab, language, versions[0], facet_index)

    def matched(plan: query.QueryPlan, title_only: bool = False) -> frequent.Matches:
        weights = _weights(plan, vocab)
        if plan.concepts and not has_filters:
            found = _frequent.matches(
                session,
                backend,
                plan,
                weights,
                vocab.most_documents,
                language,
                versions[0],
                facet_index,
                limit,
                title_only,
            )
            if found is not None:
                return found
        expression = backend.expression(plan.clauses(), title_only=title_only) if plan.concepts else None
        matches = backend.scored(session, expression, language, filters, weights, versions[0])
        # Only the best few are re-ranked with the boosts; the rest count for the total and the facets.
        return frequent.Matches(frequent.best(matches, limit), facet_index.bitmap(sid for sid, _ in matches))

    found = matched(plan) if plan.concepts or browse else frequent.Matches([], 0)
    for looser in plan.relaxations() if plan.concepts and not found.best else []:
        found = matched(looser, title_only=True)
        if found.best:
            break
    text_scores = dict(found.best)

    details = _candidates.get(session, language, versions[0])

    def allowed(service_ids: list[str]) -> set[str]:
        """Those of the services that have a document in the language and that the filters allow."""
        if has_filters:
            return backend.matching(session, None, language, filters.restricted_to(service_ids))
        return {sid for sid in service_ids if sid in details}

    event_services: set[str] = set()
    if plan.life_events:
        linked = 0
        for event_id in plan.life_events:
            linked |= facet_index.bitmaps.get(("life_event", event_id), 0)
        event_services = allowed(facet_index.members(linked))

    bets: list[str] = []
    if plan.best_bets:
        pinned = allowed(plan.best_bets)
        bets = [sid for sid in plan.best_bets if sid in pinned]

    event_scores = _event_scores(session, plan, vocab, event_services, language) if event_services else {}
    scores = _scores(plan, text_scores, event_scores, details)
    ordered = bets + sorted((sid for sid in scores if sid not in bets), key=lambda sid: (-scores[sid], sid))

    results = found.bits | facet_index.bitmap(event_services | set(bets))
    facets = search_facets.count(facet_index, results) if request.facets else {}

    start = (request.page - 1) * request.per_page
    page_ids = ordered[start : start + request.per_page]
    hits = _hits(session, page_ids, scores, request.language, default_language, versions[0]) if request.hits else []
    return SearchResults(
        hits=hits,
        service_ids=[hit.service_id for hit in hits] if request.hits else page_ids,
        total=results.bit_count(),
        page=request.page,
        per_page=request.per_page,
        suggestion=plan.suggestion,
        life_events=plan.life_events,
        facets=facets,
    )


# Built once, the page's ids bound as one expanding parameter: building the statement anew cost more than running it.
_HITS = (
    select(
        Service.id,
        Service.slug,
        Service.name,
        Service.summary,
        Service.translations,
        Agency.name,
        Agency.translations,
    )
    .join(Agency, Agency.id == Service.agency_id)
    .where(Service.id.in_(bindparam("ids", expanding=True)))
)


def _hits(
    session: Session,
    service_ids: list[str],
    scores: dict[str, float],
    language: str,
    default_language: str,
    index_version: str,
) -> list[SearchHit]:
    """The page's hits. What a hit shows changes only with the index (reindexing follows every edit of a service,
    its agency's name included), so hits are kept per index version and only those not kept are read."""
    url = database_of(session)
    found = {}
    for sid in service_ids:
        hit = _listed.get((url, index_version, sid, language, default_language))
        if hit is not None:
            found[sid] = hit
    missing = [sid for sid in service_ids if sid not in found]
    rows = session.connection().execute(_HITS, {"ids": missing}) if missing else ()
    for sid, slug, name, summary, translations, agency, agency_translations in rows:
        chosen = next(
            (
                c
                for c in language_candidates(language)
                if c != default_language and (translations or {}).get(c, {}).get("name")
            ),
            None,
        )
        text = (translations or {}).get(chosen, {}) if chosen else {}
        found[sid] = SearchHit(
            service_id=sid,
            slug=slug,
            name=text.get("name", name),
            summary=text.get("summary", summary),
            agency=(agency_translations or {}).get(chosen or "", {}).get("name", agency),
            language=chosen or default_language,
            score=0.0,
        )
        _listed.put((url, index_version, sid, language, default_language), found[sid], 1)
    return [replace(found[sid], score=scores.get(sid, 0.0)) for sid in service_ids if sid in found]


def _scores(
    plan: query.QueryPlan,
    text_scores: dict[str, float],
    event_scores: dict[str, float],
    details: dict[str, Candidate],
) -> dict[str, float]:
    """The final score of the best text matches and of every service of the query's life events (see docs/search.md,
    Ranking)."""
    key = f"|{' '.join(plan.words)}|"
    top_text = max(text_scores.values(), default=0.0) or 1.0
    concepts = [[set(a.stems) for a in c.alternatives] for c in plan.concepts]
    scores: dict[str, float] = {}
    for sid in set(text_scores) | set(event_scores):
        name_keys, popularity = details.get(sid, NO_DETAILS)
        score = text_scores.get(sid, 0.0) / top_text
        if sid in event_scores:
            score += LIFE_EVENT_BOOST + LIFE_EVENT_CENTRALITY * event_scores[sid]
        if key != "||" and key in name_keys:
            score += EXACT_NAME_BOOST
        if concepts and name_keys:
            score += NAME_WEIGHT * _name_coverage(concepts, _name_terms(name_keys, plan.language))
        score += POPULARITY_WEIGHT * min(max(popularity, 0.0), 1.0)
        scores[sid] = round(score, 9)
    return scores


@lru_cache(maxsize=50_000)
def _name_terms(name_keys: str, language: str) -> frozenset[str]:
    """The index terms of a service's names: the same few thousand names are ranked search after search."""
    return frozenset(terms_of(name_keys.replace("|", " ").split(), language))


def _name_coverage(concepts: list[list[set[str]]], names: frozenset[str]) -> float:
    """The share of the query's concepts (each as its alternatives' stems) said in the service's names: the name
    is the strongest evidence."""
    said = 0
    for alternatives in concepts:
        for stems in alternatives:
            if stems <= names:
                said += 1
                break
    return said / len(concepts)


def _weights(plan: query.QueryPlan, vocab: vocabulary.Vocabulary) -> list[tuple[query.Concept, float]]:
    """Each concept with its inverse document frequency: how much finding it says about a service."""
    return [
        (c, math.log(1 + vocab.most_documents / (1 + max((vocab.known.get(w, 0) for w in c.words), default=0))))
        for c in plan.concepts
    ]


def _event_scores(
    session: Session,
    plan: query.QueryPlan,
    vocab: vocabulary.Vocabulary,
    service_ids: set[str],
    language: str,
) -> dict[str, float]:
    """For each service of the life events the query is about, how central it is to them, from 0 to 1.

    Where the event has a journey (its services in the order a citizen needs them), the place in it decides:
    the first step scores 1, the last 1/n. Otherwise, and to order what the journey leaves out, its words do: its
    name holding the key steps of the event's description ("Register the death, arrange the funeral...") counts
    most, then its name holding the event's phrasing, then its text. Counted here, not by an engine, so that both
    backends agree."""
    phrasing: set[str] = set()
    for stems, event_id in vocab.phrases:
        if event_id in plan.life_events:
            phrasing |= stems
    steps: set[str] = set().union(*(vocab.event_steps.get(e, frozenset()) for e in plan.life_events))
    wording: dict[str, float] = {}
    for sid, name_keys, document_words in session.execute(
        select(SearchDocument.service_id, SearchDocument.name_keys, SearchDocument.words).where(
            SearchDocument.language == language, SearchDocument.service_id.in_(service_ids)
        )
    ):
        name = _name_terms(name_keys, plan.language)
        text = set(terms_of(document_words, plan.language))
        wording[sid] = 3 * len(name & steps) + 2 * len(name & phrasing) + len(text & phrasing)
    top_wording = max(wording.values(), default=0) or 1

    journeys = session.execute(
        select(ServiceLifeEvent.life_event_id, ServiceLifeEvent.service_id, ServiceLifeEvent.step).where(
            ServiceLifeEvent.life_event_id.in_(plan.life_events), ServiceLifeEvent.step.is_not(None)
        )
    ).all()
    lengths: dict[str, int] = {}
    for event_id, _, step in journeys:
        lengths[event_id] = max(lengths.get(event_id, 0), step)
    place: dict[str, float] = {}
    for event_id, sid, step in journeys:
        place[sid] = max(place.get(sid, 0.0), (lengths[event_id] - step + 1) / lengths[event_id])
    if not place:
        return {sid: w / top_wording for sid, w in wording.items()}
    return {sid: place.get(sid, 0.0) * 0.9 + 0.1 * wording.get(sid, 0) / top_wording for sid in service_ids}


def _filters(session: Session, request: SearchRequest) -> Filters:
    def descendants(model, value: str, name: str) -> tuple[str, ...]:
        rows = session.execute(select(model.id, model.slug, model.parent_id)).all()
        root = next((r.id for r in rows if value in (r.id, r.slug)), None)
        if root is None:
            raise UnknownFilter(name, value)
        found, frontier = {root}, [root]
        while frontier:
            children = [r.id for r in rows if r.parent_id in frontier and r.id not in found]
            found.update(children)
            frontier = children
        return tuple(sorted(found))

    category_ids = descendants(Category, request.category, "category") if request.category else None
    agency_ids = descendants(Agency, request.agency, "agency") if request.agency else None
    life_event_ids = None
    if request.life_event:
        # Compared here, as categories and agencies are: whatever was typed never reaches the database (a NUL byte
        # is an error to PostgreSQL, not a mismatch).
        rows = session.execute(select(LifeEvent.id, LifeEvent.slug)).all()
        event = next((r.id for r in rows if request.life_event in (r.id, r.slug)), None)
        if event is None:
            raise UnknownFilter("life_event", request.life_event)
        life_event_ids = (event,)
    if request.channel is not None and request.channel not in CHANNELS:
        raise UnknownFilter("channel", request.channel)
    return Filters(
        category_ids=category_ids,
        life_event_ids=life_event_ids,
        agency_ids=agency_ids,
        channel=request.channel,
        available_language=language_of(request.available_language) if request.available_language else None,
        modified_after=request.modified_after,
    )


# Built once, the ids bound as one expanding parameter (see _HITS).
_LISTINGS = select(SearchDocument.service_id, SearchDocument.listing).where(
    SearchDocument.language == bindparam("language"), SearchDocument.service_id.in_(bindparam("ids", expanding=True))
)


def listings(session: Session, service_ids: list[str], language: str) -> dict[str, dict]:
    """The HSDS listings the index keeps of these published services in a language, by id (see
    SearchDocument.listing). Only the index's languages have them, exactly as asked ("fr", not "fr-CA"); a service
    whose documents were not reindexed since listings were kept is left out."""
    rows = session.connection().execute(_LISTINGS, {"language": language, "ids": service_ids})
    return {sid: listing for sid, listing in rows if listing is not None}


def forget_results() -> None:
    """Drop the results this process keeps (the next searches are computed afresh; what is kept per index version,
    as the vocabulary, the facets and the hits shown, stays)."""
    _results.clear()


def wait_for_loading() -> None:
    """Wait until what this process is loading ahead in the background (the frequent words' postings of a new
    index version) is loaded: for benchmarks and tests; searches never wait for it."""
    _frequent.wait()


def configure(session_info: dict, languages: tuple[str, ...], default_language: str) -> None:
    """Turn on index maintenance for the sessions made with this info dict (see finder.db)."""
    session_info["finder.search"] = SearchSettings(
        tuple(dict.fromkeys((default_language, *languages))), default_language
    )


def rebuild(session: Session) -> int:
    """Reindex every service; returns how many."""
    return indexing.rebuild(session)


seed_vocabulary = vocabulary.seed
add_synonym_rule = vocabulary.add_synonym_rule
set_best_bets = vocabulary.set_best_bets
RuleError = vocabulary.RuleError

__all__ = [
    "CHANNELS",
    "ResultCache",
    "RuleError",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "UnknownFilter",
    "add_synonym_rule",
    "configure",
    "forget_results",
    "listings",
    "rebuild",
    "search",
    "seed_vocabulary",
    "set_best_bets",
    "wait_for_loading",
]
