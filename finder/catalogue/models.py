"""The catalogue's tables: agencies, offices, services and how they are delivered, categories and life events.

Citizen-facing text lives in the default language in its own column and, per other language, in the row's
`translations` JSON ({"fr": {"name": "..."}}). Fields of an imported Open Referral record that have no column here
are kept in `extra`, so that an export gives them back unchanged.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JSONType = JSON().with_variant(JSONB(), "postgresql")

# Stable ids for records that arrive without one (native files reference by slug): the same slug always gives
# the same id, so re-importing a file updates rather than duplicates.
ID_NAMESPACE = uuid.UUID("5b0f8f7e-3c55-4b8a-9a57-2f0b6f1d7c11")


def derived_id(*parts: str) -> str:
    """A deterministic UUID for a record named by its kind and natural key."""
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType, list[str]: JSONType}


class Translatable:
    """A row whose citizen-facing fields can carry translations per language."""

    TRANSLATABLE: ClassVar[tuple[str, ...]] = ()
    translations: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    def translated(self, field: str, language: str) -> Any | None:
        """The field's text in exactly this language, or None."""
        return (self.translations or {}).get(language, {}).get(field)

    def set_translation(self, language: str, field: str, value: Any | None) -> None:
        if field not in self.TRANSLATABLE:
            raise ValueError(f"{type(self).__name__}.{field} is not translatable")
        # Assign a new dict: SQLAlchemy only sees a JSON column change when the value object is replaced.
        updated = {lang: dict(fields) for lang, fields in (self.translations or {}).items()}
        if value in (None, "", []):
            updated.get(language, {}).pop(field, None)
            if not updated.get(language):
                updated.pop(language, None)
        else:
            updated.setdefault(language, {})[field] = value
        self.translations = updated


class ServiceStatus(enum.StrEnum):
    DRAFT = "draft"
    # Waiting for someone who may publish it (see finder/agency/workflow.py).
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETIRED = "retired"


class ChannelKind(enum.StrEnum):
    ONLINE = "online"
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"


class Agency(Translatable, Base):
    __tablename__ = "agencies"
    TRANSLATABLE = ("name", "description")

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent", order_by="Agency.name")
    services: Mapped[list[Service]] = relationship(back_populates="agency", order_by="Service.name")
    offices: Mapped[list[Office]] = relationship(back_populates="agency", order_by="Office.name")


class Office(Translatable, Base):
    """A place where citizens are served in person (an Open Referral location)."""

    __tablename__ = "offices"
    TRANSLATABLE = ("name", "description", "accessibility")

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # Shared one-stop centres serve many agencies, so an office need not belong to one.
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(String(300))
    locality: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(40))
    accessibility: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    agency: Mapped[Agency | None] = relationship(back_populates="offices")
    hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="office", cascade="all, delete-orphan", order_by="OpeningHours.position"
    )


WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


class OpeningHours(Translatable, Base):
    """One opening period that repeats weekly on the listed days."""

    __tablename__ = "opening_hours"
    TRANSLATABLE = ("description",)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    days: Mapped[list[str]] = mapped_column()
    opens: Mapped[dt.time] = mapped_column(Time)
    closes: Mapped[dt.time] = mapped_column(Time)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    office: Mapped[Office] = relationship(back_populates="hours")


class Category(Translatable, Base):
    """A term of a taxonomy tree (an Open Referral taxonomy_term)."""

    __tablename__ = "categories"
    TRANSLATABLE = ("name", "description")

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    taxonomy: Mapped[str | None] = mapped_column(String(300))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.name")


