"""Open Referral HSDS 3.0 in and out: fully nested service records as the HSDS API's /services/{id} gives them.

Fields with a home in the catalogue model are mapped to it; everything else an HSDS record holds is kept on the
row it belongs to (`extra`) and given back on export, so HSDS -> import -> export loses nothing. For a list
whose first element is mapped (a location's first address, first phone), the element's unmapped fields stay in
place in `extra` and the mapped ones are merged back into it on export.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.catalogue.import_export import hsds_schema
from finder.catalogue.import_export.problems import Problems
from finder.catalogue.import_export.records import assign, get_or_new, sync_children
from finder.catalogue.models import (
    WEEKDAYS,
    Agency,
    Category,
    ChannelKind,
    Cost,
    DeliveryChannel,
    LifeEvent,
    Office,
    OpeningHours,
    RequiredDocument,
    Service,
    ServiceCategory,
    ServiceLifeEvent,
    ServiceOffice,
    ServiceStatus,
    derived_id,
    utcnow,
)
from finder.catalogue.translation import candidates

LIFE_EVENT_TAXONOMY = "Service Finder life events"

STATUS_IN = {
    "active": ServiceStatus.PUBLISHED,
    "temporarily closed": ServiceStatus.PUBLISHED,
    "inactive": ServiceStatus.DRAFT,
    "defunct": ServiceStatus.RETIRED,
}
STATUS_OUT = {
    ServiceStatus.PUBLISHED: "active",
    ServiceStatus.DRAFT: "inactive",
    ServiceStatus.SUBMITTED: "inactive",
    ServiceStatus.RETIRED: "defunct",
}
SMS_PHONE_TYPES = {"sms", "text"}


def records_of(document: Any) -> list[Any] | None:
    """The service records of an HSDS JSON document: a list, one record, or an API page envelope."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        return document["contents"]
    if isinstance(document, dict) and "id" in document and "name" in document:
        return [document]
    return None


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].rstrip("-") or "record"


