"""What search engines and browsers read: the sitemap (with every language's alternates), robots.txt, OpenSearch."""

from __future__ import annotations

from flask import Response, current_app, render_template, url_for
from sqlalchemy import select

from finder.catalogue import Agency, Category, LifeEvent, Service, ServiceStatus
from finder.db import request_session
from finder.web.blueprint import base_url, blueprint
from finder.web.language import preferred_language

LISTS = ("web.home", "web.a_to_z", "web.agencies", "web.life_events", "web.categories")


@blueprint.get("/sitemap.xml")
def sitemap() -> Response:
    session = request_session()
    pages: list[tuple[str, dict[str, str]]] = [(endpoint, {}) for endpoint in LISTS]
    for endpoint, model in (("web.agency", Agency), ("web.life_event", LifeEvent), ("web.category", Category)):
        pages += [(endpoint, {"slug": slug}) for slug in session.scalars(select(model.slug).order_by(model.slug))]
    pages += [
        ("web.service", {"slug": slug})
        for slug in session.scalars(
            select(Service.slug).where(Service.status == ServiceStatus.PUBLISHED).order_by(Service.slug)
        )
    ]
    languages = current_app.config["FINDER"].languages
    base = base_url()
    entries = [
        {code: base + url_for(endpoint, lang=code, **values) for code in languages} for endpoint, values in pages
    ]
    body = render_template("sitemap.xml", entries=entries, languages=languages)
    return Response(body, mimetype="application/xml")


@blueprint.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", "Disallow: /go/", "Disallow: /api/", f"Sitemap: {base_url()}/sitemap.xml", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@blueprint.get("/opensearch.xml")
def opensearch() -> Response:
    language = preferred_language()
    body = render_template(
        "opensearch.xml",
        language=language,
        search_url=base_url() + url_for("web.results", lang=language),
    )
    return Response(body, mimetype="application/opensearchdescription+xml")
