"""Citizen pages. For now the front door only: the full front end is built on the same catalogue face."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import format_number, get_locale

from finder import catalogue
from finder.db import request_session

blueprint = Blueprint("web", __name__, template_folder="templates")


@blueprint.get("/")
def home() -> str:
    services = catalogue.published_services(request_session(), per_page=1)
    return render_template("home.html", service_count=format_number(services.total), locale=str(get_locale()))
