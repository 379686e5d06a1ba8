"""Facet counts: for each published service, the values it is counted under, held in memory per process and
reloaded when the index changes; counting the services of a result is then a pass over their ids, not one more
full-text match and six joins per search."""

from __future__ import annotations

import threading
from collections import Counter
from itertools import chain

from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from finder.catalogue.models import DeliveryChannel, Service, ServiceCategory, ServiceLifeEvent, ServiceOffice
from finder.search.models import SearchDocument

# A service's facet values as (facet, value) pairs: ("agency", id), ("channel", "online"), ...
FacetValues = tuple[tuple[str, str], ...]


def _load(session: Session) -> dict[str, FacetValues]:
    """Each indexed service's (facet, value) pairs."""

    def grouped(statement) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for sid, value in session.execute(statement):
            found.setdefault(sid, []).append(str(value))
        return found

    indexed = select(distinct(SearchDocument.service_id))
    categories = grouped(
        select(ServiceCategory.service_id, ServiceCategory.category_id).where(ServiceCategory.service_id.in_(indexed))
    )
    events = grouped(
        select(ServiceLifeEvent.service_id, ServiceLifeEvent.life_event_id).where(
            ServiceLifeEvent.service_id.in_(indexed)
        )
    )
    channels = grouped(
        select(DeliveryChannel.service_id, DeliveryChannel.kind)
        .where(DeliveryChannel.service_id.in_(indexed))
        .distinct()
    )
    for sid in session.scalars(select(distinct(ServiceOffice.service_id)).where(ServiceOffice.service_id.in_(indexed))):
        channels.setdefault(sid, []).append("in_person")
    languages = grouped(
        select(SearchDocument.service_id, SearchDocument.language).where(SearchDocument.translated.is_(True))
    )
    return {
        sid: (
            ("agency", agency_id),
            *(("category", c) for c in categories.get(sid, ())),
            *(("life_event", e) for e in events.get(sid, ())),
            *(("channel", c) for c in sorted({c.split(".")[-1].lower() for c in channels.get(sid, ())})),
            *(("language", lang) for lang in languages.get(sid, ())),
        )
        for sid, agency_id in session.execute(select(Service.id, Service.agency_id).where(Service.id.in_(indexed)))
    }


class FacetCache:
    """The facet values of every indexed service, per database and index version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, dict[str, FacetValues]]] = {}

    def get(self, session: Session, index_version: str) -> dict[str, FacetValues]:
        key = session.get_bind().url.render_as_string(hide_password=True)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == index_version:
            return entry[1]
        values = _load(session)
        with self._lock:
            self._entries[key] = (index_version, values)
        return values


def count(values: dict[str, FacetValues], service_ids: set[str]) -> dict[str, dict[str, int]]:
    """Per facet, how many of the services have each value."""
    empty: FacetValues = ()
    counted = Counter(chain.from_iterable(values.get(sid, empty) for sid in service_ids))
    result: dict[str, dict[str, int]] = {}
    for (facet, value), n in counted.items():
        result.setdefault(facet, {})[value] = n
    return result
