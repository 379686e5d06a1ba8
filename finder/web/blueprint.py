"""The web blueprint and what every page shares: the language from the URL, remembered in a cookie."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request, url_for

from finder.web import language, presenters, visitors

blueprint = Blueprint("web", __name__, template_folder="templates")


language.from_url_prefix(blueprint)


@blueprint.after_request
def _remember(response: Response) -> Response:
    language.remember(response)
    visitors.set_cookie(response)
    return response


@blueprint.app_context_processor
def _page_context() -> dict[str, Any]:
    code = language.page_language()
    return {
        "page_lang": code,
        "page_dir": "rtl" if code in language.RIGHT_TO_LEFT else "ltr",
        "language_links": language.switch_links,
        "lang_attr": presenters.lang_attr,
        "ltr": presenters.ltr,
        "static_url": static_url,
        "base_url": base_url(),
        "settings": current_app.config["FINDER"],
    }


def base_url() -> str:
    """Where the site is published (FINDER_PUBLIC_URL), else where this request came in; without a final slash."""
    return (current_app.config["FINDER"].public_url or request.host_url).rstrip("/")


def static_url(filename: str) -> str:
    """A static file's URL with its content hash, so browsers may cache it for a year."""
    return url_for("static", filename=filename, v=presenters.static_version(filename))
