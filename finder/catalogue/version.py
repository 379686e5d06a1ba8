"""The catalogue's version: a random token that changes, in the transaction that changes what citizens see.

Anything that caches what it read of the catalogue (the citizens' pages, per process) keys it on this token, so
an agency's publication shows at once in every app process: the token is read from the database per request,
and a rolled-back change leaves it as it was. Every catalogue table is followed; another domain whose tables
change what citizens are shown (the search vocabulary: synonyms, best bets) asks for its models to be followed
too with `follow`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from finder.catalogue import models
from finder.catalogue.models import Base
from finder.db import read_once

NAME = "catalogue"
_CHANGED = "finder.catalogue.changed"


class ContentVersion(Base):
    """Version tokens of content that app processes cache. A token is random, not a counter, so that a restored
    backup or another database never looks current by coincidence."""

    __tablename__ = "content_versions"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))


_CURRENT = select(ContentVersion.version).where(ContentVersion.name == NAME)

_followed: set[type] = {
    cls
    for cls in vars(models).values()
    if isinstance(cls, type) and issubclass(cls, Base) and cls is not Base and cls.__module__ == models.__name__
}


def follow(*model_classes: type) -> None:
    """Also change the catalogue's version whenever rows of these models change."""
    _followed.update(model_classes)


def current(engine: Engine) -> str:
    """The catalogue's version as the database sees it now ("" if it was never stored).

    A statement on a connection of its own, not through a session: every page asks, so it is kept cheap."""
    return read_once(engine, _CURRENT) or ""


def of(session: Session) -> str:
    """The catalogue's version as the session's transaction sees it ("" if it was never stored)."""
    return session.scalar(_CURRENT) or ""


def bump(session: Session) -> None:
    """Give the catalogue a new version in the session's transaction (done by itself on every change)."""
    token = uuid.uuid4().hex
    row = session.get(ContentVersion, NAME)
    if row is None:
        session.add(ContentVersion(name=NAME, version=token))
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
