"""Who did what, without knowing who they are: a random first-party cookie, and nothing under Do-Not-Track.

The usage log gets the cookie's random value, never an IP address or user agent. Visitors who send `DNT: 1` or
`Sec-GPC: 1` get no cookie, and their events carry no visitor at all.
"""

from __future__ import annotations

import re
import secrets

from flask import current_app, g, request
from flask.wrappers import Response

from finder import metrics
from finder.privacy import pseudonym
from finder.ratelimit import rate_limits
from finder.web.language import page_language

COOKIE = "fv"
COOKIE_AGE = 30 * 24 * 3600
# Feedback and "tell us what you were looking for" forms together, per visitor.
FEEDBACK_LIMIT = "10/hour"
_VALID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def not_tracked() -> bool:
    return request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1"


def visitor() -> str | None:
    """The visitor's random id (made on first use), or None when they asked not to be tracked."""
    if not_tracked():
        return None
    known = request.cookies.get(COOKIE, "")
    if _VALID.fullmatch(known):
        return known
    if "new_visitor" not in g:
        g.new_visitor = secrets.token_urlsafe(16)
    return g.new_visitor


def set_cookie(response: Response) -> None:
    if "new_visitor" in g:
        response.set_cookie(
            COOKIE, g.new_visitor, max_age=COOKIE_AGE, httponly=True, samesite="Lax", secure=request.is_secure
        )


def allow_feedback() -> bool:
    """Count one feedback form from this visitor; False once they are over the limit.

    Keyed by their cookie, or else by a keyed hash of their address (held only in the rate-limit counter)."""
    who = visitor() or pseudonym(request.remote_addr or "unknown", current_app.config["SECRET_KEY"])
    return rate_limits().allow(f"feedback:{who}", FEEDBACK_LIMIT)


def record(kind: metrics.EventKind, **fields) -> None:
    """Log a usage event of the web channel in the page's language."""
    metrics.record(metrics.UsageEvent(kind, channel="web", language=page_language(), visitor=visitor(), **fields))
