"""What ranking reads of each document (its names and its popularity), held per process, language and index
version.

Every search re-ranks up to a hundred candidates and read their names and popularity with a statement of a
hundred ids: at 1,000 services that statement was a third of a search's own work. The same few thousand
documents are ranked search after search, and they change only with the index, whose version every search reads
first: so each language's are read once per index version (a few MB at 25,000 services) and kept.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from finder.search.cache import PerVersion, database_of
from finder.search.models import SearchDocument


class Candidate(NamedTuple):
    """What ranking reads of a candidate's document: its names and its popularity."""

    name_keys: str
    popularity: float


NO_DETAILS = Candidate("", 0.0)

_ALL = select(SearchDocument.service_id, SearchDocument.name_keys, SearchDocument.popularity).where(
    SearchDocument.language == bindparam("language")
)


class CandidateCache(PerVersion[dict[str, Candidate]]):
    """Each language's documents' names and popularity, per database and index version."""

    def get(self, session: Session, language: str, index_version: str) -> dict[str, Candidate]:
        # Read in the transaction that read the version: the documents as of that version.
        def load() -> dict[str, Candidate]:
            rows = session.connection().execute(_ALL, {"language": language})
            return {sid: Candidate(keys, popularity) for sid, keys, popularity in rows}

        return self.kept((database_of(session), language), index_version, load)
