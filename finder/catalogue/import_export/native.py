"""Service Finder's own full-fidelity JSON: every field, every translation, life events. See docs/native-format.md."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.catalogue.import_export.problems import Problems
from finder.catalogue.import_export.records import assign, drop_empty, get_or_new, sync_children
from finder.catalogue.models import (
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
    Translatable,
    derived_id,
    utcnow,
)

FORMAT = "service-finder/1"

SERVICE_FIELDS = (
    "name",
    "alternate_names",
    "summary",
    "description",
    "eligibility",
    "processing_time",
    "how_to_apply",
    "keywords",
)


@cache
def schema() -> dict[str, Any]:
    text = resources.files("finder.catalogue").joinpath("schemas/native.schema.json").read_text("utf-8")
    return json.loads(text)


def is_native(document: Any) -> bool:
    return isinstance(document, dict) and "format" in document and "contents" not in document


def _label(document: dict[str, Any], path: list[Any]) -> tuple[str | None, str | None]:
    """Split a JSON path into the record it is in ("services[3] 'renew-passport'") and the field within it."""
    if len(path) < 2 or not isinstance(path[1], int):
        return None, ".".join(str(p) for p in path) or None
    section, index = path[0], path[1]
    item = document[section][index]
    name = item.get("slug") or item.get("id") if isinstance(item, dict) else None
    record = f"{section}[{index}]" + (f" {name!r}" if name else "")
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:]).lstrip(".")
    return record, field or None


def validate(document: Any, problems: Problems) -> None:
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        record, field = _label(document, list(error.absolute_path))
        problems.add(record, field, _message(error))


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return f"unknown field: {error.message.split('(')[-1].rstrip(')')}"
    if error.validator == "required":
        return f"missing required field: {error.message.split(' is a required')[0]}"
    return error.message if len(error.message) < 300 else error.message[:297] + "..."


def _translations(row_type: type[Translatable], record: dict[str, Any], where: str, problems: Problems):
    translations = record.get("translations") or {}
    for language, fields in translations.items():
        for field in fields:
            if field not in row_type.TRANSLATABLE:
                problems.add(where, f"translations.{language}.{field}", "this field cannot be translated")
    return translations


class _Resolver:
    """Finds the id a slug stands for: first among the file's records, then in the database."""

    def __init__(self, session: Session, model: type, kind: str, records: list[dict[str, Any]]):
        self.session, self.model, self.kind = session, model, kind
        self.in_file = {r["slug"]: r.get("id") or derived_id(kind, r["slug"]) for r in records}

    def __call__(self, slug: str) -> str | None:
        if slug in self.in_file:
            return self.in_file[slug]
        return self.session.scalar(select(self.model.id).where(self.model.slug == slug))

    def id_for(self, record: dict[str, Any]) -> str:
        return self.in_file[record["slug"]]


def import_document(session: Session, document: dict[str, Any], problems: Problems) -> dict[str, int]:
    """Validate a native document and write it into the session; counts of records by kind."""
    validate(document, problems)
    problems.raise_if_any()
    # Rows are filled in after they are added; flushing half-filled rows would break NOT NULL constraints,
    # so flushes happen by hand, once per section, where every row of it is complete.
    with session.no_autoflush:
        counts = _import_sections(session, document, problems)
    problems.raise_if_any()
    return counts


