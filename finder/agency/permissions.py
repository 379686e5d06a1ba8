"""The permission matrix: who may do what, in one table, used by the API, the CLI and the agency pages alike.

A row is an action; each role maps to the scope it has: ANY record, its OWN agency's records, or none. Nothing is
allowed that this table does not list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from finder.agency.errors import PermissionDenied
from finder.agency.models import Role


class Action(enum.StrEnum):
    SERVICE_CREATE = "service.create"
    SERVICE_EDIT = "service.edit"  # save a draft, restore a version
    SERVICE_SUBMIT = "service.submit"
    SERVICE_PUBLISH = "service.publish"
    SERVICE_RETIRE = "service.retire"
    SERVICE_HISTORY = "service.history"
    SERVICE_CONFIRM_REVIEWED = "service.confirm_reviewed"
    PEOPLE_INVITE = "people.invite"
    TOKEN_MANAGE = "token.manage"
    APPLICATION_DECIDE = "application.decide"
    STALE_REPORT = "stale.report"  # the whole catalogue's; an agency sees its own list through SERVICE_HISTORY
    AUDIT_READ = "audit.read"
    VOCABULARY_EDIT = "vocabulary.edit"  # the search's synonyms and best bets, for the whole catalogue
    METRICS_VIEW_ALL = "metrics.view_all"  # the whole of government's usage, unmet demand included
    METRICS_VIEW_AGENCY = "metrics.view_agency"  # an agency's usage of its own services
    TRANSACTIONS_RECORD = "transactions.record"  # a service's monthly transaction counts (digital take-up)


class Scope(enum.Enum):
    OWN = "own"
    ANY = "any"


# API tokens act as their agency with an admin's rights over services (so scripts can publish what the agency
# publishes), but cannot manage people or other tokens: a leaked token must not be able to mint more.
API_TOKEN = "api_token"
ANONYMOUS = "anonymous"
SYSTEM = "system"  # the command line: whoever runs it already holds the server

OWN, ANY = Scope.OWN, Scope.ANY
_SERVICE_ADMIN = {
    Action.SERVICE_CREATE,
    Action.SERVICE_EDIT,
    Action.SERVICE_SUBMIT,
    Action.SERVICE_PUBLISH,
    Action.SERVICE_RETIRE,
    Action.SERVICE_HISTORY,
    Action.SERVICE_CONFIRM_REVIEWED,
}
_SERVICE_EDITOR = {
    Action.SERVICE_CREATE,
    Action.SERVICE_EDIT,
    Action.SERVICE_SUBMIT,
    Action.SERVICE_HISTORY,
    Action.SERVICE_CONFIRM_REVIEWED,
}

MATRIX: dict[str, dict[Action, Scope]] = {
    Role.COORDINATOR: dict.fromkeys(Action, ANY),
    SYSTEM: dict.fromkeys(Action, ANY),
    Role.AGENCY_ADMIN: {
        **dict.fromkeys(_SERVICE_ADMIN, OWN),
        Action.PEOPLE_INVITE: OWN,
        Action.TOKEN_MANAGE: OWN,
        Action.METRICS_VIEW_AGENCY: OWN,
        Action.TRANSACTIONS_RECORD: OWN,
    },
    Role.AGENCY_EDITOR: {
        **dict.fromkeys(_SERVICE_EDITOR, OWN),
        Action.METRICS_VIEW_AGENCY: OWN,
        Action.TRANSACTIONS_RECORD: OWN,
    },
    # Agencies' systems report their transaction counts as they publish their services.
    API_TOKEN: {**dict.fromkeys(_SERVICE_ADMIN, OWN), Action.TRANSACTIONS_RECORD: OWN},
    ANONYMOUS: {},
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, an API token, the command line or nobody."""

    role: str
    agency_id: str | None = None
    user_id: str | None = None
    token_id: str | None = None
    label: str = "anonymous"

    @classmethod
    def of_user(cls, user: Any) -> Actor:
        return cls(role=user.role, agency_id=user.agency_id, user_id=user.id, label=user.email)

    @classmethod
    def of_token(cls, token: Any) -> Actor:
        return cls(role=API_TOKEN, agency_id=token.agency_id, token_id=token.id, label=f"token {token.name}")

    @classmethod
    def system(cls, label: str = "command line") -> Actor:
        return cls(role=SYSTEM, label=label)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(role=ANONYMOUS)


def _agency_of(target: Any) -> str | None:
    if target is None or isinstance(target, str):
        return target
    if hasattr(target, "agency_id"):
        return target.agency_id
    return target.id  # an Agency


def can(actor: Actor, action: Action, target: Any = None) -> bool:
    """Whether the actor may do the action on the target (a Service, an Agency, an agency id, or None for
    actions on no one agency's records, which only an ANY scope allows)."""
    scope = MATRIX.get(actor.role, {}).get(action)
    if scope is ANY:
        return True
    if scope is OWN:
        agency_id = _agency_of(target)
        return agency_id is not None and agency_id == actor.agency_id
    return False


def require(actor: Actor, action: Action, target: Any = None) -> None:
    """Raise PermissionDenied unless `can(actor, action, target)`."""
    if not can(actor, action, target):
        raise PermissionDenied(f"{actor.label} may not {action.value.replace('.', ' ')} here")
