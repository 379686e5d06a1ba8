"""Sending mail (invitations, password resets) behind one small interface, so that tests can catch what is sent."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from flask import current_app


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    """Mail through an SMTP server named by a URL: smtp://user:password@host:587 (STARTTLS) or smtps://host:465."""

    url: str
    sender: str

    def send(self, to: str, subject: str, body: str) -> None:
        parts = urlsplit(self.url)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        if parts.scheme == "smtps":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname or "localhost", parts.port or 465, timeout=30)
        else:
            connection = smtplib.SMTP(parts.hostname or "localhost", parts.port or 587, timeout=30)
        with connection:
            if parts.scheme == "smtp" and connection.has_extn("starttls"):
                connection.starttls()
            if parts.username:
                connection.login(unquote(parts.username), unquote(parts.password or ""))
            connection.send_message(message)


def init_app(app, settings) -> None:
    app.extensions["finder.mailer"] = SmtpMailer(settings.smtp_url, settings.mail_from) if settings.smtp_url else None


def mailer() -> Mailer | None:
    """The application's mailer, or None when no mail server is configured (links are then shown instead)."""
    return current_app.extensions.get("finder.mailer")
