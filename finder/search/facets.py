"""Facet counts: for each published service, the values it is counted under, held in memory per process and
reloaded when the index changes. Each facet value keeps the set of its services as a bitmap (a Python int), so
counting a result of thousands of services is one bitmap for the result and an AND per facet value, not one
more full-text match and six joins per search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from finder.catalogue.models import DeliveryChannel, Service, ServiceCategory, ServiceLifeEvent, ServiceOffice
from finder.search.cache import PerVersion, database_of
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


@dataclass(frozen=True)
class FacetIndex:
    """Each service's bit position (in the order of their ids), and each (facet, value)'s bitmap of services."""

    service_ids: tuple[str, ...]
    positions: dict[str, int]
    bitmaps: dict[tuple[str, str], int]

    @classmethod
    def of(cls, values: dict[str, FacetValues]) -> FacetIndex:
        service_ids = tuple(sorted(values))
        positions = {sid: position for position, sid in enumerate(service_ids)}
        members: dict[tuple[str, str], bytearray] = {}
        size = len(positions) // 8 + 1
        for sid, pairs in values.items():
            position = positions[sid]
            for pair in pairs:
                bitmap = members.setdefault(pair, bytearray(size))
                bitmap[position >> 3] |= 1 << (position & 7)
        return cls(service_ids, positions, {pair: int.from_bytes(bits, "little") for pair, bits in members.items()})

    def bitmap(self, service_ids: Iterable[str]) -> int:
        bits = bytearray(len(self.positions) // 8 + 1)
        for sid in service_ids:
            position = self.positions.get(sid)
            if position is not None:
                bits[position >> 3] |= 1 << (position & 7)
        return int.from_bytes(bits, "little")

    def members(self, bits: int) -> list[str]:
        """The services of a bitmap, in the order of their ids (one step per service, for the few of a facet)."""
        found = []
        while bits:
            lowest = bits & -bits
            found.append(self.service_ids[lowest.bit_length() - 1])
            bits ^= lowest
        return found


class FacetCache(PerVersion[FacetIndex]):
    """The facet index of every indexed service, per database and index version."""

    def get(self, session: Session, index_version: str) -> FacetIndex:
        return self.kept(database_of(session), index_version, lambda: FacetIndex.of(_load(session)))


def count(index: FacetIndex, found: int) -> dict[str, dict[str, int]]:
    """Per facet, how many of the services (a bitmap of the index's positions) have each value."""
    result: dict[str, dict[str, int]] = {}
    for (facet, value), bitmap in index.bitmaps.items():
        n = (found & bitmap).bit_count()
        if n:
            result.setdefault(facet, {})[value] = n
    return result
