"""The publishing workflow, draft -> submitted -> published -> retired, and the one way services are written
(API now, the editor next): check, write, keep a version, audit; all in the caller's transaction.

A change by someone who may publish the service keeps its status; a change by someone who may not (an editor)
to a published or retired service returns it to draft, to be submitted again.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.agency.audit import audit
from finder.agency.checks import normalise_phones
from finder.agency.errors import InvalidInput, NotFound, WorkflowError
from finder.agency.history import record_version
from finder.agency.models import ServiceVersion
from finder.agency.permissions import Action, Actor, can, require
from finder.agency.records import RecordFormat, problem_errors, schema_errors
from finder.catalogue.import_export import hsds, native
from finder.catalogue.import_export.problems import ImportFailed, Problems
from finder.catalogue.models import Agency, Office, Service, ServiceStatus, derived_id

DRAFT, SUBMITTED, PUBLISHED, RETIRED = (
    ServiceStatus.DRAFT,
    ServiceStatus.SUBMITTED,
    ServiceStatus.PUBLISHED,
    ServiceStatus.RETIRED,
)
# Where a service may go from each status. Admins may publish a draft without submitting it to themselves.
TRANSITIONS: dict[ServiceStatus, frozenset[ServiceStatus]] = {
    DRAFT: frozenset({SUBMITTED, PUBLISHED}),
    SUBMITTED: frozenset({DRAFT, PUBLISHED}),
    PUBLISHED: frozenset({DRAFT, RETIRED}),
    RETIRED: frozenset({DRAFT, PUBLISHED}),
}
# The status a new service may start in (the importer's files and agencies' systems bring published ones).
INITIAL = frozenset({DRAFT, SUBMITTED, PUBLISHED})
ACTION_FOR = {
    DRAFT: Action.SERVICE_EDIT,
    SUBMITTED: Action.SERVICE_SUBMIT,
    PUBLISHED: Action.SERVICE_PUBLISH,
    RETIRED: Action.SERVICE_RETIRE,
}
# Status changes worth a line in the security log; edits are in the versions.
AUDITED = {PUBLISHED: "service.publish", RETIRED: "service.retire", SUBMITTED: "service.submit"}


class Conflict(InvalidInput):
    """A service with this id already exists (creating) or the id in the body is not the one addressed."""


@dataclass(frozen=True)
class Saved:
    service: Service
    version: ServiceVersion | None
    created: bool


def _check_move(current: ServiceStatus | None, wanted: ServiceStatus) -> None:
    allowed = INITIAL if current is None else TRANSITIONS[current] | {current}
    if wanted not in allowed:
        if current is None:
            raise WorkflowError(_("a new service cannot become %(status)s", status=wanted.value))
        raise WorkflowError(
            _("a %(current)s service cannot become %(status)s", current=current.value, status=wanted.value)
        )


def _finish_move(session: Session, service: Service, before: ServiceStatus | None, actor: Actor) -> None:
    if service.status != before and service.status in AUDITED:
        audit(
            session,
            AUDITED[service.status],
            actor,
            agency_id=service.agency_id,
            target_type="service",
            target_id=service.id,
            detail={"from": before.value if before else None},
        )


def transition(
    session: Session, service: Service, to_status: ServiceStatus, actor: Actor, *, replaced_by: Service | None = None
) -> ServiceVersion | None:
    """Move a service to another status, if the workflow and the actor's role allow it; keeps a version."""
    to_status = ServiceStatus(to_status)
    before = service.status
    if to_status == before:
        return None
    _check_move(before, to_status)
    require(actor, ACTION_FOR[to_status], service)
    if replaced_by is not None:
        if to_status is not RETIRED:
            raise InvalidInput({"/replaced_by": _("only a retired service has a replacement")})
        if replaced_by.id == service.id or replaced_by.status is RETIRED:
            raise InvalidInput({"/replaced_by": _("the replacement must be another service that is not retired")})
    service.status = to_status
    if to_status is RETIRED:
        service.replaced_by_id = replaced_by.id if replaced_by else None
    _finish_move(session, service, before, actor)
    return record_version(session, service, actor, f"{before.value} -> {to_status.value}")


def _target_id(fmt: RecordFormat, record: dict[str, Any], service_id: str | None) -> str:
    if service_id is not None:
        if record.get("id") not in (None, service_id):
            raise Conflict(
                {
                    "/id": _(
                        "the record's id %(id)s is not the id addressed (%(addressed)s)",
                        id=repr(record["id"]),
                        addressed=repr(service_id),
                    )
                }
            )
        record["id"] = service_id
        return service_id
    if fmt is RecordFormat.NATIVE:
        return record.get("id") or derived_id("service", record["slug"])
    return record["id"]


def _target_agency(session: Session, fmt: RecordFormat, record: dict[str, Any]) -> Agency:
    if fmt is RecordFormat.NATIVE:
        agency = session.scalar(select(Agency).where(Agency.slug == record["agency"]))
        if agency is None:
            raise InvalidInput({"/agency": _("no agency has the slug %(slug)s", slug=repr(record["agency"]))})
        return agency
    agency = session.get(Agency, record["organization_id"])
    if agency is None:
        raise InvalidInput(
            {"/organization_id": _("no organization has the id %(id)s", id=repr(record.get("organization_id")))}
        )
    return agency


