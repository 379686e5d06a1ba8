"""Keeping content true: published services not confirmed for a while are stale; confirming is one step."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from finder.agency.history import record_version
from finder.agency.models import ServiceVersion
from finder.agency.permissions import Action, Actor, require
from finder.catalogue.models import Service, ServiceStatus


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day where it is shorter: 31 May - 3 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def stale_services(
    session: Session, actor: Actor, *, months: int, agency_id: str | None = None, today: dt.date | None = None
) -> list[Service]:
    """Published services last reviewed more than `months` ago (or never), oldest first. Without an agency, the
    whole catalogue (the coordinator's report); with one, that agency's list (its own people may see it)."""
    require(actor, Action.STALE_REPORT if agency_id is None else Action.SERVICE_HISTORY, agency_id)
    cutoff = months_before(today or dt.date.today(), months)
    query = (
        select(Service)
        .where(Service.status == ServiceStatus.PUBLISHED)
        .where(or_(Service.last_reviewed.is_(None), Service.last_reviewed < cutoff))
        .options(selectinload(Service.agency))
        .order_by(Service.last_reviewed.asc().nulls_first(), Service.slug)
    )
    if agency_id is not None:
        query = query.where(Service.agency_id == agency_id)
    return list(session.scalars(query))


def confirm_reviewed(
    session: Session, service: Service, actor: Actor, *, today: dt.date | None = None
) -> ServiceVersion | None:
    """ "Still correct": set the last-reviewed date to today, keeping a version that says who confirmed it."""
    require(actor, Action.SERVICE_CONFIRM_REVIEWED, service)
    service.last_reviewed = today or dt.date.today()
    return record_version(session, service, actor, "confirmed still correct")
