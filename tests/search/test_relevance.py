"""Relevance over the demo catalogue, on each backend.

The issue's gate is recall@3 of at least 0.90 overall and 0.80 for every kind of query (the full report, with
every miss, is written to test-artifacts/).
"""

from __future__ import annotations

from pathlib import Path

from tests.search import relevance

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TARGET_OVERALL = 0.90
TARGET_PER_KIND = {"official": 0.80, "misspelt": 0.80, "synonym": 0.80, "situation": 0.80, "nothing": 0.80}


def test_relevance(demo_app, capsys):
    database = demo_app.extensions["finder.db"]
    with database.sessions() as session:
        outcomes = relevance.run(session)
    backend = database.engine.dialect.name
    text = relevance.report(outcomes, backend)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"relevance-{backend}.txt").write_text(text + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n" + text.split("Misses:")[0])
    table = relevance.summary(outcomes)
    assert len(outcomes) >= 200
    assert table[("all", "all")][1] >= TARGET_OVERALL, text
    for kind, floor in TARGET_PER_KIND.items():
        assert table[("all", kind)][1] >= floor, (kind, text)
