"""The citizens' web pages: server-rendered, in every interface language, working without JavaScript.

Pages live under a language prefix (`/fr/...`); `/` sends visitors to the language they prefer. Routes are thin:
each page module parses and validates the request, asks the catalogue or search, logs a usage event and renders.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

from finder.web import cache, errors, security
from finder.web.blueprint import blueprint
from finder.web.inputs import SlugConverter
from finder.web.language import interface_language

# Importing the page modules registers their routes on the blueprint.
from finder.web.pages import browse, discovery, home, search_pages, service_pages  # noqa: F401


def init_app(app: Flask) -> None:
    """Register the pages, their error pages, security headers and response compression."""
    app.url_map.converters["slug"] = SlugConverter
    app.register_blueprint(blueprint)
    cache.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    # Brotli or gzip for pages and XML; static files are streamed, which Flask-Compress compresses with brotli (or
    # zstd) only. Small bodies are not worth it.
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    Compress(app)


__all__ = ["blueprint", "init_app", "interface_language"]