def _import_sections(session: Session, document: dict[str, Any], problems: Problems) -> dict[str, int]:

    # (position in the file, record), so that messages name the record where the file has it.
    sections = {
        k: list(enumerate(document.get(k, [])))
        for k in ("categories", "life_events", "agencies", "offices", "services")
    }
    for key in ("categories", "agencies"):
        sections[key] = _parents_first(sections[key], key, problems)
    resolve = {
        "categories": _Resolver(session, Category, "category", [r for _, r in sections["categories"]]),
        "life_events": _Resolver(session, LifeEvent, "life-event", [r for _, r in sections["life_events"]]),
        "agencies": _Resolver(session, Agency, "agency", [r for _, r in sections["agencies"]]),
        "offices": _Resolver(session, Office, "office", [r for _, r in sections["offices"]]),
        "services": _Resolver(session, Service, "service", [r for _, r in sections["services"]]),
    }

    def ref(section: str, slug: str | None, where: str, field: str) -> str | None:
        if slug is None:
            return None
        found = resolve[section](slug)
        if found is None:
            problems.add(where, field, f"refers to {section.replace('_', ' ')} {slug!r}, which does not exist")
        return found

    def check_slug(model: type, row_id: str, slug: str, where: str) -> None:
        owner = session.scalar(select(model.id).where(model.slug == slug))
        if owner is not None and owner != row_id:
            problems.add(where, "slug", f"{slug!r} is already used by another record (id {owner})")

    for i, rec in sections["categories"]:
        where = f"categories[{i}] {rec['slug']!r}"
        row_id = resolve["categories"].id_for(rec)
        check_slug(Category, row_id, rec["slug"], where)
        row, _ = get_or_new(session, Category, row_id)
        assign(
            row,
            slug=rec["slug"],
            code=rec.get("code"),
            name=rec["name"],
            description=rec.get("description"),
            parent_id=ref("categories", rec.get("parent"), where, "parent"),
            taxonomy=rec.get("taxonomy"),
            translations=_translations(Category, rec, where, problems),
            extra=rec.get("extra", {}),
        )

    _flush(session, problems)

    for i, rec in sections["life_events"]:
        where = f"life_events[{i}] {rec['slug']!r}"
        row_id = resolve["life_events"].id_for(rec)
        check_slug(LifeEvent, row_id, rec["slug"], where)
        row, _ = get_or_new(session, LifeEvent, row_id)
        assign(
            row,
            slug=rec["slug"],
            name=rec["name"],
            description=rec.get("description"),
            position=rec.get("position", i),
            translations=_translations(LifeEvent, rec, where, problems),
        )

    _flush(session, problems)

    for i, rec in sections["agencies"]:
        where = f"agencies[{i}] {rec['slug']!r}"
        row_id = resolve["agencies"].id_for(rec)
        check_slug(Agency, row_id, rec["slug"], where)
        row, _ = get_or_new(session, Agency, row_id)
        assign(
            row,
            slug=rec["slug"],
            name=rec["name"],
            acronym=rec.get("acronym"),
            description=rec.get("description"),
            website=rec.get("website"),
            email=rec.get("email"),
            phone=rec.get("phone"),
            parent_id=ref("agencies", rec.get("parent"), where, "parent"),
            translations=_translations(Agency, rec, where, problems),
            extra=rec.get("extra", {}),
        )

    _flush(session, problems)

    for i, rec in sections["offices"]:
        where = f"offices[{i}] {rec['slug']!r}"
        row_id = resolve["offices"].id_for(rec)
        check_slug(Office, row_id, rec["slug"], where)
        row, _ = get_or_new(session, Office, row_id)
        address = rec["address"]
        assign(
            row,
            slug=rec["slug"],
            agency_id=ref("agencies", rec.get("agency"), where, "agency"),
            name=rec["name"],
            description=rec.get("description"),
            street=address.get("street"),
            locality=address.get("locality"),
            city=address.get("city"),
            region=address.get("region"),
            postal_code=address.get("postal_code"),
            country=address.get("country"),
            latitude=rec.get("latitude"),
            longitude=rec.get("longitude"),
            phone=rec.get("phone"),
            accessibility=rec.get("accessibility"),
            translations=_translations(Office, rec, where, problems),
            extra=_office_extra(rec),
        )
        hours = []
        for j, h in enumerate(rec.get("hours", [])):
            opens, closes = _time(h["opens"]), _time(h["closes"])
            if closes <= opens:
                problems.add(where, f"hours[{j}].closes", "must be later than opens")
            hours.append(
                (
                    h.get("id") or derived_id("office", rec["slug"], "hours", str(j)),
                    {
                        "days": h["days"],
                        "opens": opens,
                        "closes": closes,
                        "description": h.get("description"),
                        "translations": _translations(OpeningHours, h, where, problems),
                        "extra": h.get("extra", {}),
                    },
                )
            )
        sync_children(row.hours, hours, lambda child_id: OpeningHours(id=child_id))

    counts = {k: len(v) for k, v in sections.items()}
    _flush(session, problems)

    imported = []
    for i, rec in sections["services"]:
        where = f"services[{i}] {rec['slug']!r}"
        row, created = _import_service(session, rec, resolve["services"].id_for(rec), where, ref, check_slug, problems)
        imported.append((where, rec, row, created))
    _flush(session, problems)
    # Replacements last: a service may name one that comes later in the file, and the row it points to must exist
    # before the reference does.
    for where, rec, row, created in imported:
        if assign(row, replaced_by_id=ref("services", rec.get("replaced_by"), where, "replaced_by")) and not created:
            row.updated_at = utcnow()
    _flush(session, problems)
    return counts


