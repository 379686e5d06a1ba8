"""Agencies at work: accounts and roles, applications and invitations, API tokens, the permission matrix, the
publishing workflow with its version history, stale-content review, and the audit log.

The agency pages, the write API and the CLI use this face only; every action takes an `Actor` and is checked
against the one permission matrix (permissions.py).
"""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from finder.agency.accounts import (
    INVITATION_PATH,
    PASSWORD_RESET_PATH,
    accept_invitation,
    applications,
    apply_for_account,
    approve_application,
    authenticate,
    change_password,
    change_role,
    create_coordinator,
    create_demo_accounts,
    create_user,
    invite,
    pending_invitation,
    people_of,
    record_logout,
    reject_application,
    request_password_reset,
    reset_password,
    set_active,
    user_by_email,
)
from finder.agency.audit import audit, audit_log
from finder.agency.checks import Finding, check_service, plain_language_hints, similar_services, untranslated
from finder.agency.errors import (
    AccountLocked,
    AgencyError,
    InvalidInput,
    LoginFailed,
    NotFound,
    PermissionDenied,
    TokenInvalid,
    TooManyAttempts,
    WorkflowError,
)
from finder.agency.history import FieldChange, diff, record_changed_versions, record_version, version, versions
from finder.agency.mail import Mailer
from finder.agency.models import (
    AgencyApplication,
    ApiToken,
    ApplicationStatus,
    AuditEvent,
    Invitation,
    Role,
    ServiceVersion,
    User,
)
from finder.agency.offices import office_for, office_record, offices_of, save_office
from finder.agency.permissions import MATRIX, Action, Actor, can, require
from finder.agency.records import RecordFormat
from finder.agency.review import confirm_reviewed, stale_services
from finder.agency.tokens import create_token, revoke_token, token_agency, tokens_of
from finder.agency.workflow import (
    TRANSITIONS,
    Conflict,
    Saved,
    restore,
    review_queue,
    save_service,
    service_for,
    services_of,
    transition,
)


def init_app(app: Flask) -> None:
    """Sessions for the agency pages (Flask-Login; its remember cookie as safe as the session cookie) and the mailer."""
    from finder.agency import mail
    from finder.db import request_session

    secure = app.config["SESSION_COOKIE_SECURE"]
    app.config.update(REMEMBER_COOKIE_SECURE=secure, REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax")
    login_manager = LoginManager(app)
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        user_id, _, tag = session_id.partition(".")
        user = request_session().get(User, user_id)
        if user is None or not user.active or user.session_tag() != tag:
            return None
        return user

    mail.init_app(app, app.config["FINDER"])
    from finder.agency import web

    web.init_app(app)


__all__ = [
    "INVITATION_PATH",
    "MATRIX",
    "PASSWORD_RESET_PATH",
    "TRANSITIONS",
    "AccountLocked",
    "Action",
    "Actor",
    "AgencyApplication",
    "AgencyError",
    "ApiToken",
    "ApplicationStatus",
    "AuditEvent",
    "Conflict",
    "FieldChange",
    "Finding",
    "InvalidInput",
    "Invitation",
    "LoginFailed",
    "Mailer",
    "NotFound",
    "PermissionDenied",
    "RecordFormat",
    "Role",
    "Saved",
    "ServiceVersion",
    "TokenInvalid",
    "TooManyAttempts",
    "User",
    "WorkflowError",
    "accept_invitation",
    "applications",
    "apply_for_account",
    "approve_application",
    "audit",
    "audit_log",
    "authenticate",
    "can",
    "change_password",
    "change_role",
    "check_service",
    "confirm_reviewed",
    "create_coordinator",
    "create_demo_accounts",
    "create_token",
    "create_user",
    "diff",
    "init_app",
    "invite",
    "office_for",
    "office_record",
    "offices_of",
    "pending_invitation",
    "people_of",
    "plain_language_hints",
    "record_changed_versions",
    "record_logout",
    "record_version",
    "reject_application",
    "request_password_reset",
    "require",
    "reset_password",
    "restore",
    "review_queue",
    "revoke_token",
    "save_office",
    "save_service",
    "service_for",
    "services_of",
    "set_active",
    "similar_services",
    "stale_services",
    "token_agency",
    "tokens_of",
    "transition",
    "untranslated",
    "user_by_email",
    "version",
    "versions",
]
