"""People and their roles: the first coordinator, agencies' applications, invitations, logins with throttling,
password change and reset."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.agency import passwords
from finder.agency.audit import audit, client_pseudonym
from finder.agency.errors import (
    AccountLocked,
    InvalidInput,
    LoginFailed,
    NotFound,
    TokenInvalid,
    TooManyAttempts,
)
from finder.agency.mail import mailer
from finder.agency.models import AgencyApplication, ApplicationStatus, Invitation, Role, User
from finder.agency.permissions import Action, Actor, require
from finder.agency.tokens import digest, new_secret
from finder.catalogue.import_export.hsds import slugify
from finder.catalogue.models import Agency, derived_id, utcnow
from finder.db import database
from finder.ratelimit import rate_limits

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# Where the agency pages will take an invitation and a reset link (the pages themselves come with the web UI).
INVITATION_PATH = "/agency/invitations/{token}"
PASSWORD_RESET_PATH = "/agency/password-reset/{token}"
AGENCY_ROLES = (Role.AGENCY_ADMIN, Role.AGENCY_EDITOR)


def _settings():
    return current_app.config["FINDER"]


def _email(value: str | None, field: str = "/email") -> str:
    email = (value or "").strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise InvalidInput({field: _("enter an email address such as name@agency.gov")})
    return email


def _link(path: str) -> str:
    """The absolute link mailed or shown; in the language the action was taken in (the agency pages take ?lang=),
    as the person it is for most likely reads that one."""
    link = (_settings().public_url or "http://localhost:5000").rstrip("/") + path
    language = str(get_locale() or "")
    return link if language in ("", _settings().default_language) else f"{link}?lang={language}"


def user_by_email(session: Session, email: str) -> User | None:
    """The account with this email (compared without case or surrounding spaces), or None."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(session: Session, email: str, password: str, role: Role, agency_id: str | None = None) -> User:
    """A new account with a checked password; the email must be free."""
    email = _email(email)
    if user_by_email(session, email) is not None:
        raise InvalidInput({"/email": _("an account with this email already exists")})
    if (role is Role.COORDINATOR) != (agency_id is None):
        raise InvalidInput({"/role": _("agency roles need an agency; the coordinator belongs to none")})
    passwords.check_strength(password, email=email)
    user = User(email=email, password_hash=passwords.hash_password(password), role=role.value, agency_id=agency_id)
    session.add(user)
    session.flush()
    return user


def create_coordinator(session: Session, email: str, password: str) -> User:
    """Bootstrap a coordinator (the national office); used from the command line."""
    user = create_user(session, email, password, Role.COORDINATOR)
    audit(session, "user.create", Actor.system(), target_type="user", target_id=user.id, detail={"role": user.role})
    return user