def import_life_event_steps(session: Session, steps: dict[str, list[str]], problems: Problems) -> None:
    """Place services in their life events' journeys. Run after every file's services are in, since a
    journey names services from any agency's file."""
    for event_slug, service_slugs in steps.items():
        where = f"life_event_steps {event_slug!r}"
        event_id = session.scalar(select(LifeEvent.id).where(LifeEvent.slug == event_slug))
        if event_id is None:
            problems.add(where, None, f"refers to life event {event_slug!r}, which does not exist")
            continue
        links = {
            link.service.slug: link
            for link in session.scalars(select(ServiceLifeEvent).where(ServiceLifeEvent.life_event_id == event_id))
        }
        for index, slug in enumerate(service_slugs):
            link = links.pop(slug, None)
            if link is None:
                problems.add(where, f"[{index}]", f"service {slug!r} is not linked to this life event")
            else:
                assign(link, step=index + 1)
        for link in links.values():
            assign(link, step=None)
    _flush(session, problems)


def _parents_first(records: list[tuple[int, dict[str, Any]]], section: str, problems: Problems):
    """The records ordered so that a parent in the same file is written before its children."""
    by_slug = {r["slug"]: (i, r) for i, r in records}
    ordered: list[tuple[int, dict[str, Any]]] = []
    placed: set[str] = set()
    for index, record in records:
        chain: list[tuple[int, dict[str, Any]]] = []
        node = (index, record)
        while node is not None and node[1]["slug"] not in placed:
            if any(n[1] is node[1] for n in chain):
                problems.add(f"{section}[{index}] {record['slug']!r}", "parent", "the parents form a cycle")
                return records
            chain.append(node)
            node = by_slug.get(node[1].get("parent", ""))
        for item in reversed(chain):
            placed.add(item[1]["slug"])
            ordered.append(item)
    return ordered


def _flush(session: Session, problems: Problems) -> None:
    """Write the section so far, unless something is wrong with it: a broken row must not reach the database."""
    problems.raise_if_any()
    session.flush()


