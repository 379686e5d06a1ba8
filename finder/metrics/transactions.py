"""Agencies' monthly transaction counts per service, by channel: what digital take-up (online / all) is computed from.

Entered with `finder metrics transactions` (the service editor may call `record_transactions` too); read by the
report's `digital_take_up` table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.catalogue.models import Service, utcnow
from finder.metrics.models import ServiceTransactions

TRANSACTION_CHANNELS = ("online", "counter", "phone", "post")
# A month's transactions for one service: a bound that catches typos (an extra digit or three), not real volumes.
MAX_COUNT = 10**9


class InvalidTransactions(ValueError):
    """The counts cannot be recorded; the message says why."""


def record_transactions(
    session: Session, service_id: str, month: dt.date, counts: dict[str, int]
) -> ServiceTransactions:
    """Set a service's transactions for a month (any day of it) by channel, replacing what was entered before.

    Every channel of TRANSACTION_CHANNELS must be given, as a whole number from 0 to MAX_COUNT.
    """
    if session.get(Service, service_id) is None:
        raise InvalidTransactions(f"no service has the id {service_id!r}")
    if set(counts) != set(TRANSACTION_CHANNELS):
        raise InvalidTransactions(f"give the counts of exactly these channels: {', '.join(TRANSACTION_CHANNELS)}")
    for channel, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
            raise InvalidTransactions(f"{channel}: a whole number from 0 to {MAX_COUNT} is needed, not {count!r}")
    first = month.replace(day=1)
    row = session.scalar(
        select(ServiceTransactions).where(
            ServiceTransactions.service_id == service_id, ServiceTransactions.month == first
        )
    )
    if row is None:
        row = ServiceTransactions(service_id=service_id, month=first)
        session.add(row)
    for channel, count in counts.items():
        setattr(row, channel, count)
    row.updated_at = utcnow()
    session.flush()
    return row
