"""Write endpoints for agencies' own systems, under the same /api/v1 blueprint: create, replace, patch, retire and
bulk-upsert services with an agency's API token (`Authorization: Bearer ...`).

Bodies are HSDS 3.0 service records (`application/json`; `application/merge-patch+json` for PATCH) or records of
the native format (`application/vnd.service-finder+json`). Each request is one transaction: bulk is all or nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask, Response, current_app, jsonify, request, url_for
from flask_babel import force_locale

from finder import agency, metrics
from finder.agency import Actor, RecordFormat
from finder.api.problems import ApiProblem
from finder.api.views import blueprint
from finder.catalogue import HsdsExporter
from finder.catalogue.import_export import native
from finder.catalogue.models import Service, ServiceStatus
from finder.db import database

NATIVE_TYPE = "application/vnd.service-finder+json"
HSDS_TYPES = ("application/json", "application/merge-patch+json")
BULK_LIMIT = 1000


def _problem(error: agency.AgencyError) -> ApiProblem:
    """The RFC 9457 answer for a refusal of the agency domain."""
    if isinstance(error, agency.Conflict):
        return ApiProblem(409, "Conflict", str(error), _pointers(error.errors))
    if isinstance(error, metrics.InvalidTransactions):
        return ApiProblem(
            422, "Invalid transactions", "The counts have errors; nothing was written.", _pointers(error.errors)
        )
    if isinstance(error, agency.InvalidInput):
        return ApiProblem(
            422, "Invalid service record", "The record has errors; nothing was written.", _pointers(error.errors)
        )
    if isinstance(error, agency.PermissionDenied):
        return ApiProblem(403, "Forbidden", "This token may only change its own agency's services.")
    if isinstance(error, agency.NotFound):
        return ApiProblem(404, "Not Found", str(error))
    if isinstance(error, agency.WorkflowError):
        return ApiProblem(409, "Conflict", str(error))
    raise error


def _pointers(errors: dict[str, Any]) -> list[dict[str, str]]:
    return [{"pointer": pointer, "detail": str(detail)} for pointer, detail in errors.items()]


def _actor() -> Actor:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(
            401,
            "Unauthorized",
            "Send an agency API token: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    # Its own transaction: the token's use is noted even when the write is then refused.
    try:
        with database().transaction() as session:
            token = agency.token_agency(session, secret.strip())
    except agency.TokenInvalid:
        raise ApiProblem(
            401,
            "Unauthorized",
            "The API token is unknown or revoked.",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        ) from None
    return Actor.of_token(token)


def _format() -> RecordFormat:
    if request.mimetype == NATIVE_TYPE:
        return RecordFormat.NATIVE
    if request.mimetype in HSDS_TYPES:
        return RecordFormat.HSDS
    raise ApiProblem(
        415, "Unsupported Media Type", f"Send HSDS 3.0 JSON as application/json or the native format as {NATIVE_TYPE}."
    )


def _body() -> Any:
    limit = current_app.config["FINDER"].max_import_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiProblem(413, "Content Too Large", f"The largest body accepted is {limit} bytes.")
    # A whole catalogue may be larger than the app-wide limit; a chunked body is still cut off at this one.
    request.max_content_length = limit
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # Not a ValueError, so get_json's `silent` lets it through.
        raise ApiProblem(400, "Bad Request", "The body is nested too deeply.") from None
    if body is None:
        raise ApiProblem(400, "Bad Request", "The body is not valid JSON.")
    return body


def _result(saved: agency.Saved) -> dict[str, Any]:
    service = saved.service
    return {
        "id": service.id,
        "slug": service.slug,
        "status": service.status.value,
        "version": saved.version.number if saved.version else None,
        "created": saved.created,
    }


def _write(actor: Actor, work) -> Any:
    """Run `work(session, actor)` in one transaction, turning the domain's refusals into problems."""
    # The domain's messages are translated for people; systems get them in one language, whatever their
    # Accept-Language, as the rest of the problem documents.
    with force_locale("en"):
        try:
            with database().transaction() as session:
                return work(session, actor)
        except agency.AgencyError as error:
            raise _problem(error) from None


@blueprint.post("/services")
def create_service() -> Response:
    actor, fmt, body = _actor(), _format(), _body()
    saved = _write(actor, lambda s, a: agency.save_service(s, a, body, fmt=fmt, create=True))
    response = jsonify(_result(saved))
    response.status_code = 201
    response.headers["Location"] = url_for("api.service", service_id=saved.service.id)
    return response


