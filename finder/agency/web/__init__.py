"""The agency pages under /agency/: joining, signing in, the coordinator's desk, an agency's dashboard, people and
API tokens, and the service editor with its preview, checks, workflow buttons and history.

Routes are thin: a Flask-WTF form parses the request, the agency face (finder.agency) decides and writes, a
template renders. Every page but the public ones needs a signed-in user, and every action is checked by the
face against the one permission matrix; the pages only hide the buttons the matrix would refuse.
"""

from __future__ import annotations

from flask import Flask

from finder.agency.web.blueprint import agency_pages, blueprint

# Importing the page modules registers their routes on the blueprint.
from finder.agency.web.pages import accounts, coordinator, editor, offices, people  # noqa: F401


def init_app(app: Flask) -> None:
    """Register the agency pages; Flask-Login sends anonymous visitors of protected pages to the sign-in page."""
    app.register_blueprint(blueprint)
    app.jinja_env.add_extension("jinja2.ext.do")
    login_manager = app.login_manager
    login_manager.login_view = "agency.login"
    login_manager.login_message = None  # the sign-in page says why it is there


__all__ = ["agency_pages", "blueprint", "init_app"]
