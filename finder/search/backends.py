"""The search backends: one contract, the SQL shared; each engine supplies its own full-text match and rank."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Filters:
    """Restrictions on the services searched, each resolved to ids; they combine with AND."""

    category_ids: tuple[str, ...] | None = None
    life_event_ids: tuple[str, ...] | None = None
    agency_ids: tuple[str, ...] | None = None
    channel: str | None = None
    available_language: str | None = None
    modified_after: dt.datetime | None = None
    only_ids: tuple[str, ...] | None = None

    def sql(self, column: str = "d.service_id") -> tuple[str, dict]:
        """SQL conditions on the service id `column` of the query they join, and their parameters (plain named
        parameters, lists spelled out one by one, so the SQL runs as it is on any driver that takes them)."""
        parts, params = [], {}

        def listed(name: str, values: tuple[str, ...]) -> str:
            names = [f"{name}_{i}" for i in range(len(values))] or [name]
            params.update(zip(names, values or ("",), strict=True))
            return "(" + ", ".join(f":{n}" for n in names) + ")"

        if self.category_ids is not None:
            categories = listed("f_categories", self.category_ids)
            parts.append(f"{column} IN (SELECT service_id FROM service_categories WHERE category_id IN {categories})")
        if self.life_event_ids is not None:
            events = listed("f_events", self.life_event_ids)
            parts.append(f"{column} IN (SELECT service_id FROM service_life_events WHERE life_event_id IN {events})")
        if self.agency_ids is not None:
            parts.append(
                f"{column} IN (SELECT id FROM services WHERE agency_id IN {listed('f_agencies', self.agency_ids)})"
            )
        if self.channel == "in_person":
            parts.append(f"{column} IN (SELECT service_id FROM service_offices)")
        elif self.channel is not None:
            parts.append(
                f"{column} IN (SELECT service_id FROM delivery_channels WHERE CAST(kind AS VARCHAR) = :f_channel)"
            )
            params["f_channel"] = self.channel
        if self.available_language is not None:
            parts.append(
                f"{column} IN (SELECT service_id FROM search_documents WHERE language = :f_language AND translated)"
            )
            params["f_language"] = self.available_language
        if self.modified_after is not None:
            parts.append(f"{column} IN (SELECT id FROM services WHERE updated_at > :f_modified)")
            params["f_modified"] = self.modified_after
        if self.only_ids is not None:
            parts.append(f"{column} IN {listed('f_only', self.only_ids)}")
        return "".join(f" AND {p}" for p in parts), params

    def restricted_to(self, ids: list[str]) -> Filters:
        return replace(self, only_ids=tuple(ids))


class Backend:
    """What differs between engines: how a document's terms are stored, matched and ranked."""

    name: str

    def insert_many(self, session: Session, documents: list[tuple[int, dict[str, str]]]) -> None:
        """Store the analysed fields (and language) of documents already in search_documents."""
        raise NotImplementedError

    def clear(self, session: Session) -> None:
        raise NotImplementedError

    def expression(self, clauses, title_only: bool = False) -> str | None:
        raise NotImplementedError

    # The column of the service id in the SQL that matched() gives, for the filters to apply to.
    service_column = "d.service_id"

    def matched(
        self, expression: str, language: str, concepts: list | None = None, scored: bool = True
    ) -> tuple[str, dict]:
        """SQL selecting (service_id, score) of the documents matching (service_id alone when not `scored`),
        and its parameters. `concepts`: the query's (concept, weight) pairs, for an engine whose ranking needs
        them spelled out."""
        raise NotImplementedError

    def all_documents(self, language: str) -> tuple[str, dict]:
        """SQL selecting (service_id, score) of every document in a language, when there is no text to match."""
        return (
            "SELECT d.service_id AS service_id, CAST(0 AS FLOAT) AS score FROM search_documents d "
            "WHERE d.language = :language",
            {"language": language},
        )

    def _query(self, expression, language, filters, concepts, scored: bool = True) -> tuple[str, dict]:
        if expression:
            source, params = self.matched(expression, language, concepts, scored)
            where, extra = filters.sql(self.service_column)
        else:
            source, params = self.all_documents(language)
            where, extra = filters.sql()
        return f"{source}{where}", {**params, **extra}

    def scored(
        self,
        session: Session,
        expression: str | None,
        language: str,
        filters: Filters,
        concepts: list | None = None,
        index_version: str = "",
    ) -> list[tuple[str, float]]:
        """Every service matching (or, without an expression, that the filters allow) with its text score.

        One pass gives the ranking, the total and the facets: the engine has to score every match to find the
        best ones anyway, so a second, unscored pass for the count would only repeat the full-text work.
        `index_version` lets an engine cache what it derives from the index."""
        sql, params = self._query(expression, language, filters, concepts)
        return session.execute(text(sql), params).tuples().all()

    def term_scores(
        self, session: Session, stem: str, language: str, index_version: str
    ) -> tuple[dict[str, float], dict[str, float]]:
        """For one word, each document's (by service id) score for it anywhere and in its titles, exactly as the
        engine computes them for that word within a query (see finder.search.frequent)."""
        raise NotImplementedError

    def combined_scores(self, postings: list, weights: list[float], title_only: bool) -> np.ndarray:
        """The score the engine gives each document (in the postings' positions) for a query of several words
        that all must match (`title_only`: in the titles), from each word's postings (finder.search.frequent.Postings), with the same
        operations in the same order, as an array of doubles; what it gives where a document does not match is
        meaningless."""
        raise NotImplementedError

    def one_word_score(self, weight: float) -> Callable[[float], float]:
        """How a one-word query's score follows from the word's score in the titles."""
        raise NotImplementedError

    def matching(self, session: Session, expression: str | None, language: str, filters: Filters) -> set[str]:
        """Every service matching, unscored."""
        sql, params = self._query(expression, language, filters, None, scored=False)
        return set(session.execute(text(f"SELECT service_id FROM ({sql}) m"), params).scalars().all())


def for_session(session: Session) -> Backend:
    from finder.search.postgres import PostgresBackend
    from finder.search.sqlite import SqliteBackend

    return PostgresBackend() if session.get_bind().dialect.name == "postgresql" else SqliteBackend()
