"""Error pages in the visitor's language; the API keeps its own problem+json answers."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from finder.api.problems import problem_response
from finder.db import is_unavailable

MESSAGES = {
    400: lambda: _("We could not understand that request. Please go back and try again."),
    404: lambda: _("We cannot find that page. It may have moved, or the address may be wrong."),
    405: lambda: _("That page cannot be used like this."),
    413: lambda: _("That was too much to send at once. Please send less and try again."),
    429: lambda: _("You have sent a lot of feedback in a short time. Thank you! Please try again later."),
    503: lambda: _("Service Finder is not available for a moment. Please try again in a few minutes."),
}
# How long clients (and Twilio, and load balancers) are asked to wait before trying again when the database is away.
RETRY_AFTER_SECONDS = 30
log = logging.getLogger(__name__)


def _page(error: HTTPException):
    # CSRFError is a 400 too, with its own explanation.
    retry_after = {"Retry-After": str(error.retry_after)} if getattr(error, "retry_after", None) else {}
    if request.path.startswith("/api/"):
        # These handlers, by status code, come before the API's own for every HTTP error: answer as it does.
        return problem_response(error.code or 500, error.name, error.description or error.name, headers=retry_after)
    if request.path.startswith("/channels/"):
        return error
    status = error.code or 500
    if isinstance(error, CSRFError):
        message = _("This form has expired. Please go back, reload the page and send it again.")
    else:
        message = MESSAGES.get(status, MESSAGES[400])()
    return render_template("error.html", status=status, message=message), status, retry_after


def _database_unavailable(error: OperationalError | InternalError):
    """The database is down, unreachable or read-only: 503 now, and the next request tries it afresh."""
    if not is_unavailable(error):
        raise error
    log.error("database unavailable: %s", str(error.orig).strip().splitlines()[0] if error.orig else error)
    return _page(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))


def page(status: int, message: str):
    """An error page with a message that says what was wrong, for views that checked the request themselves."""
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    for status in (400, 404, 405, 413, 429, 503):
        app.register_error_handler(status, _page)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InternalError, _database_unavailable)
