"""Agencies' offices (where services are given, with their opening hours), written in the native format with the
same rules as services: the matrix (an office is its agency's content), the schema, and a line in the audit log."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import jsonschema
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.agency.audit import audit
from finder.agency.errors import InvalidInput, NotFound
from finder.agency.permissions import Action, Actor, require
from finder.agency.records import _message_pointer, problem_errors
from finder.catalogue.import_export import native
from finder.catalogue.import_export.problems import ImportFailed, Problems
from finder.catalogue.models import Agency, Office, derived_id


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = native.schema()
    return jsonschema.Draft202012Validator(
        {"$ref": "#/$defs/office", "$defs": schema["$defs"]}, format_checker=jsonschema.FormatChecker()
    )


def office_record(office: Office) -> dict[str, Any]:
    """The office as a native record (what the office form starts from)."""
    slugs = {office.agency_id: office.agency.slug} if office.agency_id else {}
    return native._export_office(office, slugs)


def office_for(session: Session, actor: Actor, office_id: str) -> Office:
    """An office the actor may edit (NotFound, PermissionDenied otherwise)."""
    office = session.get(Office, office_id)
    if office is None:
        raise NotFound(f"no office has the id {office_id!r}")
    require(actor, Action.SERVICE_EDIT, office)
    return office


def offices_of(session: Session, actor: Actor, agency_id: str) -> list[Office]:
    """The agency's offices, by name."""
    require(actor, Action.SERVICE_HISTORY, agency_id)
    return list(session.scalars(select(Office).where(Office.agency_id == agency_id).order_by(Office.name)))


def save_office(session: Session, actor: Actor, record: Any, *, office_id: str | None = None) -> Office:
    """Create (office_id None) or replace an office of the actor's agency from a native office record. Raises
    InvalidInput (errors by JSON pointer), PermissionDenied or NotFound."""
    errors: dict[str, str] = {}
    for error in _validator().iter_errors(record if isinstance(record, dict) else {}):
        message = native._message(error)
        errors.setdefault(_message_pointer("".join(f"/{p}" for p in error.absolute_path), message), message)
    if errors:
        raise InvalidInput(errors)
    record = copy.deepcopy(record)
    agency = session.scalar(select(Agency).where(Agency.slug == record["agency"]))
    if agency is None:
        raise InvalidInput({"/agency": _("no agency has the slug %(slug)s", slug=repr(record["agency"]))})
    same_slug = session.scalar(select(Office).where(Office.slug == record["slug"]))
    if office_id is None:
        require(actor, Action.SERVICE_CREATE, agency)
        # The importer finds offices by slug: a new office must not take (and so overwrite) another's.
        if same_slug is not None:
            raise InvalidInput({"/slug": _("another office already has this address")})
        record["id"] = derived_id("office", record["slug"])
    else:
        existing = office_for(session, actor, office_id)
        require(actor, Action.SERVICE_EDIT, agency)
        if same_slug is not None and same_slug.id != existing.id:
            raise InvalidInput({"/slug": _("another office already has this address")})
        record["id"] = existing.id
    try:
        native.import_document(session, {"format": native.FORMAT, "offices": [record]}, Problems("request"))
    except ImportFailed as failed:
        raise InvalidInput(problem_errors(failed.problems)) from None
    office = session.get(Office, record["id"])
    audit(session, "office.save", actor, agency_id=agency.id, target_type="office", target_id=office.id)
    return office