def _office_extra(rec: dict[str, Any]) -> dict[str, Any]:
    extra = dict(rec.get("extra", {}))
    address_extra = rec["address"].get("extra")
    if address_extra or rec["address"].get("id"):
        extra["address"] = {
            **(address_extra or {}),
            **({"id": rec["address"]["id"]} if "id" in rec["address"] else {}),
        }
    return extra


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _import_service(session, rec, row_id, where, ref, check_slug, problems) -> tuple[Service, bool]:
    """The service's row (and whether it is new) with everything but its replacement, which `_import_sections` sets
    once every row exists."""
    check_slug(Service, row_id, rec["slug"], where)
    row, created = get_or_new(session, Service, row_id)
    slug = rec["slug"]
    changed = assign(
        row,
        slug=slug,
        agency_id=ref("agencies", rec["agency"], where, "agency"),
        status=ServiceStatus(rec.get("status", "draft")),
        last_reviewed=dt.date.fromisoformat(rec["last_reviewed"]) if rec.get("last_reviewed") else None,
        translations=_translations(Service, rec, where, problems),
        extra=rec.get("extra", {}),
        **{f: rec.get(f) for f in SERVICE_FIELDS if f not in ("alternate_names", "keywords")},
        alternate_names=rec.get("alternate_names", []),
        keywords=rec.get("keywords", []),
    )

    def child_id(kind: str, item: dict[str, Any], index: int) -> str:
        return item.get("id") or derived_id("service", slug, kind, str(index))

    documents = [
        (
            child_id("document", d, j),
            {
                "name": d["name"],
                "url": d.get("url"),
                "translations": _translations(RequiredDocument, d, where, problems),
                "extra": d.get("extra", {}),
            },
        )
        for j, d in enumerate(rec.get("documents", []))
    ]
    costs = [
        (
            child_id("cost", c, j),
            {
                "label": c.get("label"),
                "amount": Decimal(c["amount"]) if c.get("amount") is not None else None,
                "currency": c.get("currency"),
                "description": c.get("description"),
                "valid_from": dt.date.fromisoformat(c["valid_from"]) if c.get("valid_from") else None,
                "valid_to": dt.date.fromisoformat(c["valid_to"]) if c.get("valid_to") else None,
                "translations": _translations(Cost, c, where, problems),
                "extra": c.get("extra", {}),
            },
        )
        for j, c in enumerate(rec.get("costs", []))
    ]
    channels = [
        (
            child_id("channel", c, j),
            {
                "kind": ChannelKind(c["kind"]),
                "value": c["value"],
                "description": c.get("description"),
                "translations": _translations(DeliveryChannel, c, where, problems),
                "extra": c.get("extra", {}),
            },
        )
        for j, c in enumerate(rec.get("channels", []))
    ]
    for j, (_, values) in enumerate(channels):
        if values["kind"] is ChannelKind.ONLINE and not values["value"].startswith(("https://", "http://")):
            problems.add(where, f"channels[{j}].value", "an online channel needs an http(s) URL")
    offices = []
    for j, o in enumerate(rec.get("offices", [])):
        office_id = ref("offices", o["office"], where, f"offices[{j}].office")
        if office_id:
            values = {
                "office_id": office_id,
                "description": o.get("description"),
                "translations": _translations(ServiceOffice, o, where, problems),
                "extra": o.get("extra", {}),
            }
            offices.append((o.get("id") or derived_id("service", slug, "office", o["office"]), values))
    categories = []
    for j, c in enumerate(rec.get("categories", [])):
        category_id = ref("categories", c, where, f"categories[{j}]")
        if category_id:
            link_id = derived_id("service", slug, "category", c)
            categories.append((link_id, {"category_id": category_id}))
    life_events = []
    for j, e in enumerate(rec.get("life_events", [])):
        event_id = ref("life_events", e, where, f"life_events[{j}]")
        if event_id:
            life_events.append((derived_id("service", slug, "life-event", e), {"life_event_id": event_id}))

    changed |= sync_children(row.documents, documents, lambda i: RequiredDocument(id=i))
    changed |= sync_children(row.costs, costs, lambda i: Cost(id=i))
    changed |= sync_children(row.channels, channels, lambda i: DeliveryChannel(id=i))
    changed |= sync_children(row.offices, offices, lambda i: ServiceOffice(id=i))
    changed |= sync_children(row.categories, categories, lambda i: ServiceCategory(id=i))
    changed |= sync_children(row.life_events, life_events, lambda i: ServiceLifeEvent(id=i))
    if changed and not created:
        row.updated_at = utcnow()
    return row, created


# Export ------------------------------------------------------------------------------------------------------


def _common(row: Any) -> dict[str, Any]:
    return {"translations": row.translations or {}, "extra": row.extra or {}}


def export_document(session: Session, default_language: str) -> dict[str, Any]:
    """The whole catalogue as one native document (drafts and retired services included)."""
    agencies = session.scalars(select(Agency).order_by(Agency.slug)).all()
    slugs = {a.id: a.slug for a in agencies}
    categories = session.scalars(select(Category).order_by(Category.slug)).all()
    category_slugs = {c.id: c.slug for c in categories}
    offices = session.scalars(select(Office).order_by(Office.slug)).all()
    return {
        "format": FORMAT,
        "default_language": default_language,
        "agencies": [
            drop_empty(
                {
                    "id": a.id,
                    "slug": a.slug,
                    "name": a.name,
                    "acronym": a.acronym,
                    "description": a.description,
                    "website": a.website,
                    "email": a.email,
                    "phone": a.phone,
                    "parent": slugs.get(a.parent_id),
                    **_common(a),
                }
            )
            for a in agencies
        ],
        "offices": [_export_office(o, slugs) for o in offices],
        "categories": [
            drop_empty(
                {
                    "id": c.id,
                    "slug": c.slug,
                    "code": c.code,
                    "name": c.name,
                    "description": c.description,
                    "parent": category_slugs.get(c.parent_id),
                    "taxonomy": c.taxonomy,
                    **_common(c),
                }
            )
            for c in categories
        ],
        "life_events": [
            drop_empty(
                {
                    "id": e.id,
                    "slug": e.slug,
                    "name": e.name,
                    "description": e.description,
                    "position": e.position,
                    "translations": e.translations or {},
                }
            )
            for e in session.scalars(select(LifeEvent).order_by(LifeEvent.position, LifeEvent.slug))
        ],
        "services": [export_service(s) for s in session.scalars(select(Service).order_by(Service.slug))],
        "life_event_steps": _export_steps(session),
    }


