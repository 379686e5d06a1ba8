"""Usage events: what the channels report, checked and cleaned before it is written."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from finder.catalogue.models import utcnow
from finder.db import Database
from finder.metrics.models import UsageEventRow
from finder.privacy import scrub

log = logging.getLogger(__name__)

CHANNELS = ("web", "sms", "whatsapp", "api")
MAX_QUERY = 200
MAX_COMMENT = 500


class EventKind(enum.StrEnum):
    SEARCH = "search"
    SERVICE_VIEW = "service_view"
    CLICK_OUT = "click_out"
    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    FEEDBACK = "feedback"
    UNMET_DEMAND = "unmet_demand"


@dataclass(frozen=True)
class UsageEvent:
    """One thing a citizen did. Free text (query, comment) is trimmed, and comments are scrubbed of contact details."""

    kind: EventKind
    channel: str
    language: str
    visitor: str | None = None
    query: str | None = None
    result_count: int | None = None
    service_id: str | None = None
    top_service_id: str | None = None
    useful: bool | None = None
    comment: str | None = None
    segments: int | None = None
    encoding: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    occurred_at: dt.datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {self.channel!r}")
        object.__setattr__(self, "kind", EventKind(self.kind))
        if self.query is not None:
            object.__setattr__(self, "query", " ".join(self.query.split())[:MAX_QUERY])
        if self.comment is not None:
            object.__setattr__(self, "comment", scrub(" ".join(self.comment.split()))[:MAX_COMMENT] or None)


class UsageLog:
    """Writes usage events to the database, each batch in one transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, *events: UsageEvent) -> None:
        """Store the events; a failure is logged, never raised, so a citizen's request does not fail for it."""
        if not events:
            return
        try:
            with self.database.transaction() as session:
                session.add_all(UsageEventRow(**asdict(event)) for event in events)
        except Exception:
            log.exception("could not write %d usage events", len(events))
