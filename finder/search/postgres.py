"""PostgreSQL full-text search: a weighted tsvector per document in `search_documents.document` and the part of
it from the titles in `search_documents.titles` (GIN indexes on both), ranked by ts_rank. The terms come already analysed (finder.search.text), so they are stored as given rather than
re-parsed by a text search configuration: that keeps the two backends' matching identical.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from finder.search import query
from finder.search.backends import Backend

FIELD_WEIGHTS = (("name", "A"), ("alt", "B"), ("summary", "C"), ("body", "D"))
# ts_rank's weights for D, C, B, A, as the bm25 column weights on SQLite (1 : 2.5 : 5 : 10).
RANK_WEIGHTS = "'{0.1, 0.25, 0.5, 1.0}'"
MAX_POSITION = 16383


def tsvector_literal(fields: dict[str, str]) -> str:
    """A tsvector in its input syntax: each term quoted with its positions and field weight."""
    positions: dict[str, list[str]] = {}
    position = 0
    for field, weight in FIELD_WEIGHTS:
        for term in fields[field].split():
            position = min(position + 1, MAX_POSITION)
            positions.setdefault(term, []).append(f"{position}{weight}")
        position = min(position + 1, MAX_POSITION)  # fields are not adjacent for phrases
    return " ".join(
        "'" + term.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(places[:256])
        for term, places in positions.items()
    )


def weight_literal(weight: float) -> str:
    """A concept's weight as the SQL of a ranking spells it."""
    return f"{float(weight):.6f}"


class PostgresBackend(Backend):
    name = "postgresql"

    def insert_many(self, session: Session, documents: list[tuple[int, dict[str, str]]]) -> None:
        session.execute(
            text(
                "UPDATE search_documents SET document = CAST(:document AS tsvector), "
                "titles = ts_filter(CAST(:document AS tsvector), '{a,b,c}') WHERE id = :id"
            ),
            [{"id": document_id, "document": tsvector_literal(fields)} for document_id, fields in documents],
        )

    def clear(self, session: Session) -> None:
        """Nothing to do: a document's tsvector is deleted with its row."""

    def expression(self, clauses, title_only: bool = False) -> tuple[str | None, str] | None:
        """(what the whole document must match, what its titles must match); see query.tsquery_expressions."""
        return query.tsquery_expressions(clauses, title_only) if clauses else None

    def term_scores(
        self, session: Session, stem: str, language: str, index_version: str
    ) -> tuple[dict[str, float], dict[str, float]]:
        # ts_rank gives a real: read as a double, its value comes exactly as the server multiplies it. The titles
        # hold a part of the document's terms, so one pass over the documents holding the word gives both.
        term = query.tsquery_expression([[query.Concept([stem], [query.Alternative((stem,))])]])
        rows = session.execute(
            text(
                f"SELECT d.service_id, CAST(ts_rank({RANK_WEIGHTS}, d.document, q, 1) AS float8), "
                f"CASE WHEN d.titles @@ q THEN CAST(ts_rank({RANK_WEIGHTS}, d.titles, q, 1) AS float8) END "
                "FROM search_documents d, CAST(:term AS tsquery) q WHERE d.language = :language AND d.document @@ q"
            ),
            {"term": term, "language": language},
        ).tuples()
        anywhere, titles = {}, {}
        for sid, rank, title_rank in rows:
            anywhere[sid] = rank
            if title_rank is not None:
                titles[sid] = title_rank
        return anywhere, titles

    def combined_scores(self, postings: list, weights: list[float], title_only: bool) -> np.ndarray:
        # As matched() spells it: each word's rank in the whole document (title_only: in the titles) times its
        # weight as written there.
        factors = [float(weight_literal(w)) for w in weights]
        ranks = [p.titles if title_only else p.anywhere for p in postings]
        scores = factors[0] * ranks[0]
        for factor, rank in zip(factors[1:], ranks[1:], strict=True):
            scores = scores + factor * rank
        return scores

    def one_word_score(self, weight: float) -> Callable[[float], float]:
        factor = float(weight_literal(weight))
        return lambda rank: factor * rank

    def matched(
        self, expression: tuple[str | None, str], language: str, concepts: list | None = None, scored: bool = True
    ) -> tuple[str, dict]:
        anywhere, titles = expression
        params: dict = {"titles": titles, "language": language}
        # Titles have a small tsvector of their own: matching them reads a fraction of what the whole documents
        # hold, and a query that only needs titles is ranked on them too (as FTS5 does with a column filter).
        where = "d.titles @@ CAST(:titles AS tsquery)"
        vector = "d.titles"
        if anywhere is not None:
            params["anywhere"] = anywhere
            where += " AND d.document @@ CAST(:anywhere AS tsquery)"
            vector = "d.document"
        if not scored:
            score = ""
        elif not concepts:
            score = f", ts_rank({RANK_WEIGHTS}, {vector}, CAST(:titles AS tsquery), 1) AS score"
        else:
            # ts_rank knows nothing of how rare a word is (bm25 on SQLite does): each concept's rank is weighed
            # by its inverse document frequency, so "probate" counts for more than "apply".
            parts = []
            for index, (concept, weight) in enumerate(concepts):
                params[f"c{index}"] = query.tsquery_expression([[concept]])
                parts.append(
                    f"{weight_literal(weight)} * ts_rank({RANK_WEIGHTS}, {vector}, CAST(:c{index} AS tsquery), 1)"
                )
            score = f", {' + '.join(parts)} AS score"
        return (
            f"SELECT d.service_id AS service_id{score} FROM search_documents d "
            f"WHERE d.language = :language AND {where}",
            params,
        )
