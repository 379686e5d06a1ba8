"""What a conversation may ask the core: search, a service's details, the life events. Nothing else.

A channel reaches the catalogue only through this small face, so a new channel (USSD, voice, another SMS gateway)
needs no knowledge of the core's models; tests can hand the dialogue a fake with the same three methods.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder import search
from finder.catalogue import ChannelKind, LifeEvent, catalogue_session, localised, published_service, version


class Listing(NamedTuple):
    service_id: str
    name: str


class Found(NamedTuple):
    listings: list[Listing]
    total: int
    suggestion: str | None


class Cost(NamedTuple):
    label: str | None
    amount: Decimal | None
    currency: str | None


class Hours(NamedTuple):
    days: list[str]
    opens: dt.time
    closes: dt.time


@dataclass(frozen=True)
class ServiceCard:
    """A service as a message can show it, in the language asked (or the catalogue's own where untranslated)."""

    service_id: str
    slug: str
    name: str
    summary: str
    costs: list[Cost] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    phone: str | None = None
    office: str | None = None
    hours: list[Hours] = field(default_factory=list)


class LifeEventItem(NamedTuple):
    life_event_id: str
    slug: str
    name: str


class Catalogue(Protocol):
    def search(self, text: str, language: str, *, life_event: str | None, offset: int, limit: int) -> Found: ...

    def service(self, service_id: str, language: str) -> ServiceCard | None: ...

    def life_events(self, language: str) -> list[LifeEventItem]: ...


# Service cards and life-event lists per process, for the catalogue version they were read at (so an edit is seen at
# once and older entries are never asked for again): a pick costs one small read instead of loading a whole record.
CARDS_KEPT = 10_000
_kept: search.ResultCache[ServiceCard | list[LifeEventItem]] = search.ResultCache(CARDS_KEPT)


class FinderCatalogue:
    """The face over the finder's own search and catalogue, in one database session."""

    def __init__(self, session: Session, default_language: str) -> None:
        self.session = session
        self.default_language = default_language
        self._versions: version.Versions | None = None
        self._reads: Session | None = None

    def _versions_read(self) -> version.Versions:
        if self._versions is None:
            self._versions = version.of(self.session)
        return self._versions

    def _kept_under(self) -> tuple:
        # A version token is random, but a database that never stored one says "" like any other: the address
        # keeps two databases served by one process (tests, a staging copy) apart.
        catalogue = self._versions_read().get(version.CATALOGUE, "")
        return (self.session.get_bind().url, catalogue, self.default_language)

    def _reading(self) -> Session:
        """Where the catalogue is read: the read replica once it has caught up (finder.catalogue.reads)."""
        if self._reads is None:
            self._reads = catalogue_session(self.session, self._versions_read)
        return self._reads

    def search(self, text: str, language: str, *, life_event: str | None, offset: int, limit: int) -> Found:
        """Published services for a message, the `limit` after the first `offset`, best first."""
        # A message shows no facet counts: they need not be counted.
        request = search.SearchRequest(
            text=text,
            language=language,
            life_event=life_event,
            page=1,
            per_page=min(offset + limit, 200),
            facets=False,
        )
        try:
            # The tokens, if this request has read them already, are those of the session read (see _reading).
            results = search.search(self._reading(), request, versions=self._versions)
        except search.UnknownFilter:
            # A life event kept in a conversation's state was removed from the catalogue since.
            return Found([], 0, None)
        listings = [Listing(hit.service_id, hit.name) for hit in results.hits[offset:]]
        return Found(listings, results.total, results.suggestion)

    def service(self, service_id: str, language: str) -> ServiceCard | None:
        """A published service's details, or None once it is unpublished."""
        key = ("service", *self._kept_under(), service_id, language)
        card = _kept.get(key)
        if card is None:
            card = self._card(service_id, language)
            if card is not None:
                _kept.put(key, card, 1)
        return card

    def _card(self, service_id: str, language: str) -> ServiceCard | None:
        service = published_service(self._reading(), service_id)
        if service is None:
            return None

        def text(row, name: str):
            return localised(row, name, language, self.default_language).value

        phone = next((c.value for c in service.channels if c.kind is ChannelKind.PHONE), None)
        # No citizen location over SMS: the office listed first is the service's main one.
        office = service.offices[0].office if service.offices else None
        return ServiceCard(
            service_id=service.id,
            slug=service.slug,
            name=text(service, "name"),
            summary=text(service, "summary"),
            costs=[Cost(text(c, "label"), c.amount, c.currency) for c in service.costs],
            documents=[text(d, "name") for d in service.documents],
            phone=phone or (office.phone if office else None),
            office=text(office, "name") if office else None,
            hours=[Hours(list(h.days), h.opens, h.closes) for h in office.hours] if office else [],
        )

    def life_events(self, language: str) -> list[LifeEventItem]:
        """Every life event, in the catalogue's order."""
        key = ("life_events", *self._kept_under(), language)
        events = _kept.get(key)
        if events is None:
            rows = self._reading().scalars(select(LifeEvent).order_by(LifeEvent.position, LifeEvent.name))
            events = [
                LifeEventItem(e.id, e.slug, localised(e, "name", language, self.default_language).value) for e in rows
            ]
            _kept.put(key, events, len(events))
        return list(events)
