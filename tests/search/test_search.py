"""The search interface over the demo catalogue, on each backend."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finder import search
from finder.catalogue.models import Service
from finder.search import SearchRequest


def _search(app, text, language="en", **filters):
    with app.extensions["finder.db"].sessions() as session:
        results = search.search(session, SearchRequest(text=text, language=language, **filters))
        return results, [h.slug for h in results.hits]


def test_official_name_comes_first(demo_app):
    _, slugs = _search(demo_app, "register a birth")
    assert slugs[0] == "cro-register-a-birth"


def test_typos_are_corrected_with_a_suggestion(demo_app):
    results, slugs = _search(demo_app, "pasport renewel")
    assert results.suggestion == "passport renewal"
    assert "renew-your-passport" in slugs[:3]


def test_one_edit_is_allowed_on_short_words_and_none_on_very_short_ones(demo_app):
    assert _search(demo_app, "pasport")[0].suggestion == "passport"
    assert _search(demo_app, "tex")[0].suggestion is None


def test_unfinished_last_word_is_a_prefix(demo_app):
    _, slugs = _search(demo_app, "renew passp")
    assert "renew-your-passport" in slugs[:3]


def test_quoted_words_must_be_a_phrase(demo_app):
    phrase, _ = _search(demo_app, '"death certificate"')
    loose, _ = _search(demo_app, "death certificate")
    assert 0 < phrase.total <= loose.total


def test_arabic_with_diacritics_and_variants_finds_the_same(demo_app):
    _, plain = _search(demo_app, "جواز السفر", "ar")
    _, marked = _search(demo_app, "جَوَاز السَّفَر", "ar")
    assert plain == marked and plain


@pytest.mark.parametrize(
    ("language", "text"), [("fr", "passeport perdu"), ("es", "pasaporte perdido"), ("ar", "جواز سفر مفقود")]
)
def test_each_language_finds_the_lost_passport_service(demo_app, language, text):
    _, slugs = _search(demo_app, text, language)
    assert "report-and-replace-a-lost-or-stolen-passport" in slugs[:3]


def test_a_language_without_its_own_text_searches_the_fallback(demo_app):
    # No service is translated into Chinese: its documents hold the English text.
    _, slugs = _search(demo_app, "passport", "zh")
    assert slugs


def test_a_sentence_falls_back_on_its_rarest_word(demo_app):
    # No title holds "feel", "alone" and "depressed" together, nor two of them: the rarest word carries the query.
    _, slugs = _search(demo_app, "Me siento muy solo y deprimido", "es")
    assert slugs[:1] == ["mental-health-support-line"]
    # Two words are not enough for that last resort: one common word must not match everything.
    results, _ = _search(demo_app, "pizza delivery")
    assert results.total == 0


def test_nonsense_finds_nothing(demo_app):
    results, _ = _search(demo_app, "qwzx plorb")
    assert results.total == 0 and results.hits == []


@pytest.mark.parametrize(
    "text",
    [
        'NEAR("passport" "renew", 2)',
        "passport AND OR NOT",
        "pass* ^renew",
        '"unterminated',
        "'; DROP TABLE services; --",
        "(((((",
        "x" * 10_000,
        "passport " * 2_000,
        "\x00\x01\x02\x7f",
        "🛂 passport 🇫🇷",
        "паспорт جواز 护照 passport",
        "",
        "   ",
    ],
)
def test_any_text_is_safe(demo_app, text):
    results, _ = _search(demo_app, text)
    assert results.total >= 0


def test_filters_restrict_and_facets_count(demo_app):
    everything, _ = _search(demo_app, "certificate")
    assert everything.facets["agency"]
    agency_id, count = max(everything.facets["agency"].items(), key=lambda kv: kv[1])
    only, _ = _search(demo_app, "certificate", agency=agency_id)
    assert only.total == count
    with demo_app.extensions["finder.db"].sessions() as session:
        assert {
            s.agency_id
            for s in session.scalars(
                select(Service).where(Service.slug.in_(_search(demo_app, "certificate", agency=agency_id)[1]))
            )
        } == {agency_id}
    assert sum(everything.facets["channel"].values()) >= everything.total


def test_filters_combine_with_and(demo_app):
    online, _ = _search(demo_app, "passport", channel="online")
    in_person, _ = _search(demo_app, "passport", channel="in_person")
    both, _ = _search(demo_app, "passport", channel="in_person", category="passports")
    assert both.total <= min(online.total, in_person.total)
    assert both.total > 0


def test_a_parent_category_includes_its_children(demo_app):
    parent, _ = _search(demo_app, "", category="travel-and-immigration")
    child, _ = _search(demo_app, "", category="passports")
    assert parent.total > child.total > 0


def test_life_event_filter_without_words_browses(demo_app):
    results, slugs = _search(demo_app, "", life_event="having-a-baby", per_page=50)
    assert "cro-register-a-birth" in slugs
    assert results.total == len(slugs)


def test_unknown_filter_is_an_error(demo_app):
    with pytest.raises(search.UnknownFilter, match="category"):
        _search(demo_app, "passport", category="no-such-category")
    with pytest.raises(search.UnknownFilter, match="channel"):
        _search(demo_app, "passport", channel="pigeon")
    # Not a database error either (PostgreSQL refuses a NUL byte in text).
    for name in ("category", "agency", "life_event"):
        with pytest.raises(search.UnknownFilter, match=name):
            _search(demo_app, "passport", **{name: "having-a-baby\x00"})


def test_pages_do_not_overlap(demo_app):
    first, a = _search(demo_app, "certificate", per_page=5)
    second, b = _search(demo_app, "certificate", per_page=5, page=2)
    assert first.total == second.total > 10
    assert not set(a) & set(b)


def test_results_are_deterministic(demo_app):
    first = _search(demo_app, "benefit")[1]
    search.forget_results()  # computed again, not the result kept from the first search
    assert _search(demo_app, "benefit")[1] == first


def test_backends_match_the_same_services(demo_sqlite_url, demo_postgresql_url):
    """Both engines index the same terms: they must match the same services for the same query."""
    from tests.conftest import make_app
    from tests.search.relevance import queries

    apps = [make_app(demo_sqlite_url), make_app(demo_postgresql_url)]
    for language, item in queries():
        found = []
        for app in apps:
            results, slugs = _search(app, item["query"], language, per_page=200)
            found.append((results.total, set(slugs)))
        assert found[0] == found[1], (language, item["query"])
    for app in apps:
        app.extensions["finder.db"].dispose()


def test_a_request_out_of_bounds_is_refused():
    with pytest.raises(ValueError, match="per_page"):
        SearchRequest(text="x", language="en", per_page=0)
    with pytest.raises(ValueError, match="page"):
        SearchRequest(text="x", language="en", page=0)


def test_the_best_candidates_are_cut_exactly_where_scores_tie():
    from finder.search.frequent import best as _best

    matches = [(f"s{i:03}", float(i % 4)) for i in range(200)]
    best = _best(matches, 60)
    assert best == sorted(matches, key=lambda m: (-m[1], m[0]))[:60]
    assert {score for _, score in best} == {3.0, 2.0} and best[50] == ("s002", 2.0)
