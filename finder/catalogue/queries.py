"""Reading the catalogue: what citizens and other systems may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from finder.catalogue.models import (
    Agency,
    Category,
    ChannelKind,
    DeliveryChannel,
    LifeEvent,
    Office,
    Service,
    ServiceCategory,
    ServiceLifeEvent,
    ServiceOffice,
    ServiceStatus,
)

T = TypeVar("T")

# What a listing needs (one-to-one fields, the agency, the online and email channels): the agency joined in, the
# channels in one more statement.
LISTING_LOADING = (joinedload(Service.agency), selectinload(Service.channels))
# What a full record needs.
# Each collection in one statement of its own; what a row points to (its agency, office, category) joined into
# that statement rather than fetched by one more.
SERVICE_LOADING = (
    joinedload(Service.agency),
    selectinload(Service.channels),
    selectinload(Service.documents),
    selectinload(Service.costs),
    selectinload(Service.offices).joinedload(ServiceOffice.office).selectinload(Office.hours),
    selectinload(Service.categories).joinedload(ServiceCategory.category),
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


def published_service(session: Session, id_or_slug: str) -> Service | None:
    """A published service, fully loaded, by its id or its slug (web addresses use the slug)."""
    service = session.scalar(
        select(Service).where((Service.id == id_or_slug) | (Service.slug == id_or_slug)).options(*SERVICE_LOADING)
    )
    if service is None or service.status is not ServiceStatus.PUBLISHED:
        return None
    return service


def published_service_online(session: Session, slug: str) -> tuple[str, list[str]] | None:
    """A published service's id and its online channels' addresses in their order, by its slug: what a click-out
    or a feedback form needs, in one light query instead of the whole record."""
    rows = session.execute(
        select(Service.id, DeliveryChannel.value)
        .outerjoin(
            DeliveryChannel,
            (DeliveryChannel.service_id == Service.id) & (DeliveryChannel.kind == ChannelKind.ONLINE),
        )
        .where(Service.slug == slug, Service.status == ServiceStatus.PUBLISHED)
        .order_by(DeliveryChannel.position, DeliveryChannel.id)
    ).all()
    if not rows:
        return None
    return rows[0].id, [row.value for row in rows if row.value is not None]


# A replacement may itself be retired later; following a few hops finds what replaced that, and the bound keeps a
# cycle (A replaced by B, B later by A) from looping.
MAX_REPLACEMENT_HOPS = 5


def retired_service(session: Session, slug: str) -> tuple[Service, Service | None] | None:
    """A retired service by its slug, and the published service that now does its work, if one is named."""
    service = session.scalar(
        select(Service).where(Service.slug == slug, Service.status == ServiceStatus.RETIRED).options(*LISTING_LOADING)
    )
    if service is None:
        return None
    replacement = service.replaced_by
    for _ in range(MAX_REPLACEMENT_HOPS):
        if replacement is None or replacement.status is not ServiceStatus.RETIRED:
            break
        replacement = replacement.replaced_by
    if replacement is None or replacement.status is not ServiceStatus.PUBLISHED:
        return service, None
    return service, replacement


def related_services(session: Session, service: Service, limit: int = 5) -> list[Service]:
    """Other published services filed under the service's first category, in name order (one light query)."""
    if not service.categories:
        return []
    return list(
        session.scalars(
            select(Service)
            .join(ServiceCategory, ServiceCategory.service_id == Service.id)
            .where(
                ServiceCategory.category_id == service.categories[0].category_id,
                Service.id != service.id,
                Service.status == ServiceStatus.PUBLISHED,
            )
            .order_by(Service.name, Service.id)
            .limit(limit)
        )
    )


# A listing's services by id, in one statement built once (its ids bound as one expanding parameter): the agency
# and the channels joined in. A page of ten took half the CPU that loading the channels in a statement of their own
# did (SQLAlchemy's selectin loading), and building the statement anew cost a fifth more. Pages with a LIMIT keep
# LISTING_LOADING: joining a collection there would make the database page over channels, not services.
_BY_ID_FOR_LISTING = (
    select(Service)
    .where(Service.id.in_(bindparam("ids", expanding=True)))
    .options(joinedload(Service.agency), joinedload(Service.channels))
)


def published_services_by_id(session: Session, service_ids: list[str]) -> list[Service]:
    """Published services, loaded for listing, in the order of the ids given."""
    # The status is checked here, not in SQL: given both conditions, SQLite's planner picks the status index and
    # reads every published service instead of the few primary keys asked for (4.3 ms against 0.7 ms at 3,000).
    found = {
        s.id: s
        for s in session.scalars(_BY_ID_FOR_LISTING, {"ids": service_ids}).unique()
        if s.status is ServiceStatus.PUBLISHED
    }
    return [found[i] for i in service_ids if i in found]


def agencies(session: Session, *, page: int = 1, per_page: int = 50) -> Page[Agency]:
    return _paginate(session, select(Agency).order_by(Agency.name, Agency.id), page, per_page)


def agency(session: Session, id_or_slug: str) -> Agency | None:
    """An agency by its id or its slug."""
    return session.scalar(select(Agency).where((Agency.id == id_or_slug) | (Agency.slug == id_or_slug)))


def life_events(session: Session) -> list[LifeEvent]:
    """Every life event, in the catalogue's order."""
    return list(session.scalars(select(LifeEvent).order_by(LifeEvent.position, LifeEvent.name)))


def life_event(session: Session, slug: str) -> LifeEvent | None:
    return session.scalar(select(LifeEvent).where(LifeEvent.slug == slug))


def life_event_journey(session: Session, event: LifeEvent) -> list[Service]:
    """The event's published services in the order a citizen needs them: its steps first, then the rest by name."""
    rows = session.execute(
        select(Service, ServiceLifeEvent.step)
        .join(ServiceLifeEvent, ServiceLifeEvent.service_id == Service.id)
        .where(ServiceLifeEvent.life_event_id == event.id, Service.status == ServiceStatus.PUBLISHED)
        .options(*LISTING_LOADING)
    ).all()
    return [service for service, _ in sorted(rows, key=lambda r: (r[1] is None, r[1] or 0, r[0].name))]


def categories(session: Session) -> list[Category]:
    """Every category, top-level ones with their children loaded, in name order."""
    return list(
        session.scalars(
            select(Category)
            .where(Category.parent_id.is_(None))
            .order_by(Category.name)
            .options(selectinload(Category.children))
        )
    )


def category(session: Session, slug: str) -> Category | None:
    return session.scalar(select(Category).where(Category.slug == slug).options(selectinload(Category.children)))
