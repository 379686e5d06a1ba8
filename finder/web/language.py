"""Which language a visitor sees: the URL's, else the one they chose before, else their browser's, else the default."""

from __future__ import annotations

from babel import Locale
from flask import current_app, g, request, url_for

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
