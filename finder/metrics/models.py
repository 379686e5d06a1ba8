"""The usage log's table (one row per thing a citizen did, on any channel) and the daily rollups built from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from finder.catalogue.models import Base, JSONType


class UsageEventRow(Base):
    __tablename__ = "usage_events"
    # Ids are never reused (SQLite would reuse them once retention empties the table): the rollup's watermark is one.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    # A pseudonym (web: a random first-party cookie; SMS: a keyed hash of the sender); None under Do-Not-Track.
    visitor: Mapped[str | None] = mapped_column(String(64))
    query: Mapped[str | None] = mapped_column(Text)
    # The query folded (case, accents, spacing) as rollups count it; see events.query_key.
    query_key: Mapped[str | None] = mapped_column(String(200))
    result_count: Mapped[int | None] = mapped_column(Integer)
    # Not foreign keys: the log outlives services that are later deleted. Not indexed: only rollups read the log,
    # a range of ids at a time, and an index would cost every event written.
    service_id: Mapped[str | None] = mapped_column(String(36))
    top_service_id: Mapped[str | None] = mapped_column(String(36))
    useful: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[int | None] = mapped_column(Integer)
    encoding: Mapped[str | None] = mapped_column(String(8))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


# Partial indexes of the query rollups' rows with failed searches.
_FAILED = {"sqlite_where": text("zero_results > 0"), "postgresql_where": text("zero_results > 0")}

# Rollups: daily counts at three grains, so that each report reads a small table. "" stands for "none" in key
# columns (not NULL), so that the unique keys match and upserts find their row.


class _Counts:
    """What each daily count row sums over its events."""

    events: Mapped[int] = mapped_column(Integer)
    # Searches that found nothing.
    zero_results: Mapped[int] = mapped_column(Integer)
    # Feedback answers.
    useful: Mapped[int] = mapped_column(Integer)
    not_useful: Mapped[int] = mapped_column(Integer)
    # SMS/WhatsApp segments.
    segments: Mapped[int] = mapped_column(Integer)


class UsageDaily(_Counts, Base):
    """Events per day, kind, channel and language: the whole-of-government figures."""

    __tablename__ = "usage_daily"
    __table_args__ = (UniqueConstraint("day", "kind", "channel", "language", name="uq_usage_daily_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))


class UsageDailyAgency(_Counts, Base):
    """Events about an agency's services (a search counts for the agency of its top result) per day and channel."""

    __tablename__ = "usage_daily_agencies"
    __table_args__ = (UniqueConstraint("agency_id", "day", "kind", "channel", name="uq_usage_daily_agencies_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))


class UsageDailyService(_Counts, Base):
    """Events per day, kind and service (for a search: its top result), with the service's agency at rollup time."""

    __tablename__ = "usage_daily_services"
    __table_args__ = (UniqueConstraint("day", "kind", "service_id", "agency_id", name="uq_usage_daily_services_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[str] = mapped_column(String(64))
    # "" when the service is no longer in the catalogue.
    agency_id: Mapped[str] = mapped_column(String(64), index=True)


class UsageMonthlyService(_Counts, Base):
    """usage_daily_services per month (its first day): what a long range reads instead of its whole months' days."""

    __tablename__ = "usage_monthly_services"
    __table_args__ = (
        UniqueConstraint("month", "kind", "service_id", "agency_id", name="uq_usage_monthly_services_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(String(64), index=True)


class UsageDailyQuery(Base):
    """Searches per day and folded query, and how many of them found nothing (the unmet-demand ranking's source)."""

    __tablename__ = "usage_daily_queries"
    __table_args__ = (
        UniqueConstraint("day", "query", name="uq_usage_daily_queries_key"),
        # The rows the ranking of failed searches reads: a few percent of the table.
        Index("ix_usage_daily_queries_failed", "day", "query", "zero_results", **_FAILED),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    query: Mapped[str] = mapped_column(String(200))
    searches: Mapped[int] = mapped_column(Integer)
    zero_results: Mapped[int] = mapped_column(Integer)


class UsageMonthlyQuery(Base):
    """Searches per month (its first day) and folded query: what a long range reads instead of its whole months'
    days."""

    __tablename__ = "usage_monthly_queries"
    __table_args__ = (
        UniqueConstraint("month", "query", name="uq_usage_monthly_queries_key"),
        Index("ix_usage_monthly_queries_failed", "month", "query", "zero_results", **_FAILED),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[dt.date] = mapped_column(Date)
    query: Mapped[str] = mapped_column(String(200))
    searches: Mapped[int] = mapped_column(Integer)
    zero_results: Mapped[int] = mapped_column(Integer)


class UsageDailyVisitors(Base):
    """Distinct visitors per day, channel and language (events under Do-Not-Track carry none and are not counted)."""

    __tablename__ = "usage_daily_visitors"
    __table_args__ = (UniqueConstraint("day", "channel", "language", name="uq_usage_daily_visitors_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    visitors: Mapped[int] = mapped_column(Integer)


class RollupState(Base):
    """One row: the last usage event rolled up. Each rollup locks it first, so rollups run one at a time."""

    __tablename__ = "metrics_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer)
    rolled_up_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ServiceTransactions(Base):
    """A service's transactions in one month by channel, as its agency counts them: the basis of digital take-up."""

    __tablename__ = "service_transactions"
    __table_args__ = (UniqueConstraint("service_id", "month", name="uq_service_transactions_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the month
    online: Mapped[int] = mapped_column(Integer)
    counter: Mapped[int] = mapped_column(Integer)
    phone: Mapped[int] = mapped_column(Integer)
    post: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
