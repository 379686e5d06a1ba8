"""The relevance test set and its scoring: recall@3 and MRR per language and kind of query.

Each query lists the services a good finder must show in its top 3; a query is a hit when any of them is there.
A query of kind "nothing" is a hit when the finder answers with no result at all.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from finder import search

FOLDER = Path(__file__).parent / "relevance"
LANGUAGES = ("en", "fr", "es", "ar")
KINDS = ("official", "misspelt", "synonym", "situation", "nothing")


@dataclass
class Outcome:
    language: str
    kind: str
    query: str
    expected: list[str]
    found: list[str]
    total: int

    @property
    def rank(self) -> int | None:
        if self.kind == "nothing":
            return 1 if self.total == 0 else None
        ranks = [self.found.index(slug) + 1 for slug in self.expected if slug in self.found]
        return min(ranks) if ranks else None

    @property
    def hit(self) -> bool:
        return self.rank is not None and self.rank <= 3


def queries() -> list[tuple[str, dict]]:
    return [(lang, q) for lang in LANGUAGES for q in json.loads((FOLDER / f"{lang}.json").read_text("utf-8"))]


def run(session) -> list[Outcome]:
    outcomes = []
    for language, item in queries():
        results = search.search(session, search.SearchRequest(text=item["query"], language=language, per_page=10))
        outcomes.append(
            Outcome(
                language, item["kind"], item["query"], item["expect"], [h.slug for h in results.hits], results.total
            )
        )
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[tuple[str, str], tuple[int, float, float]]:
    """(language or 'all', kind or 'all') -> (queries, recall@3, MRR)."""
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        for key in ((o.language, o.kind), (o.language, "all"), ("all", o.kind), ("all", "all")):
            groups[key].append(o)
    return {
        key: (
            len(group),
            sum(o.hit for o in group) / len(group),
            sum(1 / o.rank if o.rank else 0 for o in group) / len(group),
        )
        for key, group in groups.items()
    }


def report(outcomes: list[Outcome], backend: str) -> str:
    table = summary(outcomes)
    lines = [
        f"Relevance on {backend}: recall@3 / MRR (queries)",
        f"{'':10}" + "".join(f"{k:>20}" for k in (*KINDS, "all")),
    ]
    for language in (*LANGUAGES, "all"):
        cells = []
        for kind in (*KINDS, "all"):
            n, recall, mrr = table.get((language, kind), (0, 0.0, 0.0))
            cells.append(f"{recall:6.2f} / {mrr:4.2f} ({n:3d})" if n else f"{'-':>20}")
        lines.append(f"{language:10}" + "".join(f"{c:>20}" for c in cells))
    misses = [o for o in outcomes if not o.hit]
    if misses:
        lines.append("Misses:")
        lines += [
            f"  [{o.language} {o.kind}] {o.query!r}: expected {o.expected}, got {o.found[:3]} ({o.total})"
            for o in misses
        ]
    return "\n".join(lines)
