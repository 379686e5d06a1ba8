"""Search results (with facets, "did you mean" and pages), the zero-result page, and "tell us what you were
looking for"."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from finder import catalogue, metrics, search
from finder.api.listings import listings
from finder.catalogue import version
from finder.web import errors, presenters, visitors
from finder.web.blueprint import blueprint
from finder.web.cache import CachedPage, catalogue_session, pages, versions
from finder.web.inputs import FILTER_VALUE, plain_text
from finder.web.language import page_language

PER_PAGE = 10
MAX_PAGE = 100
MAX_QUERY = 200
MAX_LOOKING_FOR = 500
FILTERS = ("category", "life_event", "agency", "channel")


def _checked_args() -> tuple[dict[str, Any], list[str]]:
    """The search's parameters from the query string, and what is wrong with them in the visitor's words."""
    problems: list[str] = []
    q = plain_text(request.args.get("q", ""))
    if len(q) > MAX_QUERY:
        problems.append(_("Your search is too long: please use at most %(max)s characters.", max=MAX_QUERY))
    page_text = request.args.get("page", "1") or "1"
    page = int(page_text) if re.fullmatch(r"\d{1,4}", page_text) else 0
    if not 1 <= page <= MAX_PAGE:
        problems.append(_("There is no such page of results."))
    filters = {name: request.args.get(name) or None for name in FILTERS}
    if any(value and not FILTER_VALUE.fullmatch(value) for value in filters.values()):
        problems.append(_("There is no such filter."))
    return {"q": q, "page": page, **filters}, problems


def _facets(found: search.SearchResults) -> dict[str, list[dict[str, Any]]]:
    facets = listings().facets(
        catalogue_session(),
        found.facets,
        page_language(),
        current_app.config["FINDER"].default_language,
        (versions() or {}).get(version.CATALOGUE),
    )
    facets.pop("language", None)
    for item in facets.get("channel", []):
        item["slug"] = item["id"]
        item["name"] = presenters.channel_name(item["id"])
    return facets


@blueprint.get("/<lang>/search")
def results():
    args, problems = _checked_args()
    if problems:
        return errors.page(400, " ".join(problems))
    filters = {name: args[name] for name in FILTERS if args[name]}
    if not args["q"] and not filters:
        return render_template("results.html", args=args, found=None, facets={}, filters={})
    page = pages().page(lambda: _results_page(args, filters))
    if not isinstance(page, CachedPage):
        return page
    if args["page"] == 1:
        visitors.record(
            metrics.EventKind.SEARCH,
            query=args["q"].casefold(),
            result_count=page.facts["total"],
            top_service_id=page.facts["top_service_id"],
            detail={"filters": filters} if filters else {},
        )
    return pages().html(page)


def _results_page(args: dict[str, Any], filters: dict[str, str]):
    """The results page for every visitor (with the facts its usage event logs), or an error page."""
    try:
        found = search.search(
            catalogue_session(),
            search.SearchRequest(
                text=args["q"], language=page_language(), page=args["page"], per_page=PER_PAGE, **filters
            ),
            versions=versions(),
        )
    except search.UnknownFilter:
        return errors.page(400, _("There is no such filter."))
    pages_count = max(1, -(-found.total // PER_PAGE))
    if args["page"] > pages_count:
        return errors.page(400, _("There is no such page of results."))

    def link(**changes: Any) -> str:
        wanted = {**args, "page": None, **changes}
        return url_for("web.results", **{k: v for k, v in wanted.items() if v not in (None, "", 1)})

    html = pages().render(
        "results.html",
        args=args,
        found=found,
        hits=[(hit, presenters.highlight(hit.summary, args["q"])) for hit in found.hits],
        facets=_facets(found),
        filters=filters,
        link=link,
        pages=pages_count,
        first_number=(args["page"] - 1) * PER_PAGE + 1,
        life_events=_life_events() if not found.total else [],
    )
    return CachedPage(html, {"total": found.total, "top_service_id": found.hits[0].service_id if found.hits else None})


def _life_events() -> list[tuple[str, Any]]:
    return [(e.slug, presenters.text(e, "name")) for e in catalogue.life_events(catalogue_session())]


@blueprint.post("/<lang>/search/unmet")
def unmet():
    looking_for = plain_text(request.form.get("looking_for", ""))
    if not looking_for:
        return errors.page(400, _("Please tell us what you were looking for."))
    if len(looking_for) > MAX_LOOKING_FOR:
        return errors.page(400, _("Please use at most %(max)s characters.", max=MAX_LOOKING_FOR))
    if not visitors.allow_feedback():
        abort(429)
    searched = plain_text(request.form.get("q", ""))[:MAX_QUERY]
    visitors.record(metrics.EventKind.UNMET_DEMAND, query=looking_for, detail={"search": searched} if searched else {})
    return render_template("thanks.html", back=url_for("web.home"))
