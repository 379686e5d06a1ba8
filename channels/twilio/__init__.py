"""The SMS and WhatsApp channel through Twilio: `POST /channels/twilio/sms` and the `finder sms` commands.

Plugged into the app by the `finder.channels` entry point (pyproject.toml); the core never imports it.
"""

from __future__ import annotations

from flask import Flask

from channels.twilio.cli import sms_group
from channels.twilio.views import blueprint


def init_app(app: Flask) -> None:
    """Register the webhook and the `finder sms` command group on the app."""
    app.register_blueprint(blueprint)
    # Twilio cannot send a CSRF token; the X-Twilio-Signature check protects this endpoint instead.
    app.extensions["csrf"].exempt(blueprint)
    app.cli.add_command(sms_group)


__all__ = ["init_app"]