def _unique_slug(session: Session, model: type, row: Any, name: str, taken: set[str]) -> str:
    if row.slug:
        return row.slug
    base = slugify(name)
    slug, n = base, 1
    while slug in taken or session.scalar(select(model.id).where(model.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _pop(remainder: dict[str, Any], key: str) -> Any:
    """Take a mapped field out of the remainder; a null stays there, so an explicit null is given back too."""
    if remainder.get(key) is None:
        return None
    return remainder.pop(key)


def _take_head(remainder: dict[str, Any], key: str, fields: dict[str, str]) -> dict[str, Any]:
    """Map fields of the first element of remainder[key]; the element keeps what is not mapped."""
    items = remainder.get(key)
    if not items or not isinstance(items[0], dict):
        return {}
    head = dict(items[0])
    taken = {column: _pop(head, hsds_key) for hsds_key, column in fields.items()}
    remainder[key] = [head, *items[1:]]
    return taken


def _put_head(record: dict[str, Any], key: str, values: dict[str, Any], defaults: dict[str, Any]) -> None:
    """Merge mapped values back into the first element of record[key] (creating it when there are values)."""
    present = {k: v for k, v in values.items() if v is not None}
    items = list(record.get(key) or [])
    if not present and not items:
        return
    head = dict(items[0]) if items else {}
    for k, v in defaults.items():
        head.setdefault(k, v)
    head.update(present)
    record[key] = [head, *items[1:]]


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _datetime(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _format_datetime(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class HsdsImporter:
    """Writes HSDS service records into a session. One instance per import, so slugs stay unique across it."""

    def __init__(self, session: Session, problems: Problems) -> None:
        self.session = session
        self.problems = problems
        self.slugs: dict[type, set[str]] = {Agency: set(), Office: set(), Category: set(), Service: set()}

    def import_records(self, records: list[Any]) -> int:
        for index, record in enumerate(records):
            where = f"[{index}]" + (f" {record.get('id')}" if isinstance(record, dict) and record.get("id") else "")
            found = list(hsds_schema.errors("service", record))
            for field, message in found:
                self.problems.add(where, field, message)
            if not found:
                # Flushed by hand per record: a half-filled row must not be flushed by a lookup's autoflush.
                with self.session.no_autoflush:
                    self.import_service(record, where)
                self.session.flush()
        return len(records)

    def _reference(self, rest: dict[str, Any], key: str, model: type) -> str | None:
        """The id under `key` when it names a row we have (then mapped, so taken out of the remainder);
        otherwise None, and the reference stays in the remainder to be given back as it came."""
        target = rest.get(key)
        if target and self.session.get(model, target) is not None:
            return rest.pop(key)
        return None

    # Organizations -> agencies ---------------------------------------------------------------------------------

    def agency(self, record: dict[str, Any]) -> Agency:
        rest = dict(record)
        row, _ = get_or_new(self.session, Agency, rest.pop("id"))
        head = _take_head(rest, "phones", {"number": "phone"})
        parent_id = self._reference(rest, "parent_organization_id", Agency)
        name = _pop(rest, "name")
        assign(
            row,
            slug=_unique_slug(self.session, Agency, row, name, self.slugs[Agency]),
            name=name,
            acronym=_pop(rest, "alternate_name"),
            description=_pop(rest, "description"),
            website=_pop(rest, "website"),
            email=_pop(rest, "email"),
            phone=head.get("phone"),
            parent_id=parent_id,
            extra=rest,
        )
        return row

    # Locations -> offices --------------------------------------------------------------------------------------

    def office(self, record: dict[str, Any], where: str) -> Office:
        rest = dict(record)
        row, _ = get_or_new(self.session, Office, rest.pop("id"))
        address = _take_head(
            rest,
            "addresses",
            {
                "address_1": "street",
                "address_2": "locality",
                "city": "city",
                "region": "region",
                "postal_code": "postal_code",
                "country": "country",
            },
        )
        if address.get("country") and not re.fullmatch(r"[A-Z]{2}", address["country"]):
            rest["addresses"][0]["country"] = address.pop("country")
        phone = _take_head(rest, "phones", {"number": "phone"})
        access = _take_head(rest, "accessibility", {"description": "accessibility"})
        agency_id = self._reference(rest, "organization_id", Agency)
        hours, other_schedules = [], []
        for schedule in rest.pop("schedules", None) or []:
            mapped = _opening_hours(schedule)
            if mapped is None:
                other_schedules.append(schedule)
            else:
                hours.append(mapped)
        if other_schedules:
            rest["schedules"] = other_schedules
        name = _pop(rest, "name") or "Office"
        assign(
            row,
            slug=_unique_slug(self.session, Office, row, name, self.slugs[Office]),
            agency_id=agency_id,
            name=name,
            description=_pop(rest, "description"),
            latitude=_pop(rest, "latitude"),
            longitude=_pop(rest, "longitude"),
            phone=phone.get("phone"),
            accessibility=access.get("accessibility"),
            extra=rest,
            **{k: address.get(k) for k in ("street", "locality", "city", "region", "postal_code", "country")},
        )
        sync_children(row.hours, hours, lambda child_id: OpeningHours(id=child_id))
        return row

    # Taxonomy terms -> categories or life events ---------------------------------------------------------------

    def category(self, record: dict[str, Any]) -> Category:
        rest = dict(record)
        row, _ = get_or_new(self.session, Category, rest.pop("id"))
        parent_id = self._reference(rest, "parent_id", Category)
        name = _pop(rest, "name")
        assign(
            row,
            slug=_unique_slug(self.session, Category, row, name, self.slugs[Category]),
            code=_pop(rest, "code"),
            name=name,
            description=_pop(rest, "description"),
            parent_id=parent_id,
            taxonomy=_pop(rest, "taxonomy"),
            extra=rest,
        )
        return row

    # Services --------------------------------------------------------------------------------------------------

    def import_service(self, record: dict[str, Any], where: str) -> Service | None:
        rest = dict(record)
        service_id = rest.pop("id")
        organization = rest.pop("organization", None)
        organization_id = rest.pop("organization_id", None)
        if organization is not None:
            agency = self.agency(organization)
        else:
            agency = self.session.get(Agency, organization_id) if organization_id else None
            if agency is None:
                self.problems.add(
                    where,
                    "organization",
                    f"refers to organization {organization_id!r}, which does not exist"
                    if organization_id
                    else "missing: every service needs the organization that delivers it",
                )
                return None
        row, created = get_or_new(self.session, Service, service_id)

        status_text = rest.pop("status")
        status = STATUS_IN[status_text]
        if STATUS_OUT[status] != status_text:
            rest["status"] = status_text

        name = rest.pop("name")
        alternate = _pop(rest, "alternate_name")
        description = _pop(rest, "description")
        last_modified = _pop(rest, "last_modified")
        values = {
            "slug": _unique_slug(self.session, Service, row, name, self.slugs[Service]),
            "agency_id": agency.id,
            "status": status,
            "name": name,
            "alternate_names": alternate.split("; ") if alternate else [],
            "description": description,
            "summary": row.summary or summary_of(description or name),
            "eligibility": _pop(rest, "eligibility_description"),
            "processing_time": _pop(rest, "wait_time"),
            "how_to_apply": _pop(rest, "application_process"),
            "last_reviewed": _date(_pop(rest, "assured_date")),
        }
        url = _pop(rest, "url")
        email = _pop(rest, "email")

        channels = []
        if url:
            channels.append((derived_id("service", service_id, "url"), {"kind": ChannelKind.ONLINE, "value": url}))
        if email:
            channels.append((derived_id("service", service_id, "email"), {"kind": ChannelKind.EMAIL, "value": email}))
        for phone in rest.pop("phones", None) or []:
            p = dict(phone)
            kind = ChannelKind.SMS if p.get("type") in SMS_PHONE_TYPES else ChannelKind.PHONE
            channels.append(
                (
                    p.pop("id"),
                    {
                        "kind": kind,
                        "value": p.pop("number"),
                        "description": _pop(p, "description"),
                        "extra": p,
                    },
                )
            )
        channels = [(i, {"description": None, "extra": {}, **v}) for i, v in channels]

        documents = []
        for document in rest.pop("required_documents", None) or []:
            d = dict(document)
            documents.append((d.pop("id"), {"name": _pop(d, "document") or "", "url": _pop(d, "uri"), "extra": d}))

        costs = []
        for option in rest.pop("cost_options", None) or []:
            c = dict(option)
            amount = _pop(c, "amount")
            try:
                amount = Decimal(str(amount)) if amount is not None else None
            except InvalidOperation:
                c["amount"], amount = amount, None
            costs.append(
                (
                    c.pop("id"),
                    {
                        "label": _pop(c, "option"),
                        "amount": amount,
                        "currency": _pop(c, "currency"),
                        "description": _pop(c, "amount_description"),
                        "valid_from": _date(_pop(c, "valid_from")),
                        "valid_to": _date(_pop(c, "valid_to")),
                        "extra": c,
                    },
                )
            )

        offices = []
        for link in rest.pop("service_at_locations", None) or []:
            s = dict(link)
            location = s.pop("location", None)
            office = None
            if location is not None:
                office = self.office(location, where)
            elif s.get("location_id"):
                office = self.session.get(Office, s["location_id"])
            if office is None:
                self.problems.add(where, "service_at_locations", f"location {s.get('location_id')!r} does not exist")
                continue
            offices.append((s.pop("id"), {"office_id": office.id, "description": _pop(s, "description"), "extra": s}))

        categories, life_events, other_attributes = [], [], []
        for attribute in rest.pop("attributes", None) or []:
            a = dict(attribute)
            term = a.pop("taxonomy_term", None)
            if term and term.get("taxonomy") == LIFE_EVENT_TAXONOMY and self.session.get(LifeEvent, term["id"]):
                life_events.append((a.pop("id"), {"life_event_id": term["id"]}))
            elif term:
                categories.append((a.pop("id"), {"category_id": self.category(term).id, "extra": a}))
            elif a.get("taxonomy_term_id") and self.session.get(Category, a["taxonomy_term_id"]):
                categories.append((a.pop("id"), {"category_id": a["taxonomy_term_id"], "extra": a}))
            else:
                other_attributes.append(attribute)
        if other_attributes:
            rest["attributes"] = other_attributes

        changed = assign(row, extra=rest, **values)
        changed |= sync_children(row.channels, channels, lambda i: DeliveryChannel(id=i))
        changed |= sync_children(row.documents, documents, lambda i: RequiredDocument(id=i))
        changed |= sync_children(row.costs, costs, lambda i: Cost(id=i))
        changed |= sync_children(row.offices, offices, lambda i: ServiceOffice(id=i))
        changed |= sync_children(row.categories, categories, lambda i: ServiceCategory(id=i))
        changed |= sync_children(row.life_events, life_events, lambda i: ServiceLifeEvent(id=i))
        if last_modified:
            assign(row, updated_at=_datetime(last_modified))
        elif changed and not created:
            row.updated_at = utcnow()
        return row


def summary_of(text: str) -> str:
    """The first sentence of a text, as a summary where a source has none (HSDS has no summary field)."""
    first = re.split(r"(?<=[.!?。])\s", text.strip(), maxsplit=1)[0]
    return first if len(first) <= 200 else first[:197].rsplit(" ", 1)[0] + "..."


def _opening_hours(schedule: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """A weekly schedule with plain weekdays and times maps to opening hours; anything richer is kept as is."""
    s = dict(schedule)
    days = [d.strip().lower() for d in (s.get("byday") or "").split(",") if d.strip()]
    freq = s.get("freq")
    if not days or any(d not in WEEKDAYS for d in days) or (freq and freq.upper() != "WEEKLY"):
        return None
    try:
        opens = dt.time.fromisoformat(s.get("opens_at") or "")
        closes = dt.time.fromisoformat(s.get("closes_at") or "")
    except ValueError:
        return None
    schedule_id = s.pop("id")
    for key in ("byday", "opens_at", "closes_at"):
        s.pop(key)
    values = {
        "days": days,
        "opens": opens,
        "closes": closes,
        "description": _pop(s, "description"),
        "extra": s,
    }
    return schedule_id, values


# Export ------------------------------------------------------------------------------------------------------


class HsdsExporter:
    """Renders rows as HSDS records, in a language: translated text where there is some, else the default."""

    def __init__(self, language: str | None = None) -> None:
        self.language = language

    def text(self, row: Any, field: str) -> Any:
        for language in candidates(self.language) if self.language else []:
            translated = row.translated(field, language)
            if translated not in (None, "", []):
                return translated
        return getattr(row, field)

    def organization(self, agency: Agency) -> dict[str, Any]:
        record = dict(agency.extra or {})
        record.update(
            _present(
                id=agency.id,
                name=self.text(agency, "name"),
                alternate_name=agency.acronym,
                description=self.text(agency, "description") or self.text(agency, "name"),
                website=agency.website,
                email=agency.email,
                parent_organization_id=agency.parent_id,
            )
        )
        _put_head(record, "phones", {"number": agency.phone}, {"id": derived_id("agency", agency.id, "phone")})
        return record

    def location(self, office: Office) -> dict[str, Any]:
        record = dict(office.extra or {})
        record.pop("address", None)
        record.update(
            _present(
                id=office.id,
                name=self.text(office, "name"),
                description=self.text(office, "description"),
                latitude=office.latitude,
                longitude=office.longitude,
                organization_id=office.agency_id,
            )
        )
        record.setdefault("location_type", "physical")
        _put_head(
            record,
            "addresses",
            {
                "address_1": office.street,
                "address_2": office.locality,
                "city": office.city,
                "region": office.region,
                "postal_code": office.postal_code,
                "country": office.country,
            },
            {
                "id": (office.extra or {}).get("address", {}).get("id") or derived_id("office", office.id, "address"),
                "state_province": office.region or "",
                "postal_code": "",
                "address_type": "physical",
            },
        )
        _put_head(record, "phones", {"number": office.phone}, {"id": derived_id("office", office.id, "phone")})
        _put_head(
            record,
            "accessibility",
            {"description": self.text(office, "accessibility")},
            {"id": derived_id("office", office.id, "accessibility")},
        )
        hours = [
            {
                # Hours entered here (not imported) say what HSDS readers need to know: they repeat weekly.
                **(h.extra or {"freq": "WEEKLY"}),
                **_present(
                    id=h.id,
                    byday=",".join(d.upper() for d in h.days),
                    opens_at=h.opens.isoformat(),
                    closes_at=h.closes.isoformat(),
                    description=self.text(h, "description"),
                ),
            }
            for h in office.hours
        ]
        schedules = hours + list(record.get("schedules") or [])
        if schedules:
            record["schedules"] = schedules
        return record

    def taxonomy_term(self, category: Category) -> dict[str, Any]:
        record = dict(category.extra or {})
        record.update(
            _present(
                id=category.id,
                code=category.code,
                name=self.text(category, "name"),
                description=self.text(category, "description") or self.text(category, "name"),
                parent_id=category.parent_id,
                taxonomy=category.taxonomy,
            )
        )
        return record

    def _one_to_one(self, service: Service) -> dict[str, Any]:
        record = dict(service.extra or {})
        status = STATUS_OUT[service.status]
        if record.get("status") and STATUS_IN.get(record["status"]) is service.status:
            status = record["status"]
        alternates = self.text(service, "alternate_names") or []
        record.update(
            _present(
                id=service.id,
                name=self.text(service, "name"),
                alternate_name="; ".join(alternates) if alternates else None,
                description=self.text(service, "description"),
                status=status,
                application_process=self.text(service, "how_to_apply"),
                wait_time=self.text(service, "processing_time"),
                eligibility_description=self.text(service, "eligibility"),
                assured_date=service.last_reviewed.isoformat() if service.last_reviewed else None,
                last_modified=_format_datetime(service.updated_at),
            )
        )
        online = [c for c in service.channels if c.kind is ChannelKind.ONLINE]
        emails = [c for c in service.channels if c.kind is ChannelKind.EMAIL]
        if online:
            record["url"] = online[0].value
        if emails:
            record["email"] = emails[0].value
        return record

    def service_listing(self, service: Service) -> dict[str, Any]:
        """A service as HSDS lists them (GET /services): its one-to-one fields, its organization and program."""
        record = {k: v for k, v in self._one_to_one(service).items() if not isinstance(v, list)}
        record["organization"] = {k: v for k, v in self.organization(service.agency).items() if not isinstance(v, list)}
        return record

    def service(self, service: Service) -> dict[str, Any]:
        """A service fully nested, as HSDS gives one (GET /services/{id})."""
        record = self._one_to_one(service)
        phones = [
            {
                **(c.extra or {}),
                **_present(id=c.id, number=c.value, description=self.text(c, "description")),
            }
            for c in service.channels
            if c.kind in (ChannelKind.PHONE, ChannelKind.SMS)
        ]
        for phone, channel in zip(
            phones,
            [c for c in service.channels if c.kind in (ChannelKind.PHONE, ChannelKind.SMS)],
            strict=True,
        ):
            if not channel.extra:
                phone["type"] = "sms" if channel.kind is ChannelKind.SMS else "voice"
        _set_list(record, "phones", phones)
        record["organization"] = self.organization(service.agency)
        _set_list(
            record,
            "required_documents",
            [
                {**(d.extra or {}), **_present(id=d.id, document=self.text(d, "name"), uri=d.url)}
                for d in service.documents
            ],
        )
        _set_list(
            record,
            "cost_options",
            [
                {
                    **(c.extra or {}),
                    **_present(
                        id=c.id,
                        option=self.text(c, "label"),
                        amount=_number(c.amount),
                        currency=c.currency,
                        amount_description=self.text(c, "description"),
                        valid_from=c.valid_from.isoformat() if c.valid_from else None,
                        valid_to=c.valid_to.isoformat() if c.valid_to else None,
                    ),
                }
                for c in service.costs
            ],
        )
        _set_list(
            record,
            "service_at_locations",
            [
                {
                    **(link.extra or {}),
                    **_present(id=link.id, description=self.text(link, "description")),
                    "location": self.location(link.office),
                }
                for link in service.offices
            ],
        )
        attributes = [
            {**(link.extra or {}), "id": link.id, "taxonomy_term": self.taxonomy_term(link.category)}
            for link in service.categories
        ]
        attributes += [
            {
                "id": link.id,
                "taxonomy_term": _present(
                    id=link.life_event.id,
                    code=link.life_event.slug,
                    name=self.text(link.life_event, "name"),
                    description=self.text(link.life_event, "description") or self.text(link.life_event, "name"),
                    taxonomy=LIFE_EVENT_TAXONOMY,
                ),
            }
            for link in service.life_events
        ]
        _set_list(record, "attributes", attributes + list(record.get("attributes") or []))
        return record


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _set_list(record: dict[str, Any], key: str, items: list[dict[str, Any]]) -> None:
    if items:
        record[key] = items
    else:
        record.pop(key, None)