def change_role(session: Session, actor: Actor, user_id: str, role: Role) -> User:
    """Give an agency member another agency role (admins for their agency; the coordinator for any)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user has the id {user_id!r}")
    require(actor, Action.PEOPLE_INVITE, user)
    if role not in AGENCY_ROLES or user.agency_id is None:
        raise InvalidInput({"/role": _("only agency members can move between agency admin and editor")})
    if user.role != role.value:
        audit(
            session,
            "role.change",
            actor,
            agency_id=user.agency_id,
            target_type="user",
            target_id=user.id,
            detail={"from": user.role, "to": role.value},
        )
        user.role = role.value
    return user


# Applications --------------------------------------------------------------------------------------------------


def apply_for_account(
    session: Session, *, agency_name: str, contact_name: str, email: str, message: str | None = None
) -> AgencyApplication:
    """An agency asks to join (the public form); a coordinator decides."""
    errors: dict[str, Any] = {}
    agency_name, contact_name = (agency_name or "").strip(), (contact_name or "").strip()
    if not 2 <= len(agency_name) <= 300:
        errors["/agency_name"] = _("enter the agency's full name (2 to 300 characters)")
    if not 2 <= len(contact_name) <= 200:
        errors["/contact_name"] = _("enter your name (2 to 200 characters)")
    try:
        email = _email(email)
    except InvalidInput as bad:
        errors.update(bad.errors)
    if message and len(message) > 5000:
        errors["/message"] = _("keep the message under 5,000 characters")
    if errors:
        raise InvalidInput(errors)
    application = AgencyApplication(
        agency_name=agency_name, contact_name=contact_name, email=email, message=message or None
    )
    session.add(application)
    session.flush()
    return application


def applications(session: Session, actor: Actor, status: ApplicationStatus | None = ApplicationStatus.PENDING):
    """Applications (pending ones by default), oldest first."""
    require(actor, Action.APPLICATION_DECIDE)
    query = select(AgencyApplication).order_by(AgencyApplication.created_at)
    if status is not None:
        query = query.where(AgencyApplication.status == status.value)
    return list(session.scalars(query))


def _pending(session: Session, actor: Actor, application_id: str) -> AgencyApplication:
    require(actor, Action.APPLICATION_DECIDE)
    application = session.get(AgencyApplication, application_id)
    if application is None:
        raise NotFound(f"no application has the id {application_id!r}")
    if application.status != ApplicationStatus.PENDING:
        raise InvalidInput(
            {"/status": _("this application was already decided (%(status)s)", status=application.status)}
        )
    return application


def approve_application(
    session: Session, actor: Actor, application_id: str, *, agency_id: str | None = None
) -> tuple[Agency, Invitation, str]:
    """Approve: the agency (an existing one, or a new one named as applied) gets the applicant invited as its
    first admin. Returns the agency, the invitation and its one-time link."""
    application = _pending(session, actor, application_id)
    if agency_id is not None:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise InvalidInput({"/agency_id": _("no agency has the id %(id)s", id=repr(agency_id))})
    else:
        slug = slugify(application.agency_name)
        agency = session.scalar(select(Agency).where(Agency.slug == slug))
        if agency is None:
            agency = Agency(id=derived_id("agency", slug), slug=slug, name=application.agency_name)
            session.add(agency)
            session.flush()
    application.status = ApplicationStatus.APPROVED.value
    application.agency_id, application.decided_by_id, application.decided_at = agency.id, actor.user_id, utcnow()
    audit(
        session, "application.approve", actor, agency_id=agency.id, target_type="application", target_id=application.id
    )
    invitation, link = invite(session, actor, agency.id, application.email, Role.AGENCY_ADMIN)
    return agency, invitation, link


def reject_application(session: Session, actor: Actor, application_id: str, reason: str) -> AgencyApplication:
    """Reject with a reason the applicant will be told."""
    application = _pending(session, actor, application_id)
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 2000:
        raise InvalidInput({"/reason": _("say why the application is rejected (3 to 2,000 characters)")})
    application.status, application.rejection_reason = ApplicationStatus.REJECTED.value, reason
    application.decided_by_id, application.decided_at = actor.user_id, utcnow()
    audit(session, "application.reject", actor, target_type="application", target_id=application.id)
    found = mailer()
    if found is not None:
        found.send(
            application.email,
            gettext("Your Service Finder application"),
            gettext("Your application was not approved: %(reason)s", reason=reason),
        )
    return application


# Invitations ---------------------------------------------------------------------------------------------------


def invite(session: Session, actor: Actor, agency_id: str, email: str, role: Role) -> tuple[Invitation, str]:
    """Invite a person into the agency in an agency role; returns the invitation and its one-time link, which
    is also mailed when a mail server is configured."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no agency has the id {agency_id!r}")
    require(actor, Action.PEOPLE_INVITE, agency)
    if role not in AGENCY_ROLES:
        raise InvalidInput({"/role": _("invite as agency_admin or agency_editor")})
    email = _email(email)
    if user_by_email(session, email) is not None:
        raise InvalidInput({"/email": _("this person already has an account")})
    secret = new_secret()
    invitation = Invitation(
        email=email,
        role=role.value,
        agency_id=agency.id,
        token_hash=digest(secret),
        expires_at=utcnow() + dt.timedelta(days=_settings().invitation_days),
        created_by_id=actor.user_id,
    )
    session.add(invitation)
    session.flush()
    audit(
        session,
        "invitation.create",
        actor,
        agency_id=agency.id,
        target_type="invitation",
        target_id=invitation.id,
        detail={"role": role.value},
    )
    link = _link(INVITATION_PATH.format(token=secret))
    found = mailer()
    if found is not None:
        days = _settings().invitation_days
        found.send(
            email,
            gettext("Join %(agency)s on Service Finder", agency=agency.name),
            gettext(
                "You are invited to maintain the services of %(agency)s. Set your password here (the link works "
                "once, for %(days)d days):",
                agency=agency.name,
                days=days,
            )
            + f"\n\n{link}\n",
        )
    return invitation, link