class LifeEvent(Translatable, Base):
    """A situation in a citizen's life ("having a baby") that groups the services it calls for."""

    __tablename__ = "life_events"
    TRANSLATABLE = ("name", "description")

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Service(Translatable, Base):
    __tablename__ = "services"
    TRANSLATABLE = (
        "name",
        "alternate_names",
        "summary",
        "description",
        "eligibility",
        "processing_time",
        "how_to_apply",
        "keywords",
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ServiceStatus] = mapped_column(
        Enum(ServiceStatus, name="service_status", values_callable=lambda e: [m.value for m in e]),
        default=ServiceStatus.DRAFT,
        index=True,
    )
    name: Mapped[str] = mapped_column(String(300))
    alternate_names: Mapped[list[str]] = mapped_column(default=list)
    summary: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    eligibility: Mapped[str | None] = mapped_column(Text)
    processing_time: Mapped[str | None] = mapped_column(Text)
    how_to_apply: Mapped[str | None] = mapped_column(Text)
    last_reviewed: Mapped[dt.date | None] = mapped_column(Date)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    replaced_by_id: Mapped[str | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    agency: Mapped[Agency] = relationship(back_populates="services")
    replaced_by: Mapped[Service | None] = relationship(remote_side=[id])
    documents: Mapped[list[RequiredDocument]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="RequiredDocument.position"
    )
    costs: Mapped[list[Cost]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Cost.position"
    )
    channels: Mapped[list[DeliveryChannel]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="DeliveryChannel.position"
    )
    offices: Mapped[list[ServiceOffice]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceOffice.position"
    )
    categories: Mapped[list[ServiceCategory]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceCategory.position"
    )
    life_events: Mapped[list[ServiceLifeEvent]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceLifeEvent.position"
    )


class RequiredDocument(Translatable, Base):
    __tablename__ = "required_documents"
    TRANSLATABLE = ("name",)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    service: Mapped[Service] = relationship(back_populates="documents")


class Cost(Translatable, Base):
    __tablename__ = "costs"
    TRANSLATABLE = ("label", "description")

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str | None] = mapped_column(String(300))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    service: Mapped[Service] = relationship(back_populates="costs")


class DeliveryChannel(Translatable, Base):
    """A way to use a service other than in person: online, by phone, by SMS or by email."""

    __tablename__ = "delivery_channels"
    TRANSLATABLE = ("description",)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[ChannelKind] = mapped_column(
        Enum(ChannelKind, name="channel_kind", values_callable=lambda e: [m.value for m in e]), index=True
    )
    value: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    service: Mapped[Service] = relationship(back_populates="channels")


class ServiceOffice(Translatable, Base):
    """A service offered at an office (an Open Referral service_at_location)."""

    __tablename__ = "service_offices"
    __table_args__ = (UniqueConstraint("service_id", "office_id"),)
    TRANSLATABLE = ("description",)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    service: Mapped[Service] = relationship(back_populates="offices")
    office: Mapped[Office] = relationship()


class ServiceCategory(Base):
    """A service filed under a category (an Open Referral attribute)."""

    __tablename__ = "service_categories"
    __table_args__ = (UniqueConstraint("service_id", "category_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[str] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    service: Mapped[Service] = relationship(back_populates="categories")
    category: Mapped[Category] = relationship()


class ServiceLifeEvent(Base):
    __tablename__ = "service_life_events"
    __table_args__ = (UniqueConstraint("service_id", "life_event_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    life_event_id: Mapped[str] = mapped_column(ForeignKey("life_events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Where the service comes in the event's journey (1 = first thing to do); None: not placed in it.
    step: Mapped[int | None] = mapped_column(Integer)

    service: Mapped[Service] = relationship(back_populates="life_events")
    life_event: Mapped[LifeEvent] = relationship()


__all__ = [
    "WEEKDAYS",
    "Agency",
    "Base",
    "Category",
    "ChannelKind",
    "Cost",
    "DeliveryChannel",
    "LifeEvent",
    "Office",
    "OpeningHours",
    "RequiredDocument",
    "Service",
    "ServiceCategory",
    "ServiceLifeEvent",
    "ServiceOffice",
    "ServiceStatus",
    "derived_id",
    "utcnow",
]
