"""Service Finder: a whole-of-government, one-stop catalogue of public services."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from flask import Flask, jsonify
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from finder import logs, search
from finder.config import ConfigError, Settings, load_settings
from finder.db import Database, close_request_session
from finder.json_responses import JSONProvider

log = logging.getLogger(__name__)
# The Babel catalogues of the user interface (compiled to .mo by bin/setup).
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: settings from the environment, then `config` overrides (used by tests)."""
    # The web pages' stylesheet is the app's only static content.
    app = Flask(__name__, instance_relative_config=True, static_folder="web/static")
    settings = load_settings(Path(app.instance_path))
    if config:
        settings = settings.with_overrides(config)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.env == "test",
        FINDER=settings,
        # The session cookie carries the forms' CSRF token and an agency user's sign-in: never readable by scripts,
        # not sent with cross-site posts, and over https only in production or behind an https public address.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure
        if settings.session_cookie_secure is not None
        else settings.env == "production" or (settings.public_url or "").startswith("https://"),
        # Werkzeug refuses a larger body with 413 from its Content-Length, before reading it.
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
    )
    if settings.env == "production" and app.debug:
        # The debugger runs code typed into an error page: never on a public server.
        raise ConfigError("Debug mode must be off when FINDER_ENV=production.")
    logs.init_app(app, settings.log_format)
    app.json = JSONProvider(app)
    if settings.proxy_fix:
        # Behind N reverse proxies, trust their X-Forwarded-* headers for the scheme, host and client address.
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=settings.proxy_fix,
            x_proto=settings.proxy_fix,
            x_host=settings.proxy_fix,
            x_port=settings.proxy_fix,
            x_prefix=settings.proxy_fix,
        )

    session_info: dict[str, Any] = {}
    search.configure(session_info, settings.languages, settings.default_language)
    database = Database(settings.database_url, session_info, settings.replica_database_url)
    app.extensions["finder.db"] = database

    from finder import agency, api, messaging, metrics, ratelimit, web

    metrics.init_app(app, metrics.UsageLog(database))
    messaging.init_app(app, settings, database)
    ratelimit.init_app(app, settings)

    Babel(
        app,
        locale_selector=web.interface_language,
        default_translation_directories=str(TRANSLATIONS),
    )

    app.teardown_appcontext(close_request_session)
    # Every form is CSRF-protected; the token-authenticated API and a channel's webhook exempt themselves, which
    # needs the protection set up before them.
    CSRFProtect(app)
    agency.init_app(app)
    api.init_app(app)
    web.init_app(app)

    @app.get("/healthz")
    def healthz():
        if database.is_reachable():
            return jsonify(status="ok", database="ok")
        return jsonify(status="unavailable", database="unreachable"), 503

    from finder.cli import register_commands

    register_commands(app)
    _add_channels(app)
    return app


def _add_channels(app: Flask) -> None:
    """Plug in the installed channels (entry point group `finder.channels`, see pyproject.toml).

    The core never imports a channel: each one registers its own routes and commands through `init_app(app)`.
    """
    for entry in sorted(entry_points(group="finder.channels"), key=lambda e: e.name):
        entry.load()(app)


__all__ = ["Settings", "create_app"]
