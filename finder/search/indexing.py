"""Keeping the index true: every change to the catalogue reindexes the services it touches, in the same
transaction, whoever made the change (import, editor, API).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, selectinload

from finder.catalogue.models import (
    Agency,
    Category,
    Cost,
    DeliveryChannel,
    LifeEvent,
    RequiredDocument,
    Service,
    ServiceCategory,
    ServiceLifeEvent,
    ServiceOffice,
    ServiceStatus,
)
from finder.search import backends
from finder.search.models import BestBet, LifeEventPhrase, SearchDocument, SearchWord, SynonymRule
from finder.search.text import terms, words
from finder.search.vocabulary import bump

# Fields of a document, most important first; the backends weigh them in this order.
FIELDS = ("name", "alt", "summary", "body")


@dataclass(frozen=True)
class SearchSettings:
    languages: tuple[str, ...]
    default_language: str


def settings_of(session: Session) -> SearchSettings | None:
    return session.info.get("finder.search")


def _text(row, field: str, language: str, default_language: str):
    if language != default_language:
        value = row.translated(field, language)
        if value not in (None, "", []):
            return value, True
    return getattr(row, field), language == default_language


def document_fields(service: Service, language: str, default_language: str) -> tuple[dict[str, str], bool, str]:
    """The text of each field of a service's document in a language, whether it is translated, and its names."""
    name, translated = _text(service, "name", language, default_language)
    alternates, _ = _text(service, "alternate_names", language, default_language)
    keywords, _ = _text(service, "keywords", language, default_language)
    parts = {
        "name": name,
        "alt": " . ".join(
            [
                *(alternates or []),
                *(keywords or []),
                _text(service.agency, "name", language, default_language)[0],
                service.agency.acronym or "",
                *(_text(link.life_event, "name", language, default_language)[0] for link in service.life_events),
            ]
        ),
        "summary": _text(service, "summary", language, default_language)[0] or "",
        "body": " . ".join(
            str(value)
            for value in [
                _text(service, "description", language, default_language)[0],
                _text(service, "eligibility", language, default_language)[0],
                _text(service, "how_to_apply", language, default_language)[0],
                *(_text(link.category, "name", language, default_language)[0] for link in service.categories),
                *(_text(d, "name", language, default_language)[0] for d in service.documents),
            ]
            if value
        ),
    }
    names = "|".join(" ".join(words(n)) for n in [name, *(alternates or [])])
    return parts, translated, f"|{names}|"


def reindex(session: Session, service_ids: set[str]) -> None:
    """Rebuild the documents of these services (removing those no longer published)."""
    settings = settings_of(session)
    if settings is None or not service_ids:
        return
    backend = backends.for_session(session)
    old = session.execute(
        select(SearchDocument.language, SearchDocument.words).where(SearchDocument.service_id.in_(service_ids))
    ).all()
    counts: Counter[tuple[str, str]] = Counter()
    for language, old_words in old:
        for word in set(old_words):
            counts[(language, word)] -= 1
    session.execute(delete(SearchDocument).where(SearchDocument.service_id.in_(service_ids)))

    services = session.scalars(
        select(Service)
        .where(Service.id.in_(service_ids), Service.status == ServiceStatus.PUBLISHED)
        .options(
            selectinload(Service.agency),
            selectinload(Service.categories).selectinload(ServiceCategory.category),
            selectinload(Service.life_events).selectinload(ServiceLifeEvent.life_event),
            selectinload(Service.documents),
        )
    ).all()
    for service in services:
        for language in settings.languages:
            parts, translated, names = document_fields(service, language, settings.default_language)
            text_language = (
                language if translated or language == settings.default_language else settings.default_language
            )
            document = SearchDocument(
                service_id=service.id,
                language=language,
                translated=translated,
                name_keys=names,
                words=sorted({w for text in parts.values() for w in words(text)}),
            )
            session.add(document)
            session.flush()
            fields = {f: " ".join(terms(parts[f], text_language)) for f in FIELDS}
            backend.insert(session, document.id, {"language": language, **fields})
            for word in document.words:
                counts[(language, word)] += 1
    _apply_word_counts(session, counts)
    bump(session, "index")


def _apply_word_counts(session: Session, counts: Counter[tuple[str, str]]) -> None:
    changed = {key: n for key, n in counts.items() if n}
    if not changed:
        return
    for language in {language for language, _ in changed}:
        keys = [word for lang, word in changed if lang == language]
        existing = {
            row.word: row
            for chunk in _chunks(keys, 500)
            for row in session.scalars(
                select(SearchWord).where(SearchWord.language == language, SearchWord.word.in_(chunk))
            )
        }
        for word in keys:
            delta = changed[(language, word)]
            row = existing.get(word)
            if row is None:
                if delta > 0:
                    session.add(SearchWord(language=language, word=word, documents=delta))
            elif row.documents + delta <= 0:
                session.delete(row)
            else:
                row.documents += delta


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rebuild(session: Session) -> int:
    """Reindex every service (after a change of languages or text processing)."""
    backend = backends.for_session(session)
    backend.clear(session)
    session.execute(delete(SearchDocument))
    session.execute(delete(SearchWord))
    ids = set(session.scalars(select(Service.id)))
    reindex(session, ids)
    return len(ids)


# Following the catalogue -------------------------------------------------------------------------------------

_CHILDREN = (RequiredDocument, Cost, DeliveryChannel, ServiceOffice, ServiceCategory, ServiceLifeEvent)
_VOCABULARY = (SynonymRule, LifeEventPhrase, BestBet)


def _touched(session: Session) -> set[str]:
    found: set[str] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Service):
            found.add(obj.id)
        elif isinstance(obj, _CHILDREN):
            found.add(obj.service_id)
        elif isinstance(obj, Agency) and obj not in session.new:
            found.update(session.scalars(select(Service.id).where(Service.agency_id == obj.id)))
        elif isinstance(obj, Category) and obj not in session.new:
            found.update(
                session.scalars(select(ServiceCategory.service_id).where(ServiceCategory.category_id == obj.id))
            )
        elif isinstance(obj, LifeEvent) and obj not in session.new:
            found.update(
                session.scalars(select(ServiceLifeEvent.service_id).where(ServiceLifeEvent.life_event_id == obj.id))
            )
    return found


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context, _instances) -> None:
    if settings_of(session) is None or session.info.get("finder.search.reindexing"):
        return
    with session.no_autoflush:
        pending = session.info.setdefault("finder.search.pending", set())
        pending.update(_touched(session))
        if any(isinstance(obj, _VOCABULARY) for obj in [*session.new, *session.dirty, *session.deleted]):
            session.info["finder.search.vocabulary_changed"] = True


@event.listens_for(Session, "before_commit")
def _reindex_before_commit(session: Session) -> None:
    if settings_of(session) is None:
        return
    session.flush()
    pending = session.info.pop("finder.search.pending", set())
    vocabulary_changed = session.info.pop("finder.search.vocabulary_changed", False)
    if not pending and not vocabulary_changed:
        return
    session.info["finder.search.reindexing"] = True
    try:
        if vocabulary_changed:
            bump(session, "vocabulary")
        reindex(session, pending)
        session.flush()
    finally:
        session.info.pop("finder.search.reindexing", None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("finder.search.pending", None)
    session.info.pop("finder.search.vocabulary_changed", None)
