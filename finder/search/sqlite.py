"""SQLite FTS5: one row per document in `search_fts` (rowid = search_documents.id), ranked by bm25."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from finder.search import query
from finder.search.backends import Backend

# bm25 weight of each column: language tag, name, alternate names and keywords, summary, body (the service id
# column is not indexed).
WEIGHTS = "0.0, 10.0, 5.0, 2.5, 1.0"


def language_token(language: str) -> str:
    # A token no text produces (words are folded to lower case and never start with this), so it only matches here.
    return f"zzlang{language.replace('-', '')}"


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

    def matched(
        self, expression: str, language: str, concepts: list | None = None, scored: bool = True
    ) -> tuple[str, dict]:
        # bm25 weighs rare words up by itself: the concepts are not needed.
        score = f", -bm25(search_fts, {WEIGHTS}) AS score" if scored else ""
        return (
            f"SELECT search_fts.service_id AS service_id{score} FROM search_fts WHERE search_fts MATCH :expression",
            {"expression": f'language : "{language_token(language)}" AND ({expression})'},
        )
