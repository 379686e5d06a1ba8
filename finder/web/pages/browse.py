"""Browsing instead of searching: agencies, life events and categories, each with its services."""

from __future__ import annotations

from flask import abort, render_template

from finder import catalogue
from finder.db import request_session
from finder.web import presenters
from finder.web.blueprint import blueprint
from finder.web.language import page_language

ALL = 10_000


@blueprint.get("/<lang>/agencies/")
def agencies() -> str:
    rows = catalogue.agencies(request_session(), per_page=ALL).items
    items = sorted(((a.slug, presenters.text(a, "name"), a.acronym) for a in rows), key=lambda a: a[1].value.casefold())
    return render_template("agencies.html", agencies=items)


@blueprint.get("/<lang>/agencies/<slug:slug>")
def agency(slug: str) -> str:
    session = request_session()
    found = catalogue.agency(session, slug)
    if found is None or found.slug != slug:
        abort(404)
    services = catalogue.published_services(session, organization_id=found.id, per_page=ALL).items
    return render_template(
        "agency.html",
        agency=found,
        name=presenters.text(found, "name"),
        description=presenters.text(found, "description"),
        services=presenters.listings(services, by_name=True),
        json_ld=presenters.json_ld(
            {"@context": "https://schema.org", **catalogue.government_organization(found, page_language())}
        ),
    )


@blueprint.get("/<lang>/life-events/")
def life_events() -> str:
    events = [
        (e.slug, presenters.text(e, "name"), presenters.text(e, "description"))
        for e in catalogue.life_events(request_session())
    ]
    return render_template("life_events.html", life_events=events)


@blueprint.get("/<lang>/life-events/<slug:slug>")
def life_event(slug: str) -> str:
    session = request_session()
    event = catalogue.life_event(session, slug)
    if event is None:
        abort(404)
    return render_template(
        "life_event.html",
        event=event,
        name=presenters.text(event, "name"),
        description=presenters.text(event, "description"),
        services=presenters.listings(catalogue.life_event_journey(session, event)),
    )


@blueprint.get("/<lang>/categories/")
def categories() -> str:
    tree = [
        (c.slug, presenters.text(c, "name"), [(child.slug, presenters.text(child, "name")) for child in c.children])
        for c in catalogue.categories(request_session())
    ]
    return render_template("categories.html", categories=tree)


@blueprint.get("/<lang>/categories/<slug:slug>")
def category(slug: str) -> str:
    session = request_session()
    found = catalogue.category(session, slug)
    if found is None:
        abort(404)
    services = catalogue.published_services(session, taxonomy_term_id=found.id, per_page=ALL).items
    return render_template(
        "category.html",
        category=found,
        name=presenters.text(found, "name"),
        description=presenters.text(found, "description"),
        children=[(child.slug, presenters.text(child, "name")) for child in found.children],
        services=presenters.listings(services, by_name=True),
    )
