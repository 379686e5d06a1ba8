"""SQLite FTS5: one row per document in `search_fts` (rowid = search_documents.id), ranked by bm25."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from finder.search import query
from finder.search.backends import Backend, Filters
from finder.search.cache import PerVersion, database_of

# bm25 weight of each column: language tag, name, alternate names and keywords, summary, body (the service id
# column is not indexed).
WEIGHTS = "0.0, 10.0, 5.0, 2.5, 1.0"


def language_token(language: str) -> str:
    # A token no text produces (words are folded to lower case and never start with this), so it only matches here.
    return f"zzlang{language.replace('-', '')}"


class DocumentServices(PerVersion[dict[int, str]]):
    """Which service each document of a language belongs to, per database and index version.

    Reading a match's service id from the full-text table costs a lookup in its content table per match; its
    rowid (the document's id) comes free with the match. For a broad query of thousands of matches that lookup
    was most of the time, so the mapping is kept in memory and reloaded when the index changes."""

    def get(self, session: Session, language: str, index_version: str) -> dict[int, str]:
        def load() -> dict[int, str]:
            statement = text("SELECT id, service_id FROM search_documents WHERE language = :language")
            return dict(session.execute(statement, {"language": language}).tuples().all())

        return self.kept((database_of(session), language), index_version, load)


_document_services = DocumentServices()


class SqliteBackend(Backend):
    name = "sqlite"
    # The service id is kept in the full-text table itself: no join for every match.
    service_column = "search_fts.service_id"

    def insert_many(self, session: Session, documents: list[tuple[int, dict[str, str]]]) -> None:
        session.execute(
            text(
                "INSERT INTO search_fts (rowid, language, name, alt, summary, body, service_id) "
                "VALUES (:id, :language, :name, :alt, :summary, :body, :service_id)"
            ),
            [
                {**fields, "id": document_id, "language": language_token(fields["language"])}
                for document_id, fields in documents
            ],
        )

    def clear(self, session: Session) -> None:
        session.execute(text("DELETE FROM search_fts"))

    def expression(self, clauses, title_only: bool = False) -> str | None:
        return query.fts5_expression(clauses, title_only)

    def scored(
        self,
        session: Session,
        expression: str | None,
        language: str,
        filters: Filters,
        concepts: list | None = None,
        index_version: str = "",
    ) -> list[tuple[str, float]]:
        if not expression or not index_version:
            return super().scored(session, expression, language, filters, concepts, index_version)
        where, params = filters.sql(self.service_column)
        params["expression"] = f'language : "{language_token(language)}" AND ({expression})'
        # A broad query matches thousands of documents: read as the driver gives them, its rows cost a sixth of
        # what result rows built for each cost. Same connection, same transaction.
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute(
                f"SELECT search_fts.rowid, -bm25(search_fts, {WEIGHTS}) FROM search_fts "
                f"WHERE search_fts MATCH :expression{where}",
                params,
            )
            rows = cursor.fetchall()
        finally:
            cursor.close()
        # The version was read in this transaction, which sees the index as of that version: the mapping fits.
        services = _document_services.get(session, language, index_version)
        return [(services[document], score) for document, score in rows]

    def term_scores(
        self, session: Session, stem: str, language: str, index_version: str
    ) -> tuple[dict[str, float], dict[str, float]]:
        # Within a query each phrase adds its own share to bm25 (the language phrase adds 0: its column weighs 0),
        # so a word's share is what a query of it alone scores.
        services = _document_services.get(session, language, index_version)
        phrase = query.fts5_phrase(stem)
        found = []
        for expression in (phrase, f"{{name alt summary}} : ({phrase})"):
            cursor = session.connection().connection.cursor()
            try:
                cursor.execute(
                    f"SELECT search_fts.rowid, -bm25(search_fts, {WEIGHTS}) FROM search_fts "
                    "WHERE search_fts MATCH :expression",
                    {"expression": f'language : "{language_token(language)}" AND ({expression})'},
                )
                found.append({services[document]: score for document, score in cursor.fetchall()})
            finally:
                cursor.close()
        return found[0], found[1]

    def combined_scores(self, postings: list, weights: list[float], title_only: bool) -> np.ndarray:
        # The query's phrases in bm25's order: each word anywhere, then each word in the titles (see
        # query.fts5_expression; title_only: only the latter); a word absent from the titles adds 0.
        parts = (
            [p.titles for p in postings]
            if title_only
            else [p.anywhere for p in postings] + [p.titles for p in postings]
        )
        scores = parts[0]
        for part in parts[1:]:
            scores = scores + part
        return scores

    def one_word_score(self, weight: float) -> Callable[[float], float]:
        return float

    def matched(
        self, expression: str, language: str, concepts: list | None = None, scored: bool = True
    ) -> tuple[str, dict]:
        # bm25 weighs rare words up by itself: the concepts are not needed.
        score = f", -bm25(search_fts, {WEIGHTS}) AS score" if scored else ""
        return (
            f"SELECT search_fts.service_id AS service_id{score} FROM search_fts WHERE search_fts MATCH :expression",
            {"expression": f'language : "{language_token(language)}" AND ({expression})'},
        )
