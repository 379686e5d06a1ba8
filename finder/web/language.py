"""Which language a visitor sees: the URL's, else the one they chose before, else their browser's, else the default."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Blueprint, Response, abort, current_app, g, request, url_for

COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def preferred_language() -> str:
    """For a request without a language in its URL: the remembered choice, Accept-Language, or the default."""
    settings = current_app.config["FINDER"]
    remembered = request.cookies.get(COOKIE)
    if remembered in settings.languages:
        return remembered
    return request.accept_languages.best_match(settings.languages) or settings.default_language


def page_language() -> str:
    return g.get("language") or preferred_language()


def interface_language() -> str:
    """Flask-Babel's locale selector: the language of the page being rendered."""
    if not request:
        return current_app.config["FINDER"].default_language
    return page_language()


def autonym(code: str) -> str:
    """A language's name in that language ("Français", "العربية"), as visitors look for it."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def switch_links() -> list[tuple[str, str, str]]:
    """(code, name, URL) for each language: the same page in that language where there is one, else its home."""
    links = []
    endpoint = request.endpoint
    same_page = (
        request.method == "GET"
        and endpoint is not None
        and "language" in g
        and current_app.url_map.is_endpoint_expecting(endpoint, "lang")
    )
    for code in current_app.config["FINDER"].languages:
        if same_page:
            query = request.args.to_dict() if endpoint == "web.results" else {}
            url = url_for(endpoint, **{**query, **(request.view_args or {}), "lang": code})
        else:
            url = url_for("web.home", lang=code)
        links.append((code, autonym(code), url))
    return links


def from_url_prefix(blueprint: Blueprint) -> None:
    """Serve a blueprint's pages under `/<lang>/`: the page's language is the URL's, and its links keep it."""
    blueprint.url_value_preprocessor(_language_from_url)
    blueprint.url_defaults(_language_in_links)


def _language_from_url(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "lang" in values:
        code = values.pop("lang")
        if code not in current_app.config["FINDER"].languages:
            abort(404)
        g.language = code


def _language_in_links(endpoint: str, values: dict[str, Any]) -> None:
    if "lang" not in values and "language" in g and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        values["lang"] = g.language


def remember(response: Response) -> None:
    """Keep the language of the page in a cookie, so the next visit to `/` (or a page without a prefix) uses it."""
    if "language" in g and request.cookies.get(COOKIE) != g.language:
        response.set_cookie(
            COOKIE, g.language, max_age=COOKIE_AGE, httponly=True, samesite="Lax", secure=request.is_secure
        )
