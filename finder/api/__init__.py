"""The JSON API: Open Referral HSDS 3.0 under /api/v1/ (reading for everyone, writing with an agency's token)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from finder.api import listings, write
from finder.api.problems import problem_response
from finder.api.views import blueprint


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    listings.init_app(app)
    write.init_app(app)

    @app.errorhandler(HTTPException)
    def _api_http_error(error: HTTPException):
        # Routing errors (no such path, wrong method) happen before any blueprint is chosen.
        if request.path.startswith(blueprint.url_prefix + "/") or request.path == blueprint.url_prefix:
            return problem_response(error.code or 500, error.name, error.description or error.name)
        return error


__all__ = ["init_app"]