@blueprint.put("/services/<service_id>")
def replace_service(service_id: str) -> Response:
    actor, fmt, body = _actor(), _format(), _body()
    saved = _write(actor, lambda s, a: agency.save_service(s, a, body, fmt=fmt, service_id=service_id, create=False))
    return jsonify(_result(saved))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _current(service: Service, fmt: RecordFormat) -> dict[str, Any]:
    if fmt is RecordFormat.NATIVE:
        return native.export_service(service)
    record = HsdsExporter(None).service(service)
    record.pop("organization", None)
    record["organization_id"] = service.agency_id
    return record


@blueprint.patch("/services/<service_id>")
def patch_service(service_id: str) -> Response:
    actor, fmt, body = _actor(), _format(), _body()
    if not isinstance(body, dict):
        raise ApiProblem(
            422,
            "Invalid service record",
            "A merge patch is a JSON object.",
            [{"pointer": "/", "detail": "expected an object"}],
        )

    def work(session, actor):
        service = agency.service_for(session, actor, service_id, agency.Action.SERVICE_EDIT)
        record = merge_patch(_current(service, fmt), body)
        return agency.save_service(session, actor, record, fmt=fmt, service_id=service.id, create=False)

    return jsonify(_result(_write(actor, work)))


@blueprint.delete("/services/<service_id>")
def retire_service(service_id: str) -> Response:
    """Retire a published service (its page then points to `replaced_by`); a never-published one is deleted."""
    actor = _actor()
    replaced_by_id = request.args.get("replaced_by")

    def work(session, actor):
        service = agency.service_for(session, actor, service_id, agency.Action.SERVICE_RETIRE)
        history = agency.versions(session, actor, service)
        if all(v.status != ServiceStatus.PUBLISHED for v in history) and service.status != ServiceStatus.PUBLISHED:
            agency.audit(
                session,
                "service.delete",
                actor,
                agency_id=service.agency_id,
                target_type="service",
                target_id=service.id,
            )
            session.delete(service)
            return None
        replacement = None
        if replaced_by_id:
            replacement = session.get(Service, replaced_by_id)
            if replacement is None:
                raise agency.InvalidInput({"/replaced_by": f"no service has the id {replaced_by_id!r}"})
        version = agency.transition(session, service, ServiceStatus.RETIRED, actor, replaced_by=replacement)
        return agency.Saved(service, version, False)

    saved = _write(actor, work)
    if saved is None:
        return Response(status=204)
    return jsonify(_result(saved))


@blueprint.post("/services/bulk")
def bulk_upsert() -> Response:
    actor, fmt, body = _actor(), _format(), _body()
    if not isinstance(body, list) or not 1 <= len(body) <= BULK_LIMIT:
        raise ApiProblem(
            422,
            "Invalid service records",
            f"Send a JSON array of 1 to {BULK_LIMIT} service records.",
            [{"pointer": "", "detail": f"expected an array of 1 to {BULK_LIMIT} records"}],
        )

    def work(session, actor):
        results, errors = [], {}
        for index, record in enumerate(body):
            try:
                results.append(_result(agency.save_service(session, actor, record, fmt=fmt)))
            except agency.InvalidInput as bad:
                errors.update({f"/{index}{pointer}": detail for pointer, detail in bad.errors.items()})
            except (agency.NotFound, agency.WorkflowError) as bad:
                errors[f"/{index}"] = str(bad)
        if errors:
            raise agency.InvalidInput(errors)
        return results

    return jsonify(services=_write(actor, work))


@blueprint.post("/services/<service_id>/transactions")
def record_transactions(service_id: str) -> Response:
    """A month's transactions by channel, for digital take-up: {"month": "YYYY-MM", "online": N, "counter": N,
    "phone": N, "post": N}; replaces what was entered for that month."""
    actor = _actor()
    if request.mimetype != "application/json":
        raise ApiProblem(415, "Unsupported Media Type", "Send the counts as application/json.")
    body = _body()
    if not isinstance(body, dict):
        raise ApiProblem(
            422,
            "Invalid transactions",
            "The counts are a JSON object.",
            [{"pointer": "", "detail": "expected an object"}],
        )
    month = body.get("month")
    counts = {key: value for key, value in body.items() if key != "month"}

    def work(session, actor):
        first = metrics.parse_month(month) if isinstance(month, str) else None
        row = metrics.record_transactions(session, actor, service_id, first, counts)
        return {
            "service_id": row.service_id,
            "month": row.month.strftime("%Y-%m"),
            **{channel: getattr(row, channel) for channel in metrics.TRANSACTION_CHANNELS},
            "digital_take_up": metrics.digital_take_up(row),
        }

    return jsonify(_write(actor, work))


def init_app(app: Flask) -> None:
    """Token-authenticated calls carry no session cookie, so CSRF protection does not apply to them."""
    app.extensions["csrf"].exempt(blueprint)
