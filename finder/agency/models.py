"""The agency side's tables: people and their roles, applications, invitations, API tokens, the audit log and
the versions of every service.

Secrets are never stored: passwords as argon2 hashes, invitation and API tokens as SHA-256 of a random token
that is shown once (a hash of a high-entropy token needs no salt or slow hashing to be safe).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import uuid
from typing import Any

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finder.catalogue.models import Agency, Base, JSONType, utcnow


def new_id() -> str:
    return str(uuid.uuid4())


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    AGENCY_ADMIN = "agency_admin"
    AGENCY_EDITOR = "agency_editor"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Kept lower-case, so that the same address cannot hold two accounts.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # Set for agency roles, None for the coordinator.
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    agency: Mapped[Agency | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot hold a session.
        return self.active

    def get_id(self) -> str:
        """The session's user id, tied to the current password: changing or resetting it ends every session."""
        return f"{self.id}.{self.session_tag()}"

    def session_tag(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AgencyApplication(Base):
    """An agency asking to join: the coordinator approves (creating or linking its agency) or rejects it."""

    __tablename__ = "agency_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_name: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.PENDING.value, index=True)
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Invitation(Base):
    """A one-time link that lets a person set a password and join an agency in a role."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so that people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    agency: Mapped[Agency] = relationship()


class AuditEvent(Base):
    """A security event: who did what to which record, when, from which (pseudonymised) address."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    # Who: a user, an API token or the command line; the label stays readable after the account is gone.
    user_id: Mapped[str | None] = mapped_column(String(36))
    token_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(254))
    agency_id: Mapped[str | None] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ServiceVersion(Base):
    """A service as it was after one change, in the native format, with who made the change and what it touched."""

    __tablename__ = "service_versions"
    __table_args__ = (UniqueConstraint("service_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    changed_fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    note: Mapped[str | None] = mapped_column(String(300))
    user_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


__all__ = [
    "AgencyApplication",
    "ApiToken",
    "ApplicationStatus",
    "AuditEvent",
    "Invitation",
    "Role",
    "ServiceVersion",
    "User",
]
