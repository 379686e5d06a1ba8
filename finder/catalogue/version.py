"""Version tokens of what app processes cache, in one table: random tokens that change in the transaction that
changes what they stand for.

Anything that caches what it read of the database per process keys it on a token: the citizens' pages on the
catalogue's ("catalogue"), the search on its index's and vocabulary's ("index", "vocabulary"). A token is read
from the database per request, so an edit shows at once in every app process, and a rolled-back change leaves it
as it was. All tokens are read in one statement (`current`, `of`), so a request that needs several (a results
page: the page's and the search's) pays one round trip, and a read replica has caught up when its tokens are
the primary's (finder.catalogue.reads).

The table lives here, in the catalogue, because its first user is the catalogue and every domain that caches
(search, the web pages, the channels) already depends on the catalogue, never the other way round. Every
catalogue table is followed: a change to one of its rows gives "catalogue" a new token before the commit; another
domain whose tables change what citizens are shown (the search vocabulary: synonyms, best bets) asks for its
models to be followed too with `follow`, and a domain with tokens of its own gives them new ones with `bump`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import Engine, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from finder.catalogue import models
from finder.catalogue.models import Base
from finder.db import read_once

CATALOGUE = "catalogue"
_CHANGED = "finder.catalogue.changed"

Versions = Mapping[str, str]


class ContentVersion(Base):
    """Version tokens of content that app processes cache, by name. A token is random, not a counter, so that a
    restored backup or another database never looks current by coincidence."""

    __tablename__ = "content_versions"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))


_ALL = select(ContentVersion.name, ContentVersion.version)

_followed: set[type] = {
    cls
    for cls in vars(models).values()
    if isinstance(cls, type) and issubclass(cls, Base) and cls is not Base and cls.__module__ == models.__name__
}


def follow(*model_classes: type) -> None:
    """Also change the catalogue's version whenever rows of these models change."""
    _followed.update(model_classes)


def current(engine: Engine) -> Versions:
    """Every token as the database sees it now, by name (a name never stored is missing).

    One statement outside any transaction, not through a session: every page asks, so it is kept cheap."""
    return dict(read_once(engine, _ALL))


def of(session: Session) -> Versions:
    """Every token as the session's transaction sees it, by name (a name never stored is missing)."""
    return dict(session.execute(_ALL).tuples().all())


def bump(session: Session, name: str = CATALOGUE) -> None:
    """Give the named token a new value in the session's transaction, so that every process reloads what it keeps
    under the old one (the catalogue's is given one by itself on every change)."""
    token = uuid.uuid4().hex
    row = session.get(ContentVersion, name)
    if row is None:
        session.add(ContentVersion(name=name, version=token))
    else:
        row.version = token


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context, _instances) -> None:
    if any(type(obj) in _followed for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # Once per transaction, at its end: readers only need to see that the token differs.
    session.flush()
    if session.info.pop(_CHANGED, False):
        bump(session)
        session.flush()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)
