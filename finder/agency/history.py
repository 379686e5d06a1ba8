"""Versions of services: every change kept in the native format, with who, when and which fields; diffs; restore."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.agency.errors import NotFound
from finder.agency.models import ServiceVersion
from finder.agency.permissions import Action, Actor, require
from finder.catalogue.import_export import native
from finder.catalogue.models import Service


@dataclass(frozen=True)
class FieldChange:
    field: str  # a top-level field, or "translations.<language>.<field>"
    before: Any
    after: Any


def snapshot(session: Session, service: Service) -> dict[str, Any]:
    """The service as a native record, read back from the database so that it shows what is stored."""
    session.flush()
    session.expire(service)
    return native.export_service(service)


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in record.items() if k != "translations"}
    for language, fields in (record.get("translations") or {}).items():
        for field, value in fields.items():
            flat[f"translations.{language}.{field}"] = value
    return flat


def diff(before: dict[str, Any] | ServiceVersion | None, after: dict[str, Any] | ServiceVersion) -> list[FieldChange]:
    """What differs between two versions (or snapshots), field by field; translations per language and field."""
    old = _flat(before.snapshot if isinstance(before, ServiceVersion) else before or {})
    new = _flat(after.snapshot if isinstance(after, ServiceVersion) else after)
    return [FieldChange(f, old.get(f), new.get(f)) for f in sorted(old.keys() | new.keys()) if old.get(f) != new.get(f)]


def latest_version(session: Session, service_id: str) -> ServiceVersion | None:
    return session.scalar(
        select(ServiceVersion)
        .where(ServiceVersion.service_id == service_id)
        .order_by(ServiceVersion.number.desc())
        .limit(1)
    )


def record_version(session: Session, service: Service, actor: Actor, note: str | None = None) -> ServiceVersion | None:
    """Keep the service as it now is, unless it is the same as its latest version; in the caller's transaction."""
    current = snapshot(session, service)
    previous = latest_version(session, service.id)
    changes = diff(previous.snapshot if previous else None, current)
    if previous is not None and not changes:
        return None
    number = (
        session.scalar(select(func.max(ServiceVersion.number)).where(ServiceVersion.service_id == service.id)) or 0
    ) + 1
    version = ServiceVersion(
        service_id=service.id,
        number=number,
        status=service.status.value,
        snapshot=current,
        changed_fields=sorted({c.field.split(".")[0] for c in changes}),
        note=(note or None) and note[:300],
        user_id=actor.user_id,
        actor=actor.label[:254],
    )
    session.add(version)
    session.flush()
    return version


def record_changed_versions(session: Session, actor: Actor, note: str) -> int:
    """A version for every service that differs from its latest one (after an import); how many were kept."""
    return sum(record_version(session, s, actor, note) is not None for s in session.scalars(select(Service)).all())


def versions(session: Session, actor: Actor, service: Service) -> list[ServiceVersion]:
    """The service's versions, newest first."""
    require(actor, Action.SERVICE_HISTORY, service)
    return list(
        session.scalars(
            select(ServiceVersion).where(ServiceVersion.service_id == service.id).order_by(ServiceVersion.number.desc())
        )
    )


def version(session: Session, actor: Actor, service: Service, number: int) -> ServiceVersion:
    """One version of the service by its number."""
    require(actor, Action.SERVICE_HISTORY, service)
    found = session.scalar(
        select(ServiceVersion).where(ServiceVersion.service_id == service.id, ServiceVersion.number == number)
    )
    if found is None:
        raise NotFound(f"the service has no version {number}")
    return found
