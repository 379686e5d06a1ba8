"""Results kept per process: the same answers as computed afresh, and never older than the index or vocabulary."""

from __future__ import annotations

import math
import random

import pytest
from rapidfuzz.distance import OSA
from sqlalchemy import select

from finder import search
from finder.catalogue.models import Service
from finder.search import SearchRequest, query
from finder.search.cache import ResultCache
from finder.search.vocabulary import Vocabulary
from tests.conftest import executed, make_app
from tests.search.test_index_follows import _load


def _request(text, **options):
    return SearchRequest(text=text, language="en", **options)


def test_the_cache_drops_the_least_recently_used_past_its_weight():
    kept: ResultCache[str] = ResultCache(max_weight=10)
    kept.put("a", "A", 4)
    kept.put("b", "B", 4)
    assert kept.get("a") == "A"  # now "b" is the least recently used
    kept.put("c", "C", 4)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")
    kept.put("c", "C2", 6)  # replacing an entry counts its new weight only
    assert (kept.get("a"), kept.get("c")) == ("A", "C2")
    kept.put("huge", "H", 11)  # heavier than the whole cache: not kept, nothing dropped for it
    assert (kept.get("huge"), len(kept)) == (None, 2)


@pytest.mark.parametrize("text", ["certificate", "pasport renewel", "my father passed away", '"death certificate"'])
def test_a_kept_result_is_what_a_fresh_search_gives(demo_app, text):
    with demo_app.extensions["finder.db"].sessions() as session:
        search.forget_results()
        fresh = search.search(session, _request(text))
        kept = search.search(session, _request(text))
        search.forget_results()
        again = search.search(session, _request(text.upper() + "  "))  # the same normal form
    assert fresh == kept == again
    assert fresh.total > 0


def test_what_a_caller_does_to_its_results_does_not_change_the_next_callers(demo_app):
    with demo_app.extensions["finder.db"].sessions() as session:
        first = search.search(session, _request("passport"))
        expected = (list(first.hits), {k: dict(v) for k, v in first.facets.items()})
        first.hits.clear()
        first.facets["agency"].clear()
        second = search.search(session, _request("passport"))
    assert (second.hits, second.facets) == expected


def test_facets_can_be_left_uncounted(demo_app):
    with demo_app.extensions["finder.db"].sessions() as session:
        counted = search.search(session, _request("certificate"))
        uncounted = search.search(session, _request("certificate", facets=False))
    assert counted.facets and uncounted.facets == {}
    assert (uncounted.hits, uncounted.total) == (counted.hits, counted.total)


def test_a_search_can_give_its_page_without_hits(db, tmp_path):
    """A caller that lists services its own way (the API) gets the same page as ids, and no hit is read for it."""
    _load(db, tmp_path)  # a new index: no hit of it is kept yet
    with db.sessions() as session:
        with executed(db.engine) as statements:
            bare = search.search(session, _request("parking permit", hits=False))
        full = search.search(session, _request("parking permit"))
    assert bare.hits == [] and bare.service_ids
    assert (bare.service_ids, bare.total, bare.facets) == ([h.service_id for h in full.hits], full.total, full.facets)
    assert not [s for s, _ in statements if "JOIN agencies" in s], "no hit read"


def test_an_edit_committed_elsewhere_shows_in_the_next_search(db, tmp_path):
    """Another process's edit (an app and engine of its own): the result kept before it must not be served."""
    _load(db, tmp_path)
    with db.sessions() as session:
        assert [h.name for h in search.search(session, _request("recycling bin")).hits] == ["Order a recycling bin"]
    other = make_app(db.engine.url.render_as_string(hide_password=False))
    try:
        with other.extensions["finder.db"].transaction() as session:
            session.scalar(select(Service).where(Service.slug == "bins")).name = "Order a new recycling bin"
    finally:
        other.extensions["finder.usage_log"].close()
        other.extensions["finder.db"].dispose()
    with db.sessions() as session:
        hits = search.search(session, _request("recycling bin")).hits
    assert [h.name for h in hits] == ["Order a new recycling bin"]


def test_quoted_words_are_part_of_the_normal_form():
    assert query.normal_form("Death  certificate!") == query.normal_form("death certificate")
    assert query.normal_form('"death certificate"') != query.normal_form("death certificate")
    assert query.normal_form('"passport" renew') == query.normal_form("passport renew")


def test_typo_correction_compares_only_the_words_that_can_be_within_reach():
    """Comparing only the words of nearby lengths and letter counts must choose what comparing every known word
    chooses, whatever the script: "Á" and "a" are counted in the same class, as are "ج" and "l"."""
    rng = random.Random(7)
    letters = "abcdefghijlÁسج"
    vocabulary = Vocabulary("en")
    for _ in range(3000):
        vocabulary.known["".join(rng.choices(letters, k=rng.randint(2, 12)))] = rng.randint(1, 500)
    vocabulary.finish()

    def every_word(word: str) -> str | None:
        allowed = [
            (distance - query.FREQUENCY_WEIGHT * math.log10(1 + vocabulary.known[w]), place, w)
            for place, w in enumerate(vocabulary.by_frequency)
            if (distance := OSA.distance(word, w)) <= query.max_edits(max(len(word), len(w)))
        ]
        return min(allowed)[2] if allowed else None

    typed = ["".join(rng.choices(letters, k=rng.randint(4, 11))) for _ in range(300)]
    assert [query.correct(w, vocabulary) for w in typed] == [every_word(w) for w in typed]
    assert any(query.correct(w, vocabulary) for w in typed)