def _export_steps(session: Session) -> dict[str, list[str]]:
    rows = session.execute(
        select(LifeEvent.slug, Service.slug)
        .join(ServiceLifeEvent, ServiceLifeEvent.life_event_id == LifeEvent.id)
        .join(Service, Service.id == ServiceLifeEvent.service_id)
        .where(ServiceLifeEvent.step.is_not(None))
        .order_by(LifeEvent.slug, ServiceLifeEvent.step)
    )
    steps: dict[str, list[str]] = {}
    for event_slug, service_slug in rows:
        steps.setdefault(event_slug, []).append(service_slug)
    return steps


def _export_office(office: Office, agency_slugs: dict[str, str]) -> dict[str, Any]:
    extra = dict(office.extra or {})
    address_extra = dict(extra.pop("address", {}))
    address_id = address_extra.pop("id", None)
    address = drop_empty(
        {
            "id": address_id,
            "street": office.street,
            "locality": office.locality,
            "city": office.city,
            "region": office.region,
            "postal_code": office.postal_code,
            "country": office.country,
            "extra": address_extra,
        }
    )
    return drop_empty(
        {
            "id": office.id,
            "slug": office.slug,
            "agency": agency_slugs.get(office.agency_id),
            "name": office.name,
            "description": office.description,
            "address": address,
            "latitude": office.latitude,
            "longitude": office.longitude,
            "phone": office.phone,
            "accessibility": office.accessibility,
            "hours": [
                drop_empty(
                    {
                        "id": h.id,
                        "days": h.days,
                        "opens": h.opens.strftime("%H:%M"),
                        "closes": h.closes.strftime("%H:%M"),
                        "description": h.description,
                        **_common(h),
                    }
                )
                for h in office.hours
            ],
            "translations": office.translations or {},
            "extra": extra,
        }
    )


def export_service(service: Service) -> dict[str, Any]:
    return drop_empty(
        {
            "id": service.id,
            "slug": service.slug,
            "agency": service.agency.slug,
            "status": service.status.value,
            **{f: getattr(service, f) for f in SERVICE_FIELDS},
            "last_reviewed": service.last_reviewed.isoformat() if service.last_reviewed else None,
            "replaced_by": service.replaced_by.slug if service.replaced_by else None,
            "documents": [
                drop_empty({"id": d.id, "name": d.name, "url": d.url, **_common(d)}) for d in service.documents
            ],
            "costs": [
                drop_empty(
                    {
                        "id": c.id,
                        "label": c.label,
                        "amount": _amount(c.amount),
                        "currency": c.currency,
                        "description": c.description,
                        "valid_from": c.valid_from.isoformat() if c.valid_from else None,
                        "valid_to": c.valid_to.isoformat() if c.valid_to else None,
                        **_common(c),
                    }
                )
                for c in service.costs
            ],
            "channels": [
                drop_empty(
                    {
                        "id": c.id,
                        "kind": c.kind.value,
                        "value": c.value,
                        "description": c.description,
                        **_common(c),
                    }
                )
                for c in service.channels
            ],
            "offices": [
                drop_empty({"id": o.id, "office": o.office.slug, "description": o.description, **_common(o)})
                for o in service.offices
            ],
            "categories": [c.category.slug for c in service.categories],
            "life_events": [e.life_event.slug for e in service.life_events],
            "translations": service.translations or {},
            "extra": service.extra or {},
        }
    )


def _amount(amount: Decimal | None) -> str | None:
    if amount is None:
        return None
    # Two decimals at least (money), more only where the source had them.
    text = f"{amount.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"
