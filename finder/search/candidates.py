"""What ranking reads of each document (its names and its popularity), held per process, language and index
version.

Every search re-ranks up to a hundred candidates and read their names and popularity with a statement of a
hundred ids: at 1,000 services that statement was a third of a search's own work. The same few thousand
documents are ranked search after search, and they change only with the index, whose version every search reads
first: so each language's are read once per index version (a few MB at 25,000 services) and kept.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from finder.search.models import SearchDocument


class Candidate(NamedTuple):
    """What ranking reads of a candidate's document: its names and its popularity."""

    name_keys: str
    popularity: float


NO_DETAILS = Candidate("", 0.0)

_ALL = select(SearchDocument.service_id, SearchDocument.name_keys, SearchDocument.popularity).where(
    SearchDocument.language == bindparam("language")
)


class CandidateCache:
    """Each language's documents' names and popularity, per database and index version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[str, dict[str, Candidate]]] = {}

    def get(self, session: Session, language: str, index_version: str) -> dict[str, Candidate]:
        key = (session.get_bind().url.render_as_string(hide_password=True), language)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == index_version:
            return entry[1]
        # Read in the transaction that read the version: the documents as of that version.
        found = {
            sid: Candidate(keys, popularity)
            for sid, keys, popularity in session.connection().execute(_ALL, {"language": language})
        }
        with self._lock:
            self._entries[key] = (index_version, found)
        return found
