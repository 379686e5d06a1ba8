"""Search tables: one indexed document per published service and language, the words seen, and the vocabulary
that the coordinating office edits (synonyms, life-event phrasing, best bets).

The full-text part of a document is backend-specific and not mapped here: an FTS5 table `search_fts` (rowid =
SearchDocument.id) on SQLite, a GIN-indexed tsvector column `search_documents.document` on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finder.catalogue.models import Base, LifeEvent, Service, utcnow


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("service_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    # False where the service has no text of its own in this language and the document holds the fallback.
    translated: Mapped[bool] = mapped_column(Boolean)
    # The folded names (official and alternate), "|"-separated, for the exact-name boost.
    name_keys: Mapped[str] = mapped_column(Text)
    # The document's folded words, to keep the vocabulary's document frequencies when it changes.
    words: Mapped[list[str]] = mapped_column(default=list)
    # Usage-based popularity in [0, 1] (metrics fill it in); a small, bounded part of the ranking.
    popularity: Mapped[float] = mapped_column(Float, default=0.0)
    # The service's HSDS listing in this language, as the API lists it among results: kept with the document, which
    # every change to the service or its agency rewrites, so that listing a page of results reads ten rows instead of
    # loading ten services with their agency and channels (1.5 ms of a 3 ms request). None until the documents are
    # reindexed after migration 0014.
    # Plain JSON, not JSONB, on PostgreSQL: kept as written, its fields in the order the API gives them.
    listing: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class SearchWord(Base):
    """A word seen in the index, with how many documents hold it: the dictionary for typo correction."""

    __tablename__ = "search_words"

    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    word: Mapped[str] = mapped_column(String(200), primary_key=True)
    documents: Mapped[int] = mapped_column(Integer)


class SynonymRule(Base):
    """One rule in Solr's synonym syntax: `a, b, c` (all equivalent) or `a, b => c, d` (one way)."""

    __tablename__ = "search_synonyms"
    __table_args__ = (UniqueConstraint("language", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    rule: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LifeEventPhrase(Base):
    """Words people use for a life event ("passed away" for the death of a relative)."""

    __tablename__ = "search_life_event_phrases"
    __table_args__ = (UniqueConstraint("language", "life_event_id", "phrase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    life_event_id: Mapped[str] = mapped_column(ForeignKey("life_events.id", ondelete="CASCADE"))
    phrase: Mapped[str] = mapped_column(String(300))

    life_event: Mapped[LifeEvent] = relationship()


class BestBet(Base):
    """A service the coordinating office pins to the top of the results for a query."""

    __tablename__ = "search_best_bets"
    __table_args__ = (UniqueConstraint("language", "query", "service_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    # The query as folded words joined by single spaces.
    query: Mapped[str] = mapped_column(String(300), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Service] = relationship()
