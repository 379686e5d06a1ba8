"""The front door, the language choice on `/`, the A-Z of services and the privacy notice."""

from __future__ import annotations

from itertools import groupby

from flask import redirect, render_template, url_for

from finder import catalogue
from finder.db import request_session
from finder.web import presenters
from finder.web.blueprint import blueprint
from finder.web.language import preferred_language

ALL_SERVICES = 10_000


@blueprint.get("/")
def choose_language():
    response = redirect(url_for("web.home", lang=preferred_language()), 302)
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@blueprint.get("/<lang>/")
def home() -> str:
    session = request_session()
    events = [(e.slug, presenters.text(e, "name")) for e in catalogue.life_events(session)]
    categories = [(c.slug, presenters.text(c, "name")) for c in catalogue.categories(session)]
    return render_template("home.html", life_events=events, categories=categories)


@blueprint.get("/<lang>/a-z")
def a_to_z() -> str:
    services = catalogue.published_services(request_session(), per_page=ALL_SERVICES).items
    items = presenters.listings(services, by_name=True)
    letters = [(letter, list(group)) for letter, group in groupby(items, key=lambda i: i.name.value[:1].upper())]
    return render_template("a_z.html", letters=letters)


@blueprint.get("/<lang>/privacy")
def privacy() -> str:
    return render_template("privacy.html")
