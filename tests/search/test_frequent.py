"""Broad queries answered from the frequent words' postings: the same results as the engine gives, to the score,
and never older than the index."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from finder import search
from finder.catalogue import version as catalogue_version
from finder.catalogue.models import Service
from finder.search import SearchRequest, frequent
from tests.search.test_index_follows import _load

COMMON = ["apply", "renew", "register", "permit", "licence", "certificate", "vehicle", "business"]
RARE = ["harbour", "mooring", "kayak", "lighthouse"]


def _catalogue(size: int = 60) -> dict:
    """Services whose texts share a few common words (each in a large share of them) and a few rare ones."""
    rng = random.Random(7)

    def text(low: int, high: int) -> str:
        return " ".join(rng.choice(COMMON) for _ in range(rng.randint(low, high)))

    return {
        "format": "service-finder/1",
        "agencies": [{"slug": f"agency-{a}", "name": f"Agency {a}"} for a in range(3)],
        "services": [
            {
                "slug": f"service-{i}",
                "agency": f"agency-{i % 3}",
                "name": f"Service {i} {text(1, 3)}" + (f" {RARE[i // 10 % len(RARE)]}" if i % 10 == 3 else ""),
                "summary": text(3, 8),
                "description": text(10, 30),
                "status": "published",
            }
            for i in range(size)
        ],
    }


QUERIES = [
    *COMMON,
    *(f"{a} {b}" for a, b in zip(COMMON, COMMON[1:] + COMMON[:1], strict=True)),
    "apply renew register",
    "vehicle harbour",
    "licence kayak business",
    "aply renew",  # corrected to a frequent word
    "apply nonexistentword",
    "apply nonexistentword renew",  # nothing matches all three: loosened to the two known, in the titles
    "licence nonexistentword kayak",
    "renew nonexistentword mooring harbour",
    "renew renew",
    "renew harbour lighthouse mooring",  # four words: not all required, the engine answers
    "permit*",
]


def _results(db, text: str, plain: bool, monkeypatch: pytest.MonkeyPatch, **options):
    search.forget_results()
    with monkeypatch.context() as patch:
        if plain:
            patch.setattr(search._frequent, "matches", lambda *args, **kwargs: None)
        with db.sessions() as session:
            return search.search(session, SearchRequest(text=text, language="en", **options))


def _combined_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many searches were answered from the postings (the count grows as they are)."""
    answered = [0]
    original = search._frequent.matches

    def counting(*args, **kwargs):
        found = original(*args, **kwargs)
        answered[0] += found is not None
        return found

    monkeypatch.setattr(search._frequent, "matches", counting)
    return answered


def test_broad_queries_get_the_engines_results(db, tmp_path, monkeypatch):
    _load(db, tmp_path, _catalogue())
    answered = _combined_count(monkeypatch)
    for text in QUERIES:
        for options in ({}, {"page": 2, "per_page": 5}, {"facets": False}):
            fast = _results(db, text, False, monkeypatch, **options)
            plain = _results(db, text, True, monkeypatch, **options)
            assert fast == plain, text
    # Most of those queries were answered from the postings, and they found something.
    assert answered[0] >= 3 * 15
    assert _results(db, "apply renew", False, monkeypatch).total > 10


def test_an_edit_is_seen_at_once(db, tmp_path, monkeypatch):
    _load(db, tmp_path, _catalogue())
    answered = _combined_count(monkeypatch)
    with db.sessions() as session:
        before = search.search(session, SearchRequest(text="kayak apply", language="en"))
    with db.transaction() as session:
        edited = session.scalar(select(Service).where(Service.slug == "service-0"))
        edited.name = "Kayak apply apply apply"
        edited.summary = "Kayak"
    with db.sessions() as session:
        after = search.search(session, SearchRequest(text="kayak apply", language="en"))
    assert answered[0] == 2
    assert after.hits[0].slug == "service-0" and after != before
    assert after == _results(db, "kayak apply", True, monkeypatch)


def test_postings_are_kept_within_their_bound(db, tmp_path, monkeypatch):
    _load(db, tmp_path, _catalogue())
    monkeypatch.setattr(frequent, "POSTINGS_KEPT", 3000)  # bytes: two or three words' postings here
    monkeypatch.setattr(search, "_frequent", frequent.FrequentTerms())
    for text in COMMON:
        assert _results(db, text, False, monkeypatch) == _results(db, text, True, monkeypatch)
    assert 0 < len(search._frequent._kept) < len(COMMON)


def test_the_frequent_words_postings_are_loaded_ahead(db, tmp_path, monkeypatch):
    _load(db, tmp_path, _catalogue())
    monkeypatch.setattr(frequent, "PRELOAD_FROM", 0)  # this catalogue is small
    monkeypatch.setattr(search, "_frequent", frequent.FrequentTerms())
    with db.sessions() as session:
        search.search(session, SearchRequest(text="harbour", language="en"))  # no frequent word in it
    search.wait_for_loading()
    loaded = {key[2] for key in search._frequent._kept._entries}
    assert {"appli", "renew", "regist", "licenc", "certif"} <= loaded
    # Loaded before any search asked for them: no search of frequent words loads anything now, and each gets what
    # the engine gives.
    with monkeypatch.context() as patch:
        patch.setattr(frequent.Postings, "of", None)
        for text in QUERIES[: 2 * len(COMMON)]:
            assert _results(db, text, False, monkeypatch) == _results(db, text, True, monkeypatch), text

    # An edit makes a new index version: its first search starts loading that version's postings.
    with db.transaction() as session:
        session.scalar(select(Service).where(Service.slug == "service-0")).name = "Kayak"
    with db.sessions() as session:
        version = catalogue_version.of(session)[search.vocabulary.INDEX]
        search.search(session, SearchRequest(text="harbour", language="en"))
    search.wait_for_loading()
    assert {key[2] for key in search._frequent._kept._entries if key[3] == version} == loaded
