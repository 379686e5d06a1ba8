"""Relevance over the demo catalogue, on each backend: recall@3 of at least 0.90 overall and 0.80 for every kind."""

from __future__ import annotations

from pathlib import Path

from tests.search import relevance

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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
    assert table[("all", "all")][1] >= 0.90, text
    for kind in relevance.KINDS:
        assert table[("all", kind)][1] >= 0.80, text
