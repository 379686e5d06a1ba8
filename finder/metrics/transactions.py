"""Agencies' monthly transaction counts per service, by channel: what digital take-up (online / all) is computed from.

Entered on the agency page /agency/services/<id>/transactions, through the write API
(PUT /api/v1/services/<id>/transactions/<YYYY-MM>) or with `finder metrics transactions`; all three call
`record_transactions`, which checks who may, checks the counts and notes the change in the audit log. Read by the
report's `digital_take_up` table.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder import agency
from finder.agency import Action, Actor, InvalidInput
from finder.catalogue.models import utcnow
from finder.metrics.models import ServiceTransactions

TRANSACTION_CHANNELS = ("online", "counter", "phone", "post")
# A month's transactions for one service: a bound that catches typos (an extra digit or three), not real volumes.
MAX_COUNT = 10**9
# Digital take-up is a 21st-century measure: an earlier month is a typo.
FIRST_YEAR = 2000
MONTH = re.compile(r"\d{4}-\d{2}")
HISTORY_MONTHS = 24


class InvalidTransactions(InvalidInput):
    """The counts cannot be recorded; `errors` maps each bad field ("/month", "/online", ...) to what is wrong."""


def parse_month(text: str) -> dt.date | None:
    """The first day of a "YYYY-MM" month, or None if the text is not one."""
    text = text.strip()
    if not MONTH.fullmatch(text):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12 or year < FIRST_YEAR:
        return None
    return dt.date(year, month, 1)


def is_future(month: dt.date, today: dt.date) -> bool:
    """Whether a month has not begun yet: the current month may be entered (and corrected once it ends)."""
    return month.replace(day=1) > today.replace(day=1)


def problems(month: dt.date | None, counts: dict[str, object], today: dt.date) -> dict[str, str]:
    """What is wrong with a month's counts, by field ("/month", "/online", ...); None is a month that could not be
    read. Empty when they can be recorded."""
    errors: dict[str, str] = {}
    if month is None or month.year < FIRST_YEAR:
        errors["/month"] = f"a month from {FIRST_YEAR}, as YYYY-MM, is needed"
    elif is_future(month, today):
        errors["/month"] = "the month has not begun yet"
    for channel in TRANSACTION_CHANNELS:
        count = counts.get(channel)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
            errors[f"/{channel}"] = f"a whole number from 0 to {MAX_COUNT} is needed, not {count!r}"
    for unknown in sorted(set(counts) - set(TRANSACTION_CHANNELS)):
        errors[f"/{unknown}"] = f"not a channel; the channels are {', '.join(TRANSACTION_CHANNELS)}"
    return errors


def record_transactions(
    session: Session,
    actor: Actor,
    service_id: str,
    month: dt.date | None,
    counts: dict[str, object],
    today: dt.date | None = None,
) -> ServiceTransactions:
    """Set a service's transactions for a month (any day of it; None for one that could not be read) by channel,
    replacing what was entered before.

    The actor must be allowed TRANSACTIONS_RECORD on the service (PermissionDenied; NotFound for an unknown
    service). Every channel of TRANSACTION_CHANNELS must be given, as a whole number from 0 to MAX_COUNT, for a
    month from FIRST_YEAR that has begun (InvalidTransactions, naming each bad field). The change is audited in the
    caller's transaction.
    """
    service = agency.service_for(session, actor, service_id, Action.TRANSACTIONS_RECORD)
    errors = problems(month, counts, today or utcnow().date())
    if errors:
        raise InvalidTransactions(errors)

    first = month.replace(day=1)  # type: ignore[union-attr]  (problems() refused None)
    row = entered(session, service.id, first)
    before = None if row is None else {channel: getattr(row, channel) for channel in TRANSACTION_CHANNELS}
    if row is None:
        row = ServiceTransactions(service_id=service.id, month=first)
        session.add(row)
    for channel in TRANSACTION_CHANNELS:
        setattr(row, channel, counts[channel])
    row.updated_at = utcnow()
    agency.audit(
        session,
        "transactions.record",
        actor,
        agency_id=service.agency_id,
        target_type="service",
        target_id=service.id,
        detail={
            "month": first.strftime("%Y-%m"),
            "counts": {c: counts[c] for c in TRANSACTION_CHANNELS},
            "before": before,
        },
    )
    session.flush()
    return row


def entered(session: Session, service_id: str, month: dt.date) -> ServiceTransactions | None:
    """What was entered for a service's month (any day of it), if anything."""
    return session.scalar(
        select(ServiceTransactions).where(
            ServiceTransactions.service_id == service_id, ServiceTransactions.month == month.replace(day=1)
        )
    )


def transactions_of(session: Session, service_id: str, months: int = HISTORY_MONTHS) -> list[ServiceTransactions]:
    """A service's entered months, the latest first (at most `months` of them)."""
    return list(
        session.scalars(
            select(ServiceTransactions)
            .where(ServiceTransactions.service_id == service_id)
            .order_by(ServiceTransactions.month.desc())
            .limit(months)
        )
    )


def digital_take_up(row: ServiceTransactions) -> float | None:
    """The share of a month's transactions done online; None when there were none."""
    total = sum(getattr(row, channel) for channel in TRANSACTION_CHANNELS)
    return round(row.online / total, 4) if total else None
