"""What can go wrong on the agency side; the web pages, the API and the CLI each turn these into their answer."""

from __future__ import annotations

from typing import Any


class AgencyError(Exception):
    """Base of the agency domain's refusals."""


class PermissionDenied(AgencyError):
    """The actor's role does not allow this action on this record."""


class NotFound(AgencyError):
    """No such record (service, application, token, user, version)."""


class InvalidInput(AgencyError):
    """Input was refused; `errors` maps each bad field (a JSON pointer such as "/email") to what is wrong (a lazy
    translation, read in the language of whoever is shown it, or a plain string)."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        # Joined when read, so that each message is in the reader's language.
        return "; ".join(f"{field}: {message}" for field, message in self.errors.items())


class WorkflowError(AgencyError):
    """The service cannot move from its status to the one asked (e.g. a draft straight to retired)."""


class LoginFailed(AgencyError):
    """Wrong email or password (deliberately not saying which)."""


class AccountLocked(AgencyError):
    """Too many failed logins in a row: the account is locked until `until` (UTC)."""

    def __init__(self, until) -> None:
        self.until = until
        super().__init__(f"locked until {until:%Y-%m-%d %H:%M} UTC")


class TooManyAttempts(AgencyError):
    """Too many logins from one address; try again later."""


class TokenInvalid(AgencyError):
    """An invitation, reset or API token that is unknown, expired, used or revoked."""
