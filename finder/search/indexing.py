"""Keeping the index true: every change to the catalogue reindexes the services it touches, in the same
transaction, whoever made the change (import, editor, API).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, event, insert, select, update
from sqlalchemy.orm import Session, selectinload

from finder.catalogue import version
from finder.catalogue.import_export.hsds import HsdsExporter
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
from finder.search.text import terms_of, words
from finder.search.vocabulary import INDEX, VOCABULARY

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
    counts: Counter[tuple[str, str]] = Counter()
    for chunk in _chunks(sorted(service_ids), 500):
        _reindex_chunk(session, backend, settings, chunk, counts)
    _apply_word_counts(session, counts)
    version.bump(session, INDEX)


def _reindex_chunk(session, backend, settings: SearchSettings, service_ids: list[str], counts: Counter) -> None:
    old = session.execute(
        select(
            SearchDocument.service_id, SearchDocument.language, SearchDocument.words, SearchDocument.popularity
        ).where(SearchDocument.service_id.in_(service_ids))
    ).all()
    popularity = {row.service_id: row.popularity for row in old}
    for row in old:
        for word in set(row.words):
            counts[(row.language, word)] -= 1
    session.execute(delete(SearchDocument).where(SearchDocument.service_id.in_(service_ids)))

    services = session.scalars(
        select(Service)
        .where(Service.id.in_(service_ids), Service.status == ServiceStatus.PUBLISHED)
        .options(
            selectinload(Service.agency),
            selectinload(Service.categories).selectinload(ServiceCategory.category),
            selectinload(Service.life_events).selectinload(ServiceLifeEvent.life_event),
            selectinload(Service.documents),
            selectinload(Service.channels),
        )
    ).all()
    exporters = {language: HsdsExporter(language) for language in settings.languages}
    rows, texts = [], []
    for service in services:
        for language in settings.languages:
            parts, translated, names = document_fields(service, language, settings.default_language)
            # Fallback text is analysed in its own language, not in the one it stands in for.
            text_language = language if translated else settings.default_language
            field_words = {f: words(parts[f]) for f in FIELDS}
            document_words = sorted({w for ws in field_words.values() for w in ws})
            rows.append(
                {
                    "service_id": service.id,
                    "language": language,
                    "translated": translated,
                    "name_keys": names,
                    "words": document_words,
                    "popularity": popularity.get(service.id, 0.0),
                    "listing": exporters[language].service_listing(service),
                }
            )
            texts.append(
                {
                    "language": language,
                    "service_id": service.id,
                    **{f: " ".join(terms_of(field_words[f], text_language)) for f in FIELDS},
                }
            )
            counts.update((language, word) for word in document_words)
    if not rows:
        return
    ids = session.scalars(insert(SearchDocument).returning(SearchDocument.id, sort_by_parameter_order=True), rows).all()
    backend.insert_many(session, [(document_id, fields) for document_id, fields in zip(ids, texts, strict=True)])


def _apply_word_counts(session: Session, counts: Counter[tuple[str, str]]) -> None:
    """Add the changes to each word's document count; a word in no document any more is forgotten."""
    changed = {key: n for key, n in counts.items() if n}
    for language in sorted({language for language, _ in changed}):
        keys = sorted(word for lang, word in changed if lang == language)
        existing: dict[str, int] = {}
        for chunk in _chunks(keys, 500):
            existing.update(
                session.execute(
                    select(SearchWord.word, SearchWord.documents).where(
                        SearchWord.language == language, SearchWord.word.in_(chunk)
                    )
                ).all()
            )
        new_rows, updates, gone = [], [], []
        for word in keys:
            total = existing.get(word, 0) + changed[(language, word)]
            if word not in existing:
                if total > 0:
                    new_rows.append({"language": language, "word": word, "documents": total})
            elif total <= 0:
                gone.append(word)
            else:
                updates.append({"w": word, "n": total})
        if new_rows:
            session.execute(insert(SearchWord), new_rows)
        if updates:
            table = SearchWord.__table__
            session.execute(
                update(table)
                .where(table.c.language == language, table.c.word == bindparam("w"))
                .values(documents=bindparam("n")),
                updates,
            )
        for chunk in _chunks(gone, 500):
            session.execute(delete(SearchWord).where(SearchWord.language == language, SearchWord.word.in_(chunk)))


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
            # A child added through its service's list has no service_id until the flush.
            found.add(obj.service_id or (obj.service.id if obj.service is not None else None))
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
    found.discard(None)
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
            version.bump(session, VOCABULARY)
        reindex(session, pending)
        session.flush()
    finally:
        session.info.pop("finder.search.reindexing", None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("finder.search.pending", None)
    session.info.pop("finder.search.vocabulary_changed", None)
