"""What a page of API search results lists, kept per process until the catalogue changes.

A search itself takes a millisecond or two; listing its page took more: each service loaded with its agency and
channels and turned into its HSDS listing, and the facet values' names read again. The index keeps each service's
listing with its document (finder.search.listings), so a page's are read as ten rows; and both the listings and
the names are the same for every request until the catalogue's version changes (finder.catalogue.version), so each
process keeps them under that version: a listing per service and language, and the names of the agencies,
categories and life events per language. An edit gives the catalogue a new version in its own transaction, so no
process lists an old record.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder import catalogue, search
from finder.catalogue import Agency, Category, LifeEvent, localised
from finder.search.cache import PerVersion

# Listings kept per process (about 1 KB each): a national catalogue's services in a few languages.
LISTINGS_KEPT = 20_000
FACET_MODELS = {"agency": Agency, "category": Category, "life_event": LifeEvent}

Names = dict[str, dict[str, tuple[str, str]]]


class Listings:
    """The per-process store of listings and facet names (one per application: `listings()`)."""

    def __init__(self, max_listings: int = LISTINGS_KEPT) -> None:
        self._listings: search.ResultCache[dict[str, Any]] = search.ResultCache(max_listings)
        # Per language, for the current catalogue version only.
        self._names: PerVersion[Names] = PerVersion()

    def services(self, session: Session, service_ids: list[str], language: str, version: str) -> list[dict[str, Any]]:
        """The HSDS listings of these published services in this order (a service no longer published is left
        out), as of the catalogue's `version`."""
        found = {i: self._listings.get((version, language, i)) for i in service_ids}
        missing = [i for i, listing in found.items() if listing is None]
        if missing:
            read = search.listings(session, missing, language)
            # A language the index does not keep, or documents not reindexed since migration 0014.
            unread = [i for i in missing if i not in read]
            if unread:
                exporter = catalogue.HsdsExporter(language)
                for service in catalogue.published_services_by_id(session, unread):
                    read[service.id] = exporter.service_listing(service)
            for service_id, listing in read.items():
                found[service_id] = listing
                self._listings.put((version, language, service_id), listing, 1)
        return [found[i] for i in service_ids if found[i] is not None]

    def facets(
        self,
        session: Session,
        facets: dict[str, dict[str, int]],
        language: str,
        default_language: str,
        version: str | None,
    ) -> dict[str, list[dict[str, Any]]]:
        """Each facet's values with their id, slug, name in the language and count, the most frequent first (the
        names kept under the catalogue's `version`; read afresh without one)."""
        names = self._names_of(session, language, default_language, version)
        result: dict[str, list[dict[str, Any]]] = {}
        for facet, counts in facets.items():
            if facet not in FACET_MODELS:
                items = [{"id": value, "count": n} for value, n in counts.items()]
            else:
                known = names[facet]
                items = [
                    {"id": value, "slug": known[value][0], "name": known[value][1], "count": n}
                    for value, n in counts.items()
                    if value in known
                ]
            result[facet] = sorted(items, key=lambda item: (-item["count"], item.get("name") or item["id"]))
        return result

    def _names_of(self, session: Session, language: str, default_language: str, version: str | None) -> Names:
        def load() -> Names:
            return {
                facet: {
                    row.id: (row.slug, localised(row, "name", language, default_language).value)
                    for row in session.scalars(select(model))
                }
                for facet, model in FACET_MODELS.items()
            }

        return self._names.kept(language, version, load) if version else load()


def listings() -> Listings:
    """The current application's listings."""
    return current_app.extensions["finder.api.listings"]


def init_app(app: Flask) -> None:
    app.extensions["finder.api.listings"] = Listings()
