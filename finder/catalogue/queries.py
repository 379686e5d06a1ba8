"""Reading the catalogue: what citizens and other systems may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from finder.catalogue.models import Agency, Service, ServiceCategory, ServiceOffice, ServiceStatus

T = TypeVar("T")

# What a listing needs (one-to-one fields, the agency, the online and email channels).
LISTING_LOADING = (selectinload(Service.agency), selectinload(Service.channels))
# What a full record needs.
SERVICE_LOADING = (
    selectinload(Service.agency),
    selectinload(Service.channels),
    selectinload(Service.documents),
    selectinload(Service.costs),
    selectinload(Service.offices).selectinload(ServiceOffice.office),
    selectinload(Service.categories).selectinload(ServiceCategory.category),
    selectinload(Service.life_events),
)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _paginate(session: Session, query: Select, page: int, per_page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, total, page, per_page)


def published_services(
    session: Session,
    *,
    page: int = 1,
    per_page: int = 50,
    organization_id: str | None = None,
    taxonomy_term_id: str | None = None,
    modified_after: dt.datetime | None = None,
) -> Page[Service]:
    """Published services in name order, filtered as the HSDS API allows."""
    query = select(Service).where(Service.status == ServiceStatus.PUBLISHED)
    if organization_id:
        query = query.where(Service.agency_id == organization_id)
    if taxonomy_term_id:
        query = query.where(
            Service.id.in_(select(ServiceCategory.service_id).where(ServiceCategory.category_id == taxonomy_term_id))
        )
    if modified_after:
        query = query.where(Service.updated_at > modified_after)
    query = query.order_by(Service.name, Service.id).options(*LISTING_LOADING)
    return _paginate(session, query, page, per_page)


def published_service(session: Session, service_id: str) -> Service | None:
    service = session.scalar(select(Service).where(Service.id == service_id).options(*SERVICE_LOADING))
    if service is None or service.status is not ServiceStatus.PUBLISHED:
        return None
    return service


def published_services_by_id(session: Session, service_ids: list[str]) -> list[Service]:
    """Published services, loaded for listing, in the order of the ids given."""
    found = {
        s.id: s
        for s in session.scalars(
            select(Service)
            .where(Service.id.in_(service_ids), Service.status == ServiceStatus.PUBLISHED)
            .options(*LISTING_LOADING)
        )
    }
    return [found[i] for i in service_ids if i in found]


def agencies(session: Session, *, page: int = 1, per_page: int = 50) -> Page[Agency]:
    return _paginate(session, select(Agency).order_by(Agency.name, Agency.id), page, per_page)


def agency(session: Session, agency_id: str) -> Agency | None:
    return session.get(Agency, agency_id)
