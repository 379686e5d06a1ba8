"""Read endpoints of the HSDS 3.0 API. Only published services are public."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from finder import catalogue, metrics, search
from finder.api.listings import listings
from finder.api.params import QueryParams
from finder.api.problems import ApiProblem, bad_parameters, problem_response
from finder.catalogue import version
from finder.db import database, read_request_session

HSDS_VERSION = "3.0"
HSDS_PROFILE = "https://docs.openreferral.org/en/v3.0/"

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


@blueprint.errorhandler(ApiProblem)
def _api_problem(problem: ApiProblem) -> Response:
    return problem_response(problem.status, problem.title, problem.detail, problem.errors, problem.headers)


def _settings():
    return current_app.config["FINDER"]


def _envelope(page: catalogue.Page, contents: list[Any]) -> dict[str, Any]:
    return {
        "total_items": page.total,
        "total_pages": page.pages,
        "page_number": page.page,
        "size": len(contents),
        "first_page": page.page == 1,
        "last_page": page.page >= page.pages,
        "empty": not contents,
        "contents": contents,
    }


def _paging(params: QueryParams) -> tuple[int, int]:
    page = params.integer("page", 1, minimum=1)
    per_page = params.integer("per_page", 50, minimum=1, maximum=_settings().api_max_per_page)
    return page, per_page


def _language(params: QueryParams) -> str:
    return params.language() or _settings().default_language


def _localised(response: Response, language: str) -> Response:
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    return response


@blueprint.get("/")
def index() -> Response:
    return jsonify(
        version=HSDS_VERSION,
        profile=HSDS_PROFILE,
        openapi_url=url_for("api.openapi", _external=True),
    )


@blueprint.get("/openapi.json")
def openapi() -> Response:
    from finder.api.openapi import document

    return jsonify(document(url_for("api.index", _external=True)))


@blueprint.get("/services")
def services() -> Response:
    params = QueryParams(request.args)
    page, per_page = _paging(params)
    language = _language(params)
    organization_id = params.text("organization_id", 64)
    taxonomy_term_id = params.text("taxonomy_term_id", 64)
    modified_after = params.datetime("modified_after")
    text = params.text("search", 10_000)
    life_event = params.text("life_event", 120)
    channel = params.choice("channel", search.CHANNELS)
    params.check()
    session = read_request_session()
    if text is None and life_event is None and channel is None:
        exporter = catalogue.HsdsExporter(language)
        result = catalogue.published_services(
            session,
            page=page,
            per_page=per_page,
            organization_id=organization_id,
            taxonomy_term_id=taxonomy_term_id,
            modified_after=modified_after,
        )
        return _localised(jsonify(_envelope(result, [exporter.service_listing(s) for s in result.items])), language)

    # Every version token in one statement outside the session's transaction, handed to the search and to the
    # listings; what they read may come from the read replica once it has the same (finder.catalogue.reads).
    tokens = version.current(database().engine)
    session = catalogue.catalogue_session(session, lambda: tokens)
    try:
        found = search.search(
            session,
            search.SearchRequest(
                text=text or "",
                language=language,
                category=taxonomy_term_id,
                life_event=life_event,
                agency=organization_id,
                channel=channel,
                modified_after=modified_after,
                page=page,
                per_page=per_page,
                hits=False,
            ),
            versions=tokens,
        )
    except search.UnknownFilter as unknown:
        raise bad_parameters([{"parameter": unknown.name, "detail": f"no such value {unknown.value!r}"}]) from None
    if page == 1:
        # One search per question asked: turning its pages is not searching again.
        metrics.record(
            metrics.UsageEvent(
                metrics.EventKind.SEARCH,
                channel="api",
                language=language,
                query=text,
                result_count=found.total,
                top_service_id=found.service_ids[0] if found.service_ids else None,
            )
        )
    catalogue_version = tokens.get(version.CATALOGUE, "")
    contents = listings().services(session, found.service_ids, language, catalogue_version)
    body = _envelope(catalogue.Page(contents, found.total, page, per_page), contents)
    body["suggestion"] = found.suggestion
    body["facets"] = listings().facets(session, found.facets, language, _settings().default_language, catalogue_version)
    return _localised(jsonify(body), language)


@blueprint.get("/services/<service_id>")
def service(service_id: str) -> Response:
    params = QueryParams(request.args)
    language = _language(params)
    params.check()
    found = catalogue.published_service(read_request_session(), service_id)
    if found is None:
        raise ApiProblem(404, "Not Found", f"No published service has the id {service_id!r}.")
    return _localised(jsonify(catalogue.HsdsExporter(language).service(found)), language)


@blueprint.get("/organizations")
def organizations() -> Response:
    params = QueryParams(request.args)
    page, per_page = _paging(params)
    language = _language(params)
    params.check()
    result = catalogue.agencies(read_request_session(), page=page, per_page=per_page)
    exporter = catalogue.HsdsExporter(language)
    return _localised(jsonify(_envelope(result, [exporter.organization(a) for a in result.items])), language)


@blueprint.get("/organizations/<organization_id>")
def organization(organization_id: str) -> Response:
    params = QueryParams(request.args)
    language = _language(params)
    params.check()
    found = catalogue.agency(read_request_session(), organization_id)
    if found is None:
        raise ApiProblem(404, "Not Found", f"No organization has the id {organization_id!r}.")
    return _localised(jsonify(catalogue.HsdsExporter(language).organization(found)), language)
