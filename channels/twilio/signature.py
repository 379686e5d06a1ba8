"""The X-Twilio-Signature check, with twilio's own RequestValidator, against the URL Twilio was given."""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator

from finder.config import Settings


def public_base(request: Request, settings: Settings) -> str:
    """The app's public base URL: FINDER_PUBLIC_URL, else the request's (ProxyFix corrects it behind proxies)."""
    return (settings.public_url or request.root_url).rstrip("/")


def signed_url(request: Request, settings: Settings) -> str:
    """The URL Twilio signed: public base, path and the raw query string (not Flask's decoded request.url)."""
    url = public_base(request, settings) + request.path
    query = request.query_string.decode("latin-1")
    return f"{url}?{query}" if query else url


def is_signed_by_twilio(request: Request, settings: Settings) -> bool:
    """True when the signature matches the URL and every posted field under the account's auth token."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.twilio_auth_token:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    return validator.validate(signed_url(request, settings), request.form, signature)