def _check_nested_offices(session: Session, record: dict[str, Any], agency: Agency) -> None:
    """A nested HSDS location is written into its office: refuse one that is another agency's office."""
    errors = {}
    for index, link in enumerate(record.get("service_at_locations") or []):
        location = link.get("location") if isinstance(link, dict) else None
        office = session.get(Office, location["id"]) if isinstance(location, dict) and location.get("id") else None
        if office is not None and office.agency_id not in (None, agency.id):
            errors[f"/service_at_locations/{index}/location"] = _(
                "this office is another agency's: refer to it by location_id instead of sending it"
            )
    if errors:
        raise InvalidInput(errors)


def _wanted_status(fmt: RecordFormat, record: dict[str, Any], existing: Service | None) -> ServiceStatus:
    if fmt is RecordFormat.NATIVE:
        if "status" in record:
            return ServiceStatus(record["status"])
        return existing.status if existing else DRAFT
    wanted = hsds.STATUS_IN[record["status"]]
    # HSDS has no "submitted": a submitted service sent back as "inactive" stays submitted.
    if existing is not None and existing.status is SUBMITTED and wanted is DRAFT:
        return SUBMITTED
    return wanted


def save_service(
    session: Session,
    actor: Actor,
    record: Any,
    *,
    fmt: RecordFormat = RecordFormat.NATIVE,
    service_id: str | None = None,
    create: bool | None = None,
    note: str | None = None,
) -> Saved:
    """Write one service record (create or replace) through the workflow: validated against its format's schema,
    allowed by the permission matrix for both the service's current and new agency, status moved only as the
    workflow allows, a version kept and publishing audited. `create`: True must be new, False must exist, None
    either. Raises InvalidInput (errors by JSON pointer), PermissionDenied, NotFound or WorkflowError."""
    errors = schema_errors(fmt, record)
    if errors:
        raise InvalidInput(errors)
    record = copy.deepcopy(record)
    target_id = _target_id(fmt, record, service_id)
    existing = session.get(Service, target_id)
    if existing is None and create is False:
        raise NotFound(f"no service has the id {target_id!r}")
    if existing is not None and create is True:
        raise Conflict({"/id": _("a service with the id %(id)s already exists", id=repr(target_id))})
    agency = _target_agency(session, fmt, record)
    if fmt is RecordFormat.HSDS:
        _check_nested_offices(session, record, agency)
    if existing is not None:
        require(actor, Action.SERVICE_EDIT, existing)
    require(actor, Action.SERVICE_EDIT if existing else Action.SERVICE_CREATE, agency)
    if fmt is RecordFormat.NATIVE:
        owner = session.scalar(select(Service.id).where(Service.slug == record["slug"]))
        if owner not in (None, target_id):
            raise InvalidInput({"/slug": _("another service already has this address")})

    before = existing.status if existing else None
    wanted = _wanted_status(fmt, record, existing)
    if wanted == before and wanted in (PUBLISHED, RETIRED) and not can(actor, ACTION_FOR[wanted], existing):
        wanted = DRAFT
    _check_move(before, wanted)
    if wanted != before:
        require(actor, ACTION_FOR[wanted], agency)

    service = _import(session, fmt, record)
    normalise_phones(service)
    service.status = wanted
    _finish_move(session, service, before, actor)
    version = record_version(session, service, actor, note)
    return Saved(service, version, existing is None)


def _import(session: Session, fmt: RecordFormat, record: dict[str, Any]) -> Service:
    problems = Problems("request")
    try:
        if fmt is RecordFormat.NATIVE:
            record.pop("status", None)
            native.import_document(session, {"format": native.FORMAT, "services": [record]}, problems)
            service_id = record.get("id") or derived_id("service", record["slug"])
        else:
            hsds.HsdsImporter(session, problems).import_records([record])
            problems.raise_if_any()
            service_id = record["id"]
    except ImportFailed as failed:
        raise InvalidInput(problem_errors(failed.problems)) from None
    service = session.get(Service, service_id)
    if service is None:  # the importers either write the record or report why not
        raise NotFound(f"no service has the id {service_id!r}")
    return service


def service_for(session: Session, actor: Actor, service_id: str, action: Action = Action.SERVICE_HISTORY) -> Service:
    """A service by id or slug that the actor may act on (NotFound, PermissionDenied otherwise)."""
    service = session.get(Service, service_id) or session.scalar(select(Service).where(Service.slug == service_id))
    if service is None:
        raise NotFound(f"no service has the id {service_id!r}")
    require(actor, action, service)
    return service


def restore(session: Session, version: ServiceVersion, actor: Actor) -> Saved:
    """Bring back an earlier version's content as a new version (in the service's current status, or draft when
    the actor may not publish it)."""
    service = session.get(Service, version.service_id)
    if service is None:
        raise NotFound("the service of this version no longer exists")
    record = dict(version.snapshot)
    record["status"] = service.status.value
    return save_service(
        session, actor, record, service_id=service.id, create=False, note=f"restored version {version.number}"
    )


def services_of(session: Session, actor: Actor, agency_id: str, status: ServiceStatus | None = None) -> list[Service]:
    """An agency's services in every status (or one), by name: its people's dashboard."""
    require(actor, Action.SERVICE_HISTORY, agency_id)
    query = select(Service).where(Service.agency_id == agency_id).order_by(Service.name)
    if status is not None:
        query = query.where(Service.status == status)
    return list(session.scalars(query))


def review_queue(session: Session, actor: Actor) -> list[Service]:
    """Submitted services the actor may publish, oldest change first: an admin's own agency's, or all of them
    for the coordinator."""
    query = select(Service).where(Service.status == SUBMITTED).order_by(Service.updated_at)
    if not can(actor, Action.SERVICE_PUBLISH, None):
        query = query.where(Service.agency_id == (actor.agency_id or ""))
    return [s for s in session.scalars(query) if can(actor, Action.SERVICE_PUBLISH, s)]