def pending_invitation(session: Session, token: str) -> Invitation:
    """The invitation a link stands for, if it is unused and unexpired (raise TokenInvalid otherwise)."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == digest(token or "")))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        raise TokenInvalid("this invitation link is unknown, used or expired")
    return invitation


def accept_invitation(session: Session, token: str, password: str) -> User:
    """Create the invited person's account with their chosen password; the link then stops working."""
    invitation = pending_invitation(session, token)
    user = create_user(session, invitation.email, password, Role(invitation.role), invitation.agency_id)
    invitation.accepted_at = utcnow()
    audit(
        session,
        "role.grant",
        Actor.of_user(user),
        agency_id=user.agency_id,
        target_type="user",
        target_id=user.id,
        detail={"role": user.role, "invitation": invitation.id},
    )
    return user


# Logging in ----------------------------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    """The user with this email and password, or raise LoginFailed, AccountLocked or TooManyAttempts.

    Runs its own transaction, so that failed attempts and lockouts are kept although the caller gets an error.
    """
    settings = _settings()
    client = client_pseudonym()
    with database().transaction() as session:
        if client is not None and not rate_limits().allow(f"login:{client}", settings.login_rate_limit):
            audit(session, "login.throttled", Actor.anonymous())
            outcome: Exception | User = TooManyAttempts("too many logins from this address; try again later")
        else:
            outcome = _check_login(session, settings, (email or "").strip().lower()[:254], password or "")
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _check_login(session: Session, settings, email: str, password: str) -> User | Exception:
    now = utcnow()
    user = user_by_email(session, email) if email else None
    if user is not None and user.locked_until is not None and user.locked_until > now:
        audit(
            session,
            "login.failed",
            Actor.of_user(user),
            target_type="user",
            target_id=user.id,
            detail={"why": "locked"},
        )
        return AccountLocked(user.locked_until)
    matches = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        if user is None:
            audit(session, "login.failed", Actor(role="anonymous", label="unknown account"), detail={"why": "unknown"})
            return LoginFailed("wrong email or password")
        user.failed_logins += 1
        audit(
            session,
            "login.failed",
            Actor.of_user(user),
            target_type="user",
            target_id=user.id,
            detail={"why": "password" if not matches else "inactive"},
        )
        if user.failed_logins >= settings.lockout_threshold:
            user.locked_until, user.failed_logins = now + dt.timedelta(minutes=settings.lockout_minutes), 0
            audit(session, "login.lockout", Actor.of_user(user), target_type="user", target_id=user.id)
            return AccountLocked(user.locked_until)
        return LoginFailed("wrong email or password")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    audit(session, "login", Actor.of_user(user), target_type="user", target_id=user.id)
    return user


def set_active(session: Session, actor: Actor, user_id: str, active: bool) -> User:
    """Deactivate an agency member (they are signed out at once and cannot log in) or reactivate them."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user has the id {user_id!r}")
    require(actor, Action.PEOPLE_INVITE, user)
    if user.id == actor.user_id:
        raise InvalidInput({"/active": _("you cannot deactivate yourself")})
    if user.active != active:
        user.active = active
        audit(
            session,
            "user.activate" if active else "user.deactivate",
            actor,
            agency_id=user.agency_id,
            target_type="user",
            target_id=user.id,
        )
    return user


