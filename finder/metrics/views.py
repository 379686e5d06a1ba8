"""The metrics pages: the coordinator's (whole of government, unmet demand turned into actions), an agency's (its own
services) and the public performance page (aggregates, small numbers suppressed).

Routes are thin: they check who may look, read the filters, take the numbers from `usage_report` (the same as
`finder metrics report`) and render a page, a CSV table or JSON. Pages read the daily rollups as the last rollup left
them (`finder metrics rollup` from cron, or the server's timer); they never roll up themselves.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from finder import catalogue
from finder.agency import Action, Actor, PermissionDenied, can, require
from finder.db import database, request_session
from finder.metrics import dashboards
from finder.metrics.charts import bar_chart
from finder.metrics.dashboards import CHANNELS, FilterError, Filters
from finder.metrics.report import report_csv, usage_report
from finder.web.errors import page as error_page
from finder.web.language import RIGHT_TO_LEFT, from_url_prefix, page_language

blueprint = Blueprint("metrics", __name__, template_folder="templates")
# Where the agency pages edit the search vocabulary (synonyms and best bets); served by the agency web pages.
VOCABULARY_PATH = "/agency/vocabulary"
ALL_AGENCIES = 1000


from_url_prefix(blueprint)


@blueprint.errorhandler(401)
def _signed_out(_error):
    return error_page(401, _("Sign in to the agency pages to see these figures."))


@blueprint.errorhandler(PermissionDenied)
def _refused(_error):
    return error_page(403, _("Your account cannot see these figures."))


@blueprint.app_template_global("metric_count")
def _metric_count(value: int | None) -> str:
    return dashboards.count(value)


@blueprint.app_template_global("metric_rate")
def _metric_rate(value: float | None) -> str:
    return dashboards.rate(value)


@blueprint.app_template_global("channel_name")
def _channel_name(channel: str) -> str:
    return dashboards.channel_name(channel)


@blueprint.app_template_global("metric_name")
def _metric_name(key: str) -> str:
    return dashboards.metric_name(key)


@blueprint.get("/coordinator/metrics")
@login_required
def coordinator() -> Any:
    require(Actor.of_user(current_user), Action.METRICS_VIEW_ALL)
    return _dashboard("coordinator", agency=None)


@blueprint.get("/agency/metrics")
@login_required
def agency() -> Any:
    actor = Actor.of_user(current_user)
    choices = _agency_choices(actor)
    wanted = request.args.get("agency", "").strip() or actor.agency_id
    if not wanted:
        # A coordinator belongs to no agency: the page asks which one to show.
        require(actor, Action.METRICS_VIEW_ALL)
        return render_template(
            "metrics/dashboard.html",
            scope="agency",
            agency=None,
            agency_choices=choices,
            filters=None,
            errors=[],
            all_channels=CHANNELS,
        )
    chosen = catalogue.agency(request_session(), wanted)
    if chosen is None:
        return _bad_filters([_("No agency has that id.")], {"scope": "agency", "agency_choices": choices})
    require(actor, Action.METRICS_VIEW_AGENCY, chosen)
    return _dashboard("agency", agency=chosen, agency_choices=choices)


@blueprint.get("/<lang>/performance")
def performance() -> Any:
    try:
        filters = dashboards.parse_filters(request.args, _today())
    except FilterError as error:
        return _bad_filters(error.problems, {"scope": "public"}, template="metrics/performance.html")
    figures = dashboards.public_figures(_report(filters, None))
    if filters.format == "json":
        return _download(jsonify(figures), filters, "public", "json")
    if filters.format == "csv":
        return _download(Response(_public_csv(figures), mimetype="text/csv"), filters, "public", "csv")
    return render_template(
        "metrics/performance.html",
        scope="public",
        filters=filters,
        errors=[],
        figures=figures,
        charts=_public_charts(figures),
        channels=CHANNELS,
    )


def _dashboard(scope: str, agency: Any, **context: Any) -> Any:
    try:
        filters = dashboards.parse_filters(request.args, _today())
    except FilterError as error:
        return _bad_filters(error.problems, {"scope": scope, **context})
    report = _report(filters, agency.id if agency else None)
    name = agency.slug if agency else "all"
    if filters.format == "json":
        return _download(jsonify(report), filters, name, "json")
    if filters.format == "csv":
        return _download(Response(report_csv(report, filters.table), mimetype="text/csv"), filters, name, "csv")
    session, settings = request_session(), current_app.config["FINDER"]
    language = page_language()
    nearest = current_app.extensions["finder.metrics.nearest_agencies"]
    stamp = nearest.catalogue_stamp(session)
    unmet = [
        {**row, "agencies": nearest.of(session, row["query"], language, stamp)}
        for row in report["top_zero_result_queries"]
    ]
    return render_template(
        "metrics/dashboard.html",
        scope=scope,
        agency=agency,
        filters=filters,
        errors=[],
        report=report,
        unmet=unmet,
        names=dashboards.service_names(session, report, language, settings.default_language),
        charts=_charts(report, language),
        channels=[filters.channel] if filters.channel else CHANNELS,
        all_channels=CHANNELS,
        metric_rows=dashboards.METRIC_ROWS,
        vocabulary=VOCABULARY_PATH,
        # Export links keep the agency a coordinator picked.
        link_extra={"agency": agency.id} if agency else {},
        **context,
    )


def _report(filters: Filters, agency_id: str | None) -> dict[str, Any]:
    with database().engine.connect() as connection:
        return usage_report(connection, filters.start, filters.end, agency_id)


def _agency_choices(actor: Actor) -> list[Any]:
    """The agencies a coordinator may pick from (agency people see only their own, so no choice)."""
    if can(actor, Action.METRICS_VIEW_ALL):
        return catalogue.agencies(request_session(), per_page=ALL_AGENCIES).items
    return []


def _bad_filters(problems: list[str], context: dict[str, Any], template: str = "metrics/dashboard.html") -> Any:
    if request.args.get("format") in ("json", "csv"):
        return jsonify(errors=problems), 400
    context.setdefault("agency", None)
    page = render_template(template, filters=None, errors=problems, channels=CHANNELS, all_channels=CHANNELS, **context)
    return page, 400


def _download(response: Response, filters: Filters, name: str, extension: str) -> Response:
    table = f"-{filters.table}" if extension == "csv" else ""
    filename = f"metrics-{name}-{filters.start.isoformat()}-{filters.end.isoformat()}{table}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _public_csv(figures: dict[str, Any]) -> str:
    """The public table as CSV: a suppressed count or rate reads "<10"; a rate with nothing to divide by is empty."""
    lines = [",".join(("metric", "total", *CHANNELS))]
    for key, value in figures.items():
        if isinstance(value, dict) and "by_channel" in value:
            cells = [value["total"], *(value["by_channel"][c] for c in CHANNELS)]
            lines.append(",".join([key, *(_public_cell(cell) for cell in cells)]))
    return "\n".join(lines) + "\n"


def _public_cell(value: Any) -> str:
    if value is None:
        return f"<{dashboards.SUPPRESS_BELOW}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _charts(report: dict[str, Any], language: str) -> dict[str, Any]:
    chart = partial(bar_chart, right_to_left=language in RIGHT_TO_LEFT)
    charts = {
        "channels": chart(
            _("Searches by channel"),
            _("Bar chart of the number of searches on each channel; the table below gives the same numbers."),
            [
                (dashboards.channel_name(c), report["searches"]["by_channel"][c], dashboards.count(n))
                for c, n in report["searches"]["by_channel"].items()
            ],
        ),
        "funnel": chart(
            _("From search to applying online"),
            _("Bar chart of searches, service page views and click-throughs to apply online."),
            [
                (dashboards.metric_name(key), report[key]["total"], dashboards.count(report[key]["total"]))
                for key in ("searches", "service_views", "click_outs")
            ],
        ),
    }
    if report["searches_by_language"]:
        charts["languages"] = chart(
            _("Searches by language"),
            _("Bar chart of the number of searches in each language; the table below gives the same numbers."),
            [
                (dashboards.language_name(code, language), n, dashboards.count(n))
                for code, n in report["searches_by_language"].items()
            ],
        )
    if report["top_zero_result_queries"]:
        charts["unmet"] = chart(
            _("Top searches that found nothing"),
            _("Bar chart of the searches that most often found nothing; the table below lists them with actions."),
            [
                (row["query"], row["zero_result_searches"], dashboards.count(row["zero_result_searches"]))
                for row in report["top_zero_result_queries"]
            ],
        )
    return charts


def _public_charts(figures: dict[str, Any]) -> dict[str, Any]:
    language = page_language()
    chart = partial(bar_chart, right_to_left=language in RIGHT_TO_LEFT)
    return {
        "channels": chart(
            _("Searches by channel"),
            _("Bar chart of the number of searches on each channel; the table below gives the same numbers."),
            [
                (dashboards.channel_name(c), n, dashboards.count(n))
                for c, n in figures["searches"]["by_channel"].items()
            ],
        ),
        "languages": chart(
            _("Searches by language"),
            _("Bar chart of the number of searches in each language; the table below gives the same numbers."),
            [
                (dashboards.language_name(code, language), n, dashboards.count(n))
                for code, n in figures["searches_by_language"].items()
            ],
        ),
    }


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
