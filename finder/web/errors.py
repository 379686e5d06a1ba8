"""Error pages in the visitor's language; the API keeps its own problem+json answers."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from finder.api.problems import problem_response

MESSAGES = {
    400: lambda: _("We could not understand that request. Please go back and try again."),
    404: lambda: _("We cannot find that page. It may have moved, or the address may be wrong."),
    405: lambda: _("That page cannot be used like this."),
    429: lambda: _("You have sent a lot of feedback in a short time. Thank you! Please try again later."),
}


def _page(error: HTTPException):
    # CSRFError is a 400 too, with its own explanation.
    if request.path.startswith("/api/"):
        # These handlers, by status code, come before the API's own for every HTTP error: answer as it does.
        return problem_response(error.code or 500, error.name, error.description or error.name)
    if request.path.startswith("/channels/"):
        return error
    status = error.code or 500
    if isinstance(error, CSRFError):
        message = _("This form has expired. Please go back, reload the page and send it again.")
    else:
        message = MESSAGES.get(status, MESSAGES[400])()
    return render_template("error.html", status=status, message=message), status


def page(status: int, message: str):
    """An error page with a message that says what was wrong, for views that checked the request themselves."""
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    for status in (400, 404, 405, 429):
        app.register_error_handler(status, _page)