def people_of(session: Session, actor: Actor, agency_id: str) -> list[User]:
    """The agency's people, admins first, then by email."""
    require(actor, Action.PEOPLE_INVITE, agency_id)
    query = select(User).where(User.agency_id == agency_id).order_by(User.role, User.email)
    return list(session.scalars(query))


def record_logout(session: Session, user: User) -> None:
    """Note a logout in the audit log (the page calls Flask-Login's logout_user)."""
    audit(session, "logout", Actor.of_user(user), target_type="user", target_id=user.id)


def change_password(session: Session, user: User, current_password: str, new_password: str) -> None:
    """Change one's own password, proving the current one."""
    if not passwords.verify_password(user.password_hash, current_password or ""):
        raise InvalidInput({"/current_password": _("this is not your current password")})
    passwords.check_strength(new_password or "", email=user.email, field="/new_password")
    user.password_hash = passwords.hash_password(new_password)
    audit(session, "password.change", Actor.of_user(user), target_type="user", target_id=user.id)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_settings().secret_key, salt="finder.agency.password-reset")


def request_password_reset(session: Session, email: str) -> str | None:
    """A reset link for the account, mailed when a mail server is configured; None for an unknown email (the
    page says the same either way, so that it does not tell who has an account)."""
    user = user_by_email(session, email or "")
    if user is None or not user.active:
        return None
    token = _reset_serializer().dumps({"user": user.id, "hash": _hash_tag(user)})
    link = _link(PASSWORD_RESET_PATH.format(token=token))
    audit(session, "password.reset_request", Actor.of_user(user), target_type="user", target_id=user.id)
    found = mailer()
    if found is not None:
        found.send(
            user.email,
            gettext("Reset your Service Finder password"),
            gettext(
                "Set a new password here (the link works once, for %(hours)d hours):",
                hours=_settings().password_reset_hours,
            )
            + f"\n\n{link}\n",
        )
    return link


def _hash_tag(user: User) -> str:
    """A digest of the current password hash: a reset link carries it, so it stops working once the password
    changes (one-time) without exposing any of the hash itself."""
    return digest(user.password_hash)[:16]


def reset_password(session: Session, token: str, new_password: str) -> User:
    """Set a new password from a reset link (raise TokenInvalid for a bad, used or expired one)."""
    try:
        data = _reset_serializer().loads(token or "", max_age=_settings().password_reset_hours * 3600)
    except BadSignature:
        raise TokenInvalid("this reset link is unknown, used or expired") from None
    user = session.get(User, data.get("user", "")) if isinstance(data, dict) else None
    if user is None or _hash_tag(user) != data.get("hash"):
        raise TokenInvalid("this reset link is unknown, used or expired")
    passwords.check_strength(new_password or "", email=user.email)
    user.password_hash = passwords.hash_password(new_password)
    user.failed_logins, user.locked_until = 0, None
    audit(session, "password.reset", Actor.of_user(user), target_type="user", target_id=user.id)
    return user


# Demo accounts (FINDER_ENV=development only; documented in the README) ----------------------------------------

DEMO_PASSWORD = "Meridia-Demo-Password-2026"
DEMO_COORDINATOR = "coordinator@demo.meridia.example"


def demo_admin_email(agency: Agency) -> str:
    return f"admin@{agency.slug}.demo.meridia.example"


def create_demo_accounts(session: Session) -> int:
    """One coordinator and one admin per agency, all with DEMO_PASSWORD; accounts already there are kept.
    Refuses outside development, so that a known password can never open a real catalogue."""
    if _settings().env != "development":
        raise PermissionError("demo accounts exist only when FINDER_ENV=development")
    wanted = [(DEMO_COORDINATOR, Role.COORDINATOR, None)] + [
        (demo_admin_email(a), Role.AGENCY_ADMIN, a.id) for a in session.scalars(select(Agency).order_by(Agency.slug))
    ]
    made = 0
    for email, role, agency_id in wanted:
        if user_by_email(session, email) is None:
            session.add(
                User(
                    email=email,
                    password_hash=passwords.hash_password(DEMO_PASSWORD),
                    role=role.value,
                    agency_id=agency_id,
                )
            )
            made += 1
    session.flush()
    return made
