"""The usage log's table: one row per thing a citizen did, on any channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finder.catalogue.models import Base, JSONType


class UsageEventRow(Base):
    __tablename__ = "usage_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    # A pseudonym (web: a random first-party cookie; SMS: a keyed hash of the sender); None under Do-Not-Track.
    visitor: Mapped[str | None] = mapped_column(String(64))
    query: Mapped[str | None] = mapped_column(Text)
    result_count: Mapped[int | None] = mapped_column(Integer)
    # Not foreign keys: the log outlives services that are later deleted.
    service_id: Mapped[str | None] = mapped_column(String(36), index=True)
    top_service_id: Mapped[str | None] = mapped_column(String(36))
    useful: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[int | None] = mapped_column(Integer)
    encoding: Mapped[str | None] = mapped_column(String(8))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
