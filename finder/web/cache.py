"""Rendered citizens' pages, shared by every visitor until the catalogue changes.

A service page or a results page costs milliseconds of Python (loading the record or searching, then rendering),
and is the same for every visitor of a language until an agency publishes. Each app process keeps the pages it
served last, keyed by address, language, the site's public address and today's date (offices show today's
hours), and forgets them all when the catalogue's version changes: that token is read from the database on every
request and changes in the transaction that changes the catalogue, so a publication shows at once everywhere.

What differs per visitor is never cached: the form's CSRF token is put into the page per request, and the route
logs the usage event and the blueprint sets the cookies as for any page.

With a read replica (FINDER_DATABASE_REPLICA_URL), what a page reads of the catalogue to render (the search, the
service's record) comes from the replica when its catalogue version is the one the primary gave for this request,
and from the primary while the replica lags behind it: a publication shows at once, whatever the replica's lag.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Flask, current_app, g, render_template, request
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session

from finder.catalogue import reads, version
from finder.db import database, read_request_session
from finder.search import ResultCache
from finder.search.models import BestBet, LifeEventPhrase, SynonymRule
from finder.web.blueprint import base_url

# Pages kept per process (about 10 KB each): every service page in six languages and the popular searches.
MAX_PAGES = 2000


class CachedPage(NamedTuple):
    """A page's HTML (with a stand-in for the CSRF token) and what its route needs of the catalogue besides (the
    service it logs, where it sends the visitor); a route that answers with no page of its own keeps only those."""

    html: str
    facts: dict[str, Any]


class PageCache:
    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        # Each page weighs one: the bound is a number of pages.
        self._pages: ResultCache[CachedPage] = ResultCache(max_pages)
        self._version: str | None = None
        # Random per process, so that no catalogue text can contain it by chance or on purpose.
        self._token_stand_in = f"csrf-{secrets.token_hex(16)}"

    def page(self, render: Callable[[], CachedPage | Any]) -> CachedPage | Any:
        """The current request's page from the cache, or rendered by `render` and kept; anything else `render`
        returns (an error page) is passed through, not kept."""
        # Every token in one statement: the search on a results page is handed them (see versions()).
        g.versions = version.current(database().engine)
        current = g.versions.get(version.CATALOGUE, "")
        if current != self._version:
            # A page is kept under the version it was rendered at, so an older page is never served; those of an
            # older catalogue are dropped at once all the same, for their memory.
            self._version = current
            self._pages.clear()
        key = (*_key(), current)
        found = self._pages.get(key)
        if found is not None:
            return found
        rendered = render()
        if isinstance(rendered, CachedPage):
            self._pages.put(key, rendered, 1)
        return rendered

    def render(self, template: str, **context: Any) -> str:
        """A template rendered for every visitor: its CSRF token is a stand-in until `html` fills it in."""
        return render_template(template, csrf_token=lambda: self._token_stand_in, **context)

    def html(self, page: CachedPage) -> str:
        """The page for this visitor, with their own CSRF token."""
        if self._token_stand_in in page.html:
            return page.html.replace(self._token_stand_in, generate_csrf())
        return page.html


def catalogue_session() -> Session:
    """Where the current page reads the catalogue: the read replica once it has caught up with the versions the
    primary gave for this page, else (no replica, a lagging or unreachable one, no page being cached) the primary's
    read session (finder.db.read_request_session: on PostgreSQL in autocommit, no BEGIN and ROLLBACK round trips
    around a page's reads). Reads only: a page that writes does so in request_session()."""
    if "catalogue_session" not in g:
        current, primary = versions(), read_request_session()
        g.catalogue_session = primary if current is None else reads.catalogue_session(primary, lambda: current)
    return g.catalogue_session


def versions() -> version.Versions | None:
    """The version tokens the primary gave for the page being cached (None when none is), which are also those of
    catalogue_session(): a search on the page need not read them again."""
    return g.get("versions")


def _key() -> tuple:
    return (request.method, request.path, request.query_string, base_url(), dt.date.today())


def pages() -> PageCache:
    """The current application's page cache."""
    return current_app.extensions["finder.web.pages"]


def init_app(app: Flask) -> None:
    app.extensions["finder.web.pages"] = PageCache()
    # Synonyms, life-event phrasing and best bets change what results pages show.
    version.follow(SynonymRule, LifeEventPhrase, BestBet)
