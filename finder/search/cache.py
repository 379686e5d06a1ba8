"""Recent search results, per process, for the queries people repeat.

Real query logs are head-heavy: a few hundred queries ("passport", "driving licence", "birth certificate") make
most of the traffic. A result is kept under the query's normal form, its language, filters, page and the
index and vocabulary versions it was computed at; every search reads the current versions first (one small
query), so an edit anywhere is seen at once by every process and older entries are simply never asked for again.

Its least-recently-used map is the one every per-process cache of this kind uses (the frequent words' postings,
the SMS channel's service cards, the citizens' pages, the API's listings), each with its own bound and keys.
`PerVersion` is the other kind: one value per database (and language) derived from one version of the index or
vocabulary, replaced when the version moves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

Value = TypeVar("Value")


class ResultCache(Generic[Value]):
    """A least-recently-used map bounded by the total weight of its values (say, hits held)."""

    def __init__(self, max_weight: int) -> None:
        self.max_weight = max_weight
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[int, Value]] = OrderedDict()
        self._weight = 0

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value: Value, weight: int) -> None:
        weight = max(weight, 1)
        if weight > self.max_weight:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[0]
            self._entries[key] = (weight, value)
            self._weight += weight
            while self._weight > self.max_weight:
                _, (dropped, _) = self._entries.popitem(last=False)
                self._weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._entries)


class PerVersion(Generic[Value]):
    """One value per key, kept while the version it was loaded at is current and loaded again when it moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[Hashable, Value]] = {}

    def kept(self, key: Hashable, version: Hashable, load: Callable[[], Value]) -> Value:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        value = load()
        with self._lock:
            self._entries[key] = (version, value)
        return value


def database_of(session: Session) -> str:
    """The key of the session's database in what a process keeps (several apps may share a process in tests)."""
    return session.get_bind().url.render_as_string(hide_password=True)
