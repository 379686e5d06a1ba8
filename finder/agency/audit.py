"""The audit log of security events: logins, lockouts, role changes, tokens, publishing. Read by the coordinator."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.agency.models import AuditEvent
from finder.agency.permissions import Action, Actor, require
from finder.privacy import pseudonym


def client_pseudonym() -> str | None:
    """The pseudonym of the current request's client address (never the address itself), or None outside one."""
    if not has_request_context() or not request.remote_addr:
        return None
    return pseudonym(request.remote_addr, current_app.config["FINDER"].secret_key)


def audit(
    session: Session,
    action: str,
    actor: Actor,
    *,
    agency_id: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the log, in the caller's transaction (so a refused change leaves no event claiming it)."""
    event = AuditEvent(
        action=action,
        user_id=actor.user_id,
        token_id=actor.token_id,
        actor=actor.label[:254],
        agency_id=agency_id if agency_id is not None else actor.agency_id,
        target_type=target_type,
        target_id=target_id,
        client=client_pseudonym(),
        detail=detail or {},
    )
    session.add(event)
    return event


def audit_log(
    session: Session, actor: Actor, *, action: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[AuditEvent], int]:
    """A page of events, newest first, and how many there are in all; the coordinator's only."""
    require(actor, Action.AUDIT_READ)
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total
